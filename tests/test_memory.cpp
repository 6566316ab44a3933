// SPDX-License-Identifier: BSD-3-Clause
// Compact storage (docs/performance.md, "Memory"): a loss channel that is zero everywhere stored
// empty by the simulation, the constant source stored up to its last nonzero entry, K and D K held once, and the
// multigrid CG solving in the time loop's right-hand side. Each must give what the full storage
// gives: the same operator to the last bit, the same solution, a mass balance that closes.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "helpers.hpp"
#include "solver/grid.hpp"
#include "solver/linear_solver.hpp"
#include "solver/operator.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// A 6 x 5 x 7 block, two layers, graded depth, closed sides.
Grid block() {
  Grid g;
  g.geometry = Geometry::ThreeD;
  for (int i = 0; i <= 6; ++i) g.xn.push_back(1e-4 * i);
  for (int j = 0; j <= 5; ++j) g.yn.push_back(1.2e-4 * j);
  g.zn = graded_nodes(0.0, 5e-4, 7, 4.0, "start");
  g.finalize();
  g.cell_layer.assign(7, 0);
  return g;
}

OperatorSpec spec_on(const Grid& g, TopMode top) {
  OperatorSpec s;
  s.grid = &g;
  const size_t n = g.cells();
  s.K.assign(n, 1.0);
  s.DK.assign(n, 1e-10);
  for (size_t p = 0; p < n; ++p) {
    s.K[p] = 1.0 + 0.1 * static_cast<double>(p % 7);
    s.DK[p] = 1e-10 * (1.0 + static_cast<double>(p % 3));
  }
  s.top = top;
  s.fixed_activity = 2.0;
  s.reservoir_capacity = 1e-12;
  s.bottom_sink = true;
  return s;
}

}  // namespace

TEST_CASE("operator: a loss channel stored empty is the zero channel, bit for bit", "[unit][operator][memory]") {
  const Grid g = block();
  const size_t n = g.cells();
  for (TopMode top : {TopMode::Closed, TopMode::Fixed, TopMode::Reservoir}) {
    OperatorSpec full = spec_on(g, top), compact = full;
    std::vector<double> k(n);
    for (size_t p = 0; p < n; ++p) k[p] = 1e-4 * static_cast<double>(p % 5);
    full.losses = {{"cleared_blood", k}, {"cleared_lymph", std::vector<double>(n, 0.0)}, {"degraded", std::vector<double>(n, 0.0)}};
    compact.losses = {{"cleared_blood", k}, {"cleared_lymph", {}}, {"degraded", {}}};
    CHECK(compact.losses[1].zero());
    CHECK(compact.losses[1].at(3) == 0.0);
    CHECK(compact.losses[0].at(3) == k[3]);
    const StencilOperator a(full), b(compact);
    CHECK(a.mass() == b.mass());
    CHECK(a.diagonal_of_a() == b.diagonal_of_a());
    std::vector<double> x(a.size()), ya, yb;
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3 * static_cast<double>(i)) + 1.5;
    a.apply(1.0, 37.0, x, ya);
    b.apply(1.0, 37.0, x, yb);
    CHECK(ya == yb);
    // the same outflows, by name and weight: the balance counts the empty channels too (as zero)
    REQUIRE(a.outflows().size() == b.outflows().size());
    for (size_t f = 0; f < a.outflows().size(); ++f) {
      CHECK(a.outflows()[f].name == b.outflows()[f].name);
      CHECK(a.outflows()[f].w == b.outflows()[f].w);
    }
    // the source: stored up to its last nonzero entry, the whole vector on request
    const auto& pre = a.source_prefix();
    const auto& whole = a.source();
    REQUIRE(whole.size() == a.size());
    CHECK(pre.size() == (top == TopMode::Fixed ? static_cast<size_t>(g.nx) * g.ny : 0u));
    double sum_pre = 0, sum_whole = 0;
    for (size_t i = 0; i < whole.size(); ++i) {
      if (i < pre.size()) CHECK(whole[i] == pre[i]);
      else CHECK(whole[i] == 0.0);
      sum_whole += whole[i];
    }
    for (double v : pre) sum_pre += v;
    CHECK(sum_pre == sum_whole);
    if (top == TopMode::Fixed) CHECK(sum_pre > 0);
  }
  // a channel with neither one rate per cell nor none is refused
  OperatorSpec bad = spec_on(g, TopMode::Closed);
  bad.losses = {{"degraded", std::vector<double>(n - 1, 0.0)}};
  CHECK_THROWS_WITH(StencilOperator(bad), Catch::Contains("degraded"));
}

TEST_CASE("multigrid CG: solving in the right-hand side's storage gives the same solution", "[unit][multigrid][memory]") {
  const Grid g = block();
  for (TopMode top : {TopMode::Fixed, TopMode::Reservoir}) {
    const OperatorSpec s = spec_on(g, top);
    const StencilOperator op(s);
    auto solver = make_multigrid_cg_solver(1e-10, 200);  // the CG itself, not the `mg` kind's separable path
    solver->setup(op, 1, 1.0, 50.0);
    std::vector<double> b(op.size());
    for (size_t i = 0; i < b.size(); ++i) b[i] = op.mass()[i] * (1.0 + 0.5 * std::cos(0.21 * static_cast<double>(i)));
    std::vector<double> x1(op.size(), 0.1), x2 = x1, b2 = b;
    solver->solve(b, x1);
    const long it1 = solver->stats.iterations;
    solver->solve_destroying(b2, x2);
    CHECK(solver->stats.iterations == 2 * it1);
    CHECK(x1 == x2);  // the same arithmetic
    // and it is the solution: relative residual below the tolerance
    std::vector<double> y;
    op.apply(1.0, 50.0, x2, y);
    double rr = 0, bb = 0;
    for (size_t i = 0; i < b.size(); ++i) {
      rr += (b[i] - y[i]) * (b[i] - y[i]);
      bb += b[i] * b[i];
    }
    CHECK(std::sqrt(rr / bb) <= 1e-10);
  }
}

TEST_CASE("problem: zero loss channels stored empty, K and D K held once, the balance closes", "[unit][memory]") {
  // clearance in the lower layer only: blood stored per cell, lymph and degradation empty
  const std::string y =
      "time: {end: 2 h}\ngeometry: {kind: 3d, width: 0.4 mm, length: 0.4 mm, lateral_cells: [4, 4]}\n"
      "skin:\n  bottom: sink\n  layers:\n    - {name: a, thickness: 20 um, cells: 3}\n    - {name: b, thickness: 200 um, cells: 5}\n"
      "species:\n  - {name: s, properties: {a: {diffusivity: 1e-13 m2/s, partition: 2}, b: {diffusivity: 1e-10 m2/s, partition: 0.5, clearance: 1e-4 1/s}}}\n"
      "delivery:\n  - {type: topical, species: s, concentration: 1 kg/m3, infinite: true}\n"
      "solver: {linear: mg, tolerance: 1e-12}\n";
  Problem p = make_problem(y);
  const size_t n = p.grid.cells();
  Simulation sim(std::move(p));
  REQUIRE(sim.problem().species[0].losses.size() == 3);
  const Simulation& cs = sim;
  for (const std::vector<LossChannel>* losses : {&cs.problem().species[0].losses, &cs.state(0).spec.losses, &cs.state(0).base_losses})
    for (const auto& L : *losses) {
      INFO(L.name);
      if (L.name == "cleared_blood") CHECK(L.k.size() == n);
      else CHECK(L.zero());
    }
  CHECK(sim.problem().species[0].K.empty());
  CHECK(sim.problem().species[0].DK.empty());
  CHECK(sim.state(0).spec.K.size() == n);
  CHECK(sim.state(0).spec.DK.size() == n);
  sim.run();
  const Balance b = sim.balance(0);
  CHECK(b.out.at("cleared_lymph") == 0.0);
  CHECK(b.out.at("degraded") == 0.0);
  CHECK(b.out.at("cleared_blood") > 0.0);
  CHECK(std::fabs(b.error()) <= 1e-9 * b.applied);
  CHECK(worst_balance(sim) < 1e-9);
}
