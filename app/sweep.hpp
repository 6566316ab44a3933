// SPDX-License-Identifier: BSD-3-Clause
// `dermasim sweep SWEEP.yaml --output DIR [--jobs N] [--resume] [--dry-run]` (docs/sweep.md): runs
// every case of a sweep file in memory (app/case_runner), one case per worker thread, or one per
// MPI rank under mpirun; records each finished case durably in DIR/sweep.journal; writes
// DIR/results.csv and DIR/results.h5, and for sampled designs DIR/sensitivity.csv,
// DIR/percentiles.csv and DIR/curves.csv.
#pragma once
#include <string>
#include <vector>

#include "sweep_design.hpp"

namespace dermasim {

struct SweepOptions {
  std::string file;
  std::string output;
  int jobs = 0;  // 0: every core
  bool resume = false;
  bool dry_run = false;
  bool quiet = false;
};

// Returns the exit code: 0 (all cases ran, failed ones recorded), 2 (bad sweep file or options),
// 3 (some cases failed), 128 + signal (interrupted; resume with --resume). Throws InputError for
// bad input, which main() turns into exit code 2.
int cmd_sweep(const SweepOptions& o, int argc, char** argv);

// One finished case as a line of the journal and back. Exposed for tests.
struct SweepRecord {
  long id = -1;
  bool ok = false;
  double wall = 0;   // the whole case: reading, building, solving, metrics (s)
  double solve = 0;  // of which Simulation::run (s)
  std::vector<double> metrics;
  std::vector<double> target_curve, receptor_curve;  // % of the dose at the curve times
  std::string error;
};
std::string journal_line(const SweepRecord& r);
bool parse_journal_line(const std::string& line, size_t n_metrics, SweepRecord& r);

// Runs one case of a sweep in memory (no files written).
SweepRecord run_sweep_case(const SweepSpec& sp, const SweepCase& c);

}  // namespace dermasim
