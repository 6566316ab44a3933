// SPDX-License-Identifier: BSD-3-Clause
// Solvers for the non-symmetric systems that advection by the injected fluid makes: sparse LU
// (direct), matrix-free BiCGSTAB with a Jacobi or multigrid preconditioner (`mg`, large grids) and
// matrix-free restarted GMRES with the multigrid V-cycle as right preconditioner (for comparisons:
// DERMASIM_NONSYM=gmres); BiCGSTAB stops at the half step of an iteration when that half step
// already meets the tolerance.
#include <Eigen/SparseLU>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "direct_solver.hpp"
#include "linear_solver.hpp"

namespace dermasim {
namespace {


class BicgstabSolver final : public LinearSolver {
 public:
  BicgstabSolver(double tol, int maxit, std::unique_ptr<Preconditioner> pc = nullptr) : tol_(tol), maxit_(maxit), pc_(std::move(pc)) {}
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    ScopedSeconds timer(stats.seconds);
    op_ = &op;
    cm_ = cm;
    ca_ = ca;
    if (pc_) {
      pc_->setup(op, version, cm, ca);
      return;
    }
    op.diagonal(cm, ca, inv_);
    for (double& d : inv_) d = 1.0 / d;
  }
  void precondition(const std::vector<double>& r, std::vector<double>& z) {
    const size_t n = r.size();
    if (pc_) {
      pc_->apply(r, z);
      return;
    }
    z.resize(n);
    for (size_t i = 0; i < n; ++i) z[i] = inv_[i] * r[i];
  }
  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    solve_loosely(tol_, stats, [&] { solve(b, x); });
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    const size_t n = b.size();
    auto dot = [n](const std::vector<double>& a, const std::vector<double>& c) {
      double s = 0;
#pragma omp parallel for reduction(+ : s) if (n > 200000)  // as the operator and CG (docs/performance.md)
      for (long i = 0; i < static_cast<long>(n); ++i) s += a[i] * c[i];
      return s;
    };
    ++stats.solves;
    ScopedSeconds timer(stats.seconds);
    r_.resize(n);
    op_->apply(cm_, ca_, x, t_);
    const long nl = static_cast<long>(n);
    const bool par = n > 200000;  // as the dot products
#pragma omp parallel for if (par)
    for (long i = 0; i < nl; ++i) r_[i] = b[i] - t_[i];
    const double bnorm = std::sqrt(dot(b, b));
    if (bnorm == 0) {
      std::fill(x.begin(), x.end(), 0.0);
      return;
    }
    rhat_ = r_;
    p_.assign(n, 0.0);
    v_.assign(n, 0.0);
    double rho = 1, alpha = 1, omega = 1;
    for (int it = 0; it < maxit_; ++it) {
      if (std::sqrt(dot(r_, r_)) <= tol_ * bnorm) return;
      const double rho1 = dot(rhat_, r_);
      if (rho1 == 0) throw std::runtime_error("BiCGSTAB broke down (rho = 0)");
      const double beta = (rho1 / rho) * (alpha / omega);
#pragma omp parallel for if (par)
      for (long i = 0; i < nl; ++i) p_[i] = r_[i] + beta * (p_[i] - omega * v_[i]);
      precondition(p_, y_);
      op_->apply(cm_, ca_, y_, v_);
      alpha = rho1 / dot(rhat_, v_);
      s_.resize(n);
#pragma omp parallel for if (par)
      for (long i = 0; i < nl; ++i) s_[i] = r_[i] - alpha * v_[i];
      // converged at the half step: x + alpha y is the solution, the second V-cycle and product
      // are not needed (counted as one iteration)
      if (std::sqrt(dot(s_, s_)) <= tol_ * bnorm) {
#pragma omp parallel for if (par)
        for (long i = 0; i < nl; ++i) x[i] += alpha * y_[i];
        ++stats.iterations;
        return;
      }
      precondition(s_, z_);
      op_->apply(cm_, ca_, z_, t_);
      const double tt = dot(t_, t_);
      omega = tt > 0 ? dot(t_, s_) / tt : 0.0;
#pragma omp parallel for if (par)
      for (long i = 0; i < nl; ++i) {
        x[i] += alpha * y_[i] + omega * z_[i];
        r_[i] = s_[i] - omega * t_[i];
      }
      rho = rho1;
      ++stats.iterations;
      if (omega == 0) break;
    }
    if (std::sqrt(dot(r_, r_)) > tol_ * bnorm)
      throw std::runtime_error("BiCGSTAB did not converge in " + std::to_string(maxit_) + " iterations");
  }
  std::string name() const override { return pc_ ? "BiCGSTAB (multigrid, matrix-free)" : "BiCGSTAB (Jacobi, matrix-free)"; }

 private:
  double tol_;
  int maxit_;
  const StencilOperator* op_ = nullptr;
  double cm_ = 0, ca_ = 0;
  std::unique_ptr<Preconditioner> pc_;
  std::vector<double> inv_, r_, rhat_, p_, v_, y_, s_, z_, t_;
};

// Restarted GMRES(m) preconditioned on the right ([SaadSchultz1986]): x = x0 + P^-1 V y minimises
// ||b - A x||_2 over the Krylov space of A P^-1, so the norm the rotations carry is the true
// residual's (not a preconditioned one), the same quantity the stopping test compares. Each iteration
// costs one preconditioner application (z_j = P^-1 v_j, kept) and one product (A z_j), then the
// modified Gram-Schmidt orthogonalisation of A z_j against v_0..v_j and one Givens rotation of the
// Hessenberg column. A cycle ends when the rotations' residual meets the tolerance, at m iterations
// or at a breakdown (an invariant subspace: the cycle's solution is exact); x += Z y, and the
// residual b - A x is recomputed from x (one product) for the stopping test and the next cycle.
// The basis grows on demand: a solve that converges in k < m iterations holds 2k + 1 vectors.
class GmresSolver final : public LinearSolver {
 public:
  GmresSolver(double tol, int maxit, int restart, std::unique_ptr<Preconditioner> pc, bool give_up_early)
      : tol_(tol), maxit_(maxit), m_(restart), give_up_early_(give_up_early), pc_(std::move(pc)) {
    if (m_ < 1) throw std::invalid_argument("GMRES restart length must be at least 1, got " + std::to_string(m_));
    h_.assign(static_cast<size_t>(m_ + 1) * m_, 0.0);
    g_.assign(m_ + 1, 0.0);
    cs_.assign(m_, 0.0);
    sn_.assign(m_, 0.0);
    y_.assign(m_, 0.0);
  }
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    ScopedSeconds timer(stats.seconds);
    op_ = &op;
    cm_ = cm;
    ca_ = ca;
    pc_->setup(op, version, cm, ca);
  }
  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    solve_loosely(tol_, stats, [&] { solve(b, x); });
  }
  // An estimate's solve to the relative residual `loose` instead of kEstimateTolerance.
  void solve_estimate_to(double loose, const std::vector<double>& b, std::vector<double>& x) {
    solve_loosely(tol_, stats, [&] { solve(b, x); }, loose);
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    const size_t n = b.size();
    const long nl = static_cast<long>(n);
    const bool par = n > 200000;  // as BiCGSTAB, the operator and CG (docs/performance.md)
    ++stats.solves;
    ScopedSeconds timer(stats.seconds);
    const double bnorm = std::sqrt(dot(b, b, par));
    if (bnorm == 0) {
      std::fill(x.begin(), x.end(), 0.0);
      return;
    }
    const double target = tol_ * bnorm;
    basis(v_, 1, n);
    double beta = residual(b, x, v_[0], par);
    const double beta0 = beta;
    int total = 0;
    bool hopeless = false;
    while (beta > target) {
      if (total >= maxit_)
        throw std::runtime_error("GMRES did not converge in " + std::to_string(maxit_) + " iterations (relative residual " +
                                 std::to_string(beta / bnorm) + ")");
      scale(v_[0], 1.0 / beta, par);
      std::fill(g_.begin(), g_.end(), 0.0);
      g_[0] = beta;
      int k = 0;  // iterations of this cycle
      while (k < m_ && total < maxit_) {
        const int j = k;
        basis(v_, j + 2, n);
        basis(z_, j + 1, n);
        pc_->apply(v_[j], z_[j]);
        op_->apply(cm_, ca_, z_[j], v_[j + 1]);
        std::vector<double>& w = v_[j + 1];
        for (int i = 0; i <= j; ++i) {  // modified Gram-Schmidt
          const double hij = dot(w, v_[i], par);
          H(i, j) = hij;
          axpy(-hij, v_[i], w, par);
        }
        const double hnext = std::sqrt(dot(w, w, par));
        for (int i = 0; i < j; ++i) {  // the earlier rotations on the new column
          const double a = H(i, j), c = H(i + 1, j);
          H(i, j) = cs_[i] * a + sn_[i] * c;
          H(i + 1, j) = -sn_[i] * a + cs_[i] * c;
        }
        const double d = std::hypot(H(j, j), hnext);
        if (d == 0) throw std::runtime_error("GMRES broke down (a zero Hessenberg column: the preconditioned operator is singular)");
        cs_[j] = H(j, j) / d;
        sn_[j] = hnext / d;
        H(j, j) = d;
        g_[j + 1] = -sn_[j] * g_[j];
        g_[j] = cs_[j] * g_[j];
        ++k;
        ++total;
        ++stats.iterations;
        if (std::abs(g_[j + 1]) <= target || hnext == 0) break;  // converged, or the space is invariant
        if (give_up_early_ && total >= kJudgeAfter && total < maxit_) {
          // the mean rate so far, carried on to the last iteration allowed, misses the target by far:
          // stop now rather than spend the remaining iterations (the caller's fallback continues)
          const double res = std::abs(g_[j + 1]);
          const double rate = std::pow(res / beta0, 1.0 / total);
          if (res * std::pow(rate, maxit_ - total) > kHopeless * target) {
            hopeless = true;
            break;
          }
        }
        scale(w, 1.0 / hnext, par);
      }
      // y from the triangular system R y = g, then x += Z y (one pass over x)
      for (int i = k - 1; i >= 0; --i) {
        double s = g_[i];
        for (int l = i + 1; l < k; ++l) s -= H(i, l) * y_[l];
        y_[i] = s / H(i, i);
      }
#pragma omp parallel for if (par)
      for (long c = 0; c < nl; ++c) {
        double s = 0;
        for (int i = 0; i < k; ++i) s += y_[i] * z_[i][c];
        x[c] += s;
      }
      if (hopeless)
        throw std::runtime_error("GMRES gave up after " + std::to_string(total) + " iterations: at its rate it would not reach the tolerance in " +
                                 std::to_string(maxit_));
      beta = residual(b, x, v_[0], par);  // the true residual, for the test and the next cycle
    }
  }
  std::string name() const override { return "GMRES(" + std::to_string(m_) + ") (multigrid, matrix-free)"; }
  Preconditioner& preconditioner() { return *pc_; }

 private:
  double& H(int i, int j) { return h_[static_cast<size_t>(j) * (m_ + 1) + i]; }
  static double dot(const std::vector<double>& a, const std::vector<double>& c, bool par) {
    double s = 0;
    const long n = static_cast<long>(a.size());
#pragma omp parallel for reduction(+ : s) if (par)
    for (long i = 0; i < n; ++i) s += a[i] * c[i];
    return s;
  }
  static void axpy(double a, const std::vector<double>& v, std::vector<double>& w, bool par) {
    const long n = static_cast<long>(w.size());
#pragma omp parallel for if (par)
    for (long i = 0; i < n; ++i) w[i] += a * v[i];
  }
  static void scale(std::vector<double>& w, double a, bool par) {
    const long n = static_cast<long>(w.size());
#pragma omp parallel for if (par)
    for (long i = 0; i < n; ++i) w[i] *= a;
  }
  // at least `count` vectors of n entries in `vs` (kept between solves)
  static void basis(std::vector<std::vector<double>>& vs, int count, size_t n) {
    if (static_cast<int>(vs.size()) < count) vs.resize(count);
    for (int i = 0; i < count; ++i) vs[i].resize(n);
  }
  // r = b - A x; returns ||r||_2
  double residual(const std::vector<double>& b, const std::vector<double>& x, std::vector<double>& r, bool par) {
    op_->apply(cm_, ca_, x, r);
    const long n = static_cast<long>(b.size());
    double s = 0;
#pragma omp parallel for reduction(+ : s) if (par)
    for (long i = 0; i < n; ++i) {
      r[i] = b[i] - r[i];
      s += r[i] * r[i];
    }
    return std::sqrt(s);
  }

  // give_up_early: judged from this many iterations on; hopeless when the projection misses the
  // target by this factor (convergence often speeds up, so only a clear miss counts)
  static constexpr int kJudgeAfter = 3;
  static constexpr double kHopeless = 100.0;
  double tol_;
  int maxit_, m_;
  bool give_up_early_;
  const StencilOperator* op_ = nullptr;
  double cm_ = 0, ca_ = 0;
  std::unique_ptr<Preconditioner> pc_;
  std::vector<std::vector<double>> v_, z_;
  std::vector<double> h_, g_, cs_, sn_, y_;
};

// z = r / diag(cm M + ca A): the preconditioner of a short step, where the mass dominates.
class DiagonalPreconditioner final : public Preconditioner {
 public:
  void setup(const StencilOperator& op, long, double cm, double ca) override {
    op.diagonal(cm, ca, inv_);
    for (double& d : inv_) d = 1.0 / d;
  }
  void apply(const std::vector<double>& r, std::vector<double>& z) override {
    const long n = static_cast<long>(r.size());
    z.resize(r.size());
    const double* R = r.data();
    const double* I = inv_.data();
    double* Z = z.data();
#pragma omp parallel for if (n > 200000)  // as the Krylov solvers' vector operations
    for (long i = 0; i < n; ++i) Z[i] = I[i] * R[i];
  }

 private:
  std::vector<double> inv_;
};

// The `mg` kind's non-symmetric solver: GMRES, preconditioned on a short step (the diffusive couplings
// small against the mass: StencilOperator::diffusive_number below kDiagonalBelow) by the diagonal,
// which costs one pass, and otherwise by the separable solve of the operator's diffusive part
// (solver/separable.cpp) where its couplings are layered: one DCT pass per iteration, against a V-cycle
// that reads the flux arrays on every level. Where the advection is strong (the injection's first
// seconds) either can miss it: when GMRES gives up (its rate would not reach the tolerance within
// kSeparableTries iterations) the solve continues, from the iterate reached, with BiCGSTAB
// preconditioned by the multigrid V-cycle, which then serves the step's further solves (until the next
// set-up). The V-cycle is set up only when needed. Its stats add up both.
class SeparableFirstSolver final : public LinearSolver {
 public:
  SeparableFirstSolver(double tol, int maxit, int restart)
      : first_(tol, kSeparableTries, restart, std::make_unique<Switch>(), true), restart_(restart) {
    mg_ = make_bicgstab_solver(tol, maxit, make_multigrid_preconditioner());
  }
  // Every set-up (each step's) tries GMRES afresh, also for the same matrix: which preconditioner
  // serves a solve depends on that step alone, so a run restarted from a checkpoint takes the same
  // path as the run it continues.
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (&op != op_ || version != version_ || cm != cm_ || ca != ca_) {
      op_ = &op;
      version_ = version;
      cm_ = cm;
      ca_ = ca;
      mg_ready_ = false;
      {
        ScopedSeconds timer(stats.seconds);  // one pass over the couplings, counted as set-up work
        short_step_ = op.diffusive_number(cm, ca) < kDiagonalBelow;
      }
      pc().use_diagonal = short_step_;
      ScopedStats add(stats, first_.stats);
      first_.setup(op, version, cm, ca);
    }
    use_first_ = pc().applies();
    if (!use_first_) ready_mg();
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    run(b, x, false);
  }
  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override { run(b, x, true); }
  // (the same whatever the run did: it is written into the output, which a restarted run must
  // reproduce)
  std::string name() const override {
    return "GMRES(" + std::to_string(restart_) + ") (separable or, on short steps, diagonal preconditioner; " + mg_->name() +
           " where neither serves)";
  }

 private:
  // below this diffusive number the diagonal preconditioner is as good as the separable solve (the
  // mass dominates both) at a fraction of its cost (docs/performance.md, "Where the fluid's cost
  // stands now")
  static constexpr double kDiagonalBelow = 0.01;
  // An estimate's solve on a short step stops here, not at kEstimateTolerance: the diagonal meets the
  // latter in one iteration, leaving the step sizes (and the run) further from the direct solvers'
  // than the V-cycle's or the separable solve's more accurate single iteration does
  // (tests/test_fluid_coupling.cpp: the run with `mg` is the run with `direct`).
  static constexpr double kShortStepEstimateTolerance = 1e-5;
  // The separable preconditioner, or the diagonal on a short step (one GMRES, one basis, for both).
  struct Switch final : Preconditioner {
    std::unique_ptr<Preconditioner> separable = make_separable_preconditioner();
    DiagonalPreconditioner diagonal;
    bool use_diagonal = false;
    void setup(const StencilOperator& op, long version, double cm, double ca) override {
      if (use_diagonal) diagonal.setup(op, version, cm, ca);
      else separable->setup(op, version, cm, ca);
    }
    void apply(const std::vector<double>& r, std::vector<double>& z) override {
      if (use_diagonal) diagonal.apply(r, z);
      else separable->apply(r, z);
    }
    bool applies() const override { return use_diagonal || separable->applies(); }
  };
  Switch& pc() { return static_cast<Switch&>(first_.preconditioner()); }
  void ready_mg() {
    if (mg_ready_) return;
    ScopedStats add(stats, mg_->stats);
    mg_->setup(*op_, version_, cm_, ca_);
    mg_ready_ = true;
  }
  void run(const std::vector<double>& b, std::vector<double>& x, bool estimate) {
    if (use_first_) {
      try {
        ScopedStats add(stats, first_.stats);
        if (!estimate) first_.solve(b, x);
        else if (short_step_) first_.solve_estimate_to(kShortStepEstimateTolerance, b, x);
        else first_.solve_estimate(b, x);
        return;
      } catch (const std::runtime_error&) {
        use_first_ = false;  // too slow (or broke down) for this matrix: the V-cycle from x on, and for the rest of the step
        --stats.solves;  // one solve, counted once (below); its iterations so far stay counted
        if (estimate) --stats.estimate_solves;
      }
    }
    ready_mg();
    ScopedStats add(stats, mg_->stats);
    if (estimate) mg_->solve_estimate(b, x);
    else mg_->solve(b, x);
  }

  GmresSolver first_;
  std::unique_ptr<LinearSolver> mg_;
  int restart_ = kGmresRestart;
  const StencilOperator* op_ = nullptr;
  long version_ = -1;
  double cm_ = 0, ca_ = 0;
  bool short_step_ = false, use_first_ = false, mg_ready_ = false;
};

// The comparison switches (docs/performance.md, "GMRES for the advected solute"):
// DERMASIM_NONSYM=gmres|bicgstab picks the Krylov method `mg` uses, DERMASIM_GMRES_RESTART=m its
// restart length.
std::string env_or(const char* key, const std::string& fallback) {
  const char* v = std::getenv(key);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

std::unique_ptr<LinearSolver> make_gmres_solver(double tol, int maxit, int restart, std::unique_ptr<Preconditioner> pc, bool give_up_early) {
  return std::make_unique<GmresSolver>(tol, maxit, restart, std::move(pc), give_up_early);
}

std::unique_ptr<LinearSolver> make_bicgstab_solver(double tol, int maxit, std::unique_ptr<Preconditioner> pc) {
  return std::make_unique<BicgstabSolver>(tol, maxit, std::move(pc));
}

std::unique_ptr<LinearSolver> make_nonsymmetric_solver(const std::string& kind, double tol, int maxit) {
  if (kind == "direct")
    return std::make_unique<SparseDirectSolver<Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>>>("direct (sparse LU)");
  if (kind == "mg") {
    // By default GMRES with the separable preconditioner where it applies, BiCGSTAB with the V-cycle
    // where not (on the nappage field GMRES with the V-cycle needs as many V-cycles as BiCGSTAB and one
    // product more per solve: docs/performance.md, "GMRES for the advected solute")
    const std::string method = env_or("DERMASIM_NONSYM", "separable");
    if (method != "separable" && method != "bicgstab" && method != "gmres")
      throw std::invalid_argument("environment variable DERMASIM_NONSYM: '" + method + "' is not a method (allowed: separable, gmres, bicgstab)");
    const std::string m = env_or("DERMASIM_GMRES_RESTART", std::to_string(kGmresRestart));
    char* end = nullptr;
    const long restart = std::strtol(m.c_str(), &end, 10);
    if (*end != '\0' || restart < 1 || restart > 200)
      throw std::invalid_argument("environment variable DERMASIM_GMRES_RESTART: '" + m + "' is not a whole number from 1 to 200");
    if (method == "gmres") return make_gmres_solver(tol, maxit, static_cast<int>(restart), make_multigrid_preconditioner());
    if (method == "separable" && separable_solver_enabled()) return std::make_unique<SeparableFirstSolver>(tol, maxit, static_cast<int>(restart));
    return make_bicgstab_solver(tol, maxit, make_multigrid_preconditioner());
  }
  return std::make_unique<BicgstabSolver>(tol, maxit);
}

}  // namespace dermasim
