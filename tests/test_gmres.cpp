// SPDX-License-Identifier: BSD-3-Clause
// Restarted GMRES with the multigrid V-cycle as right preconditioner (solver/linear_solver_nonsym.cpp;
// `mg` takes it for an advected species under DERMASIM_NONSYM=gmres): on an advection-diffusion block it
// gives the sparse LU's solution, meets its residual test, restarts correctly when the restart length
// is shorter than the iterations needed, needs few iterations (a weak preconditioner needs many more,
// so the bound checks the V-cycle is in use) and reports a solve that does not converge.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "solver/grid.hpp"
#include "solver/linear_solver.hpp"
#include "solver/operator.hpp"
#include "linear_checks.hpp"

using namespace dermasim;

namespace {

// A 0.6 mm x 0.5 mm x 0.8 mm block: an upper layer (top 0.1 mm, D K 100 times smaller, partition 3)
// over the rest, depth cells graded toward the top (ratio 10), a fixed-activity top and a sink below.
// The fluid flows down through the z faces (more toward +x), spreads from x = 0.3 mm to both sides
// and drifts toward +y; `strength` scales all of it (1: depth cell Peclet numbers of order 1-100).
using Advected = test::Block;

Advected advected_block(int nx, int ny, int nz, bool periodic, double strength) {
  Advected a;
  test::make_block(a, Geometry::ThreeD, nx, ny, nz, 6e-4, 5e-4, 8e-4, 10.0, periodic, 5e-10);
  const Grid& g = a.g;
  OperatorSpec& s = a.spec;
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i)
        if (g.zc(k) < 1e-4) {
          s.K[g.index(i, j, k)] = 3.0;
          s.DK[g.index(i, j, k)] = 5e-12;
        }
  s.flux_x.assign(static_cast<size_t>(nx + 1) * ny * nz, 0.0);
  s.flux_y.assign(static_cast<size_t>(nx) * (ny + 1) * nz, 0.0);
  s.flux_z.assign(static_cast<size_t>(nx) * ny * (nz + 1), 0.0);
  const double f = 1e-14 * strength;
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        if (k > 0) s.flux_z[(static_cast<size_t>(k) * ny + j) * nx + i] = f * (1.0 + static_cast<double>(i) / nx);
        if (i > 0 || periodic) s.flux_x[(static_cast<size_t>(k) * ny + j) * (nx + 1) + (i > 0 ? i : nx)] = (2 * i < nx ? -0.3 : 0.3) * f;
        if (j > 0 || periodic) s.flux_y[(static_cast<size_t>(k) * (ny + 1) + (j > 0 ? j : ny)) * nx + i] = 0.2 * f;
      }
  s.top = TopMode::Fixed;
  s.fixed_activity = 1.0;
  s.bottom_sink = true;
  s.grid = &a.g;
  return a;
}

// dt with D dt / h^2 = 20 in the lower layer along x
double dt_of(int nx) { return 20.0 * std::pow(6e-4 / nx, 2) / 5e-10; }

std::vector<double> rhs_of(const StencilOperator& op) {
  std::vector<double> b(op.size(), 0.0);
  for (size_t i = 0; i < op.cells(); ++i) b[i] = op.mass()[i] * (1.0 + 0.7 * std::cos(0.29 * static_cast<double>(i))) + op.source()[i];
  return b;
}

std::vector<double> lu_solution(const StencilOperator& op, double dt, const std::vector<double>& b) {
  auto lu = make_nonsymmetric_solver("direct", 1e-12, 1);
  lu->setup(op, 1, 1.0, dt);
  std::vector<double> x(op.size(), 0.0);
  lu->solve(b, x);
  return x;
}

// z = r / diag: the weak preconditioner the iteration bound has to tell from the V-cycle
class Diagonal final : public Preconditioner {
 public:
  void setup(const StencilOperator& op, long, double cm, double ca) override {
    op.diagonal(cm, ca, d_);
  }
  void apply(const std::vector<double>& r, std::vector<double>& z) override {
    z.resize(r.size());
    for (size_t i = 0; i < r.size(); ++i) z[i] = r[i] / d_[i];
  }

 private:
  std::vector<double> d_;
};

// An advected block, its operator, the step dt_of(nx), a right-hand side and the sparse LU's solution.
struct LuCase {
  Advected a;
  StencilOperator op;
  double dt;
  std::vector<double> b, ref;
  LuCase(int nx, int ny, int nz, bool periodic, double strength)
      : a(advected_block(nx, ny, nz, periodic, strength)), op((a.spec.grid = &a.g, a.spec)), dt(dt_of(nx)), b(rhs_of(op)), ref(lu_solution(op, dt, b)) {}
};

// False (with a warning) in a build without FFTW, where the separable preconditioner's tests skip.
bool separable_preconditioner_built() {
  if (!separable_solver_enabled()) WARN("built without FFTW: no separable preconditioner");
  return separable_solver_enabled();
}

}  // namespace

TEST_CASE("GMRES with the V-cycle solves advection-diffusion as the sparse LU does, in few iterations", "[gmres][verification]") {
  for (const bool periodic : {false, true}) {
    for (const double strength : {1.0, 30.0}) {
      CAPTURE(periodic, strength);
      Advected a = advected_block(16, 13, 24, periodic, strength);
      const StencilOperator op(a.spec);
      REQUIRE_FALSE(op.symmetric());
      const double dt = dt_of(16);
      const auto b = rhs_of(op);
      const auto ref = lu_solution(op, dt, b);
      REQUIRE(test::relative_residual(op, 1.0, dt, b, ref) <= 1e-13);

      auto s = make_gmres_solver(1e-12, 200, kGmresRestart, make_multigrid_preconditioner());
      s->setup(op, 1, 1.0, dt);
      std::vector<double> x(op.size(), 0.0);
      s->solve(b, x);
      const long its = s->stats.iterations;
      CHECK(test::relative_residual(op, 1.0, dt, b, x) <= 1e-12);
      CHECK(test::relative_difference(x, ref) <= 1e-10);
      // one V-cycle per iteration (measured 23-43: this block's lateral flow is stronger than the
      // nappage field's, and GMRES(10) restarts; BiCGSTAB with the V-cycle 12-16 iterations of up to
      // 2 V-cycles each; with the diagonal as preconditioner, 270-330)
      CHECK(its <= 50);

      auto bi = make_bicgstab_solver(1e-12, 200, make_multigrid_preconditioner());
      bi->setup(op, 1, 1.0, dt);
      std::vector<double> xb(op.size(), 0.0);
      bi->solve(b, xb);
      CHECK(test::relative_difference(xb, ref) <= 1e-10);

      // the same GMRES with the diagonal as preconditioner needs many more: the bound above would
      // fail if the V-cycle were not (or wrongly) applied
      auto weak = make_gmres_solver(1e-12, 5000, 30, std::make_unique<Diagonal>());
      weak->setup(op, 1, 1.0, dt);
      std::vector<double> xw(op.size(), 0.0);
      weak->solve(b, xw);
      CHECK(test::relative_difference(xw, ref) <= 1e-9);
      CHECK(weak->stats.iterations > 4 * its);
      WARN("periodic " << periodic << ", flux x" << strength << ": GMRES(" << kGmresRestart << ") + V-cycle " << its
                       << " iterations (V-cycles); BiCGSTAB + V-cycle " << bi->stats.iterations << " iterations; GMRES(30) + diagonal "
                       << weak->stats.iterations);
    }
  }
}

TEST_CASE("GMRES restarts: short restart lengths reach the same solution", "[gmres][verification]") {
  const LuCase c(12, 11, 20, false, 10.0);
  const StencilOperator& op = c.op;
  const double dt = c.dt;
  const auto &b = c.b, &ref = c.ref;
  long full = 0;
  for (const int m : {50, 5, 3}) {
    CAPTURE(m);
    auto s = make_gmres_solver(1e-12, 500, m, make_multigrid_preconditioner());
    REQUIRE(s->name() == "GMRES(" + std::to_string(m) + ") (multigrid, matrix-free)");
    s->setup(op, 1, 1.0, dt);
    std::vector<double> x(op.size(), 0.0);
    s->solve(b, x);
    CHECK(test::relative_residual(op, 1.0, dt, b, x) <= 1e-12);
    CHECK(test::relative_difference(x, ref) <= 1e-10);
    if (m == 50) {
      full = s->stats.iterations;
      CHECK(full < 50);  // no restart: the reference count
    } else {
      CHECK(s->stats.iterations > m);      // restarted at least once
      CHECK(s->stats.iterations >= full);  // a restart discards the space; it never helps
      CHECK(s->stats.iterations <= 3 * full);
    }
    WARN("GMRES(" << m << ") + V-cycle: " << s->stats.iterations << " iterations");
  }
}

TEST_CASE("GMRES: the initial guess, a zero right-hand side, the loose estimate solve", "[gmres][unit]") {
  const LuCase c(8, 7, 12, false, 5.0);
  const StencilOperator& op = c.op;
  const double dt = c.dt;
  const auto &b = c.b, &ref = c.ref;
  auto s = make_gmres_solver(1e-10, 100, 10, make_multigrid_preconditioner());
  s->setup(op, 1, 1.0, dt);
  // the LU solution as guess already meets the test: no iteration
  std::vector<double> x = ref;
  s->solve(b, x);
  CHECK(s->stats.iterations == 0);
  CHECK(x == ref);
  // zero right-hand side: zero solution, whatever the guess
  std::vector<double> zero(op.size(), 0.0), y(op.size(), 3.0);
  s->solve(zero, y);
  CHECK(std::all_of(y.begin(), y.end(), [](double v) { return v == 0.0; }));
  // the estimate's solve stops at kEstimateTolerance, with fewer iterations than the full solve
  std::vector<double> e(op.size(), 0.0), f(op.size(), 0.0);
  const long i0 = s->stats.iterations;
  s->solve_estimate(b, e);
  const long loose = s->stats.iterations - i0;
  s->solve(b, f);
  const long tight = s->stats.iterations - i0 - loose;
  CHECK(test::relative_residual(op, 1.0, dt, b, e) <= kEstimateTolerance);
  CHECK(test::relative_residual(op, 1.0, dt, b, f) <= 1e-10);
  CHECK(loose < tight);
  CHECK(s->stats.estimate_solves == 1);
  CHECK(s->stats.estimate_iterations == loose);
}

TEST_CASE("GMRES reports a solve that does not converge", "[gmres][unit]") {
  Advected a = advected_block(10, 9, 16, true, 10.0);
  const StencilOperator op(a.spec);
  const double dt = dt_of(10);
  const auto b = rhs_of(op);
  for (const int m : {10, 2}) {  // within one cycle, and over restarts
    auto s = make_gmres_solver(1e-12, 3, m, make_multigrid_preconditioner());
    s->setup(op, 1, 1.0, dt);
    std::vector<double> x(op.size(), 0.0);
    try {
      s->solve(b, x);
      FAIL("no error");
    } catch (const std::runtime_error& e) {
      CHECK_THAT(e.what(), Catch::Matchers::StartsWith("GMRES did not converge in 3 iterations (relative residual "));
    }
    CHECK(s->stats.iterations == 3);
  }
  CHECK_THROWS_AS(make_gmres_solver(1e-12, 3, 0, make_multigrid_preconditioner()), std::invalid_argument);
}

TEST_CASE("the environment switches of the advected solute's solver", "[gmres][unit]") {
  struct Env {  // sets a variable for the scope, restores its absence after
    const char* key;
    Env(const char* k, const char* v) : key(k) { setenv(k, v, 1); }
    ~Env() { unsetenv(key); }
  };
  REQUIRE(std::getenv("DERMASIM_NONSYM") == nullptr);
  REQUIRE(std::getenv("DERMASIM_GMRES_RESTART") == nullptr);
  // by default GMRES with the separable preconditioner where it can be built, BiCGSTAB otherwise
  CHECK(make_nonsymmetric_solver("mg", 1e-12, 10)->name() ==
        (separable_solver_enabled() ? "GMRES(" + std::to_string(kGmresRestart) + ") (separable or, on short steps, diagonal preconditioner; BiCGSTAB (multigrid, matrix-free) where neither serves)"
                                    : std::string("BiCGSTAB (multigrid, matrix-free)")));
  CHECK(make_nonsymmetric_solver("bicgstab", 1e-12, 10)->name() == "BiCGSTAB (Jacobi, matrix-free)");
  {
    Env e("DERMASIM_NONSYM", "bicgstab");
    CHECK(make_nonsymmetric_solver("mg", 1e-12, 10)->name() == "BiCGSTAB (multigrid, matrix-free)");
  }
  {
    Env e("DERMASIM_NONSYM", "gmres");
    CHECK(make_nonsymmetric_solver("mg", 1e-12, 10)->name() == "GMRES(" + std::to_string(kGmresRestart) + ") (multigrid, matrix-free)");
    Env r("DERMASIM_GMRES_RESTART", "5");
    CHECK(make_nonsymmetric_solver("mg", 1e-12, 10)->name() == "GMRES(5) (multigrid, matrix-free)");
    CHECK(make_nonsymmetric_solver("direct", 1e-12, 10)->name() == "direct (sparse LU)");
  }
  for (const char* bad : {"0", "5x", "", "1000"}) {
    Env e("DERMASIM_NONSYM", "gmres");
    Env r("DERMASIM_GMRES_RESTART", bad);
    CAPTURE(bad);
    if (*bad)
      CHECK_THROWS_WITH(make_nonsymmetric_solver("mg", 1e-12, 10), Catch::Matchers::Contains("DERMASIM_GMRES_RESTART"));
    else
      CHECK_NOTHROW(make_nonsymmetric_solver("mg", 1e-12, 10));  // empty: unset
  }
  Env e("DERMASIM_NONSYM", "cg");
  CHECK_THROWS_WITH(make_nonsymmetric_solver("mg", 1e-12, 10), "environment variable DERMASIM_NONSYM: 'cg' is not a method (allowed: separable, gmres, bicgstab)");
}

// ---- The `mg` kind's default for advected species: GMRES preconditioned by the separable solve of
// the diffusive part (solver/separable.cpp, the relaxed analysis) where the couplings are layered,
// continuing with BiCGSTAB and the V-cycle when that preconditioner misses the advection.
TEST_CASE("advected: GMRES with the separable preconditioner gives the LU's solution; strong advection falls back", "[gmres][separable][verification]") {
  if (!separable_preconditioner_built()) return;
  const int nx = 12, ny = 10, nz = 16;
  const double dt = dt_of(nx);
  for (double strength : {1e-4, 300.0}) {
    Advected a = advected_block(nx, ny, nz, false, strength);
    StencilOperator op(a.spec);
    REQUIRE_FALSE(op.symmetric());
    const std::vector<double> b = rhs_of(op), ref = lu_solution(op, dt, b);
    auto s = make_nonsymmetric_solver("mg", 1e-12, 200);
    s->setup(op, 1, 1.0, dt);
    std::vector<double> x(op.size(), 0.0);
    s->solve(b, x);
    INFO("strength " << strength << ": " << s->name() << ", " << s->stats.iterations << " iterations");
    CHECK(test::relative_residual(op, 1.0, dt, b, x) <= 1e-12);
    CHECK(test::relative_difference(x, ref) <= 1e-10);
    CHECK(s->stats.solves == 1);
    if (strength < 1) {  // diffusion dominates: the separable preconditioner alone, in a few iterations
      CHECK(s->stats.iterations <= 5);  // the V-cycle needs 20-40 on this block (above)
    } else {  // it cannot follow the flow: GMRES gives up and the V-cycle finishes the solve
      const long it0 = s->stats.iterations;
      CHECK(it0 > 3);  // GMRES is judged from its third iteration on
      // and serves the next solve of the same set-up without trying again: exactly the iterations of
      // BiCGSTAB with the V-cycle alone
      auto alone = make_bicgstab_solver(1e-12, 200, make_multigrid_preconditioner());
      alone->setup(op, 1, 1.0, dt);
      std::vector<double> y(op.size(), 0.0);
      alone->solve(b, y);
      std::fill(x.begin(), x.end(), 0.0);
      s->solve(b, x);
      CHECK(test::relative_difference(x, ref) <= 1e-10);
      CHECK(s->stats.iterations - it0 == alone->stats.iterations);
      CHECK(s->stats.solves == 2);
      // a new set-up (the next step), even of the same matrix, tries the separable preconditioner
      // again: the path depends on the step alone (a restarted run takes the same)
      const long it1 = s->stats.iterations;
      s->setup(op, 1, 1.0, dt);
      std::fill(x.begin(), x.end(), 0.0);
      s->solve(b, x);
      CHECK(s->stats.iterations - it1 == it0);
    }
  }
  // periodic edges: no separable preconditioner, BiCGSTAB with the V-cycle from the start
  Advected p = advected_block(nx, ny, nz, true, 1.0);
  StencilOperator op(p.spec);
  auto s = make_nonsymmetric_solver("mg", 1e-12, 200);
  s->setup(op, 1, 1.0, dt);
  std::vector<double> x(op.size(), 0.0);
  const std::vector<double> b = rhs_of(op);
  s->solve(b, x);
  CHECK(test::relative_difference(x, lu_solution(op, dt, b)) <= 1e-10);
  auto pc = make_separable_preconditioner();
  pc->setup(op, 1, 1.0, dt);
  CHECK_FALSE(pc->applies());
  // no separable tries: exactly the iterations of BiCGSTAB with the V-cycle alone
  auto alone = make_bicgstab_solver(1e-12, 200, make_multigrid_preconditioner());
  alone->setup(op, 1, 1.0, dt);
  std::vector<double> y(op.size(), 0.0);
  alone->solve(b, y);
  CHECK(s->stats.iterations == alone->stats.iterations);
}

TEST_CASE("the separable preconditioner takes a loss that varies across a plane (its plane mean); the separable solver does not", "[gmres][separable][unit]") {
  if (!separable_preconditioner_built()) return;
  const int nx = 8, ny = 6, nz = 10;
  Advected a = advected_block(nx, ny, nz, false, 1.0);
  a.spec.flux_x.clear();
  a.spec.flux_y.clear();
  a.spec.flux_z.clear();
  LossChannel L;
  L.name = "carried";
  L.k.assign(a.g.cells(), 0.0);
  for (size_t c = 0; c < L.k.size(); ++c) L.k[c] = 1e-3 * (1.0 + static_cast<double>(c % 7));
  a.spec.losses.push_back(L);
  StencilOperator op(a.spec);
  CHECK_THAT(separable_ineligibility(op), Catch::Matchers::Contains("the diagonal varies laterally"));
  auto pc = make_separable_preconditioner();
  pc->setup(op, 1, 1.0, dt_of(nx));
  CHECK(pc->applies());
  // the same preconditioner refuses couplings that vary across a plane
  Advected v = advected_block(nx, ny, nz, false, 1.0);
  v.spec.DK[v.g.index(3, 2, 5)] *= 2.0;
  StencilOperator opv(v.spec);
  pc->setup(opv, 1, 1.0, dt_of(nx));
  CHECK_FALSE(pc->applies());
}


// The operator folds the upwind inflows into its directional couplings (solver/operator.cpp,
// fold_advection) so that apply is one parallel pass: it must equal the assembled matrix, for fluxes of
// both signs through every kind of face, periodic wrap faces included, and for one-cell-wide grids.
TEST_CASE("an advected operator's matrix-free apply equals its assembled matrix", "[gmres][operator][verification]") {
  struct Shape {
    int nx, ny, nz;
  };
  for (const Shape sh : {Shape{7, 5, 6}, Shape{1, 6, 5}, Shape{6, 1, 5}, Shape{2, 3, 4}}) {
    for (const bool periodic : {false, true}) {
      CAPTURE(sh.nx, sh.ny, sh.nz, periodic);
      Advected a = advected_block(sh.nx, sh.ny, sh.nz, periodic, 30.0);
      // mixed signs on every kind of face
      for (size_t f = 0; f < a.spec.flux_x.size(); ++f) a.spec.flux_x[f] *= std::cos(1.3 * static_cast<double>(f));
      for (size_t f = 0; f < a.spec.flux_y.size(); ++f) a.spec.flux_y[f] *= std::cos(0.7 * static_cast<double>(f) + 0.4);
      for (size_t f = 0; f < a.spec.flux_z.size(); ++f) a.spec.flux_z[f] *= std::sin(0.9 * static_cast<double>(f) + 0.2);
      StencilOperator op(a.spec);
      REQUIRE_FALSE(op.symmetric());
      std::vector<double> x(op.size()), y;
      for (size_t i = 0; i < x.size(); ++i) x[i] = 1.0 + std::sin(0.37 * static_cast<double>(i));
      const double dt = dt_of(std::max(sh.nx, 2));
      op.apply(1.0, dt, x, y);
      const Eigen::VectorXd ref = op.assemble(1.0, dt) * Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
      double err = 0, scale = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        err = std::max(err, std::fabs(y[i] - ref[static_cast<Eigen::Index>(i)]));
        scale = std::max(scale, std::fabs(ref[static_cast<Eigen::Index>(i)]));
      }
      CHECK(err <= 1e-13 * scale);
    }
  }
}

// GMRES told to give up early (the `mg` kind's first try, before its fallback) stops as soon as its
// mean rate, carried on, would miss the tolerance at the last iteration allowed by a factor 100; the
// iterate it reached is kept (the fallback continues from it). A solve on its way does not give up.
TEST_CASE("GMRES gives up early when its rate cannot reach the tolerance, keeping its iterate", "[gmres][unit]") {
  if (!separable_preconditioner_built()) return;
  const int nx = 12, ny = 10, nz = 16;
  const double dt = dt_of(nx);
  Advected a = advected_block(nx, ny, nz, false, 300.0);  // the separable preconditioner misses this flow
  StencilOperator op(a.spec);
  const std::vector<double> b = rhs_of(op);
  long patient_its = 0;
  for (const bool early : {false, true}) {
    CAPTURE(early);
    auto s = make_gmres_solver(1e-12, kSeparableTries, kGmresRestart, make_separable_preconditioner(), early);
    s->setup(op, 1, 1.0, dt);
    std::vector<double> x(op.size(), 0.0);
    CHECK_THROWS_AS(s->solve(b, x), std::runtime_error);
    CHECK(test::relative_residual(op, 1.0, dt, b, x) < 0.99);  // the progress kept: the zero guess has 1 (measured 0.97, 0.98)
    if (!early) patient_its = s->stats.iterations;
    else CHECK(s->stats.iterations < patient_its);
    if (!early) CHECK(patient_its == kSeparableTries);
    else CHECK(s->stats.iterations >= 3);
  }
  // weak flow: converges in a few iterations, never judged hopeless
  Advected w = advected_block(nx, ny, nz, false, 1e-4);
  StencilOperator opw(w.spec);
  const std::vector<double> bw = rhs_of(opw);
  auto s = make_gmres_solver(1e-12, kSeparableTries, kGmresRestart, make_separable_preconditioner(), true);
  s->setup(opw, 1, 1.0, dt);
  std::vector<double> x(opw.size(), 0.0);
  CHECK_NOTHROW(s->solve(bw, x));
  CHECK(test::relative_difference(x, lu_solution(opw, dt, bw)) <= 1e-10);
}

// A short step (the diffusive couplings small against the mass: the injection's first milliseconds)
// is solved by GMRES with the diagonal as preconditioner: the LU's solution, in a few iterations,
// also where the separable preconditioner does not apply (periodic edges).
TEST_CASE("advected, short steps: GMRES with the diagonal preconditioner gives the LU's solution", "[gmres][verification]") {
  const int nx = 12, ny = 10, nz = 16;
  for (const bool periodic : {false, true}) {
    CAPTURE(periodic);
    Advected a = advected_block(nx, ny, nz, periodic, 1.0);
    StencilOperator op(a.spec);
    // the step: the largest diffusive number 0.005 (the switch is at 0.01)
    const double dn1 = op.diffusive_number(1.0, 1.0);
    const double dt = 0.005 / dn1;
    REQUIRE(op.diffusive_number(1.0, dt) == Approx(0.005).epsilon(1e-12));
    const std::vector<double> b = rhs_of(op), ref = lu_solution(op, dt, b);
    auto s = make_nonsymmetric_solver("mg", 1e-12, 200);
    s->setup(op, 1, 1.0, dt);
    std::vector<double> x(op.size(), 0.0);
    s->solve(b, x);
    CHECK(test::relative_residual(op, 1.0, dt, b, x) <= 1e-12);
    CHECK(test::relative_difference(x, ref) <= 1e-10);
    // the diagonal path: the iterations of GMRES with the diagonal alone
    auto diag = make_gmres_solver(1e-12, kSeparableTries, kGmresRestart, std::make_unique<Diagonal>());
    diag->setup(op, 1, 1.0, dt);
    std::vector<double> y(op.size(), 0.0);
    diag->solve(b, y);
    CHECK(s->stats.iterations == diag->stats.iterations);
    CHECK(s->stats.iterations <= 6);
    // ten times longer (diffusive number 0.05): no longer a short step
    auto t = make_nonsymmetric_solver("mg", 1e-12, 200);
    t->setup(op, 1, 1.0, 10 * dt);
    std::vector<double> z(op.size(), 0.0);
    const std::vector<double> b10 = rhs_of(op);
    t->solve(b10, z);
    CHECK(test::relative_difference(z, lu_solution(op, 10 * dt, b10)) <= 1e-10);
    auto diag10 = make_gmres_solver(1e-12, 200, kGmresRestart, std::make_unique<Diagonal>());
    diag10->setup(op, 1, 1.0, 10 * dt);
    std::vector<double> z10(op.size(), 0.0);
    diag10->solve(b10, z10);
    CHECK(t->stats.iterations != diag10->stats.iterations);
  }
}

// The diffusive number is the largest ratio of a cell's diffusive couplings (times ca) to its mass
// term: the sum of its row's off-diagonal magnitudes in the assembled symmetric matrix over cm M; the
// advection does not count.
TEST_CASE("the operator's diffusive number", "[gmres][operator][unit]") {
  Advected a = advected_block(7, 6, 9, true, 10.0);
  StencilOperator adv(a.spec);
  a.spec.flux_x.clear();
  a.spec.flux_y.clear();
  a.spec.flux_z.clear();
  StencilOperator sym(a.spec);
  const Eigen::SparseMatrix<double> A = sym.assemble(0.0, 1.0);
  double worst = 0;
  for (size_t p = 0; p < sym.cells(); ++p) {
    double off = 0;
    for (Eigen::SparseMatrix<double>::InnerIterator it(A, static_cast<Eigen::Index>(p)); it; ++it)
      if (static_cast<size_t>(it.row()) != p) off += std::fabs(it.value());  // symmetric: column = row
    worst = std::max(worst, 3.0 * off / (2.0 * sym.mass()[p]));
  }
  CHECK(sym.diffusive_number(2.0, 3.0) == Approx(worst).epsilon(1e-12));
  CHECK(adv.diffusive_number(2.0, 3.0) == Approx(worst).epsilon(1e-12));
}

// An operator remade in place (StencilOperator::rebuild, as the carried solute's is every step) is the
// operator a fresh construction gives, to the bit, whatever it was before: with and without flow,
// more or fewer loss channels, another top.
TEST_CASE("an operator rebuilt in place equals a freshly built one", "[gmres][operator][unit]") {
  auto with_losses = [](Advected& a, int channels) {
    for (int l = 0; l < channels; ++l) {
      LossChannel L;
      L.name = "loss" + std::to_string(l);
      L.k.assign(a.g.cells(), 0.0);
      for (size_t c = 0; c < L.k.size(); ++c) L.k[c] = 1e-3 * (1.0 + static_cast<double>((c + l) % 5));
      a.spec.losses.push_back(L);
    }
  };
  Advected flow = advected_block(6, 5, 8, true, 10.0);
  with_losses(flow, 2);
  Advected still = advected_block(6, 5, 8, true, 10.0);
  still.spec.flux_x.clear();
  still.spec.flux_y.clear();
  still.spec.flux_z.clear();
  still.spec.bottom_sink = false;
  still.spec.top = TopMode::Reservoir;
  still.spec.reservoir_capacity = 1e-9;
  with_losses(still, 1);
  auto same = [](const StencilOperator& x, const StencilOperator& y) {
    std::vector<double> u(x.size()), ax, ay;
    for (size_t i = 0; i < u.size(); ++i) u[i] = 1.0 + std::sin(0.61 * static_cast<double>(i));
    x.apply(1.3, 2.7, u, ax);
    y.apply(1.3, 2.7, u, ay);
    CHECK(ax == ay);
    CHECK(x.symmetric() == y.symmetric());
    CHECK(x.diagonal_of_a() == y.diagonal_of_a());
    CHECK(x.mass() == y.mass());
    CHECK(x.source() == y.source());
    REQUIRE(x.outflows().size() == y.outflows().size());
    for (size_t f = 0; f < x.outflows().size(); ++f) {
      CHECK(x.outflows()[f].name == y.outflows()[f].name);
      CHECK(x.outflows()[f].w == y.outflows()[f].w);
    }
    CHECK((x.inflow() == nullptr) == (y.inflow() == nullptr));
  };
  StencilOperator op(flow.spec);
  op.rebuild(still.spec);
  same(op, StencilOperator(still.spec));
  op.rebuild(flow.spec);
  same(op, StencilOperator(flow.spec));
  // the same medium with another flow and other loss rates (as the carried solute's every step):
  // only the losses, the diagonal and the upwind couplings are remade, to the same bits
  Advected next = flow;
  for (auto* f : {&next.spec.flux_x, &next.spec.flux_y, &next.spec.flux_z})
    for (size_t i = 0; i < f->size(); ++i) (*f)[i] = -0.7 * (*f)[i] + 1e-12 * std::cos(0.3 * static_cast<double>(i));
  for (auto& L : next.spec.losses)
    for (size_t c = 0; c < L.k.size(); ++c) L.k[c] *= 1.0 + 0.5 * std::sin(0.17 * static_cast<double>(c));
  next.spec.losses[1].k.clear();  // a channel emptied (zero everywhere)
  const long kept = op.flow_rebuilds();
  op.rebuild(next.spec);
  same(op, StencilOperator(next.spec));
  op.rebuild(flow.spec);
  same(op, StencilOperator(flow.spec));
  CHECK(op.flow_rebuilds() == kept + 2);  // both took the flow-only path
  // other shapes: one cell wide in x or in y, closed edges, a single depth cell, a closed top
  // without the sink; a channel renamed or added is another medium (a full build)
  for (const auto& [nx, ny, nz, periodic] : {std::tuple{1, 5, 8, false}, std::tuple{6, 1, 8, false}, std::tuple{4, 3, 1, true}, std::tuple{4, 3, 6, false}}) {
    CAPTURE(nx, ny, nz, periodic);
    Advected a = advected_block(nx, ny, nz, periodic, 10.0);
    with_losses(a, 2);
    if (nz == 6) {
      a.spec.top = TopMode::Closed;
      a.spec.bottom_sink = false;
    }
    StencilOperator o(a.spec);
    Advected b = a;
    for (auto* f : {&b.spec.flux_x, &b.spec.flux_y, &b.spec.flux_z})
      for (size_t i = 0; i < f->size(); ++i) (*f)[i] = 0.4 * (*f)[i] - 2e-13 * std::sin(0.7 * static_cast<double>(i));
    b.spec.losses[0].k[0] = 0.0;
    o.rebuild(b.spec);
    same(o, StencilOperator(b.spec));
    CHECK(o.flow_rebuilds() == 1);
    Advected renamed = b;
    renamed.spec.losses[1].name = "other";
    o.rebuild(renamed.spec);
    same(o, StencilOperator(renamed.spec));
    Advected added = b;
    with_losses(added, 1);
    o.rebuild(added.spec);
    same(o, StencilOperator(added.spec));
    CHECK(o.flow_rebuilds() == 1);  // neither kept the face coefficients
  }
  // with a top reservoir and without the bottom sink, then another medium (D K changed): a full build
  Advected open = flow;
  open.spec.top = TopMode::Reservoir;
  open.spec.reservoir_capacity = 1e-9;
  open.spec.bottom_sink = false;
  StencilOperator op2(open.spec);
  Advected open_next = open;
  open_next.spec.flux_z = next.spec.flux_z;
  op2.rebuild(open_next.spec);
  same(op2, StencilOperator(open_next.spec));
  CHECK(op2.flow_rebuilds() == 1);
  open_next.spec.DK[7] *= 2.0;
  op2.rebuild(open_next.spec);
  same(op2, StencilOperator(open_next.spec));
  CHECK(op2.flow_rebuilds() == 1);  // another medium: a full build
  // a spec that does not fit is refused before anything changes
  Advected bad = advected_block(6, 5, 8, true, 10.0);
  bad.spec.K.pop_back();
  CHECK_THROWS_AS(op.rebuild(bad.spec), std::invalid_argument);
  same(op, StencilOperator(flow.spec));
  // also on the flow-only path: a loss channel of the wrong length
  Advected short_loss = next;
  short_loss.spec.losses[0].k.pop_back();
  CHECK_THROWS_AS(op.rebuild(short_loss.spec), std::invalid_argument);
  same(op, StencilOperator(flow.spec));
}
