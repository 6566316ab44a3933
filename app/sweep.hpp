// SPDX-License-Identifier: BSD-3-Clause
// `dermasim sweep SWEEP.yaml --output DIR [--jobs N] [--resume] [--dry-run]` (docs/sweep.md): runs
// every case of a sweep file in memory (app/case_runner), one case per worker thread, or one per
// MPI rank under mpirun; records each finished case durably in DIR/sweep.journal; writes
// DIR/results.csv and DIR/results.h5, and for sampled designs DIR/sensitivity.csv,
// DIR/percentiles.csv and DIR/curves.csv.
#pragma once
#include <string>
#include <vector>

#include "../models/case.hpp"
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

// Returns the exit code: 0 (all cases ran, failed ones recorded), 2 (a case's own value refused as
// it was read: recorded as failed, the others ran), 128 + signal (interrupted; resume with
// --resume). Throws InputError for a bad sweep file or options (found before anything runs), which
// main() turns into exit code 2.
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
  bool invalid = false;  // failed reading or building the case (bad input), not in the journal
};
std::string journal_line(const SweepRecord& r);
bool parse_journal_line(const std::string& line, size_t n_metrics, SweepRecord& r);

// Parses the base case once, with the sweep's `set:` entries applied, into sp.base_tree (an error
// in them is an InputError naming the sweep file).
void prepare_sweep_base(SweepSpec& sp);

// Reads the cases of a sweep: each is a copy of sp.base_tree with the case's axis values applied by
// the --set code, then read (no YAML text parsed per case). Errors are InputErrors in terms of the
// sweep file (its line and the axis). One reader per thread: it holds its own copy of the tree.
class SweepCaseReader {
 public:
  explicit SweepCaseReader(const SweepSpec& sp);
  Case read(const SweepCase& c) const;

 private:
  const SweepSpec& sp_;
  Located base_;
};

// Runs one case of a sweep in memory (no files written). A case that cannot be read or built (a bad
// value in the sweep file) comes back failed with `invalid` set.
SweepRecord run_sweep_case(const SweepSpec& sp, const SweepCase& c, const SweepCaseReader& reader);

}  // namespace dermasim
