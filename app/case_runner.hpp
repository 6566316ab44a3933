// SPDX-License-Identifier: BSD-3-Clause
// Running one case from the application layer: the simulation with its recorders (target-layer
// metrics, papule/hydration/HA metrics) and, optionally, the results file. `run`, `compare` and the
// coming `sweep` and `fit` commands share it, so every command computes its metrics the same way.
#pragma once
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../models/case.hpp"
#include "../models/hydration_metrics.hpp"
#include "../models/metrics.hpp"
#include "../solver/io/checkpoint.hpp"
#include "../solver/simulation.hpp"

namespace dermasim {

// Thrown from an on_step callback to stop a run early (a signal): run_case writes what it has,
// marked incomplete, and returns with `stopped` and `exit_code` set.
struct RunStop : std::runtime_error {
  RunStop(const std::string& why, int code) : std::runtime_error(why), exit_code(code) {}
  int exit_code;
};

struct CaseRunOptions {
  bool write_output = true;   // the HDF5 + XDMF of c.output_file (false: nothing is written)
  bool progress = false;      // a progress line on stderr
  bool guards = true;         // numerical guards (app/run_safety): a non-finite field or a broken
                              // mass balance stops the run (std::runtime_error, exit 1) with the
                              // last good state written (marked incomplete)
  // Called with the problem before the simulation is built (e.g. to estimate its cost and refuse).
  std::function<void(const Problem&)> on_problem;
  // Called once the simulation is built, before it runs, with the warnings of building it.
  std::function<void(const Simulation&, const std::vector<std::string>& warnings)> on_start;
  // Called after every accepted step (e.g. to stop a run: throw from it).
  std::function<void(const Simulation&, double t, double dt)> on_step;
  // Checkpoints (docs/reliability.md), when output is written: the file (the output's sibling
  // "<stem>.ckpt.h5", written atomically) every `checkpoint_wall` seconds of wall time and/or every
  // `checkpoint_sim` seconds of simulated time (0: not by that measure); removed when the run ends
  // (complete, or stopped by a signal: the checkpoint then goes into the output itself).
  std::string checkpoint_path;
  double checkpoint_wall = 0, checkpoint_sim = 0;
  // A restart: continue the run saved in this checkpoint (read and checked against the case by
  // the caller); its snapshots become the output's first ones. A state that does not fit the
  // problem throws CheckpointError before anything is written.
  const CheckpointFile* restart = nullptr;
};

struct CaseRunResult {
  std::unique_ptr<Simulation> sim;  // the finished simulation: balance(), history(), stats()
  RunMetrics metrics;
  HydrationMetrics hydration;
  std::vector<std::string> warnings;  // from building the problem
  std::string xdmf_path, pvd_path;    // when written
  std::string stopped;                // why the run ended before time.end (a RunStop); "" if it did not
  int exit_code = 0;                  // the RunStop's exit code
  int checkpoints = 0;                // checkpoints written during the run (the sibling file)
  double checkpoint_seconds = 0;      // wall time spent writing them
};

// Builds the problem of `c`, runs it and returns what it computed. Throws InputError for an invalid
// case and std::runtime_error for a run that fails (a numerical guard, a failed step); then the
// output written (when asked for) holds every snapshot before the failure, marked incomplete, and
// the message names it.
CaseRunResult run_case(const Case& c, const CaseRunOptions& opt);

}  // namespace dermasim
