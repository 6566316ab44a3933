// SPDX-License-Identifier: BSD-3-Clause
#include "case_runner.hpp"

#include <cmath>
#include <chrono>
#include <exception>
#include <filesystem>

#include "../solver/io/output.hpp"
#include "report.hpp"
#include "run_safety.hpp"

namespace dermasim {

CaseRunResult run_case(const Case& c, const CaseRunOptions& opt) {
  CaseRunResult res;
  Problem p = build_problem(c, &res.warnings);
  if (opt.on_problem) opt.on_problem(p);
  res.sim = std::make_unique<Simulation>(std::move(p));
  Simulation& sim = *res.sim;
  if (opt.on_start) opt.on_start(sim, res.warnings);
  MetricsRecorder metrics(sim, metrics_setup(c));          // target-layer metrics (models/metrics)
  HydrationRecorder hydration(sim, hydration_setup(c));    // papule, hydration, HA (models/hydration_metrics)
  std::vector<double> peak;  // per species, the largest concentration so far (the guards)
  // checkpoint and restart: the simulation's state, the recorders' and the guards'
  auto save_run = [&](const Simulation& s) {
    SavedState st;
    s.save_state(st);
    metrics.save_state(st, "recorder/metrics/");
    hydration.save_state(st, "recorder/hydration/");
    st.put("guard/peak", peak);
    return st;
  };
  if (opt.restart) {  // everything is restored before anything is written
    const SavedState& st = opt.restart->state;
    sim.restore_state(st);
    metrics.restore_state(st, "recorder/metrics/");
    hydration.restore_state(st, "recorder/hydration/");
    peak = st.get("guard/peak");
    if (!peak.empty() && peak.size() != sim.species_count()) throw CheckpointError("the checkpoint entry 'guard/peak' does not match the species");
  }
  std::unique_ptr<RunWriter> writer;
  if (opt.write_output) writer = std::make_unique<RunWriter>(c.output_file, sim, dump_case(c), c.vtk);
  if (writer && opt.restart) writer->adopt_snapshots(*opt.restart, sim);
  const bool checkpoints = writer && !opt.checkpoint_path.empty() && (opt.checkpoint_wall > 0 || opt.checkpoint_sim > 0);
  auto last_wall = std::chrono::steady_clock::now();
  double last_sim = sim.time();
  auto checkpoint_due = [&](double t) {
    // none at the end: the final output follows at once, and a checkpoint there would leave, to a
    // run killed while writing that output, one that has nothing to continue (the one before serves)
    if (!checkpoints || t >= c.end) return false;
    if (opt.checkpoint_sim > 0 && t >= last_sim + opt.checkpoint_sim) return true;
    return opt.checkpoint_wall > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - last_wall).count() >= opt.checkpoint_wall;
  };
  Progress progress(c.end, opt.progress);
  // a failure the guards found: the state is bad, the outputs so far are good
  struct GuardFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  auto guard = [&](const Simulation& s, double t, bool balance) {
    if (!opt.guards) return;
    std::string why = field_guard(s, t, peak);
    if (why.empty() && balance) why = balance_guard(s, t);
    if (!why.empty()) throw GuardFailure(why);
  };
  std::string failure;
  Recorder* const recorders[] = {&metrics, &hydration};
  struct CallerStop {};  // not a std::exception: no handler below takes it for a failure of the run
  std::exception_ptr caller_stop;
  SavedState stop_state;
  try {
    sim.run(
        [&](const Simulation& s, double t, int idx) {
          guard(s, t, true);  // before writing: a bad state never reaches the output
          if (writer) writer->snapshot(s, t, idx);
          for (Recorder* r : recorders) r->on_output(s, t, idx);
        },
        [&](const Simulation& s, double t, double dt) {
          guard(s, t, false);
          progress.update(s, t, dt);
          for (Recorder* r : recorders) r->on_step(s, t, dt);
          if (checkpoint_due(t)) {
            const auto w0 = std::chrono::steady_clock::now();
            writer->write_checkpoint(opt.checkpoint_path, save_run(s), t);
            last_wall = std::chrono::steady_clock::now();
            last_sim = t;
            ++res.checkpoints;
            res.checkpoint_seconds += std::chrono::duration<double>(last_wall - w0).count();
          }
          if (opt.on_step) {
            try {
              opt.on_step(s, t, dt);
            } catch (const RunStop&) {
              throw;  // a stop the run handles: incomplete output written below
            } catch (...) {  // the caller's own stop: rethrown as it is, after the run unwinds
              caller_stop = std::current_exception();
              throw CallerStop{};
            }
          }
        });
    guard(sim, sim.time(), true);
  } catch (const CallerStop&) {
    progress.done();
    std::rethrow_exception(caller_stop);
  } catch (const RunStop& e) {
    res.stopped = e.what();
    res.exit_code = e.exit_code;
    if (writer) stop_state = save_run(sim);  // thrown after an accepted step: a state to continue from
  } catch (const InputError&) {
    throw;
  } catch (const StepFailure& e) {  // where, in the user's terms (the solver gives the cell)
    failure = describe_step_failure(sim, e);
  } catch (const std::runtime_error& e) {
    failure = e.what();
  }
  progress.done();
  if (!failure.empty()) {
    // the run failed: keep what it wrote (marked incomplete), then report
    if (writer) {
      writer->finish(sim, "failed: " + failure);
      failure += "; the outputs before the failure are in " + c.output_file + " (marked incomplete)";
    }
    throw std::runtime_error(failure);
  }
  res.hydration = hydration.finish(sim);
  res.metrics = metrics.finish(sim);
  if (writer) {
    add_hydration_scalars(*writer, res.hydration);
    // the boundary watch of the target-layer metrics (docs/metrics.md), on /scalars/<species>
    for (const auto& s : res.metrics.species) {
      if (std::isnan(s.edge_pct_max)) continue;
      writer->add_attribute(s.species, "edge_pct_max", s.edge_pct_max);
      writer->add_attribute(s.species, "edge_time", s.edge_time);
      std::vector<std::string> mine;
      for (const auto& w : res.metrics.warnings)
        if (w.rfind(s.species + " ", 0) == 0) mine.push_back(w);
      if (!mine.empty()) writer->add_attribute(s.species, "warnings", mine);
    }
    // stopped by a signal: the output itself holds the checkpoint to continue from
    if (!res.stopped.empty()) writer->add_checkpoint(std::move(stop_state), sim.time());
    writer->finish(sim, res.stopped);
    if (checkpoints) {  // superseded by the output (complete, or holding the checkpoint)
      std::error_code ec;
      std::filesystem::remove(opt.checkpoint_path, ec);
    }
    res.xdmf_path = writer->xdmf_path();
    res.pvd_path = writer->pvd_path();
  }
  return res;
}

}  // namespace dermasim
