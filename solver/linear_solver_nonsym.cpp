// SPDX-License-Identifier: BSD-3-Clause
// Solvers for the non-symmetric systems that advection by the injected fluid makes: sparse LU
// (direct) and matrix-free BiCGSTAB with a Jacobi or multigrid preconditioner (large grids); BiCGSTAB
// stops at the half step of an iteration when that half step already meets the tolerance.
#include <Eigen/SparseLU>
#include <cmath>
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

}  // namespace

std::unique_ptr<LinearSolver> make_nonsymmetric_solver(const std::string& kind, double tol, int maxit) {
  if (kind == "direct")
    return std::make_unique<SparseDirectSolver<Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>>>("direct (sparse LU)");
  if (kind == "mg") return std::make_unique<BicgstabSolver>(tol, maxit, make_multigrid_preconditioner());
  return std::make_unique<BicgstabSolver>(tol, maxit);
}

}  // namespace dermasim
