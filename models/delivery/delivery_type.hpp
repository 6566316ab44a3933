// SPDX-License-Identifier: BSD-3-Clause
// A delivery type (`delivery: [{type: NAME, ...}]`): one class in its own file under
// models/delivery/, registered by name (models/registry.hpp). It reads the keys of its entry, writes
// its resolved form for `check`, says when it starts and how a treatment schedule shifts it, and
// lowers itself into the solver's Problem. Injection techniques (papule, nappage, ...) are not
// delivery types: they expand into injection events (models/delivery/technique.hpp).
#pragma once
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "../../solver/input.hpp"
#include "../../solver/simulation.hpp"
#include "../case.hpp"
#include "../registry.hpp"

namespace dermasim {

// Fluid that an injection puts into the tissue: a volume at an instant (duration 0) or over a
// duration, spread over the cells of its fill (models/injection.hpp: the whole volume goes in;
// fraction_inside stays 1).
struct FluidInjection {
  size_t delivery = 0;
  double time = 0, duration = 0, volume = 0;
  double fraction_inside = 1;
  std::vector<std::pair<size_t, double>> weights;  // (cell, share of the volume)
};

// What lowering a case builds besides the Problem.
struct Lowering {
  Problem& p;
  std::vector<std::string>* warnings;
  std::vector<FluidInjection> fluid;  // the excess fluid's sources, when the fluid is on
  void warn(const std::string& w) const {
    if (warnings) warnings->push_back(w);
  }
};

class DeliveryType {
 public:
  static const char* kind() { return "delivery"; }
  virtual ~DeliveryType() = default;
  virtual const PluginInfo& info() const = 0;
  // Reads the entry's own keys into d (d.type and d.technique already set; `type` and `schedule`
  // already read; the caller calls m.finish()).
  virtual void read(MapReader& m, Case& c, DeliveryDef& d) const = 0;
  // After every entry is read: checks and defaults across the entries of this type. `entries` are
  // the case's delivery list items; origin[i] is the item c.delivery[i] came from.
  virtual void finish(Case& c, const std::vector<Located>& entries, const std::vector<size_t>& origin) const {}
  // The resolved entry's keys after `type` (inside a flow map), for dump_case.
  virtual void emit(YAML::Emitter& e, const DeliveryDef& d, const Case& c) const = 0;
  virtual double start(const DeliveryDef& d) const = 0;
  virtual void shift(DeliveryDef& d, double dt) const = 0;
  // Adds the delivery (entry `index` of c.delivery) to the problem: deposits, sources, reservoirs,
  // conductances, and the fluid it injects.
  virtual void lower(const Case& c, size_t index, const DeliveryDef& d, Lowering& lw) const = 0;
};

using DeliveryRegistry = Registry<DeliveryType>;
const DeliveryType& delivery_type(const std::string& name);

}  // namespace dermasim
