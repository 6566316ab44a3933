// SPDX-License-Identifier: BSD-3-Clause
// `mpirun -np N dermasim run CASE`: one case over N ranks. Rank 0 runs the case as on one rank
// (reading, time loop, recorders, output) and its implicit solves are distributed over every rank
// with hypre (solver/distributed); ranks > 0 take part in the solves only. docs/performance.md,
// "One case across machines".
#pragma once
#include <functional>
#include <string>

#include "../solver/simulation.hpp"

namespace dermasim {

// The number of ranks the MPI launcher started (from its environment, before MPI starts; 1 when
// not under a launcher).
int launcher_ranks();
// Runs `body` (the ordinary `run`) on rank 0 with the solves distributed, the other ranks serving;
// returns this rank's exit code. An exception of rank 0 is rethrown there after every rank has
// stopped. Without hypre in the build, more than one rank is an input error (exit 2).
// DERMASIM_HYPRE=1 in the environment: the hypre solves on one rank too (for scaling measurements).
int run_on_ranks(const std::function<int()>& body);
// Before the run, on rank 0 of a distributed run: an InputError naming the case key for a grid the
// ranks cannot share (periodic edges, fewer lateral columns than ranks). Nothing on one rank.
void check_distributed(const Problem& p, const std::string& file);

}  // namespace dermasim
