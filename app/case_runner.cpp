// SPDX-License-Identifier: BSD-3-Clause
#include "case_runner.hpp"

#include "../solver/io/output.hpp"
#include "report.hpp"

namespace dermasim {

CaseRunResult run_case(const Case& c, const CaseRunOptions& opt) {
  CaseRunResult res;
  Problem p = build_problem(c, &res.warnings);
  res.sim = std::make_unique<Simulation>(std::move(p));
  Simulation& sim = *res.sim;
  if (opt.on_start) opt.on_start(sim, res.warnings);
  std::unique_ptr<RunWriter> writer;
  if (opt.write_output) writer = std::make_unique<RunWriter>(c.output_file, sim, dump_case(c), c.vtk);
  MetricsRecorder metrics(sim, metrics_setup(c));          // target-layer metrics (models/metrics)
  HydrationRecorder hydration(sim, hydration_setup(c));    // papule, hydration, HA (models/hydration_metrics)
  Progress progress(c.end, opt.progress);
  Recorder* const recorders[] = {&metrics, &hydration};
  sim.run(
      [&](const Simulation& s, double t, int idx) {
        if (writer) writer->snapshot(s, t, idx);
        for (Recorder* r : recorders) r->on_output(s, t, idx);
      },
      [&](const Simulation& s, double t, double dt) {
        progress.update(s, t, dt);
        for (Recorder* r : recorders) r->on_step(s, t, dt);
        if (opt.on_step) opt.on_step(s, t, dt);
      });
  progress.done();
  res.hydration = hydration.finish(sim);
  if (writer) {
    add_hydration_scalars(*writer, res.hydration);
    writer->finish(sim);
    res.xdmf_path = writer->xdmf_path();
    res.pvd_path = writer->pvd_path();
  }
  res.metrics = metrics.finish(sim);
  return res;
}

}  // namespace dermasim
