// SPDX-License-Identifier: BSD-3-Clause
// The sparse direct solvers reuse their factorisation across small changes of the matrix
// (solver/direct_solver.hpp): in 3d a changed step size or operator is solved by a Krylov iteration
// preconditioned by the old factors, to the solver tolerance, and refactorised only when that
// iteration stops paying. Checked against a fresh factorisation of the same matrix; in 1d every
// change is factorised.
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
  g.geometry = nx > 1 ? Geometry::ThreeD : Geometry::OneD;
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

double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0, s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, std::fabs(a[i] - b[i]));
    s = std::max(s, std::fabs(b[i]));
  }
  return d / s;
}

// Solves with `lagged` (which keeps its factors) and with a fresh factorisation of the same matrix.
double compare(LinearSolver& lagged, const StencilOperator& op, long version, double ca, bool symmetric) {
  auto fresh = symmetric ? make_linear_solver("direct", 1e-12, 100) : make_nonsymmetric_solver("direct", 1e-12, 100);
  lagged.setup(op, version, 1.0, ca);
  fresh->setup(op, version, 1.0, ca);
  const auto b = rhs_for(op);
  std::vector<double> x(op.size(), 0.0), y(op.size(), 0.0);
  lagged.solve(b, x);
  fresh->solve(b, y);
  return relative_difference(x, y);
}

}  // namespace

TEST_CASE("direct solvers in 3d keep their factors across small changes of the step and of the flow", "[verification][solver]") {
  const Grid g = block(6, 5, 30);
  const double dt = 50.0;  // D dt / h^2 >> 1 in the fine cells: a stiff matrix
  SECTION("symmetric (LDLT, conjugate gradients on the old factors)") {
    StencilOperator op(spec_for(g, 0.0));
    auto s = make_linear_solver("direct", 1e-12, 100);
    CHECK(compare(*s, op, 1, dt, true) < 1e-12);
    CHECK(s->stats.factorizations == 1);
    // a step 0.2 % longer: solved on the old factors
    CHECK(compare(*s, op, 1, 1.002 * dt, true) < 1e-9);
    CHECK(s->stats.factorizations == 1);
    CHECK(s->stats.iterations > 0);
    // a step 25 % longer (the least change the step control makes): the iteration to 1e-12 takes
    // more than the lag allows: factorised
    CHECK(compare(*s, op, 1, 1.25 * 1.002 * dt, true) < 1e-9);
    CHECK(s->stats.factorizations == 2);
  }
  SECTION("non-symmetric (LU, BiCGSTAB on the old factors), a new operator version") {
    StencilOperator a(spec_for(g, 1e-14)), b(spec_for(g, 1.05e-14)), c(spec_for(g, 1e-11));
    auto s = make_nonsymmetric_solver("direct", 1e-12, 100);
    CHECK(compare(*s, a, 1, dt, false) < 1e-12);
    CHECK(compare(*s, b, 2, dt, false) < 1e-9);  // the flow changed by 5 %
    CHECK(s->stats.factorizations == 1);
    CHECK(compare(*s, c, 3, dt, false) < 1e-9);  // a thousand times faster flow: factorised
    CHECK(s->stats.factorizations == 2);
  }
}

TEST_CASE("direct solvers in 1d factorise every change of the matrix", "[solver]") {
  const Grid g = block(1, 1, 200);
  StencilOperator op(spec_for(g, 0.0));
  auto s = make_linear_solver("direct", 1e-12, 100);
  compare(*s, op, 1, 10.0, true);
  compare(*s, op, 1, 12.0, true);
  CHECK(s->stats.factorizations == 2);
  CHECK(s->stats.iterations == 0);
}

TEST_CASE("an error estimate's solve stops at the loose tolerance, the step's at the solver's", "[solver]") {
  const Grid g = block(16, 16, 40);
  StencilOperator op(spec_for(g, 0.0));
  const auto b = rhs_for(op);
  long its[2];
  for (int loose = 0; loose < 2; ++loose) {
    auto s = make_linear_solver("mg", 1e-12, 500);
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
    CHECK(std::sqrt(rr / bb) <= (loose ? kEstimateTolerance : 1e-12));
  }
  CHECK(its[1] < its[0]);
}
