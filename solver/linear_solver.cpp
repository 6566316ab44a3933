// SPDX-License-Identifier: BSD-3-Clause
#include "linear_solver.hpp"
#include "direct_solver.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace dermasim {
namespace {


// Preconditioned conjugate gradients for the structured-grid operator, built for a few cores:
//  - the couplings are stored by diagonals: the operator's stencil puts nearly every coupling at the
//    fixed index offsets 1, nx and nx*ny (cell order x fastest, depth slowest); those offsets are
//    found from the assembled operator, and anything off them (periodic wraps, the reservoir) is kept
//    as a short list. So the kernels need no index arrays and vectorise.
//  - preconditioner: block incomplete Cholesky, the DIC variant (IC(0) modifying only the diagonal,
//    as OpenFOAM's DIC), one block of consecutive rows per thread, couplings between blocks dropped
//    (block Jacobi, as a domain decomposition does). Each sweep runs in chunks shorter than the
//    second offset: a vectorised pass for the couplings to earlier chunks, then the serial
//    recurrence through offset 1, one multiply-add per row.
//  - the whole solve runs in one parallel region, each thread on its own block (product, vector
//    updates, preconditioner), with three barriers per iteration. Partial sums are added in block
//    order, so every thread takes the same decisions and the result does not depend on timing.
// The couplings are read once per operator version from its assembled form (they scale with ca);
// a new (cm, ca) only recomputes the diagonal and the modified diagonal. Stopping test: relative
// 2-norm residual ||b - A x|| <= tol ||b||.
class CgSolver final : public LinearSolver {
 public:
  CgSolver(double tol, int maxit) : tol_(tol), maxit_(maxit) {}

  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (version != version_ || &op != op_) {
      extract(op);
      version_ = version;
      op_ = &op;
      cm_ = ca_ = -1;
    }
    if (cm == cm_ && ca == ca_) return;
    cm_ = cm;
    ca_ = ca;
    op.diagonal(cm, ca, diag_);
    const long n = static_cast<long>(diag_.size());
    rd_.resize(n);
    f_.assign(n, 0.0);
    g_.assign(n, 0.0);
    const long nb = blocks();
    const double c2 = ca * ca;
    const int nd = static_cast<int>(off_.size());
#pragma omp parallel for schedule(static, 1) num_threads(nb) if (nb > 1)
    for (long b = 0; b < nb; ++b) {
      const long lo = block_[b], hi = block_[b + 1];
      size_t e = xb_[b];
      for (long i = lo; i < hi; ++i) {
        const double d0 = diag_[i];
        double d = d0;
        for (int k = 0; k < nd; ++k) {
          const long o = off_[k];
          if (i - o >= lo) d -= c2 * val_[k][i] * val_[k][i] * rd_[i - o];
        }
        for (; e < xb_[b + 1] && xr_[e] == i; ++e)
          if (xc_[e] < i && xc_[e] >= lo) d -= c2 * xv_[e] * xv_[e] * rd_[xc_[e]];
        if (!(d > 0)) d = d0;  // keeps the preconditioner SPD; not taken for these M-matrices
        rd_[i] = 1.0 / d;
      }
      if (k1_ >= 0) {
        const double* v1 = val_[k1_].data();
        for (long i = lo + 1; i < hi; ++i) f_[i] = rd_[i] * ca * v1[i];
        for (long i = lo; i < hi - 1; ++i) g_[i] = rd_[i] * ca * v1[i + 1];
      }
    }
  }

  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    solve_loosely(tol_, stats, [&] { solve(b, x); });
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    const long n = static_cast<long>(b.size());
    r_.resize(n);
    z_.resize(n);
    p_.resize(n);
    q_.resize(n);
    ++stats.solves;
    const long nb = blocks();
    constexpr int kPad = 8;  // one cache line per block's partial sums
    std::vector<double> part(static_cast<size_t>(nb) * kPad * 3, 0.0);
    const double* B = b.data();
    double *X = x.data(), *R = r_.data(), *Z = z_.data(), *P = p_.data(), *Q = q_.data();
    int status = 0;  // 1 converged, 2 zero right-hand side, 3 not converged
    long iterations = 0;
    auto slot = [&](long k, int s) -> double& { return part[(static_cast<size_t>(k) * 3 + s) * kPad]; };
    auto total = [&](int s) {  // in block order: the same on every thread
      double t = 0;
      for (long k = 0; k < nb; ++k) t += slot(k, s);
      return t;
    };
#pragma omp parallel num_threads(nb) if (nb > 1)
    {
      const int nt = omp_get_num_threads(), tid = omp_get_thread_num();
      for (long k = tid; k < nb; k += nt) {
        product(k, X, Q);
        double bb = 0, rr = 0;
        for (long i = block_[k]; i < block_[k + 1]; ++i) {
          R[i] = B[i] - Q[i];
          bb += B[i] * B[i];
          rr += R[i] * R[i];
        }
        slot(k, 0) = bb;
        slot(k, 1) = rr;
      }
#pragma omp barrier
      const double bnorm = std::sqrt(total(0));
      const double target = tol_ * bnorm;
      int st = bnorm == 0.0 ? 2 : (std::sqrt(total(1)) <= target ? 1 : 0);
      double rz = 0;
      if (st == 0) {
#pragma omp barrier  // everyone has read slots 0 and 1
        for (long k = tid; k < nb; k += nt) {
          slot(k, 2) = precondition(k, R, Z, [](long, long) {});
          for (long i = block_[k]; i < block_[k + 1]; ++i) P[i] = Z[i];
        }
#pragma omp barrier
        rz = total(2);
      }
      long it = 0;
      while (st == 0) {
        if (it == maxit_) {
          st = 3;
          break;
        }
        ++it;
        for (long k = tid; k < nb; k += nt) {  // q = A p, p.q
          slot(k, 0) = product(k, P, Q);
        }
#pragma omp barrier
        const double alpha = rz / total(0);
        for (long k = tid; k < nb; k += nt) {  // x += alpha p, r -= alpha q, |r|^2, z = P^-1 r, r.z
          double rr = 0;
          slot(k, 2) = precondition(k, R, Z, [&](long c, long ce) {
            for (long i = c; i < ce; ++i) {
              X[i] += alpha * P[i];
              R[i] -= alpha * Q[i];
              rr += R[i] * R[i];
            }
          });
          slot(k, 1) = rr;
        }
#pragma omp barrier
        if (std::sqrt(total(1)) <= target) {
          st = 1;
          break;
        }
        const double rz2 = total(2);
        const double beta = rz2 / rz;
        rz = rz2;
        for (long k = tid; k < nb; k += nt)
          for (long i = block_[k]; i < block_[k + 1]; ++i) P[i] = Z[i] + beta * P[i];
#pragma omp barrier  // p complete before the next product; slots read before they are rewritten
      }
      if (tid == 0) {
        status = st;
        iterations = it;
      }
    }
    stats.iterations += iterations;
    if (status == 2) std::fill(x.begin(), x.end(), 0.0);
    if (status == 3)
      throw std::runtime_error("conjugate gradients did not converge in " + std::to_string(maxit_) + " iterations");
  }
  std::string name() const override { return "conjugate gradients (block DIC, matrix-free)"; }

 private:
  long blocks() const { return static_cast<long>(block_.size()) - 1; }

  void extract(const StencilOperator& op) {
    if (!op.symmetric()) throw std::invalid_argument("conjugate gradients need a symmetric operator (use the non-symmetric solver)");
    const long n = static_cast<long>(op.size());
    int nb = 1;
    // Threads only for large systems: below this the dropped couplings between blocks (more
    // iterations, worst for thin, strongly coupled depth rows) and the barriers cost more than
    // the second core saves.
    if (n > 200000) nb = std::max(1, omp_get_max_threads());
    block_.assign(nb + 1, 0);
    for (int k = 0; k <= nb; ++k) block_[k] = static_cast<long>((static_cast<double>(n) * k) / nb);
    auto owner = [&](long i) { return static_cast<long>(std::upper_bound(block_.begin(), block_.end(), i) - block_.begin()) - 1; };
    const Eigen::SparseMatrix<double> S = op.assemble(0.0, 1.0);  // column major, symmetric: column i = row i
    // the (up to 3) most frequent offsets i - j > 0
    std::map<long, long> count;
    for (long i = 0; i < n; ++i)
      for (Eigen::SparseMatrix<double>::InnerIterator it(S, i); it; ++it)
        if (it.row() < i && it.value() != 0.0) ++count[i - it.row()];
    std::vector<std::pair<long, long>> byfreq;
    for (const auto& [o, c] : count) byfreq.emplace_back(c, o);
    std::sort(byfreq.rbegin(), byfreq.rend());
    off_.clear();
    for (size_t k = 0; k < byfreq.size() && k < 3; ++k)
      if (byfreq[k].first * 16 >= n) off_.push_back(byfreq[k].second);
    std::sort(off_.begin(), off_.end());
    k1_ = -1;
    for (size_t k = 0; k < off_.size(); ++k)
      if (off_[k] == 1) k1_ = static_cast<int>(k);
    val_.assign(off_.size(), std::vector<double>(n, 0.0));
    xr_.clear();
    xc_.clear();
    xv_.clear();
    chunk_ = 512;
    for (long i = 0; i < n; ++i) {
      for (Eigen::SparseMatrix<double>::InnerIterator it(S, i); it; ++it) {
        const long j = it.row();
        if (j == i || it.value() == 0.0) continue;
        const double v = -it.value();
        const auto k = std::find(off_.begin(), off_.end(), i - j);
        if (j < i && k != off_.end()) {
          val_[k - off_.begin()][i] = v;  // row i, column i - off; (i - off, i) is the same by symmetry
        } else if (j > i && std::find(off_.begin(), off_.end(), j - i) != off_.end()) {
          // stored with row j
        } else {
          xr_.push_back(i);
          xc_.push_back(j);
          xv_.push_back(v);
        }
        // (a coupling to i -/+ 1 that is not on a detected diagonal would be swept as a list entry,
        // which then needs chunks of one row)
        if ((std::labs(i - j) > 1 || k1_ < 0) && owner(i) == owner(j)) chunk_ = std::min(chunk_, std::labs(i - j));
      }
    }
    // first extra entry of each block (entries are in row order)
    xb_.assign(nb + 1, xr_.size());
    for (int k = nb - 1; k >= 0; --k) {
      size_t e = k + 1 <= nb - 1 ? xb_[k + 1] : xr_.size();
      while (e > 0 && xr_[e - 1] >= block_[k]) --e;
      xb_[k] = e;
    }
  }

  // Rows of block k of y = (cm M + ca A) x, in chunks that stay in L1 cache.
  // Returns the block's part of x.y.
  double product(long k, const double* X, double* Y) const {
    const long lo = block_[k], hi = block_[k + 1], n = static_cast<long>(diag_.size());
    const double ca = ca_;
    const double* D = diag_.data();
    constexpr long kChunk = 1024;
    double xy = 0;
    for (long c = lo; c < hi; c += kChunk) {
      const long ce = std::min(hi, c + kChunk);
      for (long i = c; i < ce; ++i) Y[i] = D[i] * X[i];
      for (size_t d = 0; d < off_.size(); ++d) {
        const long o = off_[d];
        const double* v = val_[d].data();
        // lower: row i, column i - o (v[i]); upper: row i, column i + o (v[i + o])
        for (long i = std::max(c, o); i < ce; ++i) Y[i] -= ca * v[i] * X[i - o];
        const long end = std::min(ce, n - o);
        for (long i = c; i < end; ++i) Y[i] -= ca * v[i + o] * X[i + o];
      }
      if (xb_[k] == xb_[k + 1])
        for (long i = c; i < ce; ++i) xy += X[i] * Y[i];
    }
    if (xb_[k] != xb_[k + 1]) {
      for (size_t e = xb_[k]; e < xb_[k + 1]; ++e) Y[xr_[e]] -= ca * xv_[e] * X[xc_[e]];
      for (long i = lo; i < hi; ++i) xy += X[i] * Y[i];
    }
    return xy;
  }

  // Rows of block k of z = P^-1 r; returns their part of r.z. before(c, ce) runs just before rows
  // [c, ce) of r are first read (to fuse the residual update into the sweep).
  template <class Before>
  double precondition(long k, double* R, double* Z, Before&& before) const {
    const long lo = block_[k], hi = block_[k + 1];
    const double ca = ca_;
    const double *RD = rd_.data(), *F = f_.data(), *G = g_.data();
    const int nd = static_cast<int>(off_.size());
    const long m = chunk_;
    // (D* + L) y = r
    size_t e = xb_[k];
    double zp = 0;
    for (long c = lo; c < hi; c += m) {
      const long ce = std::min(hi, c + m);
      before(c, ce);
      for (long i = c; i < ce; ++i) Z[i] = R[i];
      for (int d = 0; d < nd; ++d) {
        if (d == k1_) continue;
        const long o = off_[d];
        const double* v = val_[d].data();
        for (long i = std::max(c, lo + o); i < ce; ++i) Z[i] += ca * v[i] * Z[i - o];
      }
      for (; e < xb_[k + 1] && xr_[e] < ce; ++e)
        if (xc_[e] < xr_[e] && xc_[e] >= lo) Z[xr_[e]] += ca * xv_[e] * Z[xc_[e]];
      for (long i = c; i < ce; ++i) Z[i] *= RD[i];
      for (long i = c; i < ce; ++i) {
        zp = Z[i] + F[i] * zp;
        Z[i] = zp;
      }
    }
    // (D* + U) z = D* y
    double acc = 0;
    zp = 0;
    size_t eb = xb_[k + 1];
    const long nchunks = (hi - lo + m - 1) / m;
    for (long q = nchunks - 1; q >= 0; --q) {
      const long c = lo + q * m, ce = std::min(hi, c + m);
      for (int d = 0; d < nd; ++d) {
        if (d == k1_) continue;
        const long o = off_[d];
        const double* v = val_[d].data();
        const long end = std::min(ce, hi - o);
        for (long i = c; i < end; ++i) Z[i] += RD[i] * ca * v[i + o] * Z[i + o];
      }
      for (; eb > xb_[k] && xr_[eb - 1] >= c; --eb) {
        const size_t x = eb - 1;
        if (xc_[x] > xr_[x] && xc_[x] < hi) Z[xr_[x]] += RD[xr_[x]] * ca * xv_[x] * Z[xc_[x]];
      }
      for (long i = ce - 1; i >= c; --i) {
        zp = Z[i] + G[i] * zp;
        Z[i] = zp;
        acc += R[i] * zp;
      }
    }
    return acc;
  }

  double tol_;
  int maxit_;
  const StencilOperator* op_ = nullptr;
  long version_ = -1;
  double cm_ = -1, ca_ = -1;
  std::vector<long> block_, off_;
  int k1_ = -1;         // index of offset 1 in off_, or -1
  long chunk_ = 512;    // sweep chunk: shorter than every in-block coupling other than offset 1
  std::vector<std::vector<double>> val_;  // val_[d][i]: coupling of rows i and i - off_[d]
  std::vector<long> xr_, xc_;             // couplings off the diagonals: row, column, value (by row)
  std::vector<double> xv_;
  std::vector<size_t> xb_;                // first extra entry of each block
  std::vector<double> diag_, rd_, f_, g_, r_, z_, p_, q_;
};

}  // namespace

namespace {
LinearSolverFactory g_factory = nullptr;
}
void set_linear_solver_factory(LinearSolverFactory f) { g_factory = f; }

std::unique_ptr<LinearSolver> make_linear_solver(const std::string& kind, double tol, int maxit) {
  if (g_factory) return g_factory(tol, maxit);
  if (kind == "direct")
    return std::make_unique<SparseDirectSolver<Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>>>("direct (sparse LDLT)");
  if (kind == "cg") return std::make_unique<CgSolver>(tol, maxit);
  if (kind == "mg") return make_multigrid_solver(tol, maxit);
  throw std::invalid_argument("unknown linear solver '" + kind + "'");
}

}  // namespace dermasim
