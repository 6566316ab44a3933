// SPDX-License-Identifier: BSD-3-Clause
#include "vehicles.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "../solver/input.hpp"

namespace dermasim {
namespace {

struct Library {
  std::vector<VehiclePhase> phases;
  std::vector<VehicleType> types;
};

const Library& library() {
  static const Library lib = [] {
    Library l;
    Located root = load_yaml_text(kVehicleLibraryYaml, "models/data/vehicles.yaml", {});
    MapReader m(root);
    for (const auto& item : m.at("phases").as_list()) {
      MapReader p(item);
      VehiclePhase ph;
      ph.name = p.at("name").as_string();
      ph.volatile_ = p.at("volatile").as_bool();
      ph.partition = one_of(p.at("partition"), {"water", "kow", "log_linear"});
      if (ph.partition == "log_linear") {
        ph.M = p.at("M").as_number();
        ph.N = p.at("N").as_number();
      }
      ph.source = p.at("source").as_string();
      p.finish();
      l.phases.push_back(ph);
    }
    for (const auto& item : m.at("vehicles").as_list()) {
      MapReader v(item);
      VehicleType t;
      t.name = v.at("name").as_string();
      t.description = v.at("description").as_string();
      Located phases = v.at("phases");
      MapReader pm(phases);
      double sum = 0;
      for (const auto& k : pm.keys()) {
        bool known = false;
        for (const auto& ph : l.phases) known = known || ph.name == k;
        Located f = pm.at(k);
        if (!known) f.fail("unknown phase '" + k + "'");
        const double x = f.as_number();
        if (!(x > 0 && x <= 1)) f.fail("a volume fraction in (0, 1]");
        t.phases.emplace_back(k, x);
        sum += x;
      }
      pm.finish();
      if (std::fabs(sum - 1) > 1e-9) phases.fail("the phase fractions must sum to 1");
      v.finish();
      l.types.push_back(t);
    }
    m.finish();
    return l;
  }();
  return lib;
}

const VehiclePhase& phase(const std::string& name) {
  for (const auto& p : library().phases)
    if (p.name == name) return p;
  throw std::logic_error("vehicle phase '" + name + "' missing");
}

}  // namespace

const std::vector<VehiclePhase>& vehicle_phases() { return library().phases; }
const std::vector<VehicleType>& vehicle_types() { return library().types; }
const VehicleType* find_vehicle_type(const std::string& name) {
  for (const auto& t : library().types)
    if (t.name == name) return &t;
  return nullptr;
}
std::vector<std::string> vehicle_type_names() {
  std::vector<std::string> n;
  for (const auto& t : library().types) n.push_back(t.name);
  return n;
}

VehicleForIngredient vehicle_for(const VehicleType& v, const Ingredient* g) {
  VehicleForIngredient r;
  r.partition = 0;
  std::ostringstream f;
  f << "vehicle '" << v.name << "': K_vw = sum phi_i K_i =";
  bool first = true;
  for (const auto& [name, x] : v.phases) {
    const VehiclePhase& p = phase(name);
    double K = 1;
    if (p.partition != "water") {
      if (!g || !g->log_kow) {
        r.error = "the " + name + " phase of vehicle '" + v.name + "' needs the ingredient's log Kow to estimate its partition (give `partition` on the delivery)";
        return r;
      }
      K = p.partition == "kow" ? std::pow(10.0, *g->log_kow) : std::pow(10.0, p.M * *g->log_kow + p.N);
      r.estimated = true;
    }
    r.partition += x * K;
    if (p.volatile_) r.volatile_fraction += x;
    f << (first ? " " : " + ") << x << " x " << K << " (" << name
      << (p.partition == "water" ? "" : p.partition == "kow" ? ": Kow, estimated" : ": 10^(M log Kow + N), estimated") << ")";
    first = false;
  }
  f << " = " << r.partition;
  r.formula = f.str();
  return r;
}

}  // namespace dermasim
