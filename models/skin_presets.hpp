// SPDX-License-Identifier: BSD-3-Clause
// Skin presets: layer stacks with thicknesses, cell counts, water content and default clearance, each
// value with its source next to it: the key of docs/references.md ([Key]) and its tag: [V] read in
// the source, [D] derived, [M] recalled / not verified, [C] clinical or marketing statement. Where no
// source has a value the source text says so and names the assumption used.
#pragma once
#include <string>
#include <vector>

namespace dermasim {

struct LayerDef {
  std::string name;
  double thickness = 0;     // m
  int cells = 10;
  double grading = 1.0;     // largest/smallest cell
  std::string toward = "both";  // both | top | bottom: where the small cells are
  // Defaults for species that do not set their own (1/s). Values are for small molecules
  // (< ~20 kDa): capillary clearance; lymph drains everything ([Derived:clearance-defaults]).
  double clearance = 0;
  double lymph_clearance = 0;
  std::string source;       // where the numbers come from
  // What the tissue is, for property models (models/properties): stratum_corneum,
  // viable_epidermis, papillary_dermis, reticular_dermis, dermis, hypodermis, membrane or other.
  std::string kind = "other";
  double water = 0;         // water volume fraction (0 = not given)
};

// The layer kinds property models know; a layer named like one of them gets that kind.
const std::vector<std::string>& layer_kinds();

struct SkinPreset {
  std::string name;
  std::string description;
  std::vector<LayerDef> layers;
  bool bottom_sink = false;
  std::string bottom_note;      // what the bottom condition stands for, and whether it is an assumption
  // Transepidermal water loss of the site (kg/m2/s; 0 = not given), [Web:tewl-forearm], [Assumed:cheek-tewl]. Not used by the
  // transport solver; kept for a later evaporation / occlusion model.
  double tewl = 0;              // kg/m2/s
  std::string tewl_source;
};

const std::vector<SkinPreset>& skin_presets();
const SkinPreset* find_skin_preset(const std::string& name);

}  // namespace dermasim
