// SPDX-License-Identifier: BSD-3-Clause
#include "operator.hpp"

#include <omp.h>

#include <stdexcept>

namespace dermasim {

namespace {
// Below this, threads cost more than they save: measured in bench/ (docs/performance.md), small
// parallel regions are slow on a loaded machine under OpenMP's default spin-waiting.
constexpr size_t kParallelCells = 200000;

// A spec's loss channels hold one rate per cell or none (zero everywhere); checked before an
// operator changes.
void check_losses(const OperatorSpec& s, size_t cells) {
  for (const auto& L : s.losses)
    if (!L.k.empty() && L.k.size() != cells) throw std::invalid_argument("operator: loss channel '" + L.name + "' has neither one rate per cell nor none");
}

// Series resistance of two half cells.
inline double series(double area, double dP, double dkP, double dN, double dkN) {
  return area / (dP / dkP + dN / dkN);
}
}  // namespace

StencilOperator::StencilOperator(const OperatorSpec& s) { build(s); }

void StencilOperator::rebuild(const OperatorSpec& s) {
  if (same_medium(s)) rebuild_flow(s);
  else build(s);
}

bool StencilOperator::same_medium(const OperatorSpec& s) const {
  if (!advection_ || medium_.coupling_sum.size() != n_ + 1) return false;  // kept only by an advected build
  if (s.grid != g_ || s.top != top_ || s.bottom_sink != medium_.bottom_sink || s.reservoir_capacity != medium_.reservoir_capacity ||
      s.fixed_activity != medium_.fixed_activity)
    return false;
  if (s.flux_x.empty() && s.flux_y.empty() && s.flux_z.empty()) return false;
  if (s.losses.size() != medium_.losses.size()) return false;
  for (size_t l = 0; l < s.losses.size(); ++l)
    if (s.losses[l].name != medium_.losses[l]) return false;
  return s.K == medium_.K && s.DK == medium_.DK;
}

// The operator of a spec that differs from the built one in its losses and fluxes only: every
// number as build() computes it, in the same order (the diagonal adds the losses, the face
// coefficients' sum, the bottom sink, the top, then the upwind outflows), so the result is the same
// to the bit.
void StencilOperator::rebuild_flow(const OperatorSpec& s) {
  check_losses(s, n_);
  for (auto* v : {&fx_, &fy_, &fz_, &cx_lo_, &cx_hi_, &cy_lo_, &cy_hi_, &cz_lo_, &cz_hi_}) v->clear();
  std::fill(diagA_.begin(), diagA_.begin() + static_cast<long>(n_), 0.0);  // (the reservoir slot is kept)
  add_losses(s);
  const Grid& g = *g_;
  const size_t plane = static_cast<size_t>(g.nx) * g.ny;
  for (size_t p = 0; p < n_; ++p) diagA_[p] += medium_.coupling_sum[p];
  if (s.bottom_sink) {
    const int k = g.nz - 1;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t p = g.index(i, j, k);
        diagA_[p] += g.gx[i] * g.gy[j] / (0.5 * g.dz[k] / s.DK[p]);
      }
  }
  if (s.top != TopMode::Closed)
    for (size_t p = 0; p < plane; ++p) diagA_[p] += ttop_[p];
  add_flow(s);
  ++flow_rebuilds_;
}

void StencilOperator::add_losses(const OperatorSpec& s) {
  for (size_t p = 0; p < n_; ++p)
    for (const auto& L : s.losses)
      if (!L.k.empty()) diagA_[p] += mass_[p] * L.k[p];
  if (out_.size() < s.losses.size()) out_.resize(s.losses.size());
  for (size_t l = 0; l < s.losses.size(); ++l) {
    const LossChannel& L = s.losses[l];
    RateFunctional& r = out_[l];
    r.name = L.name;
    r.w.clear();
    r.r0 = 0.0;
    for (size_t p = 0; p < L.k.size(); ++p)
      if (L.k[p] != 0.0) r.w.emplace_back(p, mass_[p] * L.k[p]);
  }
}

void StencilOperator::add_flow(const OperatorSpec& s) {
  advection_ = true;
  fx_ = s.flux_x;
  fy_ = s.flux_y;
  fz_ = s.flux_z;
  // upwind: a cell loses F+ u_P through each face where fluid leaves it
  for_each_flux_face([&](size_t p, size_t q, double F) {
    if (F > 0) diagA_[p] += F;
    else diagA_[q] -= F;
  });
  fold_advection();
}

void StencilOperator::build(const OperatorSpec& s) {
  // checked before anything changes: a rebuild that throws leaves the operator as it was
  const size_t cells = s.grid->cells();
  if (s.K.size() != cells || s.DK.size() != cells) throw std::invalid_argument("operator: property size mismatch");
  check_losses(s, cells);
  g_ = s.grid;
  n_ = cells;
  top_ = s.top;
  // (a rebuild starts from a blank operator, keeping the arrays' storage)
  b_.clear();
  b_full_.clear();
  in_.name.clear();
  in_.w.clear();
  in_.r0 = 0.0;
  has_in_ = false;
  advection_ = false;
  for (auto* v : {&fx_, &fy_, &fz_, &cx_lo_, &cx_hi_, &cy_lo_, &cy_hi_, &cz_lo_, &cz_hi_}) v->clear();
  size_t rates = 0;  // the rate functionals filled so far (their storage reused in order)
  auto next_rate = [&](const std::string& name) -> RateFunctional& {
    if (rates == out_.size()) out_.emplace_back();
    RateFunctional& r = out_[rates++];
    r.name = name;
    r.w.clear();
    r.r0 = 0.0;
    return r;
  };
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  mass_.assign(n_ + 1, 0.0);
  diagA_.assign(n_ + 1, 0.0);
  tx_.assign(static_cast<size_t>(nx + 1) * ny * nz, 0.0);
  ty_.assign(static_cast<size_t>(nx) * (ny + 1) * nz, 0.0);
  tz_.assign(static_cast<size_t>(nx) * ny * (nz + 1), 0.0);
  ttop_.assign(static_cast<size_t>(nx) * ny, 0.0);

  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        mass_[p] = g.volume(i, j, k) * s.K[p];
      }
  add_losses(s);  // the diagonal starts with the losses (rebuild_flow keeps this order)
  rates = s.losses.size();
  const bool flow = !s.flux_x.empty() || !s.flux_y.empty() || !s.flux_z.empty();
  if (flow) medium_.coupling_sum.assign(n_ + 1, 0.0);
  else std::vector<double>().swap(medium_.coupling_sum);
  // x faces
  if (nx > 1) {
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j) {
        for (int i = 1; i < nx; ++i) {
          const size_t p = g.index(i - 1, j, k), q = g.index(i, j, k);
          const double area = g.ax[i] * g.gy[j] * g.dz[k];
          tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i] =
              series(area, 0.5 * g.dx[i - 1], s.DK[p], 0.5 * g.dx[i], s.DK[q]);
        }
        if (g.periodic_x) {
          const size_t p = g.index(nx - 1, j, k), q = g.index(0, j, k);
          const double area = g.ax[0] * g.gy[j] * g.dz[k];
          const double t = series(area, 0.5 * g.dx[nx - 1], s.DK[p], 0.5 * g.dx[0], s.DK[q]);
          tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + 0] = t;
          tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + nx] = t;
        }
      }
  }
  if (ny > 1) {
    for (int k = 0; k < nz; ++k)
      for (int i = 0; i < nx; ++i) {
        for (int j = 1; j < ny; ++j) {
          const size_t p = g.index(i, j - 1, k), q = g.index(i, j, k);
          const double area = g.gx[i] * g.dz[k];
          ty_[(static_cast<size_t>(k) * (ny + 1) + j) * nx + i] =
              series(area, 0.5 * g.dy[j - 1], s.DK[p], 0.5 * g.dy[j], s.DK[q]);
        }
        if (g.periodic_y) {
          const size_t p = g.index(i, ny - 1, k), q = g.index(i, 0, k);
          const double t = series(g.gx[i] * g.dz[k], 0.5 * g.dy[ny - 1], s.DK[p], 0.5 * g.dy[0], s.DK[q]);
          ty_[(static_cast<size_t>(k) * (ny + 1) + 0) * nx + i] = t;
          ty_[(static_cast<size_t>(k) * (ny + 1) + ny) * nx + i] = t;
        }
      }
  }
  for (int k = 1; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k - 1), q = g.index(i, j, k);
        tz_[(static_cast<size_t>(k) * ny + j) * nx + i] =
            series(g.gx[i] * g.gy[j], 0.5 * g.dz[k - 1], s.DK[p], 0.5 * g.dz[k], s.DK[q]);
      }
  // diagonal: sum of neighbour couplings
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        double d = 0;
        if (nx > 1) d += tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i] + tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i + 1];
        if (ny > 1) d += ty_[(static_cast<size_t>(k) * (ny + 1) + j) * nx + i] + ty_[(static_cast<size_t>(k) * (ny + 1) + j + 1) * nx + i];
        d += tz_[(static_cast<size_t>(k) * ny + j) * nx + i] + tz_[(static_cast<size_t>(k + 1) * ny + j) * nx + i];
        diagA_[p] += d;
        if (flow) medium_.coupling_sum[p] = d;
      }
  // bottom sink: Dirichlet u = 0 through the lower half cell
  if (s.bottom_sink) {
    RateFunctional& r = next_rate("receptor");
    const int k = nz - 1;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        const double t = g.gx[i] * g.gy[j] / (0.5 * g.dz[k] / s.DK[p]);
        diagA_[p] += t;
        r.w.emplace_back(p, t);
      }
  }
  out_.resize(rates);
  // top: reservoir coupling through the upper half cell (well-stirred reservoir, no film resistance)
  if (s.top != TopMode::Closed) {
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, 0);
        const double t = g.gx[i] * g.gy[j] / (0.5 * g.dz[0] / s.DK[p]);
        ttop_[static_cast<size_t>(j) * nx + i] = t;
        diagA_[p] += t;
      }
  }
  if (s.top == TopMode::Reservoir) {
    mass_[n_] = s.reservoir_capacity;
    double sum = 0;
    for (double t : ttop_) sum += t;
    diagA_[n_] = sum;
  } else {
    mass_[n_] = 1.0;  // inactive slot: decoupled, stays at its value (kept at zero)
    diagA_[n_] = 0.0;
  }
  if (flow) {
    add_flow(s);
    // what rebuild() compares a later spec with
    medium_.K = s.K;
    medium_.DK = s.DK;
    medium_.losses.clear();
    for (const auto& L : s.losses) medium_.losses.push_back(L.name);
    medium_.bottom_sink = s.bottom_sink;
    medium_.reservoir_capacity = s.reservoir_capacity;
    medium_.fixed_activity = s.fixed_activity;
  } else {
    for (auto* v : {&medium_.K, &medium_.DK}) std::vector<double>().swap(*v);
  }
  if (s.top == TopMode::Fixed) {
    b_.assign(static_cast<size_t>(nx) * ny, 0.0);  // the top plane (cells p = g.index(i, j, 0) < nx ny)
    has_in_ = true;
    in_.name = "applied";
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, 0);
        const double t = ttop_[static_cast<size_t>(j) * nx + i];
        b_[p] += t * s.fixed_activity;
        in_.w.emplace_back(p, -t);
        in_.r0 += t * s.fixed_activity;
      }
  }
}

double StencilOperator::diffusive_number(double cm, double ca) const {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  const size_t plane = static_cast<size_t>(nx) * ny;
  double worst = 0;
#pragma omp parallel for collapse(2) reduction(max : worst) schedule(static) if (n_ >= kParallelCells)
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j) {
      const size_t row = (static_cast<size_t>(k) * ny + j) * nx;
      const double* txr = tx_.data() + (static_cast<size_t>(k) * ny + j) * (nx + 1);
      const double* tyl = ty_.data() + (static_cast<size_t>(k) * (ny + 1) + j) * nx;
      const double* tzl = tz_.data() + static_cast<size_t>(k) * plane + static_cast<size_t>(j) * nx;
      for (int i = 0; i < nx; ++i) {
        const double t = txr[i] + txr[i + 1] + tyl[i] + tyl[i + nx] + tzl[i] + tzl[i + plane];
        const double m = cm * mass_[row + i];
        worst = std::max(worst, m > 0 ? ca * t / m : HUGE_VAL);
      }
    }
  return worst;
}

void StencilOperator::upwind_outflow(std::vector<double>& out) const {
  out.assign(n_, 0.0);
  for_each_flux_face([&](size_t p, size_t q, double F) {
    if (F > 0) out[p] += F;
    else out[q] -= F;
  });
}

const std::vector<double>& StencilOperator::source() const {
  if (b_full_.size() != n_ + 1) {
    b_full_.assign(n_ + 1, 0.0);
    std::copy(b_.begin(), b_.end(), b_full_.begin());
  }
  return b_full_;
}

void StencilOperator::fold_advection() {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  // A face's flux F > 0 carries from its lower cell into its upper one: the upper cell's coefficient
  // on its lower neighbour (read through this face as the upper cell's low face) gains F; F < 0 the
  // other way. A periodic wrap face's flux is stored at its high end only, but apply reads the wrap
  // coupling at both ends: the low end (face 0) is the wrap face seen from cell 0. Each folded
  // coefficient is T plus at most one flux term: each array is written in parallel, T first, then
  // the faces with flow.
  const bool par = n_ >= kParallelCells;
  auto fold = [par](const std::vector<double>& T, std::vector<double>& lo, std::vector<double>& hi) {
    lo.resize(T.size());
    hi.resize(T.size());
    const long m = static_cast<long>(T.size());
#pragma omp parallel for schedule(static) if (par)
    for (long f = 0; f < m; ++f) lo[f] = hi[f] = T[f];
  };
  fold(tx_, cx_lo_, cx_hi_);
  fold(ty_, cy_lo_, cy_hi_);
  fold(tz_, cz_lo_, cz_hi_);
  if (!fx_.empty() && nx > 1) {
    const bool wrap = g.periodic_x;
#pragma omp parallel for collapse(2) schedule(static) if (par)
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j) {
        const size_t r = (static_cast<size_t>(k) * ny + j) * (nx + 1);
        for (int i = 1; i <= nx; ++i) {
          if (i == nx && !wrap) continue;
          const double F = fx_[r + i];
          const size_t lo_end = i == nx ? r : r + i;  // where the upper cell reads this face
          cx_lo_[lo_end] = tx_[lo_end] + std::max(F, 0.0);
          cx_hi_[r + i] = tx_[r + i] + std::max(-F, 0.0);
        }
      }
  }
  if (!fy_.empty() && ny > 1) {
    const bool wrap = g.periodic_y;
#pragma omp parallel for schedule(static) if (par)
    for (int k = 0; k < nz; ++k)
      for (int j = 1; j <= ny; ++j) {
        if (j == ny && !wrap) continue;
        const size_t r = (static_cast<size_t>(k) * (ny + 1) + j) * nx;
        const size_t r_lo = j == ny ? static_cast<size_t>(k) * (ny + 1) * nx : r;
        for (int i = 0; i < nx; ++i) {
          const double F = fy_[r + i];
          cy_lo_[r_lo + i] = ty_[r_lo + i] + std::max(F, 0.0);
          cy_hi_[r + i] = ty_[r + i] + std::max(-F, 0.0);
        }
      }
  }
  if (!fz_.empty()) {
    const long first = static_cast<long>(nx) * ny, last = static_cast<long>(nx) * ny * nz;  // the interior z faces
#pragma omp parallel for schedule(static) if (par)
    for (long f = first; f < last; ++f) {
      cz_lo_[f] = tz_[f] + std::max(fz_[f], 0.0);
      cz_hi_[f] = tz_[f] + std::max(-fz_[f], 0.0);
    }
  }
}

template <class Fn>
void StencilOperator::for_each_face(const std::vector<double>& fx, const std::vector<double>& fy,
                                    const std::vector<double>& fz, Fn&& f) const {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  if (!fx.empty() && nx > 1)
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j)
        for (int i = 1; i <= nx; ++i) {
          if (i == nx && !g.periodic_x) continue;
          const double F = fx[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i];
          if (F != 0.0) f(g.index(i - 1, j, k), g.index(i % nx, j, k), F);
        }
  if (!fy.empty() && ny > 1)
    for (int k = 0; k < nz; ++k)
      for (int j = 1; j <= ny; ++j) {
        if (j == ny && !g.periodic_y) continue;
        for (int i = 0; i < nx; ++i) {
          const double F = fy[(static_cast<size_t>(k) * (ny + 1) + j) * nx + i];
          if (F != 0.0) f(g.index(i, j - 1, k), g.index(i, j % ny, k), F);
        }
      }
  if (!fz.empty())
    for (int k = 1; k < nz; ++k)
      for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
          const double F = fz[(static_cast<size_t>(k) * ny + j) * nx + i];
          if (F != 0.0) f(g.index(i, j, k - 1), g.index(i, j, k), F);
        }
}

template <class Fn>
void StencilOperator::for_each_flux_face(Fn&& f) const {
  for_each_face(fx_, fy_, fz_, f);
}

void StencilOperator::net_outflow(const std::vector<double>& fx, const std::vector<double>& fy, const std::vector<double>& fz,
                                  std::vector<double>& out) const {
  out.assign(n_ + 1, 0.0);
  for_each_face(fx, fy, fz, [&](size_t p, size_t q, double F) {
    out[p] += F;
    out[q] -= F;
  });
}

void StencilOperator::face_fluxes(const std::vector<double>& u, std::vector<double>& fx, std::vector<double>& fy,
                                  std::vector<double>& fz) const {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  fx.assign(tx_.size(), 0.0);
  fy.assign(ty_.size(), 0.0);
  fz.assign(tz_.size(), 0.0);
  // face i of x lies between cells i-1 and i (face nx wraps to cell 0 when periodic); likewise y, z
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 1; i <= nx && nx > 1; ++i) {
        if (i == nx && !g.periodic_x) continue;
        const size_t f = (static_cast<size_t>(k) * ny + j) * (nx + 1) + i;
        fx[f] = tx_[f] * (u[g.index(i - 1, j, k)] - u[g.index(i % nx, j, k)]);
      }
  for (int k = 0; k < nz; ++k)
    for (int j = 1; j <= ny && ny > 1; ++j) {
      if (j == ny && !g.periodic_y) continue;
      for (int i = 0; i < nx; ++i) {
        const size_t f = (static_cast<size_t>(k) * (ny + 1) + j) * nx + i;
        fy[f] = ty_[f] * (u[g.index(i, j - 1, k)] - u[g.index(i, j % ny, k)]);
      }
    }
  for (int k = 1; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t f = (static_cast<size_t>(k) * ny + j) * nx + i;
        fz[f] = tz_[f] * (u[g.index(i, j, k - 1)] - u[g.index(i, j, k)]);
      }
}

void StencilOperator::diagonal(double cm, double ca, std::vector<double>& d) const {
  d.resize(n_ + 1);
  for (size_t p = 0; p <= n_; ++p) d[p] = cm * mass_[p] + ca * diagA_[p];
}

void StencilOperator::apply(double cm, double ca, const std::vector<double>& x, std::vector<double>& y) const {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  y.resize(n_ + 1);
  const double* X = x.data();
  double* Y = y.data();
  // the couplings by direction: with advection the folded ones (a cell reads its lower neighbours
  // through the *_lo arrays, its upper ones through *_hi), else the symmetric T for both
  const bool adv = advection_;
  const double* XL = adv ? cx_lo_.data() : tx_.data();
  const double* XH = adv ? cx_hi_.data() : tx_.data();
  const double* YL = adv ? cy_lo_.data() : ty_.data();
  const double* YH = adv ? cy_hi_.data() : ty_.data();
  const double* ZL = adv ? cz_lo_.data() : tz_.data();
  const double* ZH = adv ? cz_hi_.data() : tz_.data();
  const double* MM = mass_.data();
  const double* DA = diagA_.data();
  const size_t plane = static_cast<size_t>(nx) * ny;
  // One (k, j) row per iteration; the two end cells of a row (x wrap) are done apart so that the
  // interior loop has no branches and vectorises. With nx == 1 or ny == 1 the x or y face
  // coefficients are all zero and the neighbour index wraps onto the cell itself, so the terms add
  // exactly zero; the summation order is the same in every branch (z, then x, then y).
#pragma omp parallel for collapse(2) schedule(static) if (n_ >= kParallelCells)
  for (int k = 0; k < nz; ++k) {
    for (int j = 0; j < ny; ++j) {
      const size_t row = (static_cast<size_t>(k) * ny + j) * nx;
      const size_t xrow = (static_cast<size_t>(k) * ny + j) * (nx + 1);
      const double* xl = XL + xrow;  // face i: the cell's -x face; face i + 1 its +x face
      const double* xh = XH + xrow;
      const size_t yrow = (static_cast<size_t>(k) * (ny + 1) + j) * nx;
      const double* yl = YL + yrow;       // the cell's -y face
      const double* yh = YH + yrow + nx;  // its +y face
      const size_t zrow = static_cast<size_t>(k) * plane + static_cast<size_t>(j) * nx;
      const double* zl = ZL + zrow;          // the face above the cell
      const double* zh = ZH + zrow + plane;  // the face below
      const size_t rowS = (j > 0) ? row - nx : row + static_cast<size_t>(ny - 1) * nx;  // y wrap
      const size_t rowN = (j < ny - 1) ? row + nx : row - static_cast<size_t>(ny - 1) * nx;
      const size_t rowU = (k > 0) ? row - plane : row;
      const size_t rowD = (k < nz - 1) ? row + plane : row;
      const double* xc = X + row;
      const double* xu = X + rowU;
      const double* xd = X + rowD;
      const double* xs = X + rowS;
      const double* xn = X + rowN;
      const double* mm = MM + row;
      const double* da = DA + row;
      double* yr = Y + row;
      auto cell = [&](int i, double xw, double xe) {
        double off = zl[i] * xu[i] + zh[i] * xd[i];
        off += xl[i] * xw + xh[i + 1] * xe;
        off += yl[i] * xs[i] + yh[i] * xn[i];
        yr[i] = (cm * mm[i] + ca * da[i]) * xc[i] - ca * off;
      };
      if (nx == 1) {
        cell(0, xc[0], xc[0]);
        continue;
      }
      cell(0, xc[nx - 1], xc[1]);
#pragma omp simd
      for (int i = 1; i < nx - 1; ++i) {
        double off = zl[i] * xu[i] + zh[i] * xd[i];
        off += xl[i] * xc[i - 1] + xh[i + 1] * xc[i + 1];
        off += yl[i] * xs[i] + yh[i] * xn[i];
        yr[i] = (cm * mm[i] + ca * da[i]) * xc[i] - ca * off;
      }
      cell(nx - 1, xc[nx - 2], xc[0]);
    }
  }
  // reservoir coupling
  double yv = (cm * MM[n_] + ca * DA[n_]) * X[n_];
  if (top_ == TopMode::Reservoir) {
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, 0);
        const double t = ttop_[static_cast<size_t>(j) * nx + i];
        Y[p] -= ca * t * X[n_];
        yv -= ca * t * X[p];
      }
  }
  Y[n_] = yv;
}

Eigen::SparseMatrix<double> StencilOperator::assemble(double cm, double ca) const {
  const Grid& g = *g_;
  const int nx = g.nx, ny = g.ny, nz = g.nz;
  std::vector<Eigen::Triplet<double>> t;
  t.reserve((n_ + 1) * 7);
  auto add_pair = [&](size_t p, size_t q, double c) {
    if (c == 0.0 || p == q) return;
    t.emplace_back(static_cast<int>(p), static_cast<int>(q), -ca * c);
  };
  for (size_t p = 0; p <= n_; ++p) t.emplace_back(static_cast<int>(p), static_cast<int>(p), cm * mass_[p] + ca * diagA_[p]);
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, k);
        if (nx > 1) {
          // face to the east (i+1/2); periodic wrap at i = nx-1
          const double c = tx_[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i + 1];
          if (i < nx - 1 || g.periodic_x) {
            const size_t q = g.index((i + 1) % nx, j, k);
            add_pair(p, q, c);
            add_pair(q, p, c);
          }
        }
        if (ny > 1) {
          const double c = ty_[(static_cast<size_t>(k) * (ny + 1) + j + 1) * nx + i];
          if (j < ny - 1 || g.periodic_y) {
            const size_t q = g.index(i, (j + 1) % ny, k);
            add_pair(p, q, c);
            add_pair(q, p, c);
          }
        }
        if (k < nz - 1) {
          const double c = tz_[(static_cast<size_t>(k + 1) * ny + j) * nx + i];
          const size_t q = g.index(i, j, k + 1);
          add_pair(p, q, c);
          add_pair(q, p, c);
        }
      }
  if (top_ == TopMode::Reservoir) {
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const size_t p = g.index(i, j, 0);
        const double c = ttop_[static_cast<size_t>(j) * nx + i];
        add_pair(p, n_, c);
        add_pair(n_, p, c);
      }
  }
  if (advection_) {
    for_each_flux_face([&](size_t p, size_t q, double F) {
      if (F > 0) t.emplace_back(static_cast<int>(q), static_cast<int>(p), -ca * F);
      else t.emplace_back(static_cast<int>(p), static_cast<int>(q), ca * F);
    });
  }
  Eigen::SparseMatrix<double> S(static_cast<int>(n_ + 1), static_cast<int>(n_ + 1));
  S.setFromTriplets(t.begin(), t.end());
  return S;
}

}  // namespace dermasim
