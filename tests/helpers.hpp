// SPDX-License-Identifier: BSD-3-Clause
// Shared helpers for the tests: run a case given as YAML text through the whole pipeline
// (parse, validate, build, simulate) and collect what the checks need.
#pragma once
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/case.hpp"
#include "solver/simulation.hpp"

namespace dermasim::test {

inline Case parse(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  return read_case(load_yaml_text(yaml, "test.yaml", sets));
}

// An ingredient of the library by name (throws, failing the test case, when there is none).
inline const Ingredient& lib(const std::string& name) {
  const Ingredient* g = find_library_ingredient(name);
  if (!g) throw std::runtime_error("no ingredient '" + name + "' in the library");
  return *g;
}

inline std::unique_ptr<Simulation> make_sim(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  Case c = parse(yaml, sets);
  std::vector<std::string> w;
  return std::make_unique<Simulation>(build_problem(c, &w));
}

// Largest |balance error| / applied over every recorded step, all species.
inline double worst_balance(const Simulation& sim) {
  double worst = 0;
  const auto& h = sim.history();
  for (size_t s = 0; s < h.species.size(); ++s) {
    const auto& err = h.species[s].at("balance_error");
    const auto& app = h.species[s].at("applied");
    for (size_t i = 0; i < err.size(); ++i)
      if (app[i] > 0) worst = std::max(worst, std::fabs(err[i]) / app[i]);
  }
  return worst;
}

// Linear interpolation in a recorded series.
inline double at_time(const std::vector<double>& t, const std::vector<double>& v, double when) {
  for (size_t i = 1; i < t.size(); ++i)
    if (t[i] >= when) {
      const double f = (when - t[i - 1]) / (t[i] - t[i - 1]);
      return v[i - 1] + f * (v[i] - v[i - 1]);
    }
  return v.back();
}

// log2 of successive error ratios: observed orders of convergence.
inline std::vector<double> observed_orders(const std::vector<double>& errors) {
  std::vector<double> p;
  for (size_t i = 1; i < errors.size(); ++i) p.push_back(std::log2(errors[i - 1] / errors[i]));
  return p;
}

}  // namespace dermasim::test

namespace dermasim::test {
inline Problem make_problem(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  Case c = parse(yaml, sets);
  std::vector<std::string> w;
  return build_problem(c, &w);
}
}  // namespace dermasim::test
