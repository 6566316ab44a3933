// SPDX-License-Identifier: BSD-3-Clause
// Vehicle types of a topical delivery as data (models/data/vehicles.yaml): each a set of solvent phases with
// their volume fractions; each phase volatile or not, with a law for an ingredient's phase/water partition
// (water 1, oil from Kow, cosolvents by the log-linear model). docs/properties.md, "Vehicles".
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ingredients.hpp"

namespace dermasim {

struct VehiclePhase {
  std::string name;
  bool volatile_ = false;
  std::string partition;  // water | kow | log_linear
  double M = 0, N = 0;    // log_linear: log10 K = M log Kow + N
  std::string source;
};

struct VehicleType {
  std::string name, description;
  std::vector<std::pair<std::string, double>> phases;  // phase name, volume fraction (sum 1)
};

const std::vector<VehiclePhase>& vehicle_phases();
const std::vector<VehicleType>& vehicle_types();
const VehicleType* find_vehicle_type(const std::string& name);
std::vector<std::string> vehicle_type_names();

// What a vehicle type means for one ingredient.
struct VehicleForIngredient {
  double partition = 1;          // vehicle/water at application: log-linear over the miscible solvents, volume-weighted with an oil phase
  double volatile_fraction = 0;  // volume fraction of the volatile phases
  bool estimated = false;        // a phase partition came from log Kow (not measured)
  std::string formula;           // the numbers, for the resolved case and warnings
  std::string error;             // non-empty: no value (e.g. a non-aqueous phase and no log Kow)
};
VehicleForIngredient vehicle_for(const VehicleType& v, const Ingredient* g);

extern const char* const kVehicleLibraryYaml;

}  // namespace dermasim
