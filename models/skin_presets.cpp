// SPDX-License-Identifier: BSD-3-Clause
#include "skin_presets.hpp"

namespace dermasim {

namespace {

// Sources by key ([Key], defined in docs/references.md), with the tags: [V] read in the cited source,
// [D] derived from [V] numbers, [M] recalled handbook value (not verified), [C] clinical / marketing
// statement. "assumption" marks a choice made here because no source has a value; it is never
// dressed up as a measurement.

constexpr double um = 1e-6;
constexpr double mm = 1e-3;
constexpr double g_m2_h = 1e-3 / 3600.0;  // 1 g/m2/h in kg/m2/s

// --- water; LayerDef::water is a volume fraction ---
// SC: the SurreyDPK profile is a mass fraction, 0.25 (dry surface) -> 0.55 (saturated base), linear in
// depth. With Surrey's dry composition (lipid/keratin 0.125/0.875 by mass, densities lipid 0.9,
// keratin 1.37, water 1.0 g/cm3) one gram of dry SC is 0.778 cm3, so phi = w / (w + 0.778 (1 - w)):
// 0.25 w/w -> 0.30, 0.55 w/w -> 0.61 by volume; the depth mean of phi over the linear profile is 0.46
// ([Derived:sc-water-volume]).
constexpr double sc_water = 0.46;
const char* const sc_water_src =
    "water 0.46 vol [D]: depth mean of the SurreyDPK SC profile 0.25 -> 0.55 w/w ([V] SurreyDPK "
    "core/stracorn.py [Code:SurreyDPK], [Derived:sc-water-volume]) converted to volume with Surrey's lipid/keratin 0.125/0.875 and densities "
    "0.9/1.37/1.0 g/cm3 (0.30 -> 0.61 vol); in-vivo Raman 15-35 % -> 60-70 % [M] (Caspers 2001 [Caspers2001])";
constexpr double ve_water = 0.70;
const char* const ve_water_src =
    "water 0.70 [M] (viable epidermis ~70 %, not verified [Assumed:viable-epidermis-water]; read as a volume fraction, density ~1 g/mL)";
constexpr double dermis_water = 0.66;
const char* const dermis_water_src =
    "water 0.66 [V] (skin water volume fraction 0.66, uncompressed porcine skin by OCT [Web:skin-water-oct]; "
    "total water - the mobile interstitial fraction for Darcy is lower, 0.3-0.6 [M] [Assumed:isf-fraction])";
const char* const fat_water_src =
    "water not given: no source has a value for subcutaneous fat (left unset, 0)";

// --- clearance ([Derived:clearance-defaults]) ---
constexpr double k_cap_papillary = 1e-3;  // 1/s [D] [Derived:clearance-defaults]
constexpr double k_cap_reticular = 3e-4;  // 1/s [D] [Derived:clearance-defaults]
constexpr double k_lymph = 1.5e-5;        // 1/s [D] [Derived:clearance-defaults]
const char* const avascular_src = "clearance 0: the epidermis has no blood or lymph vessels";
const char* const papillary_clear_src =
    "clearance k_cap 1e-3 1/s, k_lymph 1.5e-5 1/s [D] ([Derived:clearance-defaults]: fast papillary vessels, bi-exponential "
    "99mTc washout [V] [Web:pertechnetate-clearance]; k_cap range 1e-4 - 2e-3 1/s; lymph from albumin / "
    "FITC-dextran washout 5.6e-6 - 3.1e-5 1/s [V] [Web:albumin-removal-rat], [Web:fitc-dextran-lymph])";
const char* const reticular_clear_src =
    "clearance k_cap 3e-4 1/s, k_lymph 1.5e-5 1/s [D] ([Derived:clearance-defaults]: slow reticular vessels; "
    "range 1e-4 - 2e-3 1/s)";
const char* const face_factor_src =
    "; not scaled for the face: face perfusion is higher than leg ([V] basal-perfusion study "
    "[Web:regional-perfusion]) but no factor was found, so facial clearance is likely underestimated";
const char* const fat_clear_src =
    "clearance: no source gives a hypodermis value; the reticular-dermis defaults 3e-4 / "
    "1.5e-5 1/s [D] are assumed (nearest vascularised tissue with a default) [Assumed:fat-clearance]";

// --- TEWL ---
const char* const face_tewl_src =
    "15 g/m2/h (4.2e-6 kg/m2/s) [M]: cheek default [Assumed:cheek-tewl]; cheek mean not extracted, "
    "only 'higher than forearm' [V] [Web:tewl-forearm]";

std::string cat(std::initializer_list<std::string> parts) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty() && p.front() != ';') s += "; ";
    s += p;
  }
  return s;
}

LayerDef layer(std::string name, double thickness, int cells, double grading, std::string toward, double k_cap,
               double k_lymph_, double water, std::string source, std::string kind = "") {
  LayerDef l;
  l.kind = kind.empty() ? name : std::move(kind);
  l.name = std::move(name);
  l.thickness = thickness;
  l.cells = cells;
  l.grading = grading;
  l.toward = std::move(toward);
  l.clearance = k_cap;
  l.lymph_clearance = k_lymph_;
  l.water = water;
  l.source = std::move(source);
  return l;
}

const char* const in_vivo_bottom =
    "no_flux: the subcutaneous fat rests on muscle / fascia, which is taken as closed (assumption; "
    "no source gives a deeper layer)";

}  // namespace

const std::vector<SkinPreset>& skin_presets() {
  static const std::vector<SkinPreset> presets = [] {
    std::vector<SkinPreset> p;
    // The order matters only for messages: the unknown-preset error lists the names in this order
    // (tests/cli/bad/unknown_preset.yaml expects "face_cheek, forearm_invitro" first).

    // ---------------------------------------------------------------------------------------------
    // Facial (cheek) column, in vivo. [Derived:cheek-column]:
    // SC 15 um, viable epidermis 45 um, papillary dermis 200 um, reticular dermis 800 um, hypodermis
    // 4 mm. Cells: 122 in depth; SC 20 uniform cells (0.75 um).
    SkinPreset face;
    face.name = "face_cheek";
    face.description =
        "facial skin over the cheek (zygoma), in vivo: blood and lymph clearance in the dermis and fat, closed below "
        "the fat";
    face.layers = {
        layer("stratum_corneum", 15 * um, 20, 1.0, "both", 0.0, 0.0, sc_water,
              cat({"thickness 15 um [D] ([Derived:cheek-column]; cheek SC 16.8 um by Raman [V], Egawa 2007 "
                   "[Egawa2007]; 11-site OCT mean 14.1 um [V], Tsugita 2013 [Tsugita2013])",
                   avascular_src, sc_water_src})),
        layer("viable_epidermis", 45 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({"thickness 45 um [D] ([Derived:cheek-column]: facial epidermis 29.6-62.6 um by histology [V], "
                   "Chopra 2015 [Chopra2015]; mid-range)",
                   avascular_src, ve_water_src})),
        layer("papillary_dermis", 200 * um, 24, 3.0, "both", k_cap_papillary, k_lymph, dermis_water,
              cat({"thickness 200 um [D] ([Derived:cheek-column]: no direct measurement, 0.15-0.25 mm; ~20 % of "
                   "dermis [C] [Claim:papillary-fraction]; capillary loops ~150 um below the DEJ [V] "
                   "[Web:capillary-loops])",
                   papillary_clear_src, face_factor_src, dermis_water_src})),
        layer("reticular_dermis", 800 * um, 32, 4.0, "both", k_cap_reticular, k_lymph, dermis_water,
              cat({"thickness 800 um [D] ([Derived:cheek-column]: cheek/zygoma dermis 1.0 mm by ultrasound [V], Meng 2022 [Meng2022] "
                   "(F 0.87, M 1.14 mm), minus the papillary 0.2 mm)",
                   reticular_clear_src, face_factor_src, dermis_water_src})),
        layer("hypodermis", 4 * mm, 30, 8.0, "top", k_cap_reticular, k_lymph, 0.0,
              cat({"thickness 4 mm [M] (cheek fat 3-5 mm, not verified - cheek value not extracted, "
                   "[Assumed:cheek-fat]; other facial sites 2-6 mm [V], Iyengar 2018 [Iyengar2018])",
                   fat_clear_src, fat_water_src})),
    };
    face.bottom_sink = false;
    face.bottom_note = in_vivo_bottom;
    face.tewl = 15 * g_m2_h;
    face.tewl_source = face_tewl_src;
    p.push_back(face);

    // ---------------------------------------------------------------------------------------------
    // Forearm skin in a Franz cell (OECD TG 428): dermatomed, receptor fluid below, no blood flow.
    // [Derived:forearm-column]: SC 20 um, viable epidermis 60 um, dermis 200-400 um.
    // Cells: 64 in depth; SC 24 uniform cells (0.83 um).
    SkinPreset invitro;
    invitro.name = "forearm_invitro";
    invitro.description =
        "dermatomed forearm skin in a diffusion (Franz) cell, OECD TG 428: receptor sink below, no clearance";
    const char* const excised = "clearance 0: excised skin has no blood or lymph flow (in vitro vs in vivo "
                                "caffeine, corium ~450x higher in vitro [V] [Web:caffeine-invitro-invivo])";
    invitro.layers = {
        layer("stratum_corneum", 20 * um, 24, 1.0, "both", 0.0, 0.0, sc_water,
              cat({"thickness 20 um ([Derived:forearm-column]; volar forearm SC 17.6-22.6 um by Raman [V] "
                   "[Egawa2007], [Web:forearm-sc-raman]; dorsal forearm 18.3 um by histology [V], "
                   "Sandby-Moller 2003 [SandbyMoller2003])",
                   excised, sc_water_src})),
        layer("viable_epidermis", 60 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({"thickness 60 um ([Derived:forearm-column]; dorsal forearm viable epidermis 56.6 um [V], "
                   "Sandby-Moller 2003 [SandbyMoller2003])",
                   excised, ve_water_src})),
        layer("dermis", 300 * um, 24, 3.0, "both", 0.0, 0.0, dermis_water,
              cat({"thickness 300 um ([Derived:forearm-column]: dermatomed dermis 200-400 um in the column, "
                   "200-500 um [V] (Kraeling & Bronaugh ~200 um [Web:kraeling-bronaugh]); mid value)",
                   excised, dermis_water_src, "in-vivo value assumed for the hydrated skin in the cell"})),
    };
    invitro.bottom_sink = true;
    invitro.bottom_note = "sink: receptor fluid of the diffusion cell ([Derived:forearm-column]: 'sink below')";
    invitro.tewl = 0;
    invitro.tewl_source =
        "not set: evaporation in a diffusion cell depends on the donor chamber (open or occluded), not on the "
        "donor site; the IVPT acceptance limit TEWL < 15 g/m2/h ([V] [Web:ivpt-tewl]) is a barrier check, not a flux";
    p.push_back(invitro);

    // ---------------------------------------------------------------------------------------------
    // Periorbital (eyelid / under-eye) skin, in vivo: the thinnest facial skin. The sources give the
    // eyelid dermis (F 0.58 +- 0.11 mm by ultrasound, [Meng2022]; 0.76 mm upper medial eyelid by
    // histology, [Chopra2015]) but no periorbital SC, epidermis or fat. Cells: 104 in depth.
    SkinPreset peri;
    peri.name = "face_periorbital";
    peri.description =
        "periorbital (eyelid / under-eye) skin, in vivo: thin dermis, blood and lymph clearance, closed below a "
        "thin fat layer (fat thickness assumed)";
    peri.layers = {
        layer("stratum_corneum", 15 * um, 20, 1.0, "both", 0.0, 0.0, sc_water,
              cat({"thickness 15 um: no periorbital SC value found; the facial (cheek) default 15 um "
                   "[D] [Derived:cheek-column] is used (cheek 16.8 um [V], 11-site OCT mean 14.1 um [V])",
                   avascular_src, sc_water_src})),
        layer("viable_epidermis", 30 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({"thickness 30 um: eyelid epidermis not extracted; the low end of the facial "
                   "range 29.6-62.6 um [V] (Chopra 2015 [Chopra2015]) is assumed because the eyelid has the "
                   "thinnest facial dermis (Meng 2022 [Meng2022])",
                   avascular_src, ve_water_src})),
        layer("papillary_dermis", 150 * um, 24, 3.0, "both", k_cap_papillary, k_lymph, dermis_water,
              cat({"thickness 150 um: low end of the 0.15-0.25 mm papillary range [D] [Derived:cheek-column], "
                   "chosen for the thin eyelid dermis and to keep the capillary loops (~150 um below the DEJ "
                   "[V] [Web:capillary-loops]) in it",
                   papillary_clear_src, face_factor_src, dermis_water_src})),
        layer("reticular_dermis", 450 * um, 24, 4.0, "both", k_cap_reticular, k_lymph, dermis_water,
              cat({"thickness 450 um [D]: eyelid dermis 0.6 mm (F 0.58 +- 0.11 mm by ultrasound [V], Meng "
                   "2022 [Meng2022]; histology 0.76 mm [V], Chopra 2015 [Chopra2015]) minus the papillary 0.15 mm",
                   reticular_clear_src, face_factor_src, dermis_water_src})),
        layer("hypodermis", 1 * mm, 20, 6.0, "top", k_cap_reticular, k_lymph, 0.0,
              cat({"thickness 1 mm: ASSUMPTION, a round placeholder - no periorbital fat value was "
                   "found; the thinnest facial fat listed is 2 mm (forehead [V], Iyengar 2018 [Iyengar2018]) and eyelid "
                   "subcutaneous tissue is thinner than that",
                   fat_clear_src, fat_water_src})),
    };
    peri.bottom_sink = false;
    peri.bottom_note =
        "no_flux: the thin fat rests on the orbicularis oculi muscle, taken as closed (assumption; no source "
        "gives a deeper layer)";
    peri.tewl = 15 * g_m2_h;
    peri.tewl_source = std::string("no periorbital TEWL found; the cheek default is used: ") + face_tewl_src;
    p.push_back(peri);

    // ---------------------------------------------------------------------------------------------
    // Forehead, in vivo. Forehead dermis F 0.86 +- 0.16, M 1.17 +- 0.28 mm (ultrasound, [Meng2022]);
    // forehead fat 2 mm ([Iyengar2018]). Cells: 116 in depth.
    SkinPreset forehead;
    forehead.name = "forehead";
    forehead.description =
        "forehead skin, in vivo: blood and lymph clearance in the dermis and fat, closed below the fat (frontalis "
        "muscle)";
    forehead.layers = {
        layer("stratum_corneum", 15 * um, 20, 1.0, "both", 0.0, 0.0, sc_water,
              cat({"thickness 15 um: no forehead SC value found; the facial (cheek) default 15 um [D] "
                   "[Derived:cheek-column] is used (cheek 16.8 um [V], 11-site OCT mean 14.1 um [V])",
                   avascular_src, sc_water_src})),
        layer("viable_epidermis", 45 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({"thickness 45 um: forehead epidermis not extracted; the facial mid-range "
                   "default [D] [Derived:cheek-column] of 29.6-62.6 um [V] (Chopra 2015 [Chopra2015]) is used",
                   avascular_src, ve_water_src})),
        layer("papillary_dermis", 200 * um, 24, 3.0, "both", k_cap_papillary, k_lymph, dermis_water,
              cat({"thickness 200 um [D] ([Derived:cheek-column]: no direct measurement, 0.15-0.25 mm; as the cheek column)",
                   papillary_clear_src, face_factor_src, dermis_water_src})),
        layer("reticular_dermis", 800 * um, 32, 4.0, "both", k_cap_reticular, k_lymph, dermis_water,
              cat({"thickness 800 um [D]: forehead dermis ~1.0 mm (F 0.86 +- 0.16, M 1.17 +- 0.28 mm by "
                   "ultrasound [V], Meng 2022 [Meng2022]; mean of F and M) minus the papillary 0.2 mm",
                   reticular_clear_src, face_factor_src, dermis_water_src})),
        layer("hypodermis", 2 * mm, 24, 8.0, "top", k_cap_reticular, k_lymph, 0.0,
              cat({"thickness 2 mm [V] (forehead subcutaneous fat 2 mm, Iyengar 2018 [Iyengar2018])", fat_clear_src,
                   fat_water_src})),
    };
    forehead.bottom_sink = false;
    forehead.bottom_note = in_vivo_bottom;
    forehead.tewl = 15 * g_m2_h;
    forehead.tewl_source =
        std::string("forehead mean not extracted; the cheek default is used: ") + face_tewl_src;
    p.push_back(forehead);

    // ---------------------------------------------------------------------------------------------
    // Neck, in vivo. No source gives neck values at all: the forehead column (facial SC/epidermis
    // defaults, forehead dermis and fat) is used for every layer and said so. Cells: 116 in depth.
    SkinPreset neck;
    neck.name = "neck";
    neck.description =
        "anterior / lateral neck skin, in vivo - no neck data found: the forehead column is used for every "
        "layer (an assumption); blood and lymph clearance, closed below the fat";
    const char* const no_neck = "no neck value found; forehead column used: ";
    neck.layers = {
        layer("stratum_corneum", 15 * um, 20, 1.0, "both", 0.0, 0.0, sc_water,
              cat({std::string(no_neck) + "15 um, the facial default [D] [Derived:cheek-column] (11-site OCT mean 14.1 um [V])",
                   avascular_src, sc_water_src})),
        layer("viable_epidermis", 45 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({std::string(no_neck) + "45 um, the facial mid-range default [D] (29.6-62.6 um [V], Chopra 2015 [Chopra2015])",
                   avascular_src, ve_water_src})),
        layer("papillary_dermis", 200 * um, 24, 3.0, "both", k_cap_papillary, k_lymph, dermis_water,
              cat({std::string(no_neck) + "200 um [D] [Derived:cheek-column] (no direct papillary measurement, 0.15-0.25 mm)",
                   papillary_clear_src,
                   "no neck perfusion value: the defaults [Derived:clearance-defaults] are used unscaled", dermis_water_src})),
        layer("reticular_dermis", 800 * um, 32, 4.0, "both", k_cap_reticular, k_lymph, dermis_water,
              cat({std::string(no_neck) + "forehead dermis ~1.0 mm (F 0.86, M 1.17 mm by ultrasound [V], Meng "
                                          "2022 [Meng2022]) minus the papillary 0.2 mm",
                   reticular_clear_src, "no neck perfusion value: the defaults [Derived:clearance-defaults] are used unscaled",
                   dermis_water_src})),
        layer("hypodermis", 2 * mm, 24, 8.0, "top", k_cap_reticular, k_lymph, 0.0,
              cat({std::string(no_neck) + "forehead fat 2 mm [V] (Iyengar 2018 [Iyengar2018]); the nearest listed site, "
                                          "submental fat 6 mm [V], is an upper bound",
                   fat_clear_src, fat_water_src})),
    };
    neck.bottom_sink = false;
    neck.bottom_note =
        "no_flux: the fat rests on the platysma muscle, taken as closed (assumption; no source gives a deeper "
        "layer)";
    neck.tewl = 15 * g_m2_h;
    neck.tewl_source = std::string("no neck TEWL found; the cheek default is used: ") + face_tewl_src;
    p.push_back(neck);

    // ---------------------------------------------------------------------------------------------
    // Forearm, in vivo (full thickness, blood and lymph). The sources give the forearm SC and
    // viable epidermis ([Derived:forearm-column]) but no in-vivo forearm dermis or fat: the SurreyDPK
    // default dermis (1.2 mm, [Code:SurreyDPK]) and
    // the cheek fat default (4 mm) are used and said so. Cells: 136 in depth.
    SkinPreset invivo;
    invivo.name = "forearm_invivo";
    invivo.description =
        "volar forearm skin, in vivo, full thickness: blood and lymph clearance in the dermis and fat, closed below "
        "the fat (dermis and fat thickness assumed)";
    invivo.layers = {
        layer("stratum_corneum", 20 * um, 24, 1.0, "both", 0.0, 0.0, sc_water,
              cat({"thickness 20 um (volar forearm SC 17.6-22.6 um by Raman [V] [Egawa2007], [Web:forearm-sc-raman]; "
                   "dorsal 18.3 um by histology [V], Sandby-Moller 2003 [SandbyMoller2003]; as the forearm column)",
                   avascular_src, sc_water_src})),
        layer("viable_epidermis", 60 * um, 16, 2.0, "both", 0.0, 0.0, ve_water,
              cat({"thickness 60 um (dorsal forearm viable epidermis 56.6 +- 11.5 um [V], Sandby-Moller "
                   "2003 [SandbyMoller2003]; as the forearm column)",
                   avascular_src, ve_water_src})),
        layer("papillary_dermis", 200 * um, 24, 3.0, "both", k_cap_papillary, k_lymph, dermis_water,
              cat({"thickness 200 um [D] ([Derived:cheek-column]: no direct measurement, 0.15-0.25 mm)",
                   papillary_clear_src,
                   "not a facial site, so the defaults apply unscaled (leg blood flow 5.7 mL/100 g/min -> "
                   "k <= 9.5e-4 1/s [D] [Derived:clearance-defaults])",
                   dermis_water_src})),
        layer("reticular_dermis", 1000 * um, 36, 4.0, "both", k_cap_reticular, k_lymph, dermis_water,
              cat({"thickness 1000 um: no in-vivo forearm dermis thickness found; the SurreyDPK "
                   "default dermis 1200 um [V] (Caffeine.cfg, [Code:SurreyDPK]) is assumed, minus the papillary 0.2 mm",
                   reticular_clear_src, dermis_water_src})),
        layer("hypodermis", 4 * mm, 36, 12.0, "top", k_cap_reticular, k_lymph, 0.0,
              cat({"thickness 4 mm: ASSUMPTION - no forearm fat value found; the cheek default 4 mm "
                   "[M] [Assumed:cheek-fat] is used as a placeholder",
                   fat_clear_src, fat_water_src})),
    };
    invivo.bottom_sink = false;
    invivo.bottom_note = in_vivo_bottom;
    invivo.tewl = 9.69 * g_m2_h;
    invivo.tewl_source =
        "9.69 +- 2.94 g/m2/h (2.7e-6 kg/m2/s) [V] ([Web:tewl-forearm]: volar forearm, 20-40 y, healthy "
        "Caucasian population study)";
    p.push_back(invivo);
    return p;
  }();
  return presets;
}

const std::vector<std::string>& layer_kinds() {
  static const std::vector<std::string> k = {"stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis",
                                              "dermis", "hypodermis", "membrane", "other"};
  return k;
}

const SkinPreset* find_skin_preset(const std::string& name) {
  for (const auto& p : skin_presets())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace dermasim
