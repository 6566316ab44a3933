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
  // Two kinds of phase. Water and the water-miscible cosolvents (partition `water`, `log_linear`) form ONE
  // solution: its solubility follows the log-linear cosolvency model, log10(S_mix/S_w) = sum_i f_i log10 K_i
  // over the fractions f_i of the miscible solvent ([Yalkowsky1985]: the mixed solvent as a linear
  // combination of its components, in log solubility). An oil phase (`kow`) is a separate phase of an
  // emulsion: it holds K_oil times the water concentration, and the film's mean is volume-weighted. Hence
  //   K_vw = phi_m 10^(sum_i (phi_i/phi_m) log10 K_i) + sum_oil phi_j K_j,   phi_m = sum_miscible phi_i.
  VehicleForIngredient r;
  r.partition = 0;
  double phi_m = 0, log_k_m = 0, oil = 0;
  std::ostringstream mis, sep;
  bool first_m = true, first_o = true;
  for (const auto& [name, x] : v.phases) {
    const VehiclePhase& p = phase(name);
    double K = 1;
    // an oil phase with the ingredient's measured oil and water solubilities: K = S_oil / S_w (the ratio of the
    // saturated concentrations, the activity picture of the film); otherwise estimated from log Kow
    const bool measured_oil = p.partition == "kow" && g && g->solubility_oil && g->solubility;
    if (measured_oil) {
      K = *g->solubility_oil / *g->solubility;
    } else if (p.partition != "water") {
      if (!g || !g->log_kow) {
        r.error = "the " + name + " phase of vehicle '" + v.name + "' needs the ingredient's log Kow to estimate its partition (give `partition` on the delivery)";
        return r;
      }
      K = p.partition == "kow" ? std::pow(10.0, *g->log_kow) : std::pow(10.0, p.M * *g->log_kow + p.N);
      r.estimated = true;
    }
    if (p.volatile_) r.volatile_fraction += x;
    if (p.partition == "kow") {
      oil += x * K;
      sep << (first_o ? "" : " + ") << x << " x " << K << " (" << name
          << (measured_oil ? ": S_oil/S_w of the ingredient's solubilities" : ": Kow, estimated") << ")";
      first_o = false;
    } else {
      phi_m += x;
      log_k_m += x * std::log10(K);
      mis << (first_m ? "" : " + ") << x << " x log10 " << K << " (" << name
          << (p.partition == "water" ? "" : ": 10^(M log Kow + N), estimated") << ")";
      first_m = false;
    }
  }
  const double K_m = phi_m > 0 ? std::pow(10.0, log_k_m / phi_m) : 0.0;
  r.partition = phi_m * K_m + oil;
  std::ostringstream f;
  f << "vehicle '" << v.name << "': K_vw =";
  if (phi_m > 0) {
    f << " " << phi_m << " x K_m";
    if (!first_o) f << " + " << sep.str();
    f << ", log-linear mixing of the miscible solvents: log10 K_m = (" << mis.str() << ") / " << phi_m << ", K_m = " << K_m;
  } else {
    f << " " << sep.str();
  }
  f << "; K_vw = " << r.partition;
  r.formula = f.str();
  return r;
}

}  // namespace dermasim
