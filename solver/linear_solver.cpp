#include "linear_solver.hpp"

#include <omp.h>

#include <cmath>
#include <stdexcept>

namespace dermasim {
namespace {

class DirectSolver final : public LinearSolver {
 public:
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (version == version_ && cm == cm_ && ca == ca_) return;
    Eigen::SparseMatrix<double> S = op.assemble(cm, ca);
    if (version != pattern_version_) {
      ldlt_.analyzePattern(S);
      pattern_version_ = version;
    }
    ldlt_.factorize(S);
    if (ldlt_.info() != Eigen::Success) throw std::runtime_error("direct solver: factorisation failed (matrix not positive definite)");
    version_ = version;
    cm_ = cm;
    ca_ = ca;
    ++stats.factorizations;
  }
  void solve(const std::vector<double>& rhs, std::vector<double>& x) override {
    Eigen::Map<const Eigen::VectorXd> b(rhs.data(), static_cast<Eigen::Index>(rhs.size()));
    Eigen::VectorXd sol = ldlt_.solve(b);
    x.assign(sol.data(), sol.data() + sol.size());
    ++stats.solves;
  }
  std::string name() const override { return "direct (sparse LDLT)"; }

 private:
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt_;
  long version_ = -1, pattern_version_ = -1;
  double cm_ = 0, ca_ = 0;
};

// Jacobi-preconditioned CG on the matrix-free stencil; all vector work in fused OpenMP loops.
class CgSolver final : public LinearSolver {
 public:
  CgSolver(double tol, int maxit) : tol_(tol), maxit_(maxit) {}
  void setup(const StencilOperator& op, long, double cm, double ca) override {
    op_ = &op;
    cm_ = cm;
    ca_ = ca;
    op.diagonal(cm, ca, inv_diag_);
    for (double& d : inv_diag_) d = 1.0 / d;
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    const long n = static_cast<long>(b.size());
    r_.resize(n);
    z_.resize(n);
    p_.resize(n);
    q_.resize(n);
    op_->apply(cm_, ca_, x, q_);
    double bb = 0, rz = 0;
    const double* B = b.data();
    double *R = r_.data(), *Z = z_.data(), *P = p_.data(), *Q = q_.data(), *X = x.data();
    const double* ID = inv_diag_.data();
#pragma omp parallel for reduction(+ : bb, rz) schedule(static) if (n > 16384)
    for (long i = 0; i < n; ++i) {
      R[i] = B[i] - Q[i];
      Z[i] = ID[i] * R[i];
      P[i] = Z[i];
      bb += B[i] * B[i];
      rz += R[i] * Z[i];
    }
    ++stats.solves;
    const double bnorm = std::sqrt(bb);
    if (bnorm == 0.0) {
      std::fill(x.begin(), x.end(), 0.0);
      return;
    }
    const double target = tol_ * bnorm;
    double rr = 0;
    for (long i = 0; i < n; ++i) rr += R[i] * R[i];
    if (std::sqrt(rr) <= target) return;
    for (int it = 1; it <= maxit_; ++it) {
      op_->apply(cm_, ca_, p_, q_);
      double pq = 0;
#pragma omp parallel for reduction(+ : pq) schedule(static) if (n > 16384)
      for (long i = 0; i < n; ++i) pq += P[i] * Q[i];
      const double alpha = rz / pq;
      double rr2 = 0, rz2 = 0;
#pragma omp parallel for reduction(+ : rr2, rz2) schedule(static) if (n > 16384)
      for (long i = 0; i < n; ++i) {
        X[i] += alpha * P[i];
        R[i] -= alpha * Q[i];
        Z[i] = ID[i] * R[i];
        rr2 += R[i] * R[i];
        rz2 += R[i] * Z[i];
      }
      ++stats.iterations;
      if (std::sqrt(rr2) <= target) return;
      const double beta = rz2 / rz;
      rz = rz2;
#pragma omp parallel for schedule(static) if (n > 16384)
      for (long i = 0; i < n; ++i) P[i] = Z[i] + beta * P[i];
    }
    throw std::runtime_error("conjugate gradients did not converge in " + std::to_string(maxit_) + " iterations");
  }
  std::string name() const override { return "conjugate gradients (Jacobi, matrix-free)"; }

 private:
  double tol_;
  int maxit_;
  const StencilOperator* op_ = nullptr;
  double cm_ = 0, ca_ = 0;
  std::vector<double> inv_diag_, r_, z_, p_, q_;
};

}  // namespace

std::unique_ptr<LinearSolver> make_linear_solver(const std::string& kind, double tol, int maxit) {
  if (kind == "direct") return std::make_unique<DirectSolver>();
  if (kind == "cg") return std::make_unique<CgSolver>(tol, maxit);
  throw std::invalid_argument("unknown linear solver '" + kind + "'");
}

}  // namespace dermasim
