// SPDX-License-Identifier: BSD-3-Clause
#include "distributed_run.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdlib.h>
#include <string>

#include "../solver/input.hpp"
#include "../solver/linear_solver.hpp"
#ifdef DERMASIM_HAVE_HYPRE
#define OMPI_SKIP_MPICXX 1  // the C API only
#include <mpi.h>

#include "../solver/distributed/hypre_solver.hpp"
#endif

namespace dermasim {

namespace {
bool g_distributed = false;  // this process is rank 0 of a run over several ranks
}

int launcher_ranks() {
  // OpenMPI's mpirun, MPICH's Hydra; Slurm's srun under PMIx sets the rank and the task count
  const bool pmix = std::getenv("PMIX_RANK") != nullptr;
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", pmix ? "SLURM_NTASKS" : "OMPI_COMM_WORLD_SIZE"})
    if (const char* s = std::getenv(v)) {
      const int n = std::atoi(s);
      if (n > 0) return n;
    }
  return 1;
}

#ifdef DERMASIM_HAVE_HYPRE
namespace {
// Runs body, then `last` (MPI's end) whether body threw or not; rethrows after it.
int run_then(const std::function<int()>& body, const std::function<void()>& last) {
  int rc = 0;
  std::exception_ptr err;
  try {
    rc = body();
  } catch (...) {
    err = std::current_exception();
  }
  last();
  if (err) std::rethrow_exception(err);
  return rc;
}
}  // namespace

int run_on_ranks(const std::function<int()>& body) {
  // DERMASIM_HYPRE=1: the hypre solves also on one rank (the 1-rank point of a scaling measurement)
  const char* force_env = std::getenv("DERMASIM_HYPRE");
  const bool force = force_env && std::string(force_env) == "1";
  if (launcher_ranks() <= 1 && !force) return body();
  // OpenMPI: a rank waiting inside a collective yields its core instead of spinning (measured here
  // at 128^3 on 2 ranks under load: 3.4 s per step against 5.6, half the CPU time); a user's
  // setting is kept
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  distributed::start();
  const int rank = distributed::rank(), size = distributed::ranks();
  if (size <= 1 && !force)  // a launcher that started one rank: the ordinary run
    return run_then(body, [] {
      distributed::finish();
      MPI_Finalize();
    });
  if (rank > 0) {
    // SIGINT/SIGTERM (forwarded by mpirun to every rank) are rank 0's to handle: it stops after
    // the step in progress, writes what it has and then tells the others to end
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    const int rc = distributed::serve();
    distributed::finish();
    MPI_Finalize();
    return rc;
  }
  g_distributed = true;
  set_linear_solver_factory(&distributed::make_solver);
  std::fprintf(stderr, "dermasim: one case over %d MPI ranks: the implicit solves with hypre (Struct PCG + PFMG), the grid cut into blocks of lateral columns\n",
               size);
  return run_then(body, [] {
    set_linear_solver_factory(nullptr);
    distributed::stop();
    distributed::finish();
    MPI_Finalize();
  });
}

void check_distributed(const Problem& p, const std::string& file) {
  if (!g_distributed) return;
  distributed::Layout L;
  const std::string why = distributed::plan_layout(p.grid, distributed::ranks(), L);
  if (why.empty()) {
    std::fprintf(stderr, "dermasim: %d x %d blocks of lateral columns (%d x %d x %d cells on rank 0)\n", L.px, L.py, L.block(0).i1 - L.block(0).i0,
                 L.block(0).j1 - L.block(0).j0, L.nz);
    if (p.carrier.species >= 0) {
      // The carrier (the case's fluid.enabled) changes the operators at every stage: hypre's matrix
      // and hierarchy would be rebuilt for every solve (measured 300 times slower than one rank on
      // the papule). Its solves stay on rank 0 with the one-rank solvers: the one-rank result and
      // time; the other ranks wait (asleep) for the end.
      set_linear_solver_factory(nullptr);
      std::fprintf(stderr, "note: %s: fluid.enabled: the injected fluid changes the operators at every stage, so this case is solved on rank 0 "
                           "alone with the one-rank solvers (the other ranks wait; docs/performance.md)\n",
                   file.c_str());
    }
    return;
  }
  const bool periodic = p.grid.periodic_x || p.grid.periodic_y;
  const std::string key = periodic ? "geometry.lateral_boundary" : p.grid.geometry == Geometry::OneD ? "geometry.kind" : "geometry.lateral_cells";
  throw InputError(file, 0, key, why + " on " + std::to_string(distributed::ranks()) + " MPI ranks; " +
                                     (periodic ? "a periodic grid runs on one rank only (run without mpirun, or -np 1)"
                                               : "use fewer ranks, more lateral cells, or one rank (a 1d case runs on one rank only)"));
}
#else
int run_on_ranks(const std::function<int()>& body) {
  if (launcher_ranks() > 1)
    throw InputError("mpirun", 0, "", "this dermasim was built without hypre, so one case runs on one rank only (got " + std::to_string(launcher_ranks()) +
                                          " ranks); run without mpirun or with -np 1, or build with libhypre-dev (scripts/install-deps.sh)");
  return body();
}
void check_distributed(const Problem&, const std::string&) {}
#endif

}  // namespace dermasim
