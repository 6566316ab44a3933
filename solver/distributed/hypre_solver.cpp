// SPDX-License-Identifier: BSD-3-Clause
// The distributed solves (hypre_solver.hpp): rank 0 sends each rank its block, hypre solves on all.
#include "hypre_solver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <map>
#include <vector>

#define OMPI_SKIP_MPICXX 1  // the C API only
#include <mpi.h>

#include <HYPRE.h>
#include <HYPRE_struct_ls.h>
#include <HYPRE_utilities.h>

namespace dermasim::distributed {

namespace {

// Commands from rank 0 (broadcast as a header of kHeader ints).
enum Command : int { kSetup = 1, kSolve = 2, kFree = 3, kStop = 4 };
constexpr int kHeader = 8;
constexpr int kTagCoef = 701, kTagRhs = 702, kTagX = 703;
constexpr int kEntries = 7;  // centre, -x, +x, -y, +y, -z, +z
bool g_stopped = false;

int comm_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int comm_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// Rank 0: a command to every rank (non-blocking, as the other ranks wait for it in serve()).
void send_header(int* h) {
  MPI_Request req;
  MPI_Ibcast(h, kHeader, MPI_INT, 0, MPI_COMM_WORLD, &req);
  MPI_Wait(&req, MPI_STATUS_IGNORE);
}

// One operator on this rank: its block of the grid, the matrix, the vectors and the solver.
struct Part {
  Layout L;
  Layout::Block B{};
  double tol = 1e-12;
  int maxit = 1000;
  HYPRE_StructGrid grid = nullptr;
  HYPRE_StructStencil stencil = nullptr;
  HYPRE_StructMatrix A = nullptr;
  HYPRE_StructVector b = nullptr, x = nullptr;
  HYPRE_StructSolver pcg = nullptr, pfmg = nullptr;
  HYPRE_Int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};

  Part() = default;
  Part(const Part&) = delete;
  Part& operator=(const Part&) = delete;
  ~Part() { release(); }

  void release() {
    if (pcg) HYPRE_StructPCGDestroy(pcg);
    if (pfmg) HYPRE_StructPFMGDestroy(pfmg);
    if (A) HYPRE_StructMatrixDestroy(A);
    if (b) HYPRE_StructVectorDestroy(b);
    if (x) HYPRE_StructVectorDestroy(x);
    if (stencil) HYPRE_StructStencilDestroy(stencil);
    if (grid) HYPRE_StructGridDestroy(grid);
    pcg = pfmg = nullptr;
    A = nullptr;
    b = x = nullptr;
    stencil = nullptr;
    grid = nullptr;
  }

  size_t cells() const { return B.cells(L.nz); }

  // Collective: the matrix from this rank's coefficients (kEntries per cell, entries fastest, then
  // x, y, depth), the solver set up.
  void build(const Layout& layout, double tolerance, int max_iterations, std::vector<double>& coef) {
    release();
    L = layout;
    tol = tolerance;
    maxit = max_iterations;
    B = L.block(comm_rank());
    lo[0] = B.i0, lo[1] = B.j0, lo[2] = 0;
    hi[0] = B.i1 - 1, hi[1] = B.j1 - 1, hi[2] = L.nz - 1;
    HYPRE_StructGridCreate(MPI_COMM_WORLD, 3, &grid);
    HYPRE_StructGridSetExtents(grid, lo, hi);
    HYPRE_StructGridAssemble(grid);
    HYPRE_StructStencilCreate(3, kEntries, &stencil);
    const HYPRE_Int off[kEntries][3] = {{0, 0, 0}, {-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    for (HYPRE_Int e = 0; e < kEntries; ++e) HYPRE_StructStencilSetElement(stencil, e, const_cast<HYPRE_Int*>(off[e]));
    HYPRE_StructMatrixCreate(MPI_COMM_WORLD, grid, stencil, &A);
    // symmetric storage: hypre keeps the centre and one of each pair of opposite entries (the
    // values given for the other are ignored); 4 of the 7 coefficients per cell on every level
    HYPRE_StructMatrixSetSymmetric(A, 1);
    HYPRE_StructMatrixInitialize(A);
    HYPRE_Int entries[kEntries];
    for (HYPRE_Int e = 0; e < kEntries; ++e) entries[e] = e;
    HYPRE_StructMatrixSetBoxValues(A, lo, hi, kEntries, entries, coef.data());
    HYPRE_StructMatrixAssemble(A);
    std::vector<double>().swap(coef);
    HYPRE_StructVectorCreate(MPI_COMM_WORLD, grid, &b);
    HYPRE_StructVectorInitialize(b);
    HYPRE_StructVectorAssemble(b);
    HYPRE_StructVectorCreate(MPI_COMM_WORLD, grid, &x);
    HYPRE_StructVectorInitialize(x);
    HYPRE_StructVectorAssemble(x);
    HYPRE_StructPCGCreate(MPI_COMM_WORLD, &pcg);
    HYPRE_StructPCGSetTol(pcg, tol);
    HYPRE_StructPCGSetMaxIter(pcg, maxit);
    HYPRE_StructPCGSetTwoNorm(pcg, 1);  // ||b - A x|| <= tol ||b||, as the one-rank solvers
    HYPRE_StructPCGSetRelChange(pcg, 0);
    HYPRE_StructPCGSetPrintLevel(pcg, 0);
    HYPRE_StructPCGSetLogging(pcg, 1);
    HYPRE_StructPFMGCreate(MPI_COMM_WORLD, &pfmg);
    HYPRE_StructPFMGSetMaxIter(pfmg, 1);
    HYPRE_StructPFMGSetTol(pfmg, 0.0);
    HYPRE_StructPFMGSetZeroGuess(pfmg);
    HYPRE_StructPFMGSetRelaxType(pfmg, 2);  // symmetric red-black Gauss-Seidel: a symmetric preconditioner
    HYPRE_StructPFMGSetNumPreRelax(pfmg, 1);
    HYPRE_StructPFMGSetNumPostRelax(pfmg, 1);
    HYPRE_StructPFMGSetSkipRelax(pfmg, 0);
    HYPRE_StructPCGSetPrecond(pcg, HYPRE_StructPFMGSolve, HYPRE_StructPFMGSetup, pfmg);
    HYPRE_StructPCGSetup(pcg, A, b, x);
  }

  // Collective: solves with this rank's right-hand side and initial guess (`rx`: cells() values of
  // each, one after the other); x returned in the first cells() values of rx.
  void solve(std::vector<double>& rx, HYPRE_Int& iterations, double& residual) {
    const size_t n = cells();
    HYPRE_StructVectorSetBoxValues(b, lo, hi, rx.data());
    HYPRE_StructVectorSetBoxValues(x, lo, hi, rx.data() + n);
    HYPRE_StructVectorAssemble(b);
    HYPRE_StructVectorAssemble(x);
    HYPRE_StructPCGSolve(pcg, A, b, x);
    HYPRE_ClearAllErrors();  // not converged: judged from the residual by rank 0
    HYPRE_StructPCGGetNumIterations(pcg, &iterations);
    HYPRE_Real r = 0;
    HYPRE_StructPCGGetFinalRelativeResidualNorm(pcg, &r);
    residual = r;
    HYPRE_StructVectorGetBoxValues(x, lo, hi, rx.data());
  }
};

// Copies the block `B` of a whole-grid array (x fastest, then y, then depth) into `out` (or back).
template <class Fn>
void for_block(const Layout& L, const Layout::Block& B, Fn&& f) {
  size_t q = 0;
  for (int k = 0; k < L.nz; ++k)
    for (int j = B.j0; j < B.j1; ++j)
      for (int i = B.i0; i < B.i1; ++i, ++q) f(static_cast<size_t>(i) + static_cast<size_t>(L.nx) * (j + static_cast<size_t>(L.ny) * k), q);
}

class HypreSolver : public LinearSolver {
 public:
  HypreSolver(double tol, int maxit) : tol_(tol), maxit_(maxit), id_(next_id_++) {}
  ~HypreSolver() override {
    if (built_ && !g_stopped) {
      int h[kHeader] = {kFree, id_};
      send_header(h);
    }
  }

  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (&op == op_ && version == version_ && cm == cm_ && ca == ca_) return;
    if (!op.symmetric()) throw std::invalid_argument("the distributed solver needs a symmetric operator");
    const Grid& g = op.grid();
    if (!planned_) {
      const std::string why = plan_layout(g, comm_size(), L_);
      if (!why.empty()) throw std::invalid_argument(why);
      planned_ = true;
    }
    op_ = &op;
    version_ = version;
    cm_ = cm;
    ca_ = ca;
    op.diagonal(cm, ca, dg_);
    const auto &tx = op.face_x(), &ty = op.face_y(), &tz = op.face_z();
    const int nx = g.nx, ny = g.ny;
    auto fill = [&](const Layout::Block& B, std::vector<double>& c) {
      c.resize(B.cells(L_.nz) * kEntries);
      for_block(L_, B, [&](size_t p, size_t q) {
        const int i = static_cast<int>(p % nx), j = static_cast<int>((p / nx) % ny), k = static_cast<int>(p / (static_cast<size_t>(nx) * ny));
        double* e = &c[q * kEntries];
        e[0] = dg_[p];
        e[1] = -ca * tx[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i];
        e[2] = -ca * tx[(static_cast<size_t>(k) * ny + j) * (nx + 1) + i + 1];
        e[3] = -ca * ty[(static_cast<size_t>(k) * (ny + 1) + j) * nx + i];
        e[4] = -ca * ty[(static_cast<size_t>(k) * (ny + 1) + j + 1) * nx + i];
        e[5] = -ca * tz[(static_cast<size_t>(k) * ny + j) * nx + i];
        e[6] = -ca * tz[(static_cast<size_t>(k + 1) * ny + j) * nx + i];
        // boundary faces are zero in the operator; hypre wants no coupling out of the grid
        if (i == 0) e[1] = 0;
        if (i == nx - 1) e[2] = 0;
        if (j == 0) e[3] = 0;
        if (j == ny - 1) e[4] = 0;
      });
    };
    int h[kHeader] = {kSetup, id_, L_.nx, L_.ny, L_.nz, L_.px, L_.py, maxit_};
    send_header(h);
    MPI_Bcast(&tol_, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    std::vector<double> c;
    for (int r = 1; r < comm_size(); ++r) {
      fill(L_.block(r), c);
      MPI_Send(c.data(), static_cast<int>(c.size()), MPI_DOUBLE, r, kTagCoef, MPI_COMM_WORLD);
    }
    fill(L_.block(0), c);
    part_.build(L_, tol_, maxit_, c);
    built_ = true;
    ++stats.factorizations;
    // a reservoir unknown (slot n) coupled to the top cells: w = A_cc^-1 c, s = d - c.w
    reservoir_ = op.has_reservoir_unknown();
    const size_t n = op.cells();
    w_.clear();
    if (reservoir_) {
      const auto& tt = op.top_conductance();
      std::vector<double> cvec(n, 0.0);
      for (size_t p = 0; p < tt.size(); ++p) cvec[p] = -ca * tt[p];
      w_.assign(n, 0.0);
      distributed_solve(cvec, w_);
      double cw = 0;
      for (size_t p = 0; p < tt.size(); ++p) cw += cvec[p] * w_[p];
      schur_ = dg_[n] - cw;
      top_.assign(cvec.begin(), cvec.begin() + static_cast<long>(tt.size()));
    }
  }

  void solve(const std::vector<double>& rhs, std::vector<double>& x) override {
    const size_t n = op_->cells();
    ++stats.solves;
    if (!reservoir_) {
      distributed_solve(rhs, x);
      x[n] = rhs[n] / dg_[n];
      return;
    }
    // [A c; c' d] [xc; xr] = [bc; br]: y = A^-1 bc, xr = (br - c.y) / s, xc = y - w xr
    for (size_t p = 0; p < n; ++p) x[p] += w_[p] * x[n];  // the guess for y
    distributed_solve(rhs, x);
    double cy = 0;
    for (size_t p = 0; p < top_.size(); ++p) cy += top_[p] * x[p];
    const double xr = (rhs[n] - cy) / schur_;
    for (size_t p = 0; p < n; ++p) x[p] -= w_[p] * xr;
    x[n] = xr;
  }

  std::string name() const override { return "hypre Struct PCG + PFMG over " + std::to_string(comm_size()) + " MPI ranks"; }

 private:
  // The cells' block of A x = b on every rank (b, x: whole-grid arrays; the reservoir slot untouched).
  void distributed_solve(const std::vector<double>& b, std::vector<double>& x) {
    int h[kHeader] = {kSolve, id_};
    send_header(h);
    std::vector<double> buf;
    auto pack = [&](const Layout::Block& B) {
      const size_t m = B.cells(L_.nz);
      buf.resize(2 * m);
      for_block(L_, B, [&](size_t p, size_t q) {
        buf[q] = b[p];
        buf[m + q] = x[p];
      });
    };
    for (int r = 1; r < comm_size(); ++r) {
      pack(L_.block(r));
      MPI_Send(buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, r, kTagRhs, MPI_COMM_WORLD);
    }
    pack(L_.block(0));
    HYPRE_Int its = 0;
    double res = 0;
    part_.solve(buf, its, res);
    for_block(L_, L_.block(0), [&](size_t p, size_t q) { x[p] = buf[q]; });
    for (int r = 1; r < comm_size(); ++r) {
      const Layout::Block B = L_.block(r);
      buf.resize(B.cells(L_.nz));
      MPI_Recv(buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, r, kTagX, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      for_block(L_, B, [&](size_t p, size_t q) { x[p] = buf[q]; });
    }
    stats.iterations += its;
    double bb = 0;
    for (size_t p = 0; p < op_->cells(); ++p) bb += b[p] * b[p];
    if (bb > 0 && !(res <= tol_ * (1 + 1e-9)))
      throw std::runtime_error("hypre PCG did not converge in " + std::to_string(its) + " iterations (relative residual " + std::to_string(res) + ")");
  }

  double tol_;
  int maxit_;
  int id_;
  static inline int next_id_ = 1;
  Layout L_;
  bool planned_ = false, built_ = false, reservoir_ = false;
  const StencilOperator* op_ = nullptr;
  long version_ = -1;
  double cm_ = 0, ca_ = 0, schur_ = 1;
  std::vector<double> dg_, w_, top_;
  Part part_;
};

}  // namespace

Layout::Block Layout::block(int r) const {
  const int rx = r % px, ry = r / px;
  Block b;
  b.i0 = static_cast<int>(static_cast<long>(nx) * rx / px);
  b.i1 = static_cast<int>(static_cast<long>(nx) * (rx + 1) / px);
  b.j0 = static_cast<int>(static_cast<long>(ny) * ry / py);
  b.j1 = static_cast<int>(static_cast<long>(ny) * (ry + 1) / py);
  return b;
}

std::string plan_layout(const Grid& g, int n, Layout& out) {
  if (g.periodic_x || g.periodic_y) return "periodic lateral edges are not supported across ranks";
  if (static_cast<long>(g.nx) * g.ny < n)
    return "the grid has " + std::to_string(g.nx) + " x " + std::to_string(g.ny) + " lateral columns, fewer than the " + std::to_string(n) +
           " ranks (each rank needs at least one column)";
  // px * py = n with px <= nx, py <= ny and blocks as square as the grid allows
  int best_px = 0;
  double best = 0;
  for (int px = 1; px <= n; ++px) {
    if (n % px) continue;
    const int py = n / px;
    if (px > g.nx || py > g.ny) continue;
    const double bx = static_cast<double>(g.nx) / px, by = static_cast<double>(g.ny) / py;
    const double halo = (px > 1 ? by : 0) + (py > 1 ? bx : 0);  // cut faces per block, per depth row
    if (!best_px || halo < best) best_px = px, best = halo;
  }
  if (!best_px) return "the " + std::to_string(g.nx) + " x " + std::to_string(g.ny) + " lateral columns cannot be cut into " + std::to_string(n) + " blocks";
  out.nx = g.nx, out.ny = g.ny, out.nz = g.nz, out.px = best_px, out.py = n / best_px;
  return "";
}

void start() { HYPRE_Init(); }
void finish() { HYPRE_Finalize(); }
int rank() { return comm_rank(); }
int ranks() { return comm_size(); }

std::unique_ptr<LinearSolver> make_solver(double tolerance, int max_iterations) { return std::make_unique<HypreSolver>(tolerance, max_iterations); }

void stop() {
  if (g_stopped) return;
  int h[kHeader] = {kStop};
  send_header(h);
  g_stopped = true;
}

int serve() {
  std::map<int, std::unique_ptr<Part>> parts;
  for (;;) {
    // Wait for rank 0's next command without spinning: while rank 0 works through the rest of
    // the step, a blocking broadcast would keep this rank's core busy polling (OpenMPI's default),
    // the core that rank 0's threads or another rank on the node could use.
    int h[kHeader] = {};
    MPI_Request req;
    MPI_Ibcast(h, kHeader, MPI_INT, 0, MPI_COMM_WORLD, &req);
    for (int done = 0;;) {
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (done) break;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (h[0] == kStop) break;
    if (h[0] == kFree) {
      parts.erase(h[1]);
      continue;
    }
    auto& part = parts[h[1]];
    if (!part) part = std::make_unique<Part>();
    if (h[0] == kSetup) {
      Layout L;
      L.nx = h[2], L.ny = h[3], L.nz = h[4], L.px = h[5], L.py = h[6];
      double tol = 0;
      MPI_Bcast(&tol, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      std::vector<double> c(L.block(comm_rank()).cells(L.nz) * kEntries);
      MPI_Recv(c.data(), static_cast<int>(c.size()), MPI_DOUBLE, 0, kTagCoef, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      part->build(L, tol, h[7], c);
    } else if (h[0] == kSolve) {
      std::vector<double> rx(2 * part->cells());
      MPI_Recv(rx.data(), static_cast<int>(rx.size()), MPI_DOUBLE, 0, kTagRhs, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      HYPRE_Int its = 0;
      double res = 0;
      part->solve(rx, its, res);
      MPI_Send(rx.data(), static_cast<int>(part->cells()), MPI_DOUBLE, 0, kTagX, MPI_COMM_WORLD);
    }
  }
  g_stopped = true;
  return 0;
}

}  // namespace dermasim::distributed
