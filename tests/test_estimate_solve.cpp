// SPDX-License-Identifier: BSD-3-Clause
// The time step's error estimate is solved to the loose relative residual kEstimateTolerance by
// the iterative solvers (solver/linear_solver.hpp, solve_estimate), the step itself to the solver's
// tolerance: fewer iterations, each residual where it is meant to be.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "solver/grid.hpp"
#include "solver/linear_solver.hpp"
#include "solver/operator.hpp"

using namespace dermasim;

namespace {

// A 1 mm block, two layers along depth (D K 100 times smaller in the top fifth), graded depth cells.
Grid block(int nx, int ny, int nz) {
  Grid g;
  g.geometry = Geometry::ThreeD;
  for (int i = 0; i <= nx; ++i) g.xn.push_back(1e-3 * i / nx);
  for (int j = 0; j <= ny; ++j) g.yn.push_back(1e-3 * j / ny);
  g.zn = graded_nodes(0.0, 1e-3, nz, 10.0, "start");
  g.finalize();
  g.cell_layer.assign(nz, 0);
  return g;
}

OperatorSpec spec_for(const Grid& g, double flux) {
  OperatorSpec s;
  s.grid = &g;
  const size_t n = g.cells();
  s.K.assign(n, 1.0);
  s.DK.assign(n, 1e-9);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (g.zc(k) < 2e-4) s.DK[g.index(i, j, k)] = 1e-11;
  s.losses = {{"cleared", std::vector<double>(n, 1e-4)}};
  if (flux != 0) {  // downward through every interior z face, sideways through the x faces
    s.flux_z.assign(static_cast<size_t>(g.nx) * g.ny * (g.nz + 1), 0.0);
    s.flux_x.assign(static_cast<size_t>(g.nx + 1) * g.ny * g.nz, 0.0);
    s.flux_y.assign(static_cast<size_t>(g.nx) * (g.ny + 1) * g.nz, 0.0);
    for (int k = 1; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) s.flux_z[(static_cast<size_t>(k) * g.ny + j) * g.nx + i] = flux * (1 + 0.1 * i);
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 1; i < g.nx; ++i) s.flux_x[(static_cast<size_t>(k) * g.ny + j) * (g.nx + 1) + i] = (i < g.nx / 2 ? -0.5 : 0.5) * flux;
  }
  return s;
}

std::vector<double> rhs_for(const StencilOperator& op) {
  std::vector<double> b(op.size(), 0.0);
  for (size_t i = 0; i < op.cells(); ++i) b[i] = op.mass()[i] * (1.0 + 0.5 * std::sin(0.37 * static_cast<double>(i)));
  return b;
}

}  // namespace

TEST_CASE("an error estimate's solve stops at the loose tolerance, the step's at the solver's", "[solver]") {
  const Grid g = block(16, 16, 40);
  for (double flux : {0.0, 1e-14}) {  // CG with multigrid; BiCGSTAB with multigrid (advected)
    StencilOperator op(spec_for(g, flux));
    REQUIRE(op.symmetric() == (flux == 0.0));
    const auto b = rhs_for(op);
    long its[2];
    for (int loose = 0; loose < 2; ++loose) {
      // (the multigrid CG itself: the `mg` kind would take this layered operator with the exact
      // separable solver, tested in tests/test_separable.cpp)
      auto s = flux == 0.0 ? make_multigrid_cg_solver(1e-12, 500) : make_nonsymmetric_solver("mg", 1e-12, 500);
      s->setup(op, 1, 1.0, 50.0);
      std::vector<double> x(op.size(), 0.0);
      if (loose)
        s->solve_estimate(b, x);
      else
        s->solve(b, x);
      its[loose] = s->stats.iterations;
      std::vector<double> y;
      op.apply(1.0, 50.0, x, y);
      double rr = 0, bb = 0;
      for (size_t i = 0; i < b.size(); ++i) {
        rr += (b[i] - y[i]) * (b[i] - y[i]);
        bb += b[i] * b[i];
      }
      INFO("flux " << flux << (loose ? ", estimate" : ", step") << ": " << its[loose] << " iterations");
      CHECK(std::sqrt(rr / bb) <= (loose ? kEstimateTolerance : 1e-12));
    }
    CHECK(its[1] < its[0]);
  }
}
