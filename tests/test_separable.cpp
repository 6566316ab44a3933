// SPDX-License-Identifier: BSD-3-Clause
// The separable direct solver (solver/separable.cpp; docs/numerics.md, "A separable direct solver for
// layered grids"): on laterally uniform operators (layers with diffusivity and partition jumps, losses,
// a fixed-activity top, a bottom sink, graded depth cells) it solves (cm M + ca A) x = b to round-off
// and gives the sparse LDLT's and the multigrid CG's solution; every operator it cannot take goes to
// the multigrid CG under the `mg` kind; a whole run with `mg` is the `direct` run.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "solver/grid.hpp"
#include "solver/linear_solver.hpp"
#include "solver/operator.hpp"
#include "linear_checks.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// A 0.6 mm x 0.5 mm x 1 mm block of four layers along depth: a thin top one (D K 1000 times smaller,
// partition 5), one with partition 0.5 and D K 10 times smaller, one with a first-order loss, and the
// rest; depth cells graded (smallest at the top, ratio 20); uniform lateral cells.
Block layered(int nx, int ny, int nz, TopMode top, bool sink) {
  Block L;
  make_block(L, ny > 1 ? Geometry::ThreeD : (nx > 1 ? Geometry::TwoD : Geometry::OneD), nx, ny, nz, 6e-4, 5e-4, 1e-3, 20.0, false, 1e-9);
  const Grid& g = L.g;
  const size_t n = g.cells();
  L.spec.losses = {{"cleared", std::vector<double>(n, 0.0)}, {"unused", {}}};
  for (int k = 0; k < nz; ++k) {
    const double z = g.zc(k);
    double K = 1.0, DK = 1e-9, loss = 0.0;
    if (z < 5e-5) {
      K = 5.0;
      DK = 1e-12;
    } else if (z < 3e-4) {
      K = 0.5;
      DK = 1e-10;
    } else if (z < 6e-4) {
      loss = 2e-3;
    }
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        L.spec.K[p] = K;
        L.spec.DK[p] = DK;
        L.spec.losses[0].k[p] = loss;
      }
  }
  L.spec.top = top;
  L.spec.fixed_activity = 1.0;
  L.spec.reservoir_capacity = 1e-12;
  L.spec.bottom_sink = sink;
  return L;
}

// A random right-hand side (fixed seed), M times a uniform random activity; the unused reservoir
// slot (decoupled: x there is b / its diagonal, its mass 1) gets a value of the cells' size too. (Not the operator's own
// source: the fixed-activity top's would outweigh the rest, and a residual relative to it says
// little of the other cells.)
std::vector<double> random_rhs(const StencilOperator& op) {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> b(op.size());
  const auto& M = op.mass();
  for (size_t i = 0; i < b.size(); ++i) b[i] = M[i] * u(rng);
  b[op.cells()] = 0.5 * M[0];
  return b;
}

std::vector<double> solve_with(LinearSolver& s, const StencilOperator& op, double ca, const std::vector<double>& b) {
  s.setup(op, 1, 1.0, ca);
  std::vector<double> x(op.size(), 0.0);
  s.solve(b, x);
  return x;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("separable solver: exact on layered operators, the LDLT's and the multigrid CG's solution", "[separable][verification]") {
  if (!separable_solver_enabled()) {
    WARN("built without FFTW or DERMASIM_SEPARABLE=0: the separable solver is not tested");
    return;
  }
  struct Variant {
    int nx, ny, nz;
    TopMode top;
    bool sink;
  };
  for (const Variant& v : {Variant{16, 12, 20, TopMode::Fixed, true}, Variant{9, 7, 11, TopMode::Closed, true},
                           Variant{10, 10, 15, TopMode::Fixed, false}, Variant{12, 1, 30, TopMode::Fixed, true},
                           Variant{1, 1, 40, TopMode::Closed, true}}) {
    CAPTURE(v.nx, v.ny, v.nz, static_cast<int>(v.top), v.sink);
    Block L = layered(v.nx, v.ny, v.nz, v.top, v.sink);
    L.spec.grid = &L.g;
    const StencilOperator op(L.spec);
    REQUIRE(separable_ineligibility(op).empty());
    for (double ca : {1.0, 1e3, 1e6}) {  // from mass-dominated to nearly steady (D dt / h^2 up to ~1e5)
      CAPTURE(ca);
      const auto b = random_rhs(op);
      auto sep = make_separable_solver();
      const auto x = solve_with(*sep, op, ca, b);
      CHECK(relative_residual(op, 1.0, ca, b, x) <= 1e-12);
      CHECK(sep->stats.solves == 1);
      CHECK(sep->stats.iterations == 1);
      auto direct = make_linear_solver("direct", 0, 0);
      CHECK(relative_difference(x, solve_with(*direct, op, ca, b)) <= 1e-10);
      auto cg = make_multigrid_cg_solver(1e-14, 500);
      const auto xc = solve_with(*cg, op, ca, b);
      INFO("multigrid CG: " << cg->stats.iterations << " iterations");
      CHECK(relative_difference(x, xc) <= 1e-10);
      // the `mg` kind takes it
      auto mg = make_linear_solver("mg", 1e-8, 500);
      CHECK(relative_difference(x, solve_with(*mg, op, ca, b)) == 0.0);
      CHECK(contains(mg->name(), "separable"));
      CHECK(mg->stats.solves == 1);
      CHECK(mg->stats.iterations == 1);
    }
  }
}

TEST_CASE("separable solver: the threaded path (planes and modes over threads) gives the same numbers", "[separable][unit]") {
  if (!separable_solver_enabled()) return;
  Block L = layered(32, 30, 28, TopMode::Fixed, true);  // 26,880 cells: above the threading threshold
  L.spec.grid = &L.g;
  const StencilOperator op(L.spec);
  const auto b = random_rhs(op);
  const int threads = omp_get_max_threads();
  std::vector<std::vector<double>> x;
  for (int t : {1, 2, 3}) {
    omp_set_num_threads(t);
    auto sep = make_separable_solver();
    x.push_back(solve_with(*sep, op, 1e3, b));
  }
  omp_set_num_threads(threads);
  CHECK(relative_residual(op, 1.0, 1e3, b, x[0]) <= 1e-12);
  CHECK(x[1] == x[0]);  // each plane and each mode is computed by one thread, the same way
  CHECK(x[2] == x[0]);
}

TEST_CASE("separable solver: operators it cannot take go to the multigrid CG", "[separable][unit]") {
  const double ca = 1e3;
  struct Case {
    std::string what, why;
    Block L;
  };
  std::vector<Case> cases;
  {
    Block L = layered(8, 6, 10, TopMode::Fixed, true);
    L.spec.DK[L.g.index(3, 2, 5)] *= 1.5;  // one cell: the couplings around it differ
    cases.push_back({"a laterally non-uniform coefficient", "vary", std::move(L)});
  }
  {
    Block L = layered(8, 6, 10, TopMode::Fixed, true);
    L.spec.losses[0].k[L.g.index(7, 5, 8)] = 1.0;  // one cell's loss: the diagonal alone differs
    cases.push_back({"a laterally non-uniform loss", "diagonal varies", std::move(L)});
  }
  {
    Block L = layered(8, 6, 10, TopMode::Fixed, true);
    L.g.periodic_x = true;
    cases.push_back({"a periodic edge", "periodic", std::move(L)});
  }
  {
    Block L = layered(8, 6, 10, TopMode::Fixed, true);
    L.g.xn = graded_nodes(0.0, 6e-4, 8, 3.0, "start");
    L.g.finalize();
    cases.push_back({"graded lateral spacing", "spacing", std::move(L)});
  }
  {
    Block L = layered(8, 6, 10, TopMode::Reservoir, true);
    cases.push_back({"a reservoir unknown", "reservoir", std::move(L)});
  }
  {
    Block L = layered(8, 6, 10, TopMode::Fixed, true);
    L.spec.flux_z.assign(static_cast<size_t>(8) * 6 * 11, 1e-15);
    cases.push_back({"advection", "symmetric", std::move(L)});
  }
  for (auto& c : cases) {
    CAPTURE(c.what);
    c.L.spec.grid = &c.L.g;
    const StencilOperator op(c.L.spec);
    const std::string why = separable_ineligibility(op);
    INFO("ineligible because: " << why);
    if (separable_solver_enabled()) {
      CHECK(contains(why, c.why));
      CHECK_THROWS_WITH(make_separable_solver()->setup(op, 1, 1.0, ca), Catch::Contains(c.why));
    } else {
      CHECK(!why.empty());
    }
    if (!op.symmetric()) continue;  // "mg" is for symmetric operators (the non-symmetric kind has its own)
    auto mg = make_linear_solver("mg", 1e-12, 500);
    const auto b = random_rhs(op);
    const auto x = solve_with(*mg, op, ca, b);
    CHECK(contains(mg->name(), "multigrid"));
    CHECK(relative_residual(op, 1.0, ca, b, x) <= 1e-12);
    CHECK(mg->stats.iterations > mg->stats.solves);  // iterations: the CG's
  }
}

TEST_CASE("separable solver: a singular matrix (closed, lossless, no mass term) is left to the iterative solver", "[separable][unit]") {
  if (!separable_solver_enabled()) return;
  Block L = layered(6, 5, 8, TopMode::Closed, false);
  for (auto& k : L.spec.losses[0].k) k = 0.0;
  L.spec.grid = &L.g;
  const StencilOperator op(L.spec);
  REQUIRE(separable_ineligibility(op).empty());
  CHECK_THROWS_WITH(make_separable_solver()->setup(op, 1, 0.0, 1.0), Catch::Contains("positive definite"));
  CHECK_NOTHROW(make_separable_solver()->setup(op, 1, 1.0, 1.0));  // with the mass term it is definite
}

TEST_CASE("the mg kind decides at every setup, and counts both solvers' work", "[separable][unit]") {
  if (!separable_solver_enabled()) return;
  Block A = layered(8, 6, 10, TopMode::Fixed, true), B = layered(8, 6, 10, TopMode::Fixed, true);
  B.spec.DK[B.g.index(2, 2, 4)] *= 3.0;
  A.spec.grid = &A.g;
  B.spec.grid = &B.g;
  const StencilOperator opA(A.spec), opB(B.spec);
  auto mg = make_linear_solver("mg", 1e-12, 500);
  const auto bA = random_rhs(opA), bB = random_rhs(opB);
  std::vector<double> x(opA.size(), 0.0);
  mg->setup(opA, 1, 1.0, 10.0);
  mg->solve(bA, x);
  CHECK(contains(mg->name(), "separable"));
  CHECK(relative_residual(opA, 1.0, 10.0, bA, x) <= 1e-12);
  mg->setup(opB, 2, 1.0, 10.0);  // the operator changed: no longer laterally uniform
  mg->solve(bB, x);
  CHECK(contains(mg->name(), "multigrid"));
  CHECK(relative_residual(opB, 1.0, 10.0, bB, x) <= 1e-12);
  const long cg_iterations = mg->stats.iterations - 1;
  CHECK(cg_iterations > 1);
  mg->setup(opA, 3, 1.0, 20.0);  // and back, at another step size
  mg->solve_estimate(bA, x);
  CHECK(contains(mg->name(), "separable"));
  CHECK(relative_residual(opA, 1.0, 20.0, bA, x) <= 1e-12);  // the estimate's solve is exact too
  CHECK(mg->stats.solves == 3);
  CHECK(mg->stats.iterations == cg_iterations + 2);
  CHECK(mg->stats.estimate_solves == 1);
  CHECK(mg->stats.estimate_iterations == 1);
}

namespace {

// The shipped nappage unit cell, shortened, at 4 x 4 lateral cells: metrics of its runs.
struct RunResult {
  std::vector<double> time, dermis, balance;
  std::string fluid_solver, solute_solver;
};

RunResult nappage(const std::string& linear, bool fluid) {
  const std::string yaml =
      "time: {end: 2 h, output_every: 30 min}\n"
      "geometry: {kind: 3d, unit_cell: true, lateral_cells: 4}\n"
      "skin: {preset: face_cheek}\n"
      "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
      "delivery:\n  - {type: nappage, species: {niacinamide: 20 mg/mL}, spacing: 3 mm, volume: 10 uL, depth: 1 mm}\n"
      "solver: {linear: " + linear + ", tolerance: 1e-12}\n"
      "fluid: {enabled: " + std::string(fluid ? "true" : "false") + "}\n";
  auto sim = make_sim(yaml);
  sim->run();
  RunResult r;
  r.time = sim->history().time;
  r.dermis = sim->history().species[0].at("layer/papillary_dermis");
  r.balance = {worst_balance(*sim)};
  for (const auto& s : sim->stats().per_species) (s.species == "niacinamide" ? r.solute_solver : r.fluid_solver) = s.solver;
  return r;
}

}  // namespace

// Fluid off, the solute's operator is laterally uniform: the separable solver against the LDLT, both
// exact, the same steps. Fluid on, the fluid's operator is (the solute, advected, has BiCGSTAB): the
// step sizes differ slightly from the direct run's (the iterative solute's error estimates are solved
// to 1e-2, the stage solves to 1e-3 rtol), so the runs are compared where both have a point, at the
// output times (measured: 2.7e-9; 4e-8 with the stage solves to 1e-12).
TEST_CASE("a 3d nappage run with mg (separable) is the direct run, fluid off and on", "[separable][verification][fluid]") {
  for (bool fluid : {false, true}) {
    CAPTURE(fluid);
    const RunResult d = nappage("direct", fluid), m = nappage("mg", fluid);
    INFO("mg solvers: solute " << m.solute_solver << ", fluid " << m.fluid_solver);
    if (separable_solver_enabled()) {
      if (fluid) CHECK(contains(m.fluid_solver, "separable"));
      else CHECK(contains(m.solute_solver, "separable"));
    }
    CHECK(d.balance[0] < 1e-10);
    CHECK(m.balance[0] < 1e-10);
    REQUIRE(d.dermis.back() > 0);
    double worst = 0, scale = 0;
    int shared = 0;
    for (size_t i = 0; i < d.time.size(); ++i)
      for (size_t j = 0; j < m.time.size(); ++j)
        if (std::fabs(d.time[i] - m.time[j]) <= 1e-12 * d.time[i]) {  // (both land on the output times)
          ++shared;
          worst = std::max(worst, std::fabs(d.dermis[i] - m.dermis[j]));
        }
    for (double v : d.dermis) scale = std::max(scale, std::fabs(v));
    INFO(shared << " shared times, steps: direct " << d.time.size() << ", mg " << m.time.size());
    CHECK(shared >= 4);  // 30 min, 1 h, 1.5 h, 2 h
    CHECK(worst / scale < (fluid ? 1e-6 : 1e-10));
    if (!fluid) CHECK(d.time.size() == m.time.size());
  }
}

// `auto` on a small 3d grid (below 4,000 cells): `mg` where the separable solver can take the case
// (uniform lateral cells, closed edges, no reservoir, properties the same across each depth plane),
// the sparse direct solve otherwise (a vehicle on the skin: a reservoir unknown; graded lateral cells).
TEST_CASE("auto takes the separable paths on small layered 3d cases only", "[separable][unit]") {
  auto solver_of = [](const std::string& extra_geometry, const std::string& delivery) {
    const std::string yaml =
        "time: {end: 10 min}\n"
        "geometry: {kind: 3d, width: 6 mm, lateral_cells: 4" + extra_geometry + "}\n"
        "skin: {preset: face_cheek}\n"
        "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
        "delivery:\n  - " + delivery + "\n";
    auto sim = make_sim(yaml);
    REQUIRE(sim->grid().cells() <= 4000);
    sim->run();
    return sim->stats().per_species.at(0).solver;
  };
  const std::string injection = "{type: injection, species: {niacinamide: 20 mg/mL}, volume: 10 uL, depth: 1 mm}";
  const std::string serum = "{type: topical, species: niacinamide, dose: 2 mg/cm2, concentration: 50 mg/mL}";
  if (separable_solver_enabled()) CHECK(contains(solver_of("", injection), "separable"));
  else CHECK(contains(solver_of("", injection), "direct"));
  CHECK(contains(solver_of("", serum), "direct"));                             // the vehicle: a reservoir unknown
  CHECK(contains(solver_of(", lateral_grading: 2", injection), "direct"));  // graded lateral cells
}
