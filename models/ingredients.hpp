// SPDX-License-Identifier: BSD-3-Clause
// Ingredients: what an active or excipient is (molar mass, lipophilicity, ionisation, binding, size,
// degradation), with the source of every value. The library is the data file
// models/data/ingredients.yaml, embedded into the binary at build time; users add their own entries
// with the same keys (case keys `ingredients:` and `ingredients_file:`). Property models that turn an
// ingredient into per-layer transport properties are in properties.hpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../solver/input.hpp"

namespace dermasim {

struct Ingredient {
  std::string name;         // identifier, e.g. "caffeine"
  std::string description;  // free text
  std::string kind = "small_molecule";  // small_molecule | peptide | polymer
  std::string form = "solution";        // solution | gel (crosslinked network) | deposit (entangled, not crosslinked)
  double mw = 0;                        // g/mol
  std::optional<double> log_kow;        // log10 Kow; absent where not defined
  std::optional<double> solubility;     // kg/m3 (= mg/mL) in water, if a number was given
  std::string solubility_text;          // as written ("21.6 mg/mL", "miscible", ...), "" if not given
  std::optional<double> solubility_oil; // kg/m3 in an oil (mineral oil, triglyceride), if measured: with a numeric
                                        // water solubility it gives a vehicle's oil/water partition S_oil/S_w
  std::optional<double> pka;
  std::string ionization = "neutral";   // acid | base | neutral
  std::optional<double> fu;             // fraction unbound in 2.7 % albumin
  std::optional<double> hydrodynamic_radius;  // m
  double degradation = 0;               // 1/s, in tissue
  std::map<std::string, std::string> sources;  // value key -> source text
  std::string origin;                   // "library" or "FILE:LINE"
};

// The library text as embedded at build time (models/data/ingredients.yaml).
extern const char* const kIngredientLibraryYaml;
// The library, parsed and validated once.
const std::vector<Ingredient>& ingredient_library();
const Ingredient* find_library_ingredient(const std::string& name);

// One entry, validated like every case value (unknown keys, units, ranges are InputErrors).
Ingredient read_ingredient(const Located& entry);
// A list of entries (a YAML list, or a map with an `ingredients:` list as in the library file).
std::vector<Ingredient> read_ingredient_list(const Located& where);
// Writes an entry back as a YAML map (for the resolved case).
void emit_ingredient(YAML::Emitter& e, const Ingredient& g);

// A gel or a deposit does not diffuse as free chains and is not carried by the injected fluid.
inline bool immobile_form(const Ingredient& g) { return g.form == "gel" || g.form == "deposit"; }

}  // namespace dermasim
