// SPDX-License-Identifier: BSD-3-Clause
// What a run recorder sees of a simulation: every output (snapshot) and every accepted step. The
// target-layer metrics (models/metrics) and the papule/hydration/HA metrics
// (models/hydration_metrics) are recorders; app/case_runner drives them all through this interface.
// Each computes its own results in a finish() of its own type after the run.
#pragma once
#include <string>

namespace dermasim {

class Simulation;
class SavedState;

class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void on_output(const Simulation& sim, double t, int index) = 0;
  virtual void on_step(const Simulation& sim, double t, double dt) = 0;
  // Checkpoint and restart (solver/state.hpp): what the recorder gathered so far, under keys that
  // start with `prefix`; restore_state on a recorder just built for the same simulation (throws
  // CheckpointError for entries that do not fit).
  virtual void save_state(SavedState& st, const std::string& prefix) const = 0;
  virtual void restore_state(const SavedState& st, const std::string& prefix) = 0;
};

}  // namespace dermasim
