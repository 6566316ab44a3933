// SPDX-License-Identifier: BSD-3-Clause
// Solvers for (cm M + ca A) x = rhs. Direct (Eigen sparse LDLT, factorised once per (operator, dt))
// for small grids; matrix-free preconditioned conjugate gradients with OpenMP for large ones.
#pragma once
#include <Eigen/SparseCholesky>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "operator.hpp"

namespace dermasim {

struct LinearStats {
  long solves = 0;
  long iterations = 0;     // CG iterations, summed
  long factorizations = 0;
  // Of those, the loose solves of the error estimate (solve_estimate of the iterative solvers).
  long estimate_solves = 0, estimate_iterations = 0;
  double seconds = 0;  // wall time in setup and solves (iterative solvers)
};

// Adds to `to`, when it ends, what `from` counted during its scope (a solver that delegates to
// inner solvers reports their work as its own).
struct ScopedStats {
  LinearStats& to;
  const LinearStats& from;
  const LinearStats before;
  ScopedStats(LinearStats& t, const LinearStats& f) : to(t), from(f), before(f) {}
  ~ScopedStats() {
    to.solves += from.solves - before.solves;
    to.iterations += from.iterations - before.iterations;
    to.factorizations += from.factorizations - before.factorizations;
    to.estimate_solves += from.estimate_solves - before.estimate_solves;
    to.estimate_iterations += from.estimate_iterations - before.estimate_iterations;
    to.seconds += from.seconds - before.seconds;
  }
};

// Adds the wall time of its scope to a counter.
struct ScopedSeconds {
  double& sum;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  explicit ScopedSeconds(double& s) : sum(s) {}
  ~ScopedSeconds() { sum += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

// Relative residual of solve_estimate.
constexpr double kEstimateTolerance = 1e-2;

// For iterative solvers' solve_estimate: calls solve() with the tolerance `tol` raised to `loose`
// (kEstimateTolerance unless told), and restores it (also when the solve throws).
// Counts the solve and its iterations in stats' estimate_* counters.
template <class Solve>
void solve_loosely(double& tol, LinearStats& stats, Solve&& solve, double loose = kEstimateTolerance) {
  struct Restore {
    double& t;
    double keep;
    LinearStats& st;
    long it0;
    ~Restore() {
      t = keep;
      ++st.estimate_solves;
      st.estimate_iterations += st.iterations - it0;
    }
  } restore{tol, tol, stats, stats.iterations};
  tol = tol > loose ? tol : loose;
  solve();
}

class LinearSolver {
 public:
  virtual ~LinearSolver() = default;
  // Prepares for the matrix cm*M + ca*A of `op`; `op_version` changes whenever op does.
  virtual void setup(const StencilOperator& op, long op_version, double cm, double ca) = 0;
  // Solves in place: x holds the initial guess on entry and the solution on exit.
  virtual void solve(const std::vector<double>& rhs, std::vector<double>& x) = 0;
  // Solves to the looser relative residual kEstimateTolerance where the solver is iterative (a
  // time step's error estimate needs a few digits, not the solution's); direct solvers solve as usual.
  virtual void solve_estimate(const std::vector<double>& rhs, std::vector<double>& x) { solve(rhs, x); }
  // The same, free to overwrite rhs (its content is undefined on exit): a solver that needs a
  // residual vector keeps it there instead of in a vector of its own.
  virtual void solve_destroying(std::vector<double>& rhs, std::vector<double>& x) { solve(rhs, x); }
  virtual std::string name() const = 0;
  LinearStats stats;
};

// kind: "direct", "cg" (block DIC preconditioner), "mg" (below); tolerance: relative residual for CG.
std::unique_ptr<LinearSolver> make_linear_solver(const std::string& kind, double tolerance, int max_iterations);
// The "mg" kind: the separable direct solver (solver/separable.cpp) wherever the operator is laterally
// uniform (decided at every setup), CG with the geometric multigrid preconditioner otherwise.
std::unique_ptr<LinearSolver> make_multigrid_solver(double tolerance, int max_iterations);
// CG with the geometric multigrid preconditioner (solver/multigrid.cpp) alone.
std::unique_ptr<LinearSolver> make_multigrid_cg_solver(double tolerance, int max_iterations);
// The separable direct solver alone (a 2d DCT per depth plane, a tridiagonal solve in depth per lateral
// mode): exact in one pass for a symmetric operator whose coefficients depend on the depth index only,
// on a Cartesian grid with uniform lateral spacing, closed (not periodic) lateral edges and no
// reservoir unknown; its setup throws for any other. Needs FFTW (DERMASIM_WITH_FFTW); throws without.
std::unique_ptr<LinearSolver> make_separable_solver();
// Why the separable solver cannot take op ("" if it can; "built without FFTW" without FFTW).
std::string separable_ineligibility(const StencilOperator& op);
// False when built without FFTW or when the environment has DERMASIM_SEPARABLE=0 (read once): then
// "mg" is the multigrid CG everywhere.
bool separable_solver_enabled();
// A replacement for every solver make_linear_solver makes (whatever the kind), e.g. the solves
// distributed over MPI ranks (solver/distributed); empty: none (the default).
using LinearSolverFactory = std::unique_ptr<LinearSolver> (*)(double tolerance, int max_iterations);
void set_linear_solver_factory(LinearSolverFactory f);

// z = P^-1 r for the matrix cm*M + ca*A of an operator (a preconditioner for the Krylov solvers).
class Preconditioner {
 public:
  virtual ~Preconditioner() = default;
  virtual void setup(const StencilOperator& op, long op_version, double cm, double ca) = 0;
  virtual void apply(const std::vector<double>& r, std::vector<double>& z) = 0;
  // Whether the last setup took the operator (a preconditioner that applies to some operators only).
  virtual bool applies() const { return true; }
};
// One multigrid V-cycle (solver/multigrid.cpp) built from the operator's diffusive couplings and its
// whole diagonal; for a non-symmetric (advected) operator the upwind outflows count with the diagonal.
std::unique_ptr<Preconditioner> make_multigrid_preconditioner();
// The separable solve as a preconditioner of an advected operator: the diffusive couplings (which
// must be layered, as above) with each depth plane's mean zero-order rate, the advection left out.
// applies() after setup says whether it took the operator.
std::unique_ptr<Preconditioner> make_separable_preconditioner();
// For non-symmetric operators (advection): "direct" (sparse LU), "mg" or anything else (BiCGSTAB
// preconditioned by the diagonal). "mg": GMRES(kGmresRestart) right-preconditioned, on a short step
// (StencilOperator::diffusive_number below 0.01), by the diagonal, otherwise, where the diffusive
// couplings are layered, by the separable solve, for at most kSeparableTries iterations and giving up
// earlier when its rate cannot reach the tolerance (the solve then continues with the fallback below,
// which serves the solves until the next setup); BiCGSTAB preconditioned by the multigrid V-cycle
// where neither serves. For comparisons the environment's
// DERMASIM_NONSYM=bicgstab takes BiCGSTAB with the V-cycle everywhere, DERMASIM_NONSYM=gmres GMRES with
// the V-cycle, DERMASIM_GMRES_RESTART=m another restart length; DERMASIM_SEPARABLE=0 turns every
// separable path off.
constexpr int kSeparableTries = 10;
std::unique_ptr<LinearSolver> make_nonsymmetric_solver(const std::string& kind, double tolerance, int max_iterations);
// Restarted, right-preconditioned GMRES(restart) and BiCGSTAB (null pc: the diagonal), matrix-free;
// both stop at ||b - A x||_2 <= tol ||b||_2 and throw when max_iterations do not reach it.
constexpr int kGmresRestart = 10;
// give_up_early: from the third iteration on, a solve whose mean rate so far would miss the tolerance
// by a factor 100 at max_iterations throws at once (x holds the iterate reached), so that a caller's
// fallback does not wait for the last iteration.
std::unique_ptr<LinearSolver> make_gmres_solver(double tolerance, int max_iterations, int restart, std::unique_ptr<Preconditioner> pc,
                                                bool give_up_early = false);
std::unique_ptr<LinearSolver> make_bicgstab_solver(double tolerance, int max_iterations, std::unique_ptr<Preconditioner> pc = nullptr);

}  // namespace dermasim
