// SPDX-License-Identifier: BSD-3-Clause
// One case across MPI ranks: the implicit solves of the symmetric operators are distributed over
// the ranks with hypre's structured interface (Struct PCG preconditioned by PFMG), the grid cut
// laterally into blocks of (x, y) columns, each rank a block with every depth row.
//
// Rank 0 runs the time loop as on one rank and holds the whole fields; its solver (make_solver)
// sends each rank its block of the matrix when the operator or the step changes, and the right-hand
// side and the initial guess of each solve, and gathers the solution back. The other ranks run
// serve(): they hold only their block and take part in hypre's parallel solve (hypre does the halo
// exchanges and the global reductions). A reservoir unknown coupled to the top cells is eliminated
// by its Schur complement: one extra distributed solve per set-up, one scalar per solve.
//
// Built only with hypre and MPI (DERMASIM_HAVE_HYPRE). docs/performance.md ("One case across machines").
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include "../grid.hpp"
#include "../linear_solver.hpp"

namespace dermasim::distributed {

// The lateral decomposition: px x py blocks of columns; rank r owns columns [i0, i1) x [j0, j1).
struct Layout {
  int nx = 1, ny = 1, nz = 1, px = 1, py = 1;
  struct Block {
    int i0, i1, j0, j1;
    size_t cells(int nz) const { return static_cast<size_t>(i1 - i0) * static_cast<size_t>(j1 - j0) * static_cast<size_t>(nz); }
  };
  Block block(int rank) const;
};
// The layout of `g` over `ranks`: as square blocks as the grid allows (px * py = ranks). Returns ""
// and fills `out`, or says why the grid cannot be split (too few columns, periodic edges).
std::string plan_layout(const Grid& g, int ranks, Layout& out);

// Every rank, after MPI_Init: hypre's start. The communicator is MPI_COMM_WORLD.
void start();
// Every rank, before MPI_Finalize (rank 0: after stop()).
void finish();
int rank();
int ranks();
// Rank 0: a solver whose solves run on every rank (throws std::invalid_argument at set-up for a
// grid plan_layout refuses, or a non-symmetric operator).
std::unique_ptr<LinearSolver> make_solver(double tolerance, int max_iterations);
// Rank 0: tells the other ranks to leave serve().
void stop();
// Ranks > 0: take part in the solves until rank 0 calls stop(). Returns 0.
int serve();

}  // namespace dermasim::distributed
