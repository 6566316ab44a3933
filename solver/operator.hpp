// SPDX-License-Identifier: BSD-3-Clause
// The discrete transport operator of one species on the structured grid.
//
// Unknown: activity u = c / K per cell (c tissue concentration, K partition coefficient), plus one
// extra unknown at index n for a well-stirred boundary reservoir. With u, partition jumps between layers
// are exact and the system is symmetric positive definite:
//
//   M du/dt = -A u + b,   M = diag(V K),   (A u)_P = sum_f T_f (u_P - u_N) + V K k u_P + boundary terms
//
// T_f = area / (d_P/(D K)_P + d_N/(D K)_N) is the series-resistance (harmonic) transmissibility, exact
// for steady fluxes through a laminate. The operator is stored as per-face coefficients and applied
// matrix-free; assemble() gives an Eigen matrix for direct solvers.
#pragma once
#include <Eigen/Sparse>
#include <string>
#include <vector>

#include "grid.hpp"

namespace dermasim {

// A first-order loss channel (clearance to blood, to lymph, degradation): rate k per cell (1/s).
// An empty k is zero everywhere (a channel a species does not use costs no memory per cell): code
// that writes into k assigns it a rate per cell first.
struct LossChannel {
  std::string name;
  std::vector<double> k;
  bool zero() const { return k.empty(); }
  double at(size_t i) const { return k.empty() ? 0.0 : k[i]; }
};

// How the top boundary is connected while a reservoir is on it.
enum class TopMode { Closed, Reservoir /* finite, well-stirred */, Fixed /* fixed activity */ };

struct OperatorSpec {
  const Grid* grid = nullptr;
  std::vector<double> K;   // per cell
  std::vector<double> DK;  // per cell, D*K (m2/s)
  std::vector<LossChannel> losses;
  bool bottom_sink = false;
  TopMode top = TopMode::Closed;
  double reservoir_capacity = 1.0;  // reservoir volume * partition (m3, or m3/m2 in 1d): M of the reservoir unknown
  double fixed_activity = 0.0;    // u of a fixed-activity reservoir
  // Advection by a volumetric fluid flux through each face (m3/s, positive toward +x, +y, +z =
  // deeper), indexed like the face coefficients: x faces (k*ny + j)*(nx+1) + i, y faces
  // (k*(ny+1) + j)*nx + i, z faces (k*ny + j)*nx + i. Empty: no flow. Upwind, conservative: the
  // solute leaving a cell enters its neighbour. It makes the operator non-symmetric.
  std::vector<double> flux_x, flux_y, flux_z;
};

// An affine rate r(u) = sum w_i u_i + r0 (kg/s): a loss or gain counted in the mass balance.
struct RateFunctional {
  std::string name;
  std::vector<std::pair<size_t, double>> w;
  double r0 = 0.0;
  double eval(const std::vector<double>& u) const {
    double r = r0;
    for (const auto& [i, wi] : w) r += wi * u[i];
    return r;
  }
};

class StencilOperator {
 public:
  explicit StencilOperator(const OperatorSpec& spec);
  // Makes this the operator of `spec` (as constructing it would, to the bit), reusing the storage of
  // its arrays: for an operator remade every step (a solute the injected fluid carries), no
  // allocation and no page faults of fresh memory. Its users must treat it as a new operator. When
  // an advected operator's spec differs from the one it was built from in its flow and loss rates
  // only (the same medium: K, D K, top, bottom, the loss channels' names), the face coefficients are
  // kept and only the losses, the diagonal and the upwind couplings are remade.
  void rebuild(const OperatorSpec& spec);
  // How many rebuilds kept the face coefficients (the flow-only path above).
  long flow_rebuilds() const { return flow_rebuilds_; }

  size_t size() const { return n_ + 1; }  // cells + reservoir slot
  size_t cells() const { return n_; }
  const std::vector<double>& mass() const { return mass_; }
  // The constant source b per unknown: it is zero beyond its first source_prefix().size() entries
  // (a fixed-activity top feeds the top plane only, so one plane is stored, not the grid).
  const std::vector<double>& source_prefix() const { return b_; }
  // The whole vector (size() entries), built on first use; the time loop reads source_prefix().
  const std::vector<double>& source() const;
  // Diagonal of M*cm + A*ca (Jacobi preconditioner).
  void diagonal(double cm, double ca, std::vector<double>& d) const;
  // y = cm * M x + ca * A x
  void apply(double cm, double ca, const std::vector<double>& x, std::vector<double>& y) const;
  Eigen::SparseMatrix<double> assemble(double cm, double ca) const;

  // Outflows counted in the balance: each loss channel, "receptor" (bottom sink); and the
  // inflow "applied" from a fixed-activity reservoir (counted positive into the skin).
  const std::vector<RateFunctional>& outflows() const { return out_; }
  const RateFunctional* inflow() const { return has_in_ ? &in_ : nullptr; }
  bool has_reservoir_unknown() const { return top_ == TopMode::Reservoir; }
  bool symmetric() const { return !advection_; }
  // Each cell's upwind outflow (the advective part of its diagonal of A; all zero without advection).
  void upwind_outflow(std::vector<double>& out) const;
  // The largest ratio, over the cells, of the diffusive couplings (the sum of a cell's face
  // coefficients T, times ca) to the cell's mass term cm M: where it is small (the `mg` solver switches at 0.01) cm M + ca A is
  // dominated by its mass and diagonal (a short step), and a diagonal preconditioner serves.
  double diffusive_number(double cm, double ca) const;
  // Diffusive flux T_f (u_P - u_N) through every face (same indexing as OperatorSpec::flux_*): for the
  // excess-fluid field (u = the potential p = H phi, D K = k / mu) this is the Darcy volumetric flux.
  void face_fluxes(const std::vector<double>& u, std::vector<double>& fx, std::vector<double>& fy,
                   std::vector<double>& fz) const;
  // Net outflow of each cell (size() entries, the reservoir slot 0) for face fluxes indexed as above.
  void net_outflow(const std::vector<double>& fx, const std::vector<double>& fy, const std::vector<double>& fz,
                   std::vector<double>& out) const;

  // The stored coefficients, for solvers that work on the structured grid directly (the
  // multigrid preconditioner): face coefficients T_f indexed as OperatorSpec::flux_* (x faces
  // (k*ny + j)*(nx+1) + i, y faces (k*(ny+1) + j)*nx + i, z faces (k*ny + j)*nx + i; boundary faces
  // zero, periodic wrap faces at both ends), the diagonal of A, and per top cell the conductance
  // to the reservoir unknown (coupled only when has_reservoir_unknown()).
  const Grid& grid() const { return *g_; }
  const std::vector<double>& face_x() const { return tx_; }
  const std::vector<double>& face_y() const { return ty_; }
  const std::vector<double>& face_z() const { return tz_; }
  const std::vector<double>& diagonal_of_a() const { return diagA_; }
  const std::vector<double>& top_conductance() const { return ttop_; }
  // The advective face fluxes as given in the spec (empty without flow): a periodic wrap face is
  // stored at its high end only (x face nx, y face ny), the z faces 0 and nz are not used.
  const std::vector<double>& flux_x() const { return fx_; }
  const std::vector<double>& flux_y() const { return fy_; }
  const std::vector<double>& flux_z() const { return fz_; }

 private:
  const Grid* g_ = nullptr;
  size_t n_ = 0;
  TopMode top_ = TopMode::Closed;
  std::vector<double> mass_, diagA_, b_;
  mutable std::vector<double> b_full_;  // source() once asked for
  std::vector<double> tx_, ty_, tz_;  // face coefficients (interior and periodic faces)
  std::vector<double> ttop_;          // per top cell: conductance to the reservoir
  std::vector<RateFunctional> out_;
  RateFunctional in_;
  bool has_in_ = false;
  bool advection_ = false;
  std::vector<double> fx_, fy_, fz_;  // advective face fluxes (m3/s)
  // With advection, the off-diagonal coefficients by direction, indexed as tx_, ty_, tz_: what a
  // cell takes from its lower (-x, -y, shallower) neighbour, T + max(F, 0), and from its upper one,
  // T + max(-F, 0) (the upwind inflows folded into the couplings, so that apply is one parallel pass);
  // empty when the operator is symmetric (both are then T).
  std::vector<double> cx_lo_, cx_hi_, cy_lo_, cy_hi_, cz_lo_, cz_hi_;
  void fold_advection();
  void build(const OperatorSpec& spec);
  // The medium an advected operator was built from (kept for rebuild's check) and each cell's sum
  // of face coefficients (the part of the diagonal that the flow and the losses do not change).
  struct Medium {
    std::vector<double> K, DK, coupling_sum;
    std::vector<std::string> losses;
    bool bottom_sink = false;
    double reservoir_capacity = 0, fixed_activity = 0;
  } medium_;
  long flow_rebuilds_ = 0;
  bool same_medium(const OperatorSpec& spec) const;
  void rebuild_flow(const OperatorSpec& spec);
  // The losses' part of the diagonal and their rate functionals (the first ones of out_), from spec.
  void add_losses(const OperatorSpec& spec);
  // The upwind outflows on the diagonal and the folded couplings, from the fluxes in spec.
  void add_flow(const OperatorSpec& spec);
  // Calls f(p, q, F) for every face with flux F from cell p to cell q (each face once).
  template <class Fn>
  void for_each_flux_face(Fn&& f) const;
  template <class Fn>
  void for_each_face(const std::vector<double>& fx, const std::vector<double>& fy, const std::vector<double>& fz, Fn&& f) const;
};

}  // namespace dermasim
