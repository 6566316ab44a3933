// SPDX-License-Identifier: BSD-3-Clause
// The multigrid-preconditioned CG (solver/multigrid.cpp): it solves (cm M + ca A) x = b to its
// tolerance on layered grids with partition and diffusivity jumps, graded depth cells, periodic and
// closed sides, odd sizes and a reservoir unknown; it agrees with the direct solver; and its
// iteration count does not grow with the grid (16^3 -> 32^3 -> 64^3).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "solver/grid.hpp"
#include "solver/linear_solver.hpp"
#include "solver/operator.hpp"
#include "linear_checks.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

using Layered = test::Block;

// A 1 mm x 1 mm x 1 mm block of three layers along depth: a thin top layer (5 % of the depth,
// D K 1000 times smaller, partition 5), a middle one (D K 10 times smaller, partition 0.5) and the
// rest; depth cells graded (smallest at the top, ratio 20).
Layered layered(int nx, int ny, int nz, bool periodic, TopMode top, bool sink) {
  Layered L;
  test::make_block(L, Geometry::ThreeD, nx, ny, nz, 1e-3, 1e-3, 1e-3, 20.0, periodic, 1e-9);
  const Grid& g = L.g;
  for (int k = 0; k < nz; ++k) {
    const double z = g.zc(k);
    double K = 1.0, DK = 1e-9;
    if (z < 5e-5) {
      K = 5.0;
      DK = 1e-12;
    } else if (z < 3e-4) {
      K = 0.5;
      DK = 1e-10;
    }
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        L.spec.K[g.index(i, j, k)] = K;
        // a lateral variation too (a deposit-like patch with 20 times the diffusivity)
        const bool patch = i > nx / 4 && i < nx / 2 && j > ny / 3 && j < (2 * ny) / 3 && k > nz / 3 && k < nz / 2;
        L.spec.DK[g.index(i, j, k)] = patch ? 20 * DK : DK;
      }
  }
  L.spec.top = top;
  L.spec.fixed_activity = 1.0;
  L.spec.reservoir_capacity = 1e-12;  // a 1 um film over the 1 mm2 top
  L.spec.bottom_sink = sink;
  return L;
}

// A smooth-plus-rough right-hand side, the same for every run.
std::vector<double> rhs_for(const StencilOperator& op, double cm) {
  std::vector<double> b(op.size());
  const auto& M = op.mass();
  for (size_t i = 0; i < b.size(); ++i) b[i] = cm * M[i] * (1.0 + 0.5 * std::sin(0.37 * static_cast<double>(i)));
  for (size_t i = 0; i < op.cells(); ++i) b[i] += op.source()[i];
  if (!op.has_reservoir_unknown()) b[op.cells()] = 0.0;  // the unused slot (decoupled) stays zero
  return b;
}

struct Solved {
  std::vector<double> x;
  double iterations;
  double residual;
};

Solved solve(const std::string& kind, const Layered& L, double dt, double tol) {
  OperatorSpec spec = L.spec;
  spec.grid = &L.g;
  StencilOperator op(spec);
  // "mg": the multigrid CG itself (the `mg` kind would hand a laterally uniform operator to the
  // separable solver, tests/test_separable.cpp)
  auto s = kind == "mg" ? make_multigrid_cg_solver(tol, 2000) : make_linear_solver(kind, tol, 2000);
  s->setup(op, 1, 1.0, dt);
  const auto b = rhs_for(op, 1.0);
  std::vector<double> x(op.size(), 0.0);
  s->solve(b, x);
  return {x, static_cast<double>(s->stats.iterations), relative_residual(op, 1.0, dt, b, x)};
}

// dt such that D dt / h^2 = 10 for the lower layer's diffusivity and the lateral spacing
double dt_for(int n) { return 10.0 * std::pow(1e-3 / n, 2) / 1e-9; }

}  // namespace

TEST_CASE("multigrid CG agrees with the direct solver on layered grids", "[multigrid][verification]") {
  struct Variant {
    int nx, ny, nz;
    bool periodic;
    TopMode top;
    bool sink;
  };
  for (const Variant& v : {Variant{16, 16, 16, false, TopMode::Fixed, false}, Variant{15, 13, 20, true, TopMode::Reservoir, true},
                           Variant{12, 1, 30, false, TopMode::Fixed, true}, Variant{1, 1, 40, false, TopMode::Reservoir, false},
                           Variant{9, 10, 11, true, TopMode::Closed, true}}) {
    CAPTURE(v.nx, v.ny, v.nz, v.periodic, static_cast<int>(v.top), v.sink);
    const Layered L = layered(v.nx, v.ny, v.nz, v.periodic, v.top, v.sink);
    const double dt = dt_for(v.nx);
    const Solved mg = solve("mg", L, dt, 1e-10);
    const Solved direct = solve("direct", L, dt, 1e-10);
    CHECK(mg.residual <= 1e-10);
    CHECK(relative_difference(mg.x, direct.x) <= 1e-8);
    CHECK(mg.iterations <= 20);
  }
}

TEST_CASE("multigrid CG: iterations nearly independent of the grid size", "[multigrid][verification]") {
  // the same layered block (jumps of 1000 in D K, graded depth) at 16^3, 32^3, 64^3, D dt/h^2 = 10
  std::vector<double> its;
  for (int n : {16, 32, 64}) {
    const Layered L = layered(n, n, n, false, TopMode::Fixed, true);
    const Solved mg = solve("mg", L, dt_for(n), 1e-8);
    CHECK(mg.residual <= 1e-8);
    its.push_back(mg.iterations);
    // the block-DIC CG for comparison: its count grows with n
    if (n == 64) {
      const Solved cg = solve("cg", L, dt_for(n), 1e-8);
      CHECK(cg.residual <= 1e-8);
      CHECK(relative_difference(mg.x, cg.x) <= 1e-6);
      CHECK(mg.iterations < cg.iterations);
      WARN("64^3 iterations: multigrid " << mg.iterations << ", block DIC " << cg.iterations);
    }
  }
  WARN("multigrid CG iterations at 16^3, 32^3, 64^3: " << its[0] << ", " << its[1] << ", " << its[2]);
  CHECK(its[2] <= its[0] + 3);
  CHECK(its[1] <= its[0] + 2);
  CHECK(its[2] <= 15);
}

TEST_CASE("BiCGSTAB with the multigrid preconditioner solves advected (non-symmetric) systems", "[multigrid][verification]") {
  // the layered block with a fluid flux: downward through every z face, sideways through the x faces
  Layered L = layered(20, 18, 24, false, TopMode::Fixed, true);
  const Grid& g = L.g;
  L.spec.flux_z.assign(static_cast<size_t>(g.nx) * g.ny * (g.nz + 1), 0.0);
  L.spec.flux_x.assign(static_cast<size_t>(g.nx + 1) * g.ny * g.nz, 0.0);
  for (int k = 1; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) L.spec.flux_z[(static_cast<size_t>(k) * g.ny + j) * g.nx + i] = 2e-15 * (1 + 0.1 * i);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 1; i < g.nx; ++i) L.spec.flux_x[(static_cast<size_t>(k) * g.ny + j) * (g.nx + 1) + i] = (i < g.nx / 2 ? -1e-15 : 1e-15);
  OperatorSpec spec = L.spec;
  spec.grid = &L.g;
  StencilOperator op(spec);
  REQUIRE_FALSE(op.symmetric());
  const double dt = dt_for(g.nx);
  const auto b = rhs_for(op, 1.0);
  std::vector<std::vector<double>> x;
  std::vector<long> its;
  for (const char* kind : {"mg", "bicgstab", "direct"}) {
    auto s = make_nonsymmetric_solver(kind, 1e-10, 5000);
    s->setup(op, 1, 1.0, dt);
    x.emplace_back(op.size(), 0.0);
    s->solve(b, x.back());
    its.push_back(s->stats.iterations);
    if (std::string(kind) != "direct") CHECK(relative_residual(op, 1.0, dt, b, x.back()) <= 1e-10);
  }
  CHECK(relative_difference(x[0], x[2]) <= 1e-8);
  CHECK(its[0] < its[1]);
  WARN("BiCGSTAB iterations: multigrid " << its[0] << ", Jacobi " << its[1]);
}

// ---- The V-cycle with the upwind couplings (an advected operator) ----------------------------

namespace {
// The layered block with a strong fluid flux: downward through every z face (cell Peclet numbers
// from about 1 in the lower layer to 1e4 in the thin top one), outward from the middle through
// the x faces and toward +y through the y faces, periodic or closed sides.
StencilOperator strongly_advected(Layered& L, double fz, double fxy) {
  const Grid& g = L.g;
  L.spec.flux_z.assign(static_cast<size_t>(g.nx) * g.ny * (g.nz + 1), 0.0);
  L.spec.flux_x.assign(static_cast<size_t>(g.nx + 1) * g.ny * g.nz, 0.0);
  L.spec.flux_y.assign(static_cast<size_t>(g.nx) * (g.ny + 1) * g.nz, 0.0);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        if (k > 0) L.spec.flux_z[(static_cast<size_t>(k) * g.ny + j) * g.nx + i] = fz * (1 + 0.3 * std::sin(0.7 * i + 0.3 * j));
        if (i > 0 || g.periodic_x) L.spec.flux_x[(static_cast<size_t>(k) * g.ny + j) * (g.nx + 1) + (i > 0 ? i : g.nx)] = (i < g.nx / 2 ? -fxy : fxy);
        if (j > 0 || g.periodic_y) L.spec.flux_y[(static_cast<size_t>(k) * (g.ny + 1) + (j > 0 ? j : g.ny)) * g.nx + i] = 0.5 * fxy;
      }
  OperatorSpec spec = L.spec;
  spec.grid = &L.g;
  return StencilOperator(spec);
}
}  // namespace

// x += P (b - A x) with the V-cycle P, `cycles` times from zero: the residual's reduction factor of
// each cycle.
std::vector<double> vcycle_factors(const StencilOperator& op, double dt, int cycles) {
  const auto b = rhs_for(op, 1.0);
  auto pc = make_multigrid_preconditioner();
  pc->setup(op, 1, 1.0, dt);
  std::vector<double> x(op.size(), 0.0), r = b, z, y, factors;
  double prev = 0;
  for (double v : b) prev += v * v;
  prev = std::sqrt(prev);
  for (int it = 0; it < cycles; ++it) {
    pc->apply(r, z);
    for (size_t i = 0; i < x.size(); ++i) x[i] += z[i];
    op.apply(1.0, dt, x, y);
    double rr = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      r[i] = b[i] - y[i];
      rr += r[i] * r[i];
    }
    rr = std::sqrt(rr);
    factors.push_back(rr / prev);
    prev = rr;
  }
  return factors;
}

TEST_CASE("multigrid V-cycle with upwind couplings contracts on a strongly advected layered block", "[multigrid][verification]") {
  for (const bool periodic : {false, true}) {
    const double dt = dt_for(17);
    // Depth flow only: every cycle reduces the residual by at least half (0.33 closed, 0.46 with the
    // odd periodic ring; the V-cycle that saw the outflows on its diagonal but not the inflows from
    // above reduced it by only 0.90-0.96 per cycle on the closed block).
    {
      Layered L = layered(17, 16, 24, periodic, TopMode::Fixed, true);  // odd nx: an odd periodic ring
      const StencilOperator op = strongly_advected(L, 2e-12, 0.0);
      REQUIRE_FALSE(op.symmetric());
      const auto f = vcycle_factors(op, dt, 8);
      const double worst = *std::max_element(f.begin(), f.end());
      WARN("periodic " << periodic << ", depth flow: worst V-cycle residual reduction of 8 " << worst);
      CHECK(worst <= 0.5);
    }
    // Depth and lateral flow (lateral cell Peclet numbers about 1): after the first cycle the
    // reduction settles below 0.5; BiCGSTAB with the V-cycle gives the sparse LU's solution.
    Layered L = layered(17, 16, 24, periodic, TopMode::Fixed, true);
    const StencilOperator op = strongly_advected(L, 2e-12, 4e-14);
    const auto f = vcycle_factors(op, dt, 8);
    double later = 0;
    for (size_t i = 2; i < f.size(); ++i) later = std::max(later, f[i]);
    WARN("periodic " << periodic << ", depth and lateral flow: V-cycle residual reduction, cycles 3-8: at most " << later);
    CHECK(later <= 0.5);
    const auto b = rhs_for(op, 1.0);
    std::vector<std::vector<double>> sol;
    std::vector<long> its;
    for (const char* kind : {"mg", "direct"}) {
      auto s = make_nonsymmetric_solver(kind, 1e-10, 500);
      s->setup(op, 1, 1.0, dt);
      sol.emplace_back(op.size(), 0.0);
      s->solve(b, sol.back());
      its.push_back(s->stats.iterations);
    }
    CHECK(relative_residual(op, 1.0, dt, b, sol[0]) <= 1e-10);
    CHECK(relative_difference(sol[0], sol[1]) <= 1e-8);
    WARN("BiCGSTAB (multigrid) iterations: " << its[0]);
    CHECK(its[0] <= 12);
  }
}
