// SPDX-License-Identifier: BSD-3-Clause
// A sparse direct solver over any Eigen factorisation (LDLT for the symmetric operator, LU once
// advection makes it non-symmetric).
//
// In 3d, factorisations are reused across small changes of the matrix cm M + ca A: when the step
// size or the operator changes (a new version), the factors of the last factorised matrix
// precondition conjugate gradients (BiCGSTAB for a non-symmetric operator) on the new matrix,
// matrix-free, to the solver tolerance, as long as that converges within kLagIterations
// iterations; otherwise (and always for the first matrix) the new matrix is factorised, also at the
// next change after a lagged solve that needed more than half of them. For a step-size change from
// ca to ca' with the same operator the preconditioned matrix has its eigenvalues between 1 and
// ca'/ca (M and A positive). What the lag takes in practice: the small moves of an operator whose
// coefficients follow the state (a nonlinear law, the fluid's flow that advects a solute) and the
// error estimate's loose solves; a step that changes by 25 % or more needs about 8 iterations to
// 1e-12 and is factorised. In 1d and 2d a factorisation costs a few solves and every matrix is
// factorised.
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>

#include "linear_solver.hpp"

namespace dermasim {

template <class Factorization>
class SparseDirectSolver final : public LinearSolver {
 public:
  // tol: the relative residual of the lagged (preconditioned) solves; 0 never lags
  explicit SparseDirectSolver(std::string name, double tol = 0) : name_(std::move(name)), tol_(tol) {}
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    op_ = &op;
    cm_ = cm;
    ca_ = ca;
    version_ = version;
    const bool same = version == fact_version_ && cm == fact_cm_ && ca == fact_ca_;
    if (same) {
      lagged_ = false;
      return;
    }
    // lag only in 3d (in 1d and 2d a factorisation costs a few solves: lagging does not pay) a
    // factorisation of an operator of the same size whose last lagged solve converged quickly
    const Grid& g = op.grid();
    const bool lag = tol_ > 0 && g.geometry == Geometry::ThreeD && g.nx > 1 && g.ny > 1;
    if (lag && fact_version_ >= 0 && fact_size_ == op.size() && !stale_) {
      lagged_ = true;
      return;
    }
    factorize();
  }
  void solve(const std::vector<double>& rhs, std::vector<double>& x) override {
    ++stats.solves;
    if (lagged_ && lagged_solve(rhs, x)) return;
    if (lagged_) factorize();  // the lag did not pay: factorise this matrix
    direct(rhs, x);
  }
  void solve_estimate(const std::vector<double>& rhs, std::vector<double>& x) override {
    solve_loosely(tol_, [&] { solve(rhs, x); });
  }
  std::string name() const override { return name_; }

 private:
  static constexpr int kLagIterations = 4;
  void factorize() {
    Eigen::SparseMatrix<double> S = op_->assemble(cm_, ca_);
    S.makeCompressed();
    if (version_ != pattern_version_ || fact_size_ != op_->size()) {
      f_.analyzePattern(S);
      pattern_version_ = version_;
    }
    f_.factorize(S);
    if (f_.info() != Eigen::Success) throw std::runtime_error("direct solver: factorisation failed (" + name_ + ")");
    fact_version_ = version_;
    fact_cm_ = cm_;
    fact_ca_ = ca_;
    fact_size_ = op_->size();
    lagged_ = false;
    stale_ = false;
    ++stats.factorizations;
  }
  void direct(const std::vector<double>& rhs, std::vector<double>& x) {
    Eigen::Map<const Eigen::VectorXd> b(rhs.data(), static_cast<Eigen::Index>(rhs.size()));
    Eigen::VectorXd sol = f_.solve(b);
    x.assign(sol.data(), sol.data() + sol.size());
  }
  // BiCGSTAB on cm M + ca A, preconditioned by the last factorisation; false when it needs more
  // than kLagIterations iterations (x is then left for the direct solve to overwrite)
  bool lagged_solve(const std::vector<double>& b, std::vector<double>& x) {
    const size_t n = b.size();
    auto dot = [n](const std::vector<double>& a, const std::vector<double>& c) {
      double s = 0;
      for (size_t i = 0; i < n; ++i) s += a[i] * c[i];
      return s;
    };
    const double bnorm = std::sqrt(dot(b, b));
    if (bnorm == 0) {
      x.assign(n, 0.0);
      return true;
    }
    direct(b, x);  // the old factors' solution: the initial guess
    op_->apply(cm_, ca_, x, t_);
    r_.resize(n);
    for (size_t i = 0; i < n; ++i) r_[i] = b[i] - t_[i];
    if (op_->symmetric()) return lagged_cg(bnorm, x);
    rhat_ = r_;
    p_.assign(n, 0.0);
    v_.assign(n, 0.0);
    s_.resize(n);
    double rho = 1, alpha = 1, omega = 1;
    for (int it = 0;; ++it) {
      if (std::sqrt(dot(r_, r_)) <= tol_ * bnorm) {
        stale_ = it > kLagIterations / 2;  // drifting away: factorise at the next change
        return true;
      }
      if (it == kLagIterations) break;
      const double rho1 = dot(rhat_, r_);
      if (rho1 == 0) break;
      const double beta = (rho1 / rho) * (alpha / omega);
      for (size_t i = 0; i < n; ++i) p_[i] = r_[i] + beta * (p_[i] - omega * v_[i]);
      direct(p_, y_);
      op_->apply(cm_, ca_, y_, v_);
      alpha = rho1 / dot(rhat_, v_);
      for (size_t i = 0; i < n; ++i) s_[i] = r_[i] - alpha * v_[i];
      direct(s_, z_);
      op_->apply(cm_, ca_, z_, t_);
      const double tt = dot(t_, t_);
      omega = tt > 0 ? dot(t_, s_) / tt : 0.0;
      for (size_t i = 0; i < n; ++i) {
        x[i] += alpha * y_[i] + omega * z_[i];
        r_[i] = s_[i] - omega * t_[i];
      }
      rho = rho1;
      ++stats.iterations;
      if (omega == 0) break;
    }
    return false;
  }

  // Conjugate gradients for a symmetric operator (the old factors of a symmetric positive definite
  // matrix are one too): one factor solve per iteration instead of BiCGSTAB's two. r_ holds the
  // residual of x on entry.
  bool lagged_cg(double bnorm, std::vector<double>& x) {
    const size_t n = x.size();
    auto dot = [n](const std::vector<double>& a, const std::vector<double>& c) {
      double s = 0;
      for (size_t i = 0; i < n; ++i) s += a[i] * c[i];
      return s;
    };
    double rr = dot(r_, r_);
    if (std::sqrt(rr) <= tol_ * bnorm) return true;
    direct(r_, z_);
    p_ = z_;
    double rz = dot(r_, z_);
    for (int it = 1; it <= kLagIterations; ++it) {
      op_->apply(cm_, ca_, p_, t_);
      const double alpha = rz / dot(p_, t_);
      for (size_t i = 0; i < n; ++i) {
        x[i] += alpha * p_[i];
        r_[i] -= alpha * t_[i];
      }
      ++stats.iterations;
      if (std::sqrt(dot(r_, r_)) <= tol_ * bnorm) {
        stale_ = it > kLagIterations / 2;
        return true;
      }
      direct(r_, z_);
      const double rz2 = dot(r_, z_);
      for (size_t i = 0; i < n; ++i) p_[i] = z_[i] + (rz2 / rz) * p_[i];
      rz = rz2;
    }
    return false;
  }

  Factorization f_;
  std::string name_;
  double tol_;
  const StencilOperator* op_ = nullptr;
  long version_ = -1, pattern_version_ = -1, fact_version_ = -1;
  double cm_ = 0, ca_ = 0, fact_cm_ = 0, fact_ca_ = 0;
  size_t fact_size_ = 0;
  bool lagged_ = false, stale_ = false;
  std::vector<double> r_, rhat_, p_, v_, y_, s_, z_, t_;
};

}  // namespace dermasim
