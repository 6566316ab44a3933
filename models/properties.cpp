// SPDX-License-Identifier: BSD-3-Clause
// Property models. Sources are cited by key ([Key], defined in docs/references.md); the tags [V],
// [D], [M] say how each value was obtained (read, derived, recalled). Anything without a source is
// marked "assumption". docs/properties.md explains every formula; keep the two in step.
#include "properties.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace dermasim {

namespace {

// ---- constants, each with its source --------------------------------------------------------------
constexpr double kPi = 3.14159265358979323846;
// Molecular volume 0.9087*MW Angstrom^3 (Kasting convention): [Code:SurreyDPK] chemical.py [V].
constexpr double kVolumePerDalton = 0.9087;
// Potts-Guy 1992: log10 kp[cm/h] = -2.7 + 0.71 log Kow - 0.0061 MW ([PottsGuy1992] [V]).
constexpr double kPgA = -2.7, kPgB = 0.71, kPgC = -0.0061;
// Mitragotri 2002: kp[cm/s] = 5.6e-6 Kow^0.7 exp(-0.46 r^2) ([Mitragotri2002] [V]).
constexpr double kMitA = 5.6e-6, kMitB = 0.7, kMitC = 0.46;
// SC composition ([Chen2015], [Code:SurreyDPK] stracorn.py [V]): densities g/cm3, dry mass fraction
// of lipid, saturated water mass fraction.
constexpr double kRhoLipid = 0.9, kRhoKeratin = 1.37, kRhoWater = 1.0;
constexpr double kDryLipidFraction = 0.125;
constexpr double kWaterSaturated = 0.55;
// SC lipid partition 0.9 Kow^0.69 and diffusivity 2e-9 exp(-0.46 r^2) m2/s (MW <= 380), 3e-13 above
// ([Chen2015], [Mitragotri2011] [V]). Keratin partition 1.37*4.2*Kow^0.31 ([Chen2015] [V]).
constexpr double kLipidExp = 0.69, kKeratinPre = 4.2, kKeratinExp = 0.31;
constexpr double kDLipPre = 2e-9, kDLipLarge = 3e-13, kDLipMwLimit = 380;
// Brick-and-mortar geometry, um ([Chen2015], [Code:SurreyDPK] [V]): corneocyte d x t = 40 x 0.8, lipid g = s = 0.075.
constexpr double kGeomD = 40.0, kGeomT = 0.8, kGeomG = 0.075, kGeomS = 0.075;
// Kasting/Kretsos viable tissue ([Dancik2013], [Code:SurreyDPK] viaepd.py [V]).
constexpr double kB0 = 0.65, kB1 = 0.325, kB2 = 0.025, kKde = 0.6;
constexpr double kDfreeA = -8.15, kDfreeB = -0.655;  // log10 D_free[m2/s] = A + B log10 MW
// Yamazaki & Kanaoka 2004 fraction unbound in 2.7 % albumin, as reproduced in SurreyDPK ([YamazakiKanaoka2004], [Code:SurreyDPK]).
constexpr double kYkAcidA = 0.7936, kYkAcidB = 0.2239, kYkBaseA = 0.5578, kYkBaseB = 0.0188;
constexpr double kPhysiologicalPh = 7.4;
// Stokes-Einstein at 37 C: water viscosity 0.69 mPa s [M] ([Assumed:water-viscosity-37c]).
constexpr double kBoltzmann = 1.380649e-23, kBodyTemperature = 310.15, kWaterViscosity37 = 0.69e-3;
// HA chain size ([Derived:ha-chain-size]): R_g = 0.025 M^0.6 nm ([Assumed:ha-rg-prefactor], slope
// [Mendichi2003] [V]), R_h = 0.65 R_g (0.6-0.7 [D]). Globular proteins R_h = 4.75 N^0.29 Angstrom,
// N = MW/110 ([Web:protein-rh] [V]).
constexpr double kHaRgPre = 0.025, kHaRgExp = 0.6, kHaRhOverRg = 0.65;
constexpr double kProteinPre = 4.75, kProteinExp = 0.29, kResidueMass = 110;
// Hypodermis composition: ASSUMPTION (no source): adipose tissue about 80 % lipid and 15 %
// water by volume; the layer's `water` replaces the water fraction when given.
constexpr double kFatLipidFraction = 0.80, kFatWaterFraction = kAdiposeWaterFraction;
// Validity domain of the permeability QSPRs ([Assumed:qspr-domain]): MW <~ 500-750, log Kow about -3..+6.
constexpr double kDomainMw = 500, kDomainLogKowLo = -3, kDomainLogKowHi = 6;
// Range of the HA R_g(M) measurements ([Mendichi2003] [V]): 4e4 - 5.5e6 g/mol.
constexpr double kHaRgMwLo = 4e4;
// Renkin 1954 ([Renkin1954]; J Gen Physiol 38:225, PMC2147404) hindered diffusion in a cylindrical pore: coefficients
// [V] as reproduced in public code citing that paper (an R pharmacokinetic model of PFOA).
constexpr double kRenkinA = 2.104, kRenkinB = 2.09, kRenkinC = 0.95;
// Hindered-pore theory is reliable for lambda up to about 0.4 ([V] Kontturi et al. 1997 [Kontturi1997]: r_d/r_p "must not be greater than 0.3-0.4"); beyond, a warning.
constexpr double kRenkinLambdaReliable = 0.4;

std::string fmt(double v, int prec = 4) {
  std::ostringstream os;
  os.precision(prec);
  os << v;
  return os.str();
}

}  // namespace

std::string to_string(ScModel m) { return m == ScModel::Mitragotri ? "mitragotri" : "potts_guy"; }
std::string to_string(ScPolarRoute m) { return m == ScPolarRoute::AqueousPore ? "aqueous_pore" : "none"; }
std::string to_string(ScHydration m) { return m == ScHydration::Layer ? "layer" : "full"; }
std::string to_string(ScMacromoleculeModel m) { return m == ScMacromoleculeModel::AqueousPore ? "aqueous_pore" : "impermeable"; }

double solute_radius_angstrom(double mw) { return std::cbrt(3.0 * kVolumePerDalton * mw / (4.0 * kPi)); }

double kp_potts_guy(double mw, double log_kow) {
  const double cm_per_h = std::pow(10.0, kPgA + kPgB * log_kow + kPgC * mw);
  return cm_per_h * 1e-2 / 3600.0;
}

double kp_mitragotri(double mw, double log_kow) {
  const double r = solute_radius_angstrom(mw);
  const double cm_per_s = kMitA * std::pow(10.0, kMitB * log_kow) * std::exp(-kMitC * r * r);
  return cm_per_s * 1e-2;
}

double sc_lipid_partition(double log_kow) { return kRhoLipid / kRhoWater * std::pow(10.0, kLipidExp * log_kow); }

double sc_lipid_diffusivity(double mw) {
  if (mw > kDLipMwLimit) return kDLipLarge;
  const double r = solute_radius_angstrom(mw);
  return kDLipPre * std::exp(-kMitC * r * r);
}

double keratin_partition(double log_kow) { return kRhoKeratin / kRhoWater * kKeratinPre * std::pow(10.0, kKeratinExp * log_kow); }

double sc_lipid_volume_fraction() {
  // Unit cell of the 2-d brick-and-mortar geometry: brick d*t, mortar g*(d+s) + t*s.
  const double brick = kGeomD * kGeomT;
  const double mortar = kGeomG * (kGeomD + kGeomS) + kGeomT * kGeomS;
  return mortar / (brick + mortar);
}

double corneocyte_water_fraction(double w) {
  // [D] volume balance (the reasoning of [Code:SurreyDPK] stracorn.py): per unit SC mass,
  // lipid (1-w)*0.125/0.9, keratin (1-w)*0.875/1.37 and water w/1.0 by volume. The lipid is taken
  // anhydrous, so the corneocytes (volume fraction 1 - phi_lip of the geometry) hold the keratin and
  // the water: theta_b = (phi_cc - v_keratin) / phi_cc with v_keratin the keratin volume fraction.
  const double vl = (1 - w) * kDryLipidFraction / kRhoLipid;
  const double vk = (1 - w) * (1 - kDryLipidFraction) / kRhoKeratin;
  const double vw = w / kRhoWater;
  const double keratin = vk / (vl + vk + vw);
  const double phi_cc = 1.0 - sc_lipid_volume_fraction();
  return (phi_cc - keratin) / phi_cc;
}

double fraction_unbound_yk(double log_kow, bool acid) {
  // Reproduced as written in SurreyDPK ([YamazakiKanaoka2004], [Code:SurreyDPK]): e^(log10 Kow), not Kow.
  const double x = std::exp(log_kow);
  if (acid) return 1.0 - (kYkAcidA * x + kYkAcidB) / (kYkAcidA * x + 1.0 + kYkAcidB);
  return 1.0 - (kYkBaseA * x + kYkBaseB) / (kYkBaseA * x + 1.0 + kYkBaseB);
}

double fraction_non_ionised(const Ingredient& g) {
  if (g.ionization == "acid" && g.pka) return 1.0 / (1.0 + std::pow(10.0, kPhysiologicalPh - *g.pka));
  if (g.ionization == "base" && g.pka) return 1.0 / (1.0 + std::pow(10.0, *g.pka - kPhysiologicalPh));
  return 1.0;  // neutral
}

double fraction_unionised(const Ingredient& g, double ph) {
  // Henderson-Hasselbalch for a monoprotic acid or base.
  if (!g.pka) return 1.0;
  if (g.ionization == "acid") return 1.0 / (1.0 + std::pow(10.0, ph - *g.pka));
  if (g.ionization == "base") return 1.0 / (1.0 + std::pow(10.0, *g.pka - ph));
  return 1.0;
}

double kasting_free_diffusivity(double mw) { return std::pow(10.0, kDfreeA + kDfreeB * std::log10(mw)); }

double blood_clearance_factor(double mw) {
  // [Web:intracutaneous-mw] [V] intracutaneous MW study: AUC(observed/predicted) ~1 up to FD-4 (4 kDa),
  // 0.5 at 10 kDa, 0.2 at 20 kDa, 0.06 at 40 kDa; linear in log10 MW between; 0 above 40 kDa
  // (macromolecules drain by lymph).
  static const double table[][2] = {{4000, 1.0}, {10000, 0.5}, {20000, 0.2}, {40000, 0.06}};
  if (mw <= table[0][0]) return 1.0;
  if (mw > table[3][0]) return 0.0;
  for (int i = 1; i < 4; ++i)
    if (mw <= table[i][0]) {
      const double f = (std::log10(mw) - std::log10(table[i - 1][0])) / (std::log10(table[i][0]) - std::log10(table[i - 1][0]));
      return table[i - 1][1] + f * (table[i][1] - table[i - 1][1]);
    }
  return 0.0;
}

double stokes_einstein(double radius_m) {
  return kBoltzmann * kBodyTemperature / (6.0 * kPi * kWaterViscosity37 * radius_m);
}

bool is_macromolecule(const Ingredient& g) {
  return immobile_form(g) || ((g.kind == "peptide" || g.kind == "polymer") && g.mw > kMacromoleculeMw);
}

double hydrodynamic_radius(const Ingredient& g) {
  if (g.hydrodynamic_radius) return *g.hydrodynamic_radius;
  if (g.kind == "polymer") return kHaRhOverRg * kHaRgPre * std::pow(g.mw, kHaRgExp) * 1e-9;  // HA-like chain
  if (g.kind == "peptide") return kProteinPre * std::pow(g.mw / kResidueMass, kProteinExp) * 1e-10;
  return solute_radius_angstrom(g.mw) * 1e-10;
}

double renkin_hindrance(double lambda) {
  if (lambda >= 1) return 0.0;
  const double l = std::max(0.0, lambda);
  return (1 - l) * (1 - l) * (1 - kRenkinA * l + kRenkinB * l * l * l - kRenkinC * l * l * l * l * l);
}

PoreTransport sc_aqueous_pore(double R_h, const PropertyOptions& opt) {
  PoreTransport p;
  const double eps_tau = opt.pore_porosity_tortuosity;
  p.lambda = R_h / opt.pore_radius;
  p.hindrance = renkin_hindrance(p.lambda);
  p.D_w = stokes_einstein(R_h);
  p.kp = eps_tau * p.D_w * p.hindrance / kScReferenceThickness;
  if (p.hindrance > 0) {
    // K: the pore water the solute enters (steric partition (1 - lambda)^2), all of eps/tau taken as
    // pore volume (tau = 1: ASSUMPTION, the split of eps/tau is not known; it sets the SC content and
    // lag time, not kp). D then follows from K D / h_ref = kp, as for the other SC models.
    p.partition = eps_tau * (1 - p.lambda) * (1 - p.lambda);
    p.diffusivity = std::max(kImmobileDiffusivity, p.kp * kScReferenceThickness / p.partition);
  } else {
    p.partition = eps_tau;  // the solute does not fit the pores: no transport (floor diffusivity)
    p.diffusivity = kImmobileDiffusivity;
  }
  return p;
}

double sc_corneocyte_partition(double log_kow) {
  const double phi_b = corneocyte_water_fraction(kWaterSaturated);
  return (1 - phi_b) * keratin_partition(log_kow) + phi_b;  // at full hydration theta_b = phi_b ([Chen2015])
}

double sc_brick_mortar_partition(double log_kow) {
  const double phi_lip = sc_lipid_volume_fraction();
  return phi_lip * sc_lipid_partition(log_kow) + (1 - phi_lip) * sc_corneocyte_partition(log_kow);
}

// Water of the fully hydrated SC by volume: the corneocytes' share times their water ([Chen2015] [D]).
const double kScFullHydrationWater = (1 - sc_lipid_volume_fraction()) * corneocyte_water_fraction(kWaterSaturated);
// 0.25 w/w at the surface ([Code:SurreyDPK] stracorn.py profile 0.25 -> 0.55 [V]; [Caspers2001] in vivo
// 15-35 % at the surface [M]) as a volume fraction w / (w + 0.778 (1 - w)) ([Derived:sc-water-volume]).
constexpr double kScSurfaceWaterMass = 0.25;
const double kScSurfaceWater = [] {
  const double dry = kDryLipidFraction / kRhoLipid + (1 - kDryLipidFraction) / kRhoKeratin;  // cm3 per g dry SC
  return kScSurfaceWaterMass / kRhoWater / (kScSurfaceWaterMass / kRhoWater + dry * (1 - kScSurfaceWaterMass));
}();

ScComposition sc_composition(double water) {
  // [Derived:sc-partition-at-hydration]. The fully hydrated geometry: lipid phi_lip, keratin (1 - phi_lip)(1 - phi_b), water the rest. The
  // lipid and keratin volumes are kept (ASSUMPTION: the SC swells or shrinks by its water only) and
  // rescaled so that the water is `water`.
  const double w = std::clamp(water, 0.0, 1.0);
  const double lip0 = sc_lipid_volume_fraction();
  const double ker0 = 1 - lip0 - kScFullHydrationWater;
  const double scale = (1 - w) / (lip0 + ker0);
  return {lip0 * scale, ker0 * scale, w};
}

double sc_brick_mortar_partition_at(double log_kow, double water) {
  const ScComposition v = sc_composition(water);
  return v.lipid * sc_lipid_partition(log_kow) + v.keratin * keratin_partition(log_kow) + v.water;
}

// [Derived:wetted-dry-deposit]: lipids up to K_lip S_w, water up to S_w, at the surface's composition.
double dry_deposit_factor(double log_kow, double K_sc, double surface_water) {
  if (!(K_sc > 0)) return 1.0;
  const ScComposition v = sc_composition(surface_water);
  return std::min(1.0, (v.lipid * sc_lipid_partition(log_kow) + v.water) / K_sc);
}

ScRoutes sc_routes(const Ingredient& g, const PropertyOptions& opt, double water) {
  ScRoutes r;
  const double lk = g.log_kow.value_or(0.0);
  r.f_unionised = opt.ph ? fraction_unionised(g, *opt.ph) : 1.0;
  r.kp_lipid = opt.sc_model == ScModel::Mitragotri ? kp_mitragotri(g.mw, lk) : kp_potts_guy(g.mw, lk);
  const bool at_layer = opt.sc_hydration == ScHydration::Layer && water > 0;
  r.water = at_layer ? water : kScFullHydrationWater;
  r.K_bm = at_layer ? sc_brick_mortar_partition_at(lk, water) : sc_brick_mortar_partition(lk);
  double K = r.f_unionised * r.K_bm;
  if (opt.sc_polar_route == ScPolarRoute::AqueousPore) {
    // the solute's radius in water: r_s for small molecules, the given or correlated R_h otherwise
    r.pore = sc_aqueous_pore(hydrodynamic_radius(g), opt);
    r.kp_pore = r.pore.kp;
    if (r.pore.hindrance > 0) K += r.pore.partition;
  }
  r.kp = r.f_unionised * r.kp_lipid + r.kp_pore;
  // A fully ionised solute without a polar route has no SC transport: keep K positive (the pore-free SC
  // water is not modelled) and the floor diffusivity.
  r.partition = K > 0 ? K : opt.pore_porosity_tortuosity;
  r.diffusivity = std::max(kImmobileDiffusivity, r.kp * kScReferenceThickness / r.partition);
  return r;
}

IngredientSummary summarize(const Ingredient& g) {
  IngredientSummary s;
  s.r_s = solute_radius_angstrom(g.mw);
  s.macromolecule = is_macromolecule(g);
  s.blood_factor = blood_clearance_factor(g.mw);
  if (s.macromolecule) {
    s.R_h = hydrodynamic_radius(g);
    s.D_se = stokes_einstein(s.R_h);
  }
  s.D_free = kasting_free_diffusivity(g.mw);
  s.D_lip = sc_lipid_diffusivity(g.mw);
  if (!g.log_kow) return s;
  const double lk = *g.log_kow;
  s.has_kow = true;
  s.kow = std::pow(10.0, lk);
  s.K_lip = sc_lipid_partition(lk);
  s.K_kw = keratin_partition(lk);
  s.K_cc = sc_corneocyte_partition(lk);
  s.K_sc = sc_brick_mortar_partition(lk);
  s.kp_potts_guy = kp_potts_guy(g.mw, lk);
  s.kp_mitragotri = kp_mitragotri(g.mw, lk);
  // f_u: the entry's value, else Yamazaki-Kanaoka; a neutral solute takes the base form
  // (ASSUMPTION: [YamazakiKanaoka2004] gives only the acid and base forms).
  s.f_u = g.fu ? *g.fu : fraction_unbound_yk(lk, g.ionization == "acid");
  s.f_non = fraction_non_ionised(g);
  s.B = kB0 + kB1 / s.f_u + kB2 * s.f_non * s.K_lip;
  s.K_de = kKde * s.B;
  s.D_de = s.D_free / s.B;
  return s;
}

PropertyEstimate estimate_layer(const Ingredient& g, const LayerDef& layer, const PropertyOptions& opt) {
  PropertyEstimate e;
  const IngredientSummary s = summarize(g);
  const std::string& kind = layer.kind;
  const bool sc = kind == "stratum_corneum";
  const bool viable = kind == "viable_epidermis" || kind == "papillary_dermis" || kind == "reticular_dermis" || kind == "dermis";
  const bool fat = kind == "hypodermis";
  if (!sc && !viable && !fat) {
    e.reason = "no property model for a layer of kind '" + kind + "'";
    return e;
  }
  // Clearance ([Derived:clearance-defaults], [Web:intracutaneous-mw]): the layer's capillary default scaled by the MW factor; lymph drains
  // everything at the layer default. Degradation: the ingredient's, in living tissue only (the SC has
  // none; ASSUMPTION).
  e.props.clearance = layer.clearance * s.blood_factor;
  e.props.lymph_clearance = layer.lymph_clearance;
  e.props.degradation = sc ? 0.0 : g.degradation;
  std::string clr = "; clearance = layer clearance x " + fmt(s.blood_factor, 3) + " (MW factor, [Web:intracutaneous-mw])";

  if (immobile_form(g)) {
    // A crosslinked network (or an entangled deposit of long chains) does not diffuse as a chain:
    // immobile (floor diffusivity), aqueous partition 1, no lymph drainage of the network; removal by
    // degradation only. ASSUMPTION.
    e.ok = true;
    e.props.diffusivity = kImmobileDiffusivity;
    e.props.partition = 1.0;
    e.props.clearance = 0;
    e.props.lymph_clearance = 0;
    e.model = "gel_immobile";
    e.formula = std::string(g.form == "gel" ? "crosslinked gel" : "entangled deposit") + ": D = " + fmt(kImmobileDiffusivity) + " m2/s (immobile), K = 1, no blood or lymph clearance, degradation " +
                fmt(e.props.degradation) + " 1/s ([Derived:ha-degradation])";
    return e;
  }

  if (sc) {
    if (!s.has_kow) {
      if (!s.macromolecule) {
        e.reason = "the stratum-corneum model needs log_kow, which ingredient '" + g.name + "' does not give";
        return e;
      }
      e.ok = true;
      if (opt.sc_macromolecule == ScMacromoleculeModel::Impermeable) {
        // Selectable: the SC as a wall (ASSUMPTION; the default before the aqueous-pore model).
        e.props.diffusivity = kImmobileDiffusivity;
        e.props.partition = 1.0;
        e.model = "sc_impermeable";
        e.formula = "macromolecule without log Kow: SC taken as impermeable, D = " + fmt(kImmobileDiffusivity) + " m2/s, K = 1";
        return e;
      }
      // Hydrophilic macromolecule without log Kow: hindered diffusion through the aqueous pores of
      // the SC (Renkin 1954 [Renkin1954]; pore radius and eps/tau: kScPoreRadius, kScPorePorosityTortuosity).
      const PoreTransport p = sc_aqueous_pore(s.R_h, opt);
      e.props.diffusivity = p.diffusivity;
      e.props.partition = p.partition;
      e.model = "sc_aqueous_pore";
      std::ostringstream f;
      f << "hindered aqueous pores (Renkin 1954 [Renkin1954]): lambda = R_h/r_pore = " << fmt(s.R_h * 1e9) << " nm / " << fmt(opt.pore_radius * 1e9)
        << " nm = " << fmt(p.lambda) << ", H = (1-l)^2 (1 - 2.104 l + 2.09 l^3 - 0.95 l^5) = " << fmt(p.hindrance)
        << "; kp = (eps/tau) D_w H / h_ref = " << fmt(opt.pore_porosity_tortuosity) << " x " << fmt(p.D_w) << " m2/s x " << fmt(p.hindrance)
        << " / " << fmt(kScReferenceThickness * 1e6) << " um = " << fmt(p.kp) << " m/s (" << fmt(p.kp * 3600 * 100) << " cm/h)";
      if (p.hindrance > 0)
        f << "; K = (eps/tau)(1-l)^2 = " << fmt(p.partition) << " (tau = 1 assumed), D = kp h_ref / K = " << fmt(p.diffusivity) << " m2/s";
      else
        f << ": the solute does not fit the pores (lambda >= 1); K = eps/tau = " << fmt(p.partition) << ", D = " << fmt(p.diffusivity)
          << " m2/s (floor)";
      f << " (r_pore [M] Peck, Ghanem & Higuchi 1994 [Peck1994]; eps/tau = h/(R kappa) [D], docs/properties.md)";
      e.formula = f.str() + clr;
      return e;
    }
    // Two routes in parallel (docs/properties.md, "Stratum corneum"): the lipid route, the selected kp
    // QSPR ([PottsGuy1992] / [Mitragotri2002]) carried by the unionised species, and the polar route, hindered
    // aqueous pores (the pore model of the macromolecules with the solute radius r_s), open to every
    // species. Partition: Chen-Lian-Han brick and mortar ([Chen2015]) of the unionised species plus
    // the pore water; diffusivity from K D / h_ref = kp at the reference thickness (h_ref: ASSUMPTION).
    const ScRoutes r = sc_routes(g, opt, layer.water);
    e.ok = true;
    e.props.partition = r.partition;
    e.props.diffusivity = r.diffusivity;
    const bool polar = opt.sc_polar_route == ScPolarRoute::AqueousPore;
    e.model = "sc_brick_mortar+" + to_string(opt.sc_model) + (polar ? "+aqueous_pore" : "");
    constexpr double cmh = 3600 * 100;
    std::ostringstream f;
    f << "kp = f_un kp_lipid" << (polar ? " + kp_pore" : "") << " = " << fmt(r.f_unionised, 4) << " x " << fmt(r.kp_lipid * cmh);
    if (polar) f << " + " << fmt(r.kp_pore * cmh);
    f << " = " << fmt(r.kp * cmh) << " cm/h at h_ref = " << fmt(kScReferenceThickness * 1e6) << " um; f_un = "
      << (opt.ph ? (g.pka && g.ionization != "neutral" ? "unionised fraction at pH " + fmt(*opt.ph) + " (Henderson-Hasselbalch, pKa " + fmt(*g.pka) + ")"
                                                         : std::string("1 (no ionisable group given)"))
                 : std::string("1 (no pH given)"))
      << "; lipid route: "
      << (opt.sc_model == ScModel::Mitragotri ? "Mitragotri kp = 5.6e-6 Kow^0.7 exp(-0.46 r_s^2) cm/s ([Mitragotri2002])"
                                               : "Potts-Guy log10 kp = -2.7 + 0.71 log Kow - 0.0061 MW cm/h ([PottsGuy1992])")
      << ", r_s = " << fmt(s.r_s) << " A";
    if (polar)
      f << "; polar route: hindered aqueous pores (Renkin), lambda = radius/r_pore = " << fmt(hydrodynamic_radius(g) * 1e10) << " A / "
        << fmt(opt.pore_radius * 1e9) << " nm = " << fmt(r.pore.lambda) << ", H = " << fmt(r.pore.hindrance)
        << ", kp_pore = (eps/tau) D_w H / h_ref, D_w = " << fmt(r.pore.D_w) << " m2/s (Stokes-Einstein, 37 C), eps/tau = "
        << fmt(opt.pore_porosity_tortuosity);
    f << "; K = f_un K_sc" << (polar ? " + K_pore" : "") << " = " << fmt(r.f_unionised, 4) << " x " << fmt(r.K_bm);
    if (polar) f << " + " << fmt(r.pore.hindrance > 0 ? r.pore.partition : 0.0);
    const ScComposition v = sc_composition(r.water);
    f << " = " << fmt(r.partition) << " (K_sc = phi_lip K_lip + phi_ker K_kw + phi_w = " << fmt(v.lipid) << " x " << fmt(s.K_lip) << " + "
      << fmt(v.keratin) << " x " << fmt(s.K_kw) << " + " << fmt(v.water) << " at SC water " << fmt(r.water)
      << (r.water == kScFullHydrationWater ? " by volume (full hydration)" : " by volume (the layer's)")
      << ", K_lip = 0.9 Kow^0.69, K_kw = 1.37*4.2 Kow^0.31, [Chen2015]";
    if (polar) f << "; K_pore = (eps/tau)(1 - lambda)^2";
    f << "); D = kp h_ref / K = " << fmt(r.diffusivity) << " m2/s";
    e.formula = f.str() + clr;
    return e;
  }

  if (s.macromolecule) {
    // Aqueous tissue: Stokes-Einstein in water at 37 C with the chain/protein radius ([Web:protein-rh],
    // [Derived:ha-chain-size]), no obstruction factor (ASSUMPTION; [Web:intracutaneous-mw], [Web:free-water-d]: 4 kDa dextran has an apparent D in
    // skin, 1.6e-10 m2/s, equal to its free-water D); partition 1 in aqueous tissue (ASSUMPTION: no
    // binding, no exclusion); in fat only the water fraction is accessible (ASSUMPTION).
    e.ok = true;
    e.props.diffusivity = s.D_se;
    const double water = fat ? (layer.water > 0 ? layer.water : kFatWaterFraction) : 1.0;
    e.props.partition = water;
    if (g.kind == "polymer") {
      // HA chains: the rate of [Derived:ha-degradation] (1e-5 1/s, t1/2 0.5-1 d, from the disappearance of injected
      // HA) is the whole removal, and lymph removes < 1 % of tissue HA a day ([Web:ha-lymph]): no separate lymph clearance of chains; fragments leave as "degraded".
      e.props.lymph_clearance = 0;
      clr += "; no lymph clearance of HA chains ([Derived:ha-degradation]: the degradation rate is the total removal)";
    }
    e.model = "macromolecule_stokes_einstein";
    std::ostringstream f;
    f << "D = kT/(6 pi eta R_h), T = 310 K, eta = 0.69 mPa s, R_h = " << fmt(s.R_h * 1e9) << " nm ("
      << (g.hydrodynamic_radius ? "given" : g.kind == "polymer" ? "HA chain: 0.65 x 0.025 M^0.6 nm, [Derived:ha-chain-size]"
                                                                : "protein: 4.75 (MW/110)^0.29 A, [Web:protein-rh]")
      << ") = " << fmt(s.D_se) << " m2/s; K = " << (fat ? "water fraction " + fmt(water) + " of fat" : std::string("1 (aqueous tissue)"));
    e.formula = f.str() + clr;
    return e;
  }

  if (!s.has_kow) {
    e.reason = "the viable-tissue model needs log_kow, which ingredient '" + g.name + "' does not give";
    return e;
  }
  if (viable) {
    // Kasting/Kretsos with albumin binding ([Dancik2013], [Code:SurreyDPK]).
    e.ok = true;
    e.props.partition = s.K_de;
    e.props.diffusivity = s.D_de;
    e.model = "kasting_albumin_binding";
    // Unbound fraction of the tissue content: the free solute in the tissue water, K_de/B = 0.6 per
    // unit of the water activity u, over the total K_de u, i.e. 1/B (the binding factor of
    // [Dancik2013]); capped at 1 (a solute that does not bind has B just below 1).
    e.props.unbound = std::min(1.0, kKde / s.K_de);
    std::ostringstream f;
    f << "B = 0.65 + 0.325/f_u + 0.025 f_non K_lip = " << fmt(s.B) << " (f_u = " << fmt(s.f_u, 3)
      << (g.fu ? " given" : g.ionization == "acid" ? " Yamazaki-Kanaoka acid" : " Yamazaki-Kanaoka base form") << ", f_non = "
      << fmt(s.f_non, 3) << ", K_lip = " << fmt(s.K_lip) << "); K = 0.6 B = " << fmt(s.K_de) << "; D = D_free/B, D_free = 10^(-8.15 - 0.655 log10 MW) = "
      << fmt(s.D_free) << " m2/s ([Dancik2013]); unbound fraction 1/B = " << fmt(e.props.unbound, 4)
      << " (clearance acts on it)";
    e.formula = f.str() + clr;
    return e;
  }
  // Hypodermis (ASSUMPTION, no source): fat as a mixture of water (the aqueous dermal
  // partition K_de, binding included) and lipid (the SC-lipid relation 0.9 Kow^0.69 used for
  // triglyceride), volume-weighted; the diffusivity is the dermal D_de.
  const double water = layer.water > 0 ? layer.water : kFatWaterFraction;
  const double lipid = std::min(kFatLipidFraction, 1.0 - water);
  e.ok = true;
  e.props.partition = water * s.K_de + lipid * s.K_lip;
  e.props.diffusivity = s.D_de;
  // Unbound: the free solute of the water fraction (0.6 u per unit of water volume, as in the dermis)
  // over the total (the bound part of the water and everything in the lipid).
  e.props.unbound = std::min(1.0, water * kKde / e.props.partition);
  e.model = "hypodermis_fat_water";
  std::ostringstream f;
  f << "K = phi_w K_de + phi_lip K_lip = " << fmt(water) << " x " << fmt(s.K_de) << " + " << fmt(lipid) << " x " << fmt(s.K_lip) << " = "
    << fmt(e.props.partition) << " (fractions: assumption); D = D_de = " << fmt(s.D_de) << " m2/s ([Dancik2013]); unbound fraction phi_w 0.6 / K = "
    << fmt(e.props.unbound, 4) << " (clearance acts on it)";
  e.formula = f.str() + clr;
  return e;
}

std::vector<std::string> validity_warnings(const Ingredient& g, const PropertyOptions& opt) {
  std::vector<std::string> w;
  const std::string who = "ingredient '" + g.name + "': ";
  const std::string qspr = opt.sc_model == ScModel::Mitragotri ? "Mitragotri" : "Potts-Guy";
  if (g.mw > kDomainMw)
    w.push_back(who + "MW " + fmt(g.mw, 6) + " g/mol is outside the validity domain of the skin-permeability QSPRs (Potts-Guy, "
                "Mitragotri: trained on MW <~ 500-750 and log Kow about -3..+6, [Assumed:qspr-domain]); the estimates are extrapolations");
  if (g.log_kow && (*g.log_kow < kDomainLogKowLo || *g.log_kow > kDomainLogKowHi))
    w.push_back(who + "log Kow " + fmt(*g.log_kow) + " is outside the validity domain of the " + qspr +
                " QSPR (log Kow about -3..+6, MW <~ 500-750, [Assumed:qspr-domain]); the stratum-corneum and binding estimates are extrapolations");
  const bool macro = is_macromolecule(g) && g.form != "gel";
  if (!g.log_kow) {
    if (is_macromolecule(g))
      w.push_back(who + "no log Kow: outside the QSPR domain ([Assumed:qspr-domain]); " +
                  (opt.sc_macromolecule == ScMacromoleculeModel::Impermeable
                       ? std::string("the stratum corneum is taken as impermeable")
                       : std::string("the stratum corneum is crossed only through its aqueous pores (hindered diffusion)")) +
                  " and the tissue partition is taken as 1 (assumptions, docs/properties.md)");
    else
      w.push_back(who + "no log Kow: the QSPRs cannot be used; give properties for every layer");
  }
  if (macro && !g.hydrodynamic_radius && g.kind == "peptide" && g.mw < 5000)
    w.push_back(who + "hydrodynamic radius from the globular-protein relation R_h = 4.75 N^0.29 A ([Web:protein-rh]), extrapolated to a short peptide");
  if (macro && !g.hydrodynamic_radius && g.kind == "polymer" && g.mw < kHaRgMwLo)
    w.push_back(who + "hydrodynamic radius from the HA chain relation R_g = 0.025 M^0.6 nm ([Derived:ha-chain-size]), extrapolated below its measured "
                "range (40 kDa - 5.5 MDa)");
  if (macro && !g.log_kow && opt.sc_macromolecule == ScMacromoleculeModel::AqueousPore) {
    const PoreTransport p = sc_aqueous_pore(hydrodynamic_radius(g), opt);
    if (p.lambda > kRenkinLambdaReliable && p.lambda < 1)
      w.push_back(who + "R_h/r_pore = " + fmt(p.lambda, 3) + " is above 0.4, the limit of reliable hindered-pore theory; the stratum-corneum kp " +
                  fmt(p.kp * 3600 * 100, 3) + " cm/h is very sensitive to the pore radius (docs/properties.md)");
  }
  return w;
}

double stack_kp(const std::vector<StackLayer>& layers) {
  double R = 0;
  for (const auto& l : layers) R += l.h / (l.K * l.D);
  return 1.0 / R;
}

double stack_lag_time(const std::vector<StackLayer>& layers) {
  // t_lag = (1/R) int K r (R - r) dx, r(x) = int_0^x dx'/(K D) ([Derived:laminate-lag-time]). In a layer of
  // constant K, D: dx = K D dr, so its share is K^2 D [R r^2/2 - r^3/3] between the r at its faces.
  double R = 0;
  for (const auto& l : layers) R += l.h / (l.K * l.D);
  double sum = 0, r0 = 0;
  for (const auto& l : layers) {
    const double r1 = r0 + l.h / (l.K * l.D);
    auto F = [&](double r) { return R * r * r / 2 - r * r * r / 3; };
    sum += l.K * l.K * l.D * (F(r1) - F(r0));
    r0 = r1;
  }
  return sum / R;
}

}  // namespace dermasim
