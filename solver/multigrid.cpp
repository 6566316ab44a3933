// SPDX-License-Identifier: BSD-3-Clause
// Conjugate gradients preconditioned by one geometric multigrid V-cycle, for the symmetric
// 7-point operator on the structured grid (docs/numerics.md, "Multigrid").
//
//  - Matrix-free: the finest level reads the operator's own face coefficients (no copy, no
//    assembled matrix); the solver keeps only the diagonal and the CG vectors at full size.
//  - Semi-coarsening: levels halve x and y and keep every depth row, so thin layers, strongly
//    graded depth cells and the partition jumps between layers (all along depth) are never averaged
//    away. The smoother matches it: line Gauss-Seidel with exact tridiagonal solves along depth
//    (lines coloured by the parity of i + j), so any coupling strength along depth is handled exactly.
//  - Operator-dependent transfer: a coarse face's coefficient is the series resistance of the fine
//    path between the two coarse cell centres (half the first cell, the face, half the second),
//    summed over the parallel fine rows: harmonic averaging, exact for a laminate, the same rule
//    the operator uses between cells. Prolongation interpolates linearly in that resistance
//    coordinate (bilinear on a uniform grid, flux-continuous across a jump), restriction is its
//    transpose, and pre- and post-smoothing run the colours in opposite orders, so the
//    preconditioner is symmetric positive definite, as CG needs.
//  - A well-stirred reservoir unknown coupled to the top cells is preconditioned by its diagonal.
//  - As the preconditioner of a non-symmetric (advected) operator, the V-cycle sees the upwind
//    couplings: on the finest level the line solves are L D U of the non-symmetric depth block and
//    the held lateral neighbours enter with face coefficient + inflow; the coarse levels carry the
//    depth fluxes the same way (summed over the parallel fine faces) and count the lateral outflows
//    as a loss. The cycle is then not symmetric (BiCGSTAB does not need it to be).
// Stopping test as CgSolver: ||b - A x||_2 <= tol ||b||_2.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "linear_solver.hpp"

namespace dermasim {
namespace {

// Levels and loops below this many cells run on one thread (fork/join costs more than it saves).
constexpr size_t kParallel = 40000;

// Conductance of resistances in series: 1 / (1/a + 1/b); inf is an ideal conductor, 0 an open path.
inline double series(double a, double b) {
  if (a == 0.0 || b == 0.0) return 0.0;
  if (std::isinf(a)) return b;
  if (std::isinf(b)) return a;
  return a * b / (a + b);
}

struct Level {
  int nx = 1, ny = 1, nz = 1;
  bool px = false, py = false;   // periodic in x, y
  double s = 1.0;                // scale of the face coefficients (ca on the finest level)
  const double *tx = nullptr, *ty = nullptr, *tz = nullptr;
  std::vector<double> otx, oty, otz;  // owned face coefficients (coarse levels)
  // Advection (the preconditioner of a non-symmetric operator): the upwind volume flux through each
  // face (indexed as tx, ty, tz, toward +x, +y, +z, in the units of the face coefficients, scaled by
  // s like them), owned on every level; null for a symmetric operator. A row's coupling to its
  // neighbour across a face is then t + F+ for the inflow side (west, south, above: t + max(F, 0))
  // and t + max(-F, 0) for the other; the outflows are in the diagonal.
  const double *ax = nullptr, *ay = nullptr, *az = nullptr;
  std::vector<double> oax, oay, oaz;
  bool adv() const { return az != nullptr; }
  // with advection: the volume leaving cell (i, j, k) through its faces (unscaled)
  double outflow(int i, int j, int k) const {
    return std::max(-ax[fx(i, j, k)], 0.0) + std::max(ax[fx(i + 1, j, k)], 0.0) + std::max(-ay[fy(i, j, k)], 0.0) +
           std::max(ay[fy(i, j + 1, k)], 0.0) + std::max(-az[fz(i, j, k)], 0.0) + std::max(az[fz(i, j, k + 1)], 0.0);
  }
  std::vector<double> dg;             // diagonal (coarse levels)
  // The finest level stores no diagonal: it is cm M + s diag(A), read from the operator's mass and
  // diagonal of A as the operator's own product does (the same rounding).
  const double *mm = nullptr, *da = nullptr;
  double cm = 0.0;
  double diag(size_t p) const { return mm ? cm * mm[p] + s * da[p] : dg[p]; }
  std::vector<double> x, b;           // coarse levels: correction and right-hand side
  // Transfer to the next coarser level: parent index along x (ix) and y (iy), the neighbouring
  // parent (nbx, nby) and, per cell, the weight of the own parent (wx, wy; 1 - w for the neighbour).
  bool cx = false, cy = false;
  std::vector<int> ix, nbx, iy, nby;
  std::vector<float> wx, wy;
  size_t plane() const { return static_cast<size_t>(nx) * ny; }
  size_t n() const { return plane() * nz; }
  size_t fx(int i, int j, int k) const { return (static_cast<size_t>(k) * ny + j) * (nx + 1) + i; }
  size_t fy(int i, int j, int k) const { return (static_cast<size_t>(k) * (ny + 1) + j) * nx + i; }
  size_t fz(int i, int j, int k) const { return (static_cast<size_t>(k) * ny + j) * nx + i; }
  size_t id(int i, int j, int k) const { return static_cast<size_t>(i) + static_cast<size_t>(nx) * (j + static_cast<size_t>(ny) * k); }
  bool parallel() const { return n() >= kParallel; }

  // Coupling of a row to its neighbour on the low side (west, south, above) across face f, and on
  // the high side: the face coefficient, plus the upwind inflow with advection.
  template <bool A>
  static double lo(const double* t, const double* a, size_t f) {
    if constexpr (A) return t[f] + std::max(a[f], 0.0);
    else return t[f];
  }
  template <bool A>
  static double hi(const double* t, const double* a, size_t f) {
    if constexpr (A) return t[f] + std::max(-a[f], 0.0);
    else return t[f];
  }

  // y = (A x) over row (j, k) of this level (off-grid neighbours have zero coefficients).
  void row_product(int j, int k, const double* X, double* y) const {
    if (adv()) row_product_t<true>(j, k, X, y);
    else row_product_t<false>(j, k, X, y);
  }
  template <bool A>
  void row_product_t(int j, int k, const double* X, double* y) const {
    const size_t pl = plane(), row = (static_cast<size_t>(k) * ny + j) * nx;
    const double* txr = tx + fx(0, j, k);
    const double* tyl = ty + fy(0, j, k);
    const double* tyh = tyl + nx;
    const double* tzl = tz + fz(0, j, k);
    const double* tzh = tzl + pl;
    // the same offsets into the flux arrays (unused without advection)
    const double* axr = A ? ax + fx(0, j, k) : nullptr;
    const double* ayl = A ? ay + fy(0, j, k) : nullptr;
    const double* ayh = A ? ayl + nx : nullptr;
    const double* azl = A ? az + fz(0, j, k) : nullptr;
    const double* azh = A ? azl + pl : nullptr;
    const double* xc = X + row;
    const double* xu = X + (k > 0 ? row - pl : row);
    const double* xd = X + (k < nz - 1 ? row + pl : row);
    const double* xs = X + (j > 0 ? row - nx : row + static_cast<size_t>(ny - 1) * nx);
    const double* xn = X + (j < ny - 1 ? row + nx : row - static_cast<size_t>(ny - 1) * nx);
    const double sc = s;
    // dv(i): the diagonal of cell i of the row
    auto run = [&](auto dv) {
      auto cell = [&](int i, double xw, double xe) {
        double off = lo<A>(tzl, azl, i) * xu[i] + hi<A>(tzh, azh, i) * xd[i];
        off += lo<A>(txr, axr, i) * xw + hi<A>(txr, axr, i + 1) * xe;
        off += lo<A>(tyl, ayl, i) * xs[i] + hi<A>(tyh, ayh, i) * xn[i];
        y[i] = dv(i) * xc[i] - sc * off;
      };
      if (nx == 1) {
        cell(0, xc[0], xc[0]);
        return;
      }
      cell(0, xc[nx - 1], xc[1]);
#pragma omp simd
      for (int i = 1; i < nx - 1; ++i) {
        double off = lo<A>(tzl, azl, i) * xu[i] + hi<A>(tzh, azh, i) * xd[i];
        off += lo<A>(txr, axr, i) * xc[i - 1] + hi<A>(txr, axr, i + 1) * xc[i + 1];
        off += lo<A>(tyl, ayl, i) * xs[i] + hi<A>(tyh, ayh, i) * xn[i];
        y[i] = dv(i) * xc[i] - sc * off;
      }
      cell(nx - 1, xc[nx - 2], xc[0]);
    };
    if (mm) {
      const double *m = mm + row, *a = da + row;
      const double c = cm;
      run([&](int i) { return c * m[i] + sc * a[i]; });
    } else {
      const double* d = dg.data() + row;
      run([&](int i) { return d[i]; });
    }
  }

  // Factorises every depth line's tridiagonal block T = L D L^T (D = diagonal, L unit lower
  // bidiagonal with L[k][k-1] = -a_k / d_{k-1}, a_k = s tz at face k); keeps 1 / d_k in single
  // precision. The line solves below use only these values and the face coefficients, the same
  // way forward and backward, so each solves a symmetric matrix (T to single precision).
  void factor_lines() {
    const size_t pl = plane();
    dinv.resize(n());
    std::vector<double> d(pl);
    for (int k = 0; k < nz; ++k)
      for (size_t c = 0; c < pl; ++c) {
        const size_t p = k * pl + c;
        if (k == 0) {
          d[c] = diag(p);
        } else if (adv()) {  // L D U: the row's coupling upward times the upper row's downward
          d[c] = diag(p) - s * lo<true>(tz, az, p) * s * hi<true>(tz, az, p) / d[c];
        } else {
          const double a = s * tz[p];
          d[c] = diag(p) - a * a / d[c];
        }
        dinv[p] = static_cast<float>(1.0 / d[c]);
      }
  }

  // One colour of line Gauss-Seidel on the rows [j0, j1): every depth line (i, j) of the colour
  // is solved exactly (with L D L^T above) with its lateral neighbours held. Colours: with ny > 1
  // the parity of (i + j) (checkerboard of lines), else of i. The forward elimination runs depth
  // plane by depth plane, so neighbouring rows are read from cache; it leaves y in X.
  void relax_rows(int j0, int j1, int colour, bool zero, const double* B, double* X) const {
    if (adv()) relax_rows_t<true>(j0, j1, colour, zero, B, X);
    else relax_rows_t<false>(j0, j1, colour, zero, B, X);
  }
  // With advection the lines are solved with their upwind couplings (L D U of a non-symmetric
  // tridiagonal block) and the held neighbours enter with theirs.
  template <bool A>
  void relax_rows_t(int j0, int j1, int colour, bool zero, const double* B, double* X) const {
    const size_t pl = plane();
    const double sc = s;
    const int ie = core_nx();
    j1 = std::min(j1, core_ny());
    for (int k = 0; k < nz; ++k) {
      for (int j = j0; j < j1; ++j) {
        const int i0 = (nx == 1 && ny == 1) ? 0 : (ny > 1 ? ((colour + j) & 1) : colour);
        if (i0 >= ie) continue;
        const size_t row = k * pl + static_cast<size_t>(j) * nx;
        const double* txr = tx + fx(0, j, k);
        const double* tyl = ty + fy(0, j, k);
        const double* tyh = tyl + nx;
        const double* tzl = tz + row;
        const double* axr = A ? ax + fx(0, j, k) : nullptr;
        const double* ayl = A ? ay + fy(0, j, k) : nullptr;
        const double* ayh = A ? ayl + nx : nullptr;
        const double* azl = A ? az + row : nullptr;
        const double* xs = X + k * pl + (j > 0 ? static_cast<size_t>(j - 1) : static_cast<size_t>(ny - 1)) * nx;
        const double* xn = X + k * pl + (j < ny - 1 ? static_cast<size_t>(j + 1) : 0) * nx;
        double* xc = X + row;
        const double* b = B + row;
        const double* yu = xc - pl;  // y of the plane above (k > 0)
        const float* du = dinv.data() + row - pl;
        const double up = k > 0 ? sc : 0.0;
        if (zero) {  // the other colour is zero: no lateral terms
          if (k == 0)
            for (int i = i0; i < ie; i += 2) xc[i] = b[i];
          else
            for (int i = i0; i < ie; i += 2) xc[i] = b[i] + up * lo<A>(tzl, azl, i) * du[i] * yu[i];
          continue;
        }
        auto line = [&](int i, double xw, double xe) {
          const double rhs = b[i] + sc * (lo<A>(txr, axr, i) * xw + hi<A>(txr, axr, i + 1) * xe + lo<A>(tyl, ayl, i) * xs[i] + hi<A>(tyh, ayh, i) * xn[i]);
          xc[i] = k > 0 ? rhs + up * lo<A>(tzl, azl, i) * du[i] * yu[i] : rhs;
        };
        if (nx == 1) {
          line(0, xc[0], xc[0]);
          continue;
        }
        int i = i0;
        if (i == 0) {
          line(0, xc[nx - 1], xc[1]);
          i += 2;
        }
        const int last = std::min(ie, nx - 1);  // interior lines: both x neighbours in the row
        if (k == 0) {
          for (; i < last; i += 2)
            xc[i] = b[i] + sc * (lo<A>(txr, axr, i) * xc[i - 1] + hi<A>(txr, axr, i + 1) * xc[i + 1] + lo<A>(tyl, ayl, i) * xs[i] + hi<A>(tyh, ayh, i) * xn[i]);
        } else {
          for (; i < last; i += 2)
            xc[i] = b[i] + sc * (lo<A>(txr, axr, i) * xc[i - 1] + hi<A>(txr, axr, i + 1) * xc[i + 1] + lo<A>(tyl, ayl, i) * xs[i] + hi<A>(tyh, ayh, i) * xn[i] +
                                 lo<A>(tzl, azl, i) * du[i] * yu[i]);
        }
        if (i == nx - 1 && i < ie) line(i, xc[nx - 2], xc[0]);
      }
    }
    for (int k = nz - 1; k >= 0; --k) {
      for (int j = j0; j < j1; ++j) {
        const int i0 = (nx == 1 && ny == 1) ? 0 : (ny > 1 ? ((colour + j) & 1) : colour);
        if (i0 >= ie) continue;
        const size_t row = k * pl + static_cast<size_t>(j) * nx;
        double* xc = X + row;
        const float* di = dinv.data() + row;
        if (k == nz - 1) {
          for (int i = i0; i < ie; i += 2) xc[i] *= di[i];
        } else {
          const double* xd = xc + pl;
          const double* tzh = tz + row + pl;
          const double* azh = A ? az + row + pl : nullptr;
          for (int i = i0; i < ie; i += 2) xc[i] = di[i] * (xc[i] + sc * hi<A>(tzh, azh, i) * xd[i]);
        }
      }
    }
  }

  // An odd periodic ring cannot be two-coloured: its last column (row) of lines is left out of the
  // colours and solved line after line, forward before the coarse correction and backward after.
  bool odd_x() const { return px && nx > 1 && nx % 2 == 1; }
  bool odd_y() const { return py && ny > 1 && ny % 2 == 1; }
  int core_nx() const { return odd_x() ? nx - 1 : nx; }
  int core_ny() const { return odd_y() ? ny - 1 : ny; }
  bool has_edges() const { return odd_x() || odd_y(); }
  void relax_edges(bool forward, const double* B, double* X) const {
    std::vector<std::pair<int, int>> lines;
    if (odd_x())
      for (int j = 0; j < ny; ++j) lines.emplace_back(nx - 1, j);
    if (odd_y())
      for (int i = 0; i < core_nx(); ++i) lines.emplace_back(i, ny - 1);
    if (!forward) std::reverse(lines.begin(), lines.end());
    const size_t pl = plane();
    for (const auto& [i, j] : lines) {
      const int w = i > 0 ? i - 1 : nx - 1, e = i < nx - 1 ? i + 1 : 0;
      const int js = j > 0 ? j - 1 : ny - 1, jn = j < ny - 1 ? j + 1 : 0;
      for (int k = 0; k < nz; ++k) {
        const size_t p = id(i, j, k);
        const bool a = adv();
        auto L = [&](const double* t, const double* f, size_t q) { return a ? lo<true>(t, f, q) : t[q]; };
        auto H = [&](const double* t, const double* f, size_t q) { return a ? hi<true>(t, f, q) : t[q]; };
        double y = B[p] + s * (L(tx, ax, fx(i, j, k)) * X[id(w, j, k)] + H(tx, ax, fx(i + 1, j, k)) * X[id(e, j, k)] +
                               L(ty, ay, fy(i, j, k)) * X[id(i, js, k)] + H(ty, ay, fy(i, j + 1, k)) * X[id(i, jn, k)]);
        if (k > 0) y += s * L(tz, az, p) * dinv[p - pl] * X[p - pl];
        X[p] = y;
      }
      for (int k = nz - 1; k >= 0; --k) {
        const size_t p = id(i, j, k);
        X[p] = dinv[p] * (k == nz - 1 ? X[p] : X[p] + s * (adv() ? hi<true>(tz, az, p + pl) : tz[p + pl]) * X[p + pl]);
      }
    }
  }
  std::vector<float> dinv;  // per cell: 1 / d_k of its depth line's L D L^T
};

class MultigridCg final : public LinearSolver {
 public:
  MultigridCg(double tol, int maxit, bool any_operator = false) : tol_(tol), maxit_(maxit), any_operator_(any_operator) {}

  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (!op.symmetric() && !any_operator_) throw std::invalid_argument("multigrid CG needs a symmetric operator (use the non-symmetric solver)");
    if (&op == op_ && version == version_ && cm == cm_ && ca == ca_) return;
    ScopedSeconds timer(stats.seconds);
    op_ = &op;
    version_ = version;
    cm_ = cm;
    ca_ = ca;
    const Grid& g = op.grid();
    n_ = op.cells();
    reservoir_ = op.has_reservoir_unknown();
    levels_.clear();
    levels_.emplace_back();
    Level& f = levels_.back();
    f.nx = g.nx;
    f.ny = g.ny;
    f.nz = g.nz;
    f.px = g.periodic_x && g.nx > 1;
    f.py = g.periodic_y && g.ny > 1;
    f.s = ca;
    f.tx = op.face_x().data();
    f.ty = op.face_y().data();
    f.tz = op.face_z().data();
    f.mm = op.mass().data();
    f.da = op.diagonal_of_a().data();
    f.cm = cm;
    dres_ = cm * op.mass()[n_] + ca * op.diagonal_of_a()[n_];  // the reservoir slot
    if (!op.symmetric()) take_fluxes(op, f);
    // zero-order part of each row (mass, losses, boundary conductances): the diagonal less the faces
    std::vector<double> s0(n_);
    const auto& dA = op.diagonal_of_a();
    const auto& M = op.mass();
#pragma omp parallel for schedule(static) if (n_ >= kParallel)
    for (int k = 0; k < f.nz; ++k)
      for (int j = 0; j < f.ny; ++j)
        for (int i = 0; i < f.nx; ++i) {
          const size_t p = f.id(i, j, k);
          const double faces = f.tx[f.fx(i, j, k)] + f.tx[f.fx(i + 1, j, k)] + f.ty[f.fy(i, j, k)] + f.ty[f.fy(i, j + 1, k)] +
                               f.tz[f.fz(i, j, k)] + f.tz[f.fz(i, j, k + 1)];
          // with advection the depth outflows leave it (the coarse levels keep the depth fluxes),
          // the lateral ones stay in it (the coarse levels count them as a loss: see coarsen)
          const double out = f.adv() ? std::max(-f.az[f.fz(i, j, k)], 0.0) + std::max(f.az[f.fz(i, j, k + 1)], 0.0) : 0.0;
          s0[p] = cm * M[p] + ca * std::max(0.0, dA[p] - faces - out);
        }
    while (levels_.back().nx > 1 || levels_.back().ny > 1) s0 = coarsen(s0);
    for (Level& L : levels_) L.factor_lines();
    scratch_.assign(omp_get_max_threads(), std::vector<double>(2 * static_cast<size_t>(g.nx), 0.0));
  }

  // The finest level's copy of the operator's advective fluxes, with both ends of a periodic ring
  // holding its wrap face (as the face coefficients do) and no flux through the outer faces.
  static void take_fluxes(const StencilOperator& op, Level& f) {
    const Grid& g = op.grid();
    f.oax.assign(static_cast<size_t>(f.nx + 1) * f.ny * f.nz, 0.0);
    f.oay.assign(static_cast<size_t>(f.nx) * (f.ny + 1) * f.nz, 0.0);
    f.oaz.assign(static_cast<size_t>(f.nx) * f.ny * (f.nz + 1), 0.0);
    const auto &Fx = op.flux_x(), &Fy = op.flux_y(), &Fz = op.flux_z();
    for (int k = 0; k < f.nz; ++k)
      for (int j = 0; j < f.ny; ++j)
        for (int i = 0; i < f.nx; ++i) {
          if (!Fx.empty() && f.nx > 1) {
            if (i > 0) f.oax[f.fx(i, j, k)] = Fx[f.fx(i, j, k)];
            if (i == 0 && g.periodic_x) f.oax[f.fx(0, j, k)] = f.oax[f.fx(f.nx, j, k)] = Fx[f.fx(f.nx, j, k)];
          }
          if (!Fy.empty() && f.ny > 1) {
            if (j > 0) f.oay[f.fy(i, j, k)] = Fy[f.fy(i, j, k)];
            if (j == 0 && g.periodic_y) f.oay[f.fy(i, 0, k)] = f.oay[f.fy(i, f.ny, k)] = Fy[f.fy(i, f.ny, k)];
          }
          if (!Fz.empty() && k > 0) f.oaz[f.fz(i, j, k)] = Fz[f.fz(i, j, k)];
        }
    f.ax = f.oax.data();
    f.ay = f.oay.data();
    f.az = f.oaz.data();
  }

  void solve_estimate(const std::vector<double>& b, std::vector<double>& x) override {
    solve_loosely(tol_, stats, [&] { solve(b, x); });
  }
  void solve(const std::vector<double>& b, std::vector<double>& x) override {
    r_.resize(b.size());
    cg(b.data(), r_.data(), x);
  }
  // The residual overwrites the right-hand side: one vector less (r_ stays unallocated unless
  // solve() or solve_estimate() needed it; it is kept then, not freed and reallocated each step).
  void solve_destroying(std::vector<double>& b, std::vector<double>& x) override {
    cg(b.data(), b.data(), x);
  }

  std::string name() const override { return "conjugate gradients (geometric multigrid, matrix-free)"; }

  // z = one V-cycle applied to r (cells and the reservoir slot)
  void precondition(const std::vector<double>& r, std::vector<double>& z) {
    z.resize(r.size());
    precondition(r.data(), z.data());
  }

 private:
  // CG from the guess in x for the right-hand side B; R: storage for the residual (may be B itself,
  // which is then read only before it is overwritten). The preconditioned residual z and the
  // product q = A p share one vector: z is dead once p is updated, q once r is.
  void cg(const double* B, double* R, std::vector<double>& x) {
    ScopedSeconds timer(stats.seconds);
    const size_t n = x.size();  // cells + 1
    z_.resize(n);
    p_.resize(n);
    ++stats.solves;
    double* X = x.data();
    double *Z = z_.data(), *P = p_.data(), *Q = z_.data();
    const double bnorm = std::sqrt(dot(B, B));
    product(X, Q);
    for_all([&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) R[i] = B[i] - Q[i];
    });
    if (bnorm == 0.0) {
      std::fill(x.begin(), x.end(), 0.0);
      return;
    }
    const double target = tol_ * bnorm;
    double rr = dot(R, R);
    if (std::sqrt(rr) <= target) return;
    precondition(R, Z);
    double rz = dot(R, Z);
    std::copy(Z, Z + n, P);
    long it = 0;
    for (;;) {
      if (it == maxit_) throw std::runtime_error("multigrid CG did not converge in " + std::to_string(maxit_) + " iterations");
      ++it;
      const double pq = product(P, Q, true);
      const double alpha = rz / pq;
      rr = reduce([&](size_t lo, size_t hi) {
        double s = 0;
        for (size_t i = lo; i < hi; ++i) {
          X[i] += alpha * P[i];
          R[i] -= alpha * Q[i];
          s += R[i] * R[i];
        }
        return s;
      });
      if (std::sqrt(rr) <= target) break;
      precondition(R, Z);
      const double rz2 = dot(R, Z);
      const double beta = rz2 / rz;
      rz = rz2;
      for_all([&](size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) P[i] = Z[i] + beta * P[i];
      });
    }
    stats.iterations += it;
  }

  // Static partition of [0, n] (cells + reservoir slot) into one range per thread; partial sums
  // are added in range order, so a given thread count always gives the same result.
  template <class F>
  double reduce(F&& f) const {
    const size_t n = n_ + 1;
    const int nt = n_ >= kParallel ? omp_get_max_threads() : 1;
    std::vector<double> part(static_cast<size_t>(nt) * 8, 0.0);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
      const int t = omp_get_thread_num(), m = omp_get_num_threads();
      const size_t lo = n * t / m, hi = n * (t + 1) / m;
      part[static_cast<size_t>(t) * 8] = f(lo, hi);
    }
    double s = 0;
    for (int t = 0; t < nt; ++t) s += part[static_cast<size_t>(t) * 8];
    return s;
  }
  template <class F>
  void for_all(F&& f) const {
    reduce([&](size_t lo, size_t hi) {
      f(lo, hi);
      return 0.0;
    });
  }
  double dot(const double* a, const double* b) const {
    return reduce([&](size_t lo, size_t hi) {
      double s = 0;
      for (size_t i = lo; i < hi; ++i) s += a[i] * b[i];
      return s;
    });
  }

  // Y = (cm M + ca A) X on the finest level, with the reservoir row; returns X.Y if asked.
  double product(const double* X, double* Y, bool want_dot = false) {
    const Level& f = levels_.front();
    const int nz = f.nz, ny = f.ny;
    const int nt = f.parallel() ? omp_get_max_threads() : 1;
    std::vector<double> part(static_cast<size_t>(nt) * 8, 0.0);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
      const int t = omp_get_thread_num(), m = omp_get_num_threads();
      const int k0 = static_cast<int>(static_cast<long>(nz) * t / m), k1 = static_cast<int>(static_cast<long>(nz) * (t + 1) / m);
      double s = 0;
      for (int k = k0; k < k1; ++k)
        for (int j = 0; j < ny; ++j) {
          const size_t row = f.id(0, j, k);
          f.row_product(j, k, X, Y + row);
          if (want_dot && !reservoir_)
            for (int i = 0; i < f.nx; ++i) s += X[row + i] * Y[row + i];
        }
      part[static_cast<size_t>(t) * 8] = s;
    }
    double yv = dres_ * X[n_];
    if (reservoir_) {
      const auto& tt = op_->top_conductance();
      for (size_t p = 0; p < f.plane(); ++p) {
        Y[p] -= ca_ * tt[p] * X[n_];
        yv -= ca_ * tt[p] * X[p];
      }
    }
    Y[n_] = yv;
    if (!want_dot) return 0.0;
    if (reservoir_) return dot(X, Y);
    double s = X[n_] * Y[n_];
    for (int t = 0; t < nt; ++t) s += part[static_cast<size_t>(t) * 8];
    return s;
  }

  void precondition(const double* R, double* Z) {
    vcycle(0, R, Z);
    Z[n_] = R[n_] / dres_;
  }

  // Z = one V-cycle for A_l Z = B from a zero guess.
  void vcycle(size_t l, const double* B, double* Z) {
    Level& L = levels_[l];
    if (l + 1 == levels_.size()) {  // a single depth line: solved exactly
      relax(L, 0, B, Z, true);
      return;
    }
    const bool edges = L.has_edges();
    if (edges) std::fill(Z, Z + L.n(), 0.0);
    relax(L, 0, B, Z, !edges);
    relax(L, 1, B, Z);
    if (edges) relax(L, 2, B, Z);
    Level& C = levels_[l + 1];
    restrict_residual(L, B, Z, C);
    vcycle(l + 1, C.b.data(), C.x.data());
    prolong_add(L, C, Z);
    if (edges) relax(L, 3, B, Z);
    relax(L, 1, B, Z);
    relax(L, 0, B, Z);
  }

  // zero: X is zero on every line but the colour's (the first pass of a V-cycle level)
  void relax(const Level& L, int colour, const double* B, double* X, bool zero = false) {
    if (L.nx == 1 && L.ny == 1 && colour == 1) return;
    if (colour == 2) {  // the lines an odd ring leaves out, in order
      L.relax_edges(true, B, X);
      return;
    }
    if (colour == 3) {
      L.relax_edges(false, B, X);
      return;
    }
    const int nt = L.parallel() && L.ny > 1 ? std::min(omp_get_max_threads(), L.ny) : 1;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
      const int t = omp_get_thread_num(), m = omp_get_num_threads();
      L.relax_rows(static_cast<int>(static_cast<long>(L.ny) * t / m), static_cast<int>(static_cast<long>(L.ny) * (t + 1) / m), colour, zero, B, X);
    }
  }

  // c[I] += sum_i R[I][i] q[i] along x (R the transpose of the prolongation) for one row: the
  // interior coarse cells gather their four fine cells (2I-1 .. 2I+2), the ends go cell by cell.
  static void restrict_row(const Level& L, const Level& C, const double* q, const float* w, double* c) {
    if (!L.cx) {
      for (int i = 0; i < L.nx; ++i) c[i] += q[i];
      return;
    }
    const int nx = L.nx, ncx = C.nx;
    const int imax = (nx - 1) / 2;  // coarse cells 1 .. imax-1 have 2I+2 <= nx-1
    for (int I = 1; I < imax; ++I)
      c[I] += w[2 * I] * q[2 * I] + w[2 * I + 1] * q[2 * I + 1] + (1.0f - w[2 * I - 1]) * q[2 * I - 1] + (1.0f - w[2 * I + 2]) * q[2 * I + 2];
    auto end_cell = [&](int I) {
      int seen[4];
      int ns = 0;
      double acc = 0;
      for (int i = 2 * I - 1; i <= 2 * I + 2; ++i) {
        int m = i;
        if (L.px) m = (m + nx) % nx;
        if (m < 0 || m >= nx || std::find(seen, seen + ns, m) != seen + ns) continue;
        seen[ns++] = m;
        if (L.ix[m] == I) acc += w[m] * q[m];
        if (L.nbx[m] == I && L.nbx[m] != L.ix[m]) acc += (1.0f - w[m]) * q[m];
      }
      c[I] += acc;
    };
    end_cell(0);
    for (int I = std::max(1, imax); I < ncx; ++I) end_cell(I);
  }

  // C.b = R (B - A X), R the transpose of the prolongation; each depth plane on its own.
  void restrict_residual(const Level& L, const double* B, const double* X, Level& C) {
    const int nt = L.parallel() ? omp_get_max_threads() : 1;
    std::fill(C.b.begin(), C.b.end(), 0.0);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int k = 0; k < L.nz; ++k) {
      double* r = scratch_[omp_get_thread_num()].data();
      double* q = r + L.nx;
      double* cb = C.b.data() + k * C.plane();
      for (int j = 0; j < L.ny; ++j) {
        const size_t row = L.id(0, j, k);
        L.row_product(j, k, X, r);
        const float* v = L.wy.data() + row;
        const float* w = L.wx.data() + row;
        const int J = L.iy[j], JN = L.nby[j];
        for (int i = 0; i < L.nx; ++i) {
          const double res = B[row + i] - r[i];
          r[i] = v[i] * res;
          q[i] = (1.0f - v[i]) * res;
        }
        restrict_row(L, C, r, w, cb + static_cast<size_t>(J) * C.nx);
        if (JN != J) restrict_row(L, C, q, w, cb + static_cast<size_t>(JN) * C.nx);
      }
    }
  }

  void prolong_add(const Level& L, const Level& C, double* X) {
    const int nt = L.parallel() ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int k = 0; k < L.nz; ++k) {
      const double* ce = C.x.data() + k * C.plane();
      for (int j = 0; j < L.ny; ++j) {
        const size_t row = L.id(0, j, k);
        const double* cj = ce + static_cast<size_t>(L.iy[j]) * C.nx;
        const double* cn = ce + static_cast<size_t>(L.nby[j]) * C.nx;
        for (int i = 0; i < L.nx; ++i) {
          const double w = L.wx[row + i], v = L.wy[row + i];
          const int I = L.ix[i], IN = L.nbx[i];
          X[row + i] += v * (w * cj[I] + (1 - w) * cj[IN]) + (1 - v) * (w * cn[I] + (1 - w) * cn[IN]);
        }
      }
    }
  }

  // Builds the next coarser level from the last one; s0 is the zero-order part of its rows.
  // Returns the coarse level's zero-order part.
  std::vector<double> coarsen(const std::vector<double>& s0) {
    levels_.emplace_back();
    Level& C = levels_.back();
    Level& F = levels_[levels_.size() - 2];
    F.cx = F.nx > 1;
    F.cy = F.ny > 1;
    C.nx = F.cx ? (F.nx + 1) / 2 : 1;
    C.ny = F.cy ? (F.ny + 1) / 2 : 1;
    C.nz = F.nz;
    C.px = F.px && C.nx > 1;
    C.py = F.py && C.ny > 1;
    C.s = 1.0;
    // parents along one direction
    auto parents = [](int n, int nc, bool coarse, bool periodic, std::vector<int>& own, std::vector<int>& nb) {
      own.resize(n);
      nb.resize(n);
      for (int i = 0; i < n; ++i) {
        if (!coarse) {
          own[i] = nb[i] = i;
          continue;
        }
        own[i] = i / 2;
        int m = (i % 2 == 0) ? i / 2 - 1 : i / 2 + 1;
        if (periodic) m = (m + nc) % nc;
        if (m < 0 || m >= nc) m = i / 2;  // no neighbour: its weight is 0
        nb[i] = m;
      }
    };
    parents(F.nx, C.nx, F.cx, F.px, F.ix, F.nbx);
    parents(F.ny, C.ny, F.cy, F.py, F.iy, F.nby);
    const double sF = F.s;
    const double inf = std::numeric_limits<double>::infinity();
    // conductance between the two children of the coarse cell containing fine cell i (along x or y):
    // twice the face between them (centre of the coarse cell = that face); inf with one child
    auto inner_x = [&](int i, int j, int k) {
      const int a = i - (i % 2);
      if (!F.cx || a + 1 >= F.nx) return inf;
      return 2.0 * sF * F.tx[F.fx(a + 1, j, k)];
    };
    auto inner_y = [&](int i, int j, int k) {
      const int a = j - (j % 2);
      if (!F.cy || a + 1 >= F.ny) return inf;
      return 2.0 * sF * F.ty[F.fy(i, a + 1, k)];
    };
    const size_t nF = F.n(), nC = C.n();
    F.wx.assign(nF, 1.0f);
    F.wy.assign(nF, 1.0f);
    C.otx.assign(static_cast<size_t>(C.nx + 1) * C.ny * C.nz, 0.0);
    C.oty.assign(static_cast<size_t>(C.nx) * (C.ny + 1) * C.nz, 0.0);
    C.otz.assign(static_cast<size_t>(C.nx) * C.ny * (C.nz + 1), 0.0);
    std::vector<double> s0c(nC, 0.0);
    // Advection on the coarse levels: a coarse depth face carries the sum of the fine depth fluxes
    // through it (upwind, conservative, as on the finest level; depth is never coarsened, so this
    // is the aggregate of parallel faces); the lateral fluxes are not carried to the coarse levels,
    // their outflows stay in the zero-order part (a loss). Carrying them too (summed over the
    // coarse face) made the V-cycle diverge where lateral flow dominates: with the interpolating
    // prolongation, such a coarse operator over-corrects (tests/test_multigrid.cpp, docs/numerics.md).
    const bool adv = F.adv();
    if (adv) {
      C.oax.assign(C.otx.size(), 0.0);
      C.oay.assign(C.oty.size(), 0.0);
      C.oaz.assign(C.otz.size(), 0.0);
    }
    // prolongation weights: conductance a from the own coarse centre to the cell, b from the cell
    // to the neighbouring coarse centre; the own parent gets a / (a + b)
#pragma omp parallel for schedule(static) if (nF >= kParallel)
    for (int k = 0; k < F.nz; ++k)
      for (int j = 0; j < F.ny; ++j)
        for (int i = 0; i < F.nx; ++i) {
          const size_t p = F.id(i, j, k);
          // own parent: conductance a from its centre to the cell; neighbouring parent: b, through
          // the face toward it and half of that parent
          auto weight = [](double a, double face, double inner_nb, bool has_nb) {
            const double b = has_nb ? series(face, inner_nb) : 0.0;
            return static_cast<float>(std::isinf(a) ? 1.0 : (a + b > 0 ? a / (a + b) : 1.0));
          };
          if (F.cx) {
            const bool left = i % 2 == 0;
            const int nb = left ? (i > 0 ? i - 1 : (F.px ? F.nx - 1 : -1)) : (i < F.nx - 1 ? i + 1 : (F.px ? 0 : -1));
            F.wx[p] = weight(inner_x(i, j, k), sF * F.tx[F.fx(left ? i : i + 1, j, k)], nb >= 0 ? inner_x(nb, j, k) : 0.0, nb >= 0);
          }
          if (F.cy) {
            const bool low = j % 2 == 0;
            const int nb = low ? (j > 0 ? j - 1 : (F.py ? F.ny - 1 : -1)) : (j < F.ny - 1 ? j + 1 : (F.py ? 0 : -1));
            F.wy[p] = weight(inner_y(i, j, k), sF * F.ty[F.fy(i, low ? j : j + 1, k)], nb >= 0 ? inner_y(i, nb, k) : 0.0, nb >= 0);
          }
        }
    // coarse coefficients, one depth plane at a time
#pragma omp parallel for schedule(static) if (nF >= kParallel)
    for (int k = 0; k < F.nz; ++k) {
      for (int j = 0; j < F.ny; ++j)
        for (int i = 0; i < F.nx; ++i) {
          const size_t c = C.id(F.ix[i], F.iy[j], k);
          s0c[c] += s0[F.id(i, j, k)];
          C.otz[C.fz(F.ix[i], F.iy[j], k)] += sF * F.tz[F.fz(i, j, k)];
          if (k == F.nz - 1) C.otz[C.fz(F.ix[i], F.iy[j], k + 1)] += sF * F.tz[F.fz(i, j, k + 1)];
          if (adv) C.oaz[C.fz(F.ix[i], F.iy[j], k)] += sF * F.az[F.fz(i, j, k)];
        }
      // x faces of the coarse level: face I lies between coarse cells I-1 and I (wrap at 0 and nx)
      if (C.nx > 1)
        for (int j = 0; j < F.ny; ++j)
          for (int I = 0; I <= C.nx; ++I) {
            if ((I == 0 || I == C.nx) && !C.px) continue;
            const int first = (I % C.nx) * 2;            // first fine child of the right cell
            const int last = first > 0 ? first - 1 : F.nx - 1;  // last fine child of the left cell
            const double t = series(series(inner_x(last, j, k), sF * F.tx[F.fx(first == 0 ? 0 : first, j, k)]), inner_x(first, j, k));
            C.otx[C.fx(I, F.iy[j], k)] += t;
          }
      if (C.ny > 1)
        for (int J = 0; J <= C.ny; ++J) {
          if ((J == 0 || J == C.ny) && !C.py) continue;
          const int first = (J % C.ny) * 2;
          const int last = first > 0 ? first - 1 : F.ny - 1;
          for (int i = 0; i < F.nx; ++i) {
            const double t = series(series(inner_y(i, last, k), sF * F.ty[F.fy(i, first == 0 ? 0 : first, k)]), inner_y(i, first, k));
            C.oty[C.fy(F.ix[i], J, k)] += t;
          }
        }
      // the periodic wrap faces collapse onto a single coarse cell: no coupling
      if (F.px && C.nx == 1)
        for (int J = 0; J < C.ny; ++J) C.otx[C.fx(0, J, k)] = C.otx[C.fx(1, J, k)] = 0.0;
      if (F.py && C.ny == 1)
        for (int I = 0; I < C.nx; ++I) C.oty[C.fy(I, 0, k)] = C.oty[C.fy(I, 1, k)] = 0.0;
    }
    C.tx = C.otx.data();
    C.ty = C.oty.data();
    C.tz = C.otz.data();
    if (adv) {
      C.ax = C.oax.data();
      C.ay = C.oay.data();
      C.az = C.oaz.data();
    }
    C.dg.resize(nC);
    for (int k = 0; k < C.nz; ++k)
      for (int j = 0; j < C.ny; ++j)
        for (int i = 0; i < C.nx; ++i) {
          const size_t p = C.id(i, j, k);
          C.dg[p] = s0c[p] + C.tx[C.fx(i, j, k)] + C.tx[C.fx(i + 1, j, k)] + C.ty[C.fy(i, j, k)] + C.ty[C.fy(i, j + 1, k)] +
                    C.tz[C.fz(i, j, k)] + C.tz[C.fz(i, j, k + 1)] + (adv ? C.outflow(i, j, k) : 0.0);
        }
    C.x.assign(nC, 0.0);
    C.b.assign(nC, 0.0);
    return s0c;
  }

  double tol_;
  int maxit_;
  bool any_operator_;  // as a preconditioner: non-symmetric operators too
  const StencilOperator* op_ = nullptr;
  long version_ = -1;
  double cm_ = -1, ca_ = -1;
  size_t n_ = 0;
  double dres_ = 1.0;  // diagonal of the reservoir row
  bool reservoir_ = false;
  std::vector<Level> levels_;
  std::vector<std::vector<double>> scratch_;
  std::vector<double> r_, z_, p_;
};

}  // namespace

std::unique_ptr<LinearSolver> make_multigrid_cg_solver(double tol, int maxit) { return std::make_unique<MultigridCg>(tol, maxit); }

namespace {
class MultigridPreconditioner final : public Preconditioner {
 public:
  void setup(const StencilOperator& op, long version, double cm, double ca) override { mg_.setup(op, version, cm, ca); }
  void apply(const std::vector<double>& r, std::vector<double>& z) override { mg_.precondition(r, z); }

 private:
  MultigridCg mg_{0.0, 0, true};
};
}  // namespace

std::unique_ptr<Preconditioner> make_multigrid_preconditioner() { return std::make_unique<MultigridPreconditioner>(); }

}  // namespace dermasim
