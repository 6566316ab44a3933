// SPDX-License-Identifier: BSD-3-Clause
// What `dermasim describe` and `dermasim ingredients` print: an ingredient's per-layer properties on
// a skin preset with the model behind each value, the stack's permeability coefficient and lag time,
// and the library as a table. Text and JSON (layout in docs/properties.md; tests read it).
#pragma once
#include <string>
#include <vector>

#include "../models/ingredients.hpp"
#include "../models/properties.hpp"
#include "../models/skin_presets.hpp"

namespace dermasim {

struct Description {
  Ingredient ingredient;
  std::string skin;
  PropertyOptions options;
  IngredientSummary summary;
  std::vector<LayerDef> layers;
  std::vector<PropertyEstimate> estimates;  // per layer
  bool complete = false;                    // every layer has a model: the stack values exist
  double kp = 0;                            // m/s, 1/sum(h/(K D))
  double lag_time = 0;                      // s, [Derived:laminate-lag-time]
  std::vector<std::string> warnings;
};

Description describe_ingredient(const Ingredient& g, const SkinPreset& skin, const PropertyOptions& opt);
std::string describe_text(const Description& d);
std::string describe_json(const Description& d);

std::string ingredients_text(const std::vector<Ingredient>& list);
std::string ingredients_json(const std::vector<Ingredient>& list);

}  // namespace dermasim
