// SPDX-License-Identifier: BSD-3-Clause
#include "technique.hpp"

#include "../../solver/units.hpp"

namespace dermasim {

namespace {
std::string len(double m) { return m > 0 ? format_quantity(m, dims::length) : "from the file"; }
std::string vol(double v) { return v > 0 ? format_in(v, "uL", 6) + " uL" : "from the file"; }
}  // namespace

Technique::Technique(TechniqueDefaults defaults, TechniqueLayout layout, std::string doc)
    : defaults_(std::move(defaults)), layout_(layout) {
  info_.name = defaults_.name;
  info_.doc = std::move(doc);
  auto& k = info_.keys;
  k.push_back({"species", "map of name: concentration", "", "required", "names from `species`; > 0", "what the injected fluid carries"});
  k.push_back({"time", "time", "", "0", ">= 0, < `time.end`", "when the points are injected"});
  k.push_back({"duration", "time", "", "0 (instantaneous)", "> 0", "each point injected at a constant rate over this time"});
  k.push_back({"at", "`[x]` or `[x, y]`", "length", layout_ == TechniqueLayout::Points ? "[0, 0]" : "the middle of the lateral domain",
               "inside the lateral domain", "centre of the grid; entry point of a line; origin of CSV coordinates"});
  k.push_back({"fill_limit", "number", "", "1", "0 < f <= 1", "largest share of a cell's volume the injectate fills (see `injection`)"});
  k.push_back({"scatter", "map", "", "none", "`{depth, position, seed}`", "normal scatter of each point's depth and position"});
  k.push_back({"schedule", "map", "", "one session", "`{count, interval}`", "a treatment course"});
  k.push_back({"session", "whole number", "", "0", "0 to 1000", "treatment session (written by the resolved case)"});
  switch (layout_) {
    case TechniqueLayout::Grid:
      k.push_back({"rows", "whole number", "", std::to_string(defaults_.rows), "1 to 100000", "points along y"});
      k.push_back({"columns", "whole number", "", std::to_string(defaults_.columns), "1 to 100000", "points along x"});
      k.push_back({"spacing", "length, or `[sx, sy]`", "length", len(defaults_.spacing), "> 0", "distance between neighbouring points"});
      k.push_back({"volume", "volume", "uL", vol(defaults_.volume), "> 0", "volume per point"});
      k.push_back({"depth", "length", "mm", len(defaults_.depth), "0 to the skin thickness", "depth of each needle tip"});
      break;
    case TechniqueLayout::Line:
      k.push_back({"volume", "volume", "uL", vol(defaults_.volume), "> 0", "volume of the whole line"});
      k.push_back({"depth", "length", "mm", len(defaults_.depth), "0 to the skin thickness", "depth of the line"});
      k.push_back({"points", "whole number", "", "one per mm, at least 2", ">= 2", "boluses along the line"});
      k.push_back({"to", "`[x, y]`", "length", "required in 3d", "inside the lateral domain", "end point of the line (3d)"});
      k.push_back({"length", "length", "mm", "required in 2d", "> 0", "length of the line across the section (2d)"});
      break;
    case TechniqueLayout::Points:
      k.push_back({"file", "text", "", "required", "a CSV file, relative to the case", "the points: x_mm,y_mm,depth_mm,volume_uL[,time_h]"});
      break;
  }
}

}  // namespace dermasim
