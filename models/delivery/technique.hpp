// SPDX-License-Identifier: BSD-3-Clause
// An injection technique (`delivery: [{type: nappage, ...}]`): one file under
// models/delivery/techniques/ that registers its defaults (depth, volume per point, spacing, grid,
// each with its source) and how it lays out its points. models/patterns.cpp reads a technique
// entry and expands it into injection events (models/delivery/injection.cpp).
#pragma once
#include <memory>
#include <string>

#include "../patterns.hpp"
#include "../registry.hpp"

namespace dermasim {

namespace technique_units {
constexpr double mm = 1e-3;
constexpr double uL = 1e-9;
}  // namespace technique_units

enum class TechniqueLayout {
  Grid,   // rows x columns points on a rectangular grid centred at `at` (may be a unit cell)
  Line,   // a volume laid along a line (linear threading)
  Points  // points from a CSV file
};

class Technique {
 public:
  static const char* kind() { return "technique"; }
  Technique(TechniqueDefaults defaults, TechniqueLayout layout, std::string doc);
  const PluginInfo& info() const { return info_; }
  const TechniqueDefaults& defaults() const { return defaults_; }
  TechniqueLayout layout() const { return layout_; }

 private:
  TechniqueDefaults defaults_;
  TechniqueLayout layout_;
  PluginInfo info_;
};

using TechniqueRegistry = Registry<Technique>;

}  // namespace dermasim
