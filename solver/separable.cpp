// SPDX-License-Identifier: BSD-3-Clause
// A direct solver for operators whose coefficients depend on the depth index alone, and the `mg`
// solver kind: this solver where the operator allows it, CG with the multigrid preconditioner
// (solver/multigrid.cpp) otherwise. The method is in docs/numerics.md ("A separable direct solver
// for layered grids").
//
// The matrix cm M + ca A of a StencilOperator couples cell (i, j, k) to its lateral neighbours with
// the face coefficients tx, ty and to the depth neighbours with tz. When, on every depth plane k, the
// lateral faces, the mass, the depth faces and the zero-order part of the diagonal (losses, boundary
// conductances) are the same in every cell, and the lateral edges are closed (mirror, not periodic),
// the lateral coupling of plane k is tx_k Lx + ty_k Ly with Lx, Ly the cell-centred Neumann second
// differences. The 2d DCT-II diagonalises both ([SchumannSweet1988], the staggered Neumann case): mode (p, q) has the eigenvalue
// tx_k (2 - 2 cos(pi p / nx)) + ty_k (2 - 2 cos(pi q / ny)) on plane k. So
//   1. a DCT-II of every depth plane (FFTW REDFT10),
//   2. one symmetric tridiagonal solve in depth per lateral mode (factorised once per (cm, ca)),
//   3. the inverse transform (REDFT01; FFTW's pair scales by 2n per dimension)
// solve the system exactly, up to round-off, in one pass.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "linear_solver.hpp"

#if DERMASIM_HAVE_FFTW
#include <fftw3.h>
#endif

namespace dermasim {

bool separable_solver_enabled() {
#if DERMASIM_HAVE_FFTW
  static const bool on = [] {
    const char* e = std::getenv("DERMASIM_SEPARABLE");
    return !(e && std::string(e) == "0");
  }();
  return on;
#else
  return false;
#endif
}

namespace {

// Relative tolerance of "the same in every cell of a plane".
constexpr double kUniform = 1e-12;

bool same(double a, double ref, double scale) { return std::fabs(a - ref) <= kUniform * scale; }

// Why op cannot be solved by the separable solver ("" if it can). On success, fills the per-plane
// coefficients: lateral faces tx, ty, mass m, zero-order part r of the diagonal of A (nz each) and
// the depth faces tz (nz + 1; the outer two are zero).
//
// With `relaxed` (the separable preconditioner of an advected operator): the advection is left out
// (its upwind outflows are taken off the diagonal), and the zero-order part of the diagonal may vary
// across a plane: its mean over the plane is used. The couplings, the mass and the edges must still
// be as above.
std::string analyse(const StencilOperator& op, std::vector<double>& tx, std::vector<double>& ty, std::vector<double>& tz,
                    std::vector<double>& m, std::vector<double>& r, bool relaxed = false) {
  const Grid& g = op.grid();
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  if (!op.symmetric() && !relaxed) return "the operator is not symmetric (advection)";
  if (op.has_reservoir_unknown()) return "a reservoir unknown is coupled to the top cells";
  if (g.geometry == Geometry::Axisymmetric) return "the grid is axisymmetric, not Cartesian";
  if ((g.periodic_x && nx > 1) || (g.periodic_y && ny > 1)) return "a lateral edge is periodic";
  for (int i = 0; i < nx; ++i)
    if (!same(g.dx[i], g.dx[0], g.dx[0])) return "the lateral spacing in x is not uniform";
  for (int j = 0; j < ny; ++j)
    if (!same(g.dy[j], g.dy[0], g.dy[0])) return "the lateral spacing in y is not uniform";
  const auto &TX = op.face_x(), &TY = op.face_y(), &TZ = op.face_z(), &M = op.mass(), &DA = op.diagonal_of_a();
  const auto& TT = op.top_conductance();
  for (size_t c = 1; c < TT.size(); ++c)
    if (!same(TT[c], TT[0], std::fabs(TT[0]))) return "the top conductance varies laterally";
  std::vector<double> outflow;  // relaxed: each cell's upwind outflow, part of its diagonal
  if (relaxed && !op.symmetric()) op.upwind_outflow(outflow);
  tx.assign(nz, 0.0);
  ty.assign(nz, 0.0);
  tz.assign(nz + 1, 0.0);
  m.assign(nz, 0.0);
  r.assign(nz, 0.0);
  auto fx = [&](int i, int j, int k) { return TX[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i]; };
  auto fy = [&](int i, int j, int k) { return TY[(static_cast<size_t>(k) * (ny + 1) + j) * nx + i]; };
  auto fz = [&](int i, int j, int k) { return TZ[(static_cast<size_t>(k) * ny + j) * nx + i]; };
  for (int k = 0; k < nz; ++k) {
    const size_t p0 = g.index(0, 0, k);
    tx[k] = nx > 1 ? fx(1, 0, k) : 0.0;
    ty[k] = ny > 1 ? fy(0, 1, k) : 0.0;
    tz[k] = k > 0 ? fz(0, 0, k) : 0.0;
    m[k] = M[p0];
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        if (!same(M[p], m[k], std::fabs(m[k]))) return "the mass varies laterally on depth plane " + std::to_string(k);
        if (i > 0 && !same(fx(i, j, k), tx[k], std::fabs(tx[k]))) return "the x couplings vary on depth plane " + std::to_string(k);
        if (j > 0 && !same(fy(i, j, k), ty[k], std::fabs(ty[k]))) return "the y couplings vary on depth plane " + std::to_string(k);
        if (k > 0 && !same(fz(i, j, k), tz[k], std::fabs(tz[k]))) return "the depth couplings vary on depth plane " + std::to_string(k);
        const double faces = fx(i, j, k) + fx(i + 1, j, k) + fy(i, j, k) + fy(i, j + 1, k) + fz(i, j, k) + fz(i, j, k + 1);
        const double rest = DA[p] - faces - (outflow.empty() ? 0.0 : outflow[p]);
        if (relaxed) r[k] += std::max(0.0, rest) / (static_cast<double>(nx) * ny);
        else if (i == 0 && j == 0) r[k] = rest;
        else if (!same(rest, r[k], std::fabs(DA[p]))) return "the diagonal varies laterally on depth plane " + std::to_string(k);
      }
    // the outer faces of the plane carry nothing (closed edges)
    for (int j = 0; j < ny; ++j)
      if (fx(0, j, k) != 0.0 || fx(nx, j, k) != 0.0) return "an x edge face is coupled";
    for (int i = 0; i < nx; ++i)
      if (fy(i, 0, k) != 0.0 || fy(i, ny, k) != 0.0) return "a y edge face is coupled";
  }
  return "";
}

}  // namespace

std::string separable_ineligibility(const StencilOperator& op) {
  std::vector<double> a, b, c, d, e;
  const std::string why = analyse(op, a, b, c, d, e);
#if DERMASIM_HAVE_FFTW
  return why;
#else
  return why.empty() ? "built without FFTW" : why;
#endif
}

#if DERMASIM_HAVE_FFTW
namespace {

// Below this many cells one thread does it all (as the stencil operator: small parallel regions
// cost more than they save on a loaded machine).
constexpr size_t kParallelCells = 20000;

// A buffer of doubles aligned to 64 bytes (every plane of the work array starts on a cache line,
// so one FFTW plan, made for an aligned plane, is valid for all of them).
struct AlignedBuffer {
  double* p = nullptr;
  size_t n = 0;
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(p); }
  void resize(size_t count) {
    if (count == n) return;
    release();
    if (count == 0) return;
    const size_t bytes = (count * sizeof(double) + 63) / 64 * 64;
    p = static_cast<double*>(std::aligned_alloc(64, bytes));
    if (!p) throw std::bad_alloc();
    n = count;
  }
  void release() {
    std::free(p);
    p = nullptr;
    n = 0;
  }
};

// FFTW plans for one plane shape (in place, on 64-byte aligned planes), made once per shape and
// process and shared by every solver. FFTW's planner is not thread-safe: plans are made and
// destroyed under a lock; executing a plan (fftw_execute_r2r) is thread-safe.
struct PlanePlans {
  fftw_plan forward = nullptr, inverse = nullptr;  // null when the plane is one cell
};

std::mutex& planner_lock() {
  static std::mutex m;
  return m;
}

struct PlanCache {
  std::map<std::pair<int, int>, PlanePlans> plans;
  ~PlanCache() {
    std::lock_guard<std::mutex> lock(planner_lock());
    for (auto& [shape, p] : plans) {
      if (p.forward) fftw_destroy_plan(p.forward);
      if (p.inverse) fftw_destroy_plan(p.inverse);
    }
  }
};

// FFTW_ESTIMATE: the plan depends on the shape alone, so every process computes the same numbers (a
// run and its restart agree to the bit). FFTW_MEASURE picks among algorithms by timing them, which can
// differ from one process to the next, and was no faster here (docs/performance.md);
// DERMASIM_FFTW_PLANNER=measure asks for it.
PlanePlans plans_for(int nx, int ny) {
  static PlanCache cache;
  std::lock_guard<std::mutex> lock(planner_lock());
  auto it = cache.plans.find({nx, ny});
  if (it != cache.plans.end()) return it->second;
  PlanePlans p;
  int dims[2];
  int rank = 0;
  if (ny > 1) dims[rank++] = ny;  // row major: x (the contiguous index) last
  if (nx > 1) dims[rank++] = nx;
  if (rank > 0) {
    const char* flag_env = std::getenv("DERMASIM_FFTW_PLANNER");
    const unsigned flags = (flag_env && std::string(flag_env) == "measure") ? FFTW_MEASURE : FFTW_ESTIMATE;
    AlignedBuffer scratch;
    scratch.resize(static_cast<size_t>(nx) * ny);
    const fftw_r2r_kind fk[2] = {FFTW_REDFT10, FFTW_REDFT10}, ik[2] = {FFTW_REDFT01, FFTW_REDFT01};
    p.forward = fftw_plan_r2r(rank, dims, scratch.p, scratch.p, fk, flags);
    p.inverse = fftw_plan_r2r(rank, dims, scratch.p, scratch.p, ik, flags);
    if (!p.forward || !p.inverse) throw std::runtime_error("separable solver: FFTW could not plan the plane transforms");
  }
  cache.plans[{nx, ny}] = p;
  return p;
}

class SeparableSolver final : public LinearSolver {
 public:
  explicit SeparableSolver(bool relaxed = false) : relaxed_(relaxed) {}
  // Readies the solver for cm M + ca A of op; false if that matrix is not one it solves (the reason
  // in why()). The analysis is kept per operator version, the factors per (cm, ca).
  bool prepare(const StencilOperator& op, long version, double cm, double ca) {
    if (&op != op_ || version != version_) {
      ScopedSeconds timer(stats.seconds);
      op_ = &op;
      version_ = version;
      factored_ = false;
      why_ = analyse(op, tx_, ty_, tz_, m_, r_, relaxed_);
      if (why_.empty()) {
        const Grid& g = op.grid();
        nx_ = g.nx;
        ny_ = g.ny;
        nz_ = g.nz;
        plane_ = static_cast<size_t>(nx_) * ny_;
        stride_ = (plane_ + 7) / 8 * 8;
        plans_ = plans_for(nx_, ny_);
        mass_slot_ = op.mass()[op.cells()];
        diag_slot_ = op.diagonal_of_a()[op.cells()];
      }
    }
    if (!why_.empty()) return false;
    if (factored_ && cm == cm_ && ca == ca_) return pivots_ok_;
    ScopedSeconds timer(stats.seconds);
    factor(cm, ca);
    return pivots_ok_;
  }
  const std::string& why() const { return why_; }
  // Frees the factors and the work array (while another solver is in use).
  void release() {
    ie_.release();
    w_.release();
    factored_ = false;
  }

  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (!prepare(op, version, cm, ca))
      throw std::invalid_argument("separable solver: " + (why_.empty() ? std::string("the matrix is not positive definite") : why_));
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    if (!factored_ || !pivots_ok_) throw std::logic_error("separable solver: solve without a successful setup");
    ScopedSeconds timer(stats.seconds);
    const size_t n = static_cast<size_t>(nz_) * plane_;
    if (b.size() != n + 1) throw std::invalid_argument("separable solver: right-hand side of the wrong size");
    x.resize(n + 1);
    ++stats.solves;
    ++stats.iterations;
    const int nz = nz_;
    const size_t P = plane_, S = stride_;
    const double* B = b.data();
    double* X = x.data();
    double* W = w_.p;
    const double* IE = ie_.p;
    const double* A = a_.data();
    const double scale = 1.0 / ((nx_ > 1 ? 2.0 * nx_ : 1.0) * (ny_ > 1 ? 2.0 * ny_ : 1.0));
    const fftw_plan fwd = plans_.forward, inv = plans_.inverse;
    constexpr size_t kBlock = 64;  // modes swept together: 2 nz kBlock doubles stay in cache
    const long nblocks = static_cast<long>((P + kBlock - 1) / kBlock);
#pragma omp parallel if (n >= kParallelCells)
    {
#pragma omp for schedule(static)
      for (int k = 0; k < nz; ++k) {
        double* w = W + k * S;
        std::memcpy(w, B + k * P, P * sizeof(double));
        if (fwd) fftw_execute_r2r(fwd, w, w);
      }
#pragma omp for schedule(static)
      for (long blk = 0; blk < nblocks; ++blk) {
        const size_t lo = static_cast<size_t>(blk) * kBlock, hi = std::min(P, lo + kBlock);
        // forward: z_k = (b_k + a_k z_{k-1}) / e_k
        for (size_t mo = lo; mo < hi; ++mo) W[mo] *= IE[mo];
        for (int k = 1; k < nz; ++k) {
          double* w = W + k * S;
          const double* wp = w - S;
          const double* ie = IE + k * S;
          const double a = A[k];
#pragma omp simd
          for (size_t mo = lo; mo < hi; ++mo) w[mo] = (w[mo] + a * wp[mo]) * ie[mo];
        }
        // backward: x_k = z_k + a_{k+1} x_{k+1} / e_k
        for (int k = nz - 2; k >= 0; --k) {
          double* w = W + k * S;
          const double* wn = w + S;
          const double* ie = IE + k * S;
          const double a = A[k + 1];
#pragma omp simd
          for (size_t mo = lo; mo < hi; ++mo) w[mo] += a * ie[mo] * wn[mo];
        }
      }
#pragma omp for schedule(static)
      for (int k = 0; k < nz; ++k) {
        double* w = W + k * S;
        if (inv) fftw_execute_r2r(inv, w, w);
        double* xo = X + k * P;
        for (size_t mo = 0; mo < P; ++mo) xo[mo] = scale * w[mo];
      }
    }
    // the reservoir slot: decoupled (eligibility), its own diagonal
    X[n] = dres_ != 0.0 ? B[n] / dres_ : 0.0;
  }
  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    solve(b, x);  // exact anyway, and no dearer than a loose solve
    ++stats.estimate_solves;
    ++stats.estimate_iterations;
  }
  std::string name() const override { return "separable direct (DCT + tridiagonal)"; }

 private:
  // Pivots of the L D L^T factorisation of every mode's tridiagonal matrix: the inverse pivots 1/e
  // stored per (plane, mode); false (pivots_ok_) where one is not positive (a singular or
  // indefinite matrix: the multigrid CG takes it).
  void factor(double cm, double ca) {
    cm_ = cm;
    ca_ = ca;
    factored_ = true;
    const int nx = nx_, ny = ny_, nz = nz_;
    const size_t P = plane_, S = stride_;
    ie_.resize(static_cast<size_t>(nz) * S);
    w_.resize(static_cast<size_t>(nz) * S);
    a_.assign(nz + 1, 0.0);
    for (int k = 1; k < nz; ++k) a_[k] = ca * tz_[k];
    dres_ = cm * mass_slot_ + ca * diag_slot_;
    std::vector<double> lx(nx), ly(ny);
    for (int p = 0; p < nx; ++p) lx[p] = 2.0 - 2.0 * std::cos(M_PI * p / nx);
    for (int q = 0; q < ny; ++q) ly[q] = 2.0 - 2.0 * std::cos(M_PI * q / ny);
    std::vector<double> d0(nz);
    for (int k = 0; k < nz; ++k) d0[k] = cm * m_[k] + ca * (r_[k] + tz_[k] + tz_[k + 1]);
    int bad = 0;
    double* IE = ie_.p;
#pragma omp parallel for schedule(static) reduction(+ : bad) if (static_cast<size_t>(nz) * P >= kParallelCells)
    for (int q = 0; q < ny; ++q)
      for (int p = 0; p < nx; ++p) {
        const size_t mo = static_cast<size_t>(q) * nx + p;
        double e_prev = 1.0;
        for (int k = 0; k < nz; ++k) {
          const double d = d0[k] + ca * (tx_[k] * lx[p] + ty_[k] * ly[q]);
          const double e = k == 0 ? d : d - a_[k] * a_[k] / e_prev;
          // a pivot lost to cancellation: numerically singular, left to the iterative solver
          if (!(e > 1e-14 * d) || !std::isfinite(e)) ++bad;
          IE[k * S + mo] = 1.0 / e;
          e_prev = e;
        }
      }
    pivots_ok_ = bad == 0;
  }

  const bool relaxed_;
  const StencilOperator* op_ = nullptr;
  long version_ = -1;
  double cm_ = 0, ca_ = 0;
  bool factored_ = false, pivots_ok_ = false;
  std::string why_ = "not set up";
  int nx_ = 1, ny_ = 1, nz_ = 1;
  size_t plane_ = 1, stride_ = 8;
  PlanePlans plans_;
  std::vector<double> tx_, ty_, tz_, m_, r_, a_;
  double mass_slot_ = 1, diag_slot_ = 0, dres_ = 1;
  AlignedBuffer ie_, w_;
};

// The `mg` kind: the separable solver where the operator and (cm, ca) allow it, decided at every
// setup; the multigrid CG otherwise (made when first needed; the unused one's arrays are freed).
// Its stats add up both.
class SeparableOrMultigrid final : public LinearSolver {
 public:
  SeparableOrMultigrid(double tol, int maxit) : tol_(tol), maxit_(maxit) {}
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (tracked(sep_, [&] { return sep_.prepare(op, version, cm, ca); })) {
      use_sep_ = true;
      mg_.reset();
      return;
    }
    use_sep_ = false;
    sep_.release();
    if (!mg_) mg_ = make_multigrid_cg_solver(tol_, maxit_);
    tracked(*mg_, [&] {
      mg_->setup(op, version, cm, ca);
      return true;
    });
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    run([&](LinearSolver& s) { s.solve(b, x); });
  }
  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    run([&](LinearSolver& s) { s.solve_estimate(b, x); });
  }
  void solve_destroying(std::vector<double>& b, std::vector<double>& x) override {
    run([&](LinearSolver& s) { s.solve_destroying(b, x); });
  }
  std::string name() const override {
    if (use_sep_) return sep_.name();
    if (mg_) return mg_->name();
    return "separable direct (DCT + tridiagonal) where the operator is layered, else multigrid CG";
  }

 private:
  // Runs f on the inner solver s and adds what it counted to this solver's stats.
  template <class F>
  bool tracked(LinearSolver& s, F&& f) {
    ScopedStats add(stats, s.stats);
    return f();
  }
  template <class F>
  void run(F&& f) {
    LinearSolver* s = use_sep_ ? static_cast<LinearSolver*>(&sep_) : mg_.get();
    if (!s) throw std::logic_error("linear solver used before setup");
    tracked(*s, [&] {
      f(*s);
      return true;
    });
  }

  double tol_;
  int maxit_;
  bool use_sep_ = false;
  SeparableSolver sep_;
  std::unique_ptr<LinearSolver> mg_;
};

// The separable preconditioner of a (possibly advected) operator: the separable solve of its
// diffusive part with each plane's mean zero-order rate (analyse, `relaxed`). It applies where the
// couplings are layered; setup() says whether it does.
class SeparablePreconditioner final : public Preconditioner {
 public:
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    ok_ = sep_.prepare(op, version, cm, ca);
    if (!ok_) sep_.release();
  }
  void apply(const std::vector<double>& r, std::vector<double>& z) override {
    if (!ok_) throw std::logic_error("separable preconditioner used where it does not apply");
    sep_.solve(r, z);
  }
  bool applies() const override { return ok_; }

 private:
  SeparableSolver sep_{true};
  bool ok_ = false;
};

}  // namespace

std::unique_ptr<LinearSolver> make_separable_solver() { return std::make_unique<SeparableSolver>(); }

std::unique_ptr<Preconditioner> make_separable_preconditioner() { return std::make_unique<SeparablePreconditioner>(); }

std::unique_ptr<LinearSolver> make_multigrid_solver(double tol, int maxit) {
  if (!separable_solver_enabled()) return make_multigrid_cg_solver(tol, maxit);
  return std::make_unique<SeparableOrMultigrid>(tol, maxit);
}

#else  // without FFTW: the multigrid CG alone

std::unique_ptr<LinearSolver> make_separable_solver() {
  throw std::invalid_argument("separable solver: dermasim was built without FFTW (DERMASIM_WITH_FFTW)");
}

std::unique_ptr<LinearSolver> make_multigrid_solver(double tol, int maxit) { return make_multigrid_cg_solver(tol, maxit); }

namespace {
class NoSeparablePreconditioner final : public Preconditioner {
 public:
  void setup(const StencilOperator&, long, double, double) override {}
  void apply(const std::vector<double>&, std::vector<double>&) override { throw std::logic_error("built without FFTW"); }
  bool applies() const override { return false; }
};
}  // namespace

std::unique_ptr<Preconditioner> make_separable_preconditioner() { return std::make_unique<NoSeparablePreconditioner>(); }

#endif

}  // namespace dermasim
