#include "skin_presets.hpp"

namespace dermasim {

const std::vector<SkinPreset>& skin_presets() {
  static const std::vector<SkinPreset> presets = [] {
    std::vector<SkinPreset> p;
    // Facial (cheek) column, in vivo. physics.md 1.1 "Suggested default facial (cheek) column":
    // SC 15 um, viable epidermis 45 um, papillary dermis 200 um, reticular dermis 800 um, hypodermis 4 mm.
    // Clearance defaults: physics.md 1.5 "Defaults" (small molecules k_cap 1e-3 1/s papillary, 3e-4 1/s
    // reticular; lymph 1.5e-5 1/s). The epidermis has no blood vessels. Hypodermis: physics.md gives no
    // value; the reticular-dermis values are used and marked as an assumption.
    SkinPreset face;
    face.name = "face_cheek";
    face.description = "facial skin over the cheek, in vivo (blood and lymph clearance, closed below the fat)";
    face.layers = {
        {"stratum_corneum", 15e-6, 20, 1.0, "both", 0.0, 0.0,
         "physics.md 1.1: cheek SC 16.8 um by Raman (Egawa 2007); 15 um suggested default"},
        {"viable_epidermis", 45e-6, 16, 2.0, "both", 0.0, 0.0,
         "physics.md 1.1: facial epidermis 30-63 um (Chopra 2015), 45 um mid-range; avascular"},
        {"papillary_dermis", 200e-6, 24, 3.0, "both", 1e-3, 1.5e-5,
         "physics.md 1.1: 0.15-0.25 mm (no direct measurement); 1.5: k_cap 1e-3 1/s, k_lymph 1.5e-5 1/s"},
        {"reticular_dermis", 800e-6, 32, 4.0, "both", 3e-4, 1.5e-5,
         "physics.md 1.1: facial dermis ~1 mm (Meng 2022) minus papillary; 1.5: k_cap 3e-4 1/s, k_lymph 1.5e-5 1/s"},
        {"hypodermis", 4e-3, 30, 8.0, "top", 3e-4, 1.5e-5,
         "physics.md 1.1: cheek fat 3-5 mm [M]; clearance not given in physics.md, reticular values assumed"},
    };
    for (auto& l : face.layers) l.kind = l.name;
    face.bottom_sink = false;
    face.bottom_note = "no_flux: the fat rests on muscle fascia (assumption)";
    p.push_back(face);

    // Forearm skin in a Franz cell (OECD TG 428): dermatomed, receptor fluid below, no blood flow.
    // physics.md 1.1 "Forearm in-vitro column": SC 20 um, viable epidermis 60 um, dermis 200-400 um.
    SkinPreset forearm;
    forearm.name = "forearm_invitro";
    forearm.description = "dermatomed forearm skin in a diffusion cell, receptor sink below, no clearance";
    forearm.layers = {
        {"stratum_corneum", 20e-6, 24, 1.0, "both", 0.0, 0.0,
         "physics.md 1.1: volar forearm SC 17.6-22.6 um (Raman, histology); 20 um in-vitro column"},
        {"viable_epidermis", 60e-6, 16, 2.0, "both", 0.0, 0.0,
         "physics.md 1.1: dorsal forearm viable epidermis 56.6 um (Sandby-Moller 2003); 60 um column"},
        {"dermis", 300e-6, 24, 3.0, "both", 0.0, 0.0,
         "physics.md 1.1: dermatomed dermis 200-400 um, mid value; excised skin has no clearance (1.5)"},
    };
    for (auto& l : forearm.layers) l.kind = l.name;
    forearm.bottom_sink = true;
    forearm.bottom_note = "sink: receptor fluid of the diffusion cell";
    p.push_back(forearm);
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
