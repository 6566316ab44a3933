// SPDX-License-Identifier: BSD-3-Clause
// What a run recorder sees of a simulation: every output (snapshot) and every accepted step. The
// target-layer metrics (models/metrics) and the papule/hydration/HA metrics
// (models/hydration_metrics) are recorders; app/case_runner drives them all through this interface.
// Each computes its own results in a finish() of its own type after the run.
#pragma once

namespace dermasim {

class Simulation;

class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void on_output(const Simulation& sim, double t, int index) = 0;
  virtual void on_step(const Simulation& sim, double t, double dt) = 0;
};

}  // namespace dermasim
