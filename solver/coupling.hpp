// SPDX-License-Identifier: BSD-3-Clause
// Couplings: physics that the time loop calls at defined points. The solver knows nothing of what a
// coupling models; models/ defines them (models/couplings/) and lowers them into Problem::couplings.
//
// The loop, per attempted step from t to t1 = t + h (solver/simulation.cpp):
//   stop_times            instants the loop lands on exactly (collected once)
//   max_step              the largest step allowed now
//   [reservoirs and conductances are brought to t1]
//   before_step           e.g. re-linearise a coupled law about the state at t
//   for each species in the solve order (couplings may ask for an order with `order`):
//     before_solve        e.g. refresh a rate that depends on another species
//     stage_source        a source that depends on the species' own solution, at each stage of the
//                         scheme; iterate_stage re-solves the stage until it converges
//   [error control; the step is accepted or retried]
//   record, balance       named amounts for the history and the mass balance
//   surface_fields        named 2d fields written with every snapshot
// A checkpoint (solver/state.hpp) saves what a coupling keeps between steps with save_state and
// gives it back with restore_state, after init, before the run continues.
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace dermasim {

struct Problem;
struct Balance;
class Simulation;
class SavedState;

// A field per surface column (nx * ny values), written with every snapshot.
struct SurfaceField {
  std::string name, unit;
  std::vector<double> values;
};

class Coupling {
 public:
  virtual ~Coupling() = default;
  virtual std::string name() const = 0;

  // Before the run's state exists: check the problem, add loss channels it needs.
  virtual void setup(Problem& p) {}
  // Species that should be solved before species s (a preference: honoured when no hard
  // constraint prevents it).
  virtual void order(std::vector<std::vector<int>>& soft) const {}
  // Keep every species' state before the last accepted step (SpeciesState::u_prev, h_prev).
  virtual bool needs_previous_state() const { return false; }
  // Once the state is built (t = 0).
  virtual void init(Simulation& sim) {}

  virtual void stop_times(std::vector<double>& t) const {}
  virtual double max_step(const Simulation& sim) const { return std::numeric_limits<double>::infinity(); }
  virtual void before_step(Simulation& sim) {}
  // Whether before_step re-linearises species s (its coefficients follow its state step by step).
  // Such a carrier is sub-cycled (TimeSpec::multirate) only when the coupling can re-linearise it
  // before each of its sub-steps instead (relinearises_substeps): the loop then calls relinearise
  // before every sub-step tried, at the sub-step's start time, bounds the sub-steps by max_substep,
  // and keeps the coupling's own state at the start of each step with save_state, giving it back
  // with restore_state when a rejected step redoes its sub-steps. before_step and max_step leave
  // that species to the sub-steps then. Otherwise its lag stays that of a whole step.
  virtual bool relinearises(int s) const { return false; }
  virtual bool relinearises_substeps(int s) const { return false; }
  virtual void relinearise(Simulation& sim, int s, double t) {}
  virtual double max_substep(const Simulation& sim, int s) const { return std::numeric_limits<double>::infinity(); }
  virtual void before_solve(Simulation& sim, int s) {}

  // A source of species s that depends on its own stage solution. stage: 0 start, 1 intermediate
  // (TR-BDF2), 2 end of the step. stage_source() fills b (per unknown, amount/s) and its total
  // `total` (what the balance counts under stage_counter()) at the coupling's linearisation point;
  // iterate_stage() is called after the stage's first solve with the solution x and may call
  // `resolve` (rebuild the right-hand side from b and solve again) until x converges; false when it
  // does not (the step is then retried shorter).
  virtual bool has_stage_source(int s) const { return false; }
  virtual std::string stage_counter(int s) const { return "stage_source"; }
  virtual void stage_source(Simulation& sim, int s, int stage, std::vector<double>& b, double& total) {}
  virtual bool iterate_stage(Simulation& sim, int s, int stage, std::vector<double>& x, std::vector<double>& b, double& total,
                             const std::function<void()>& resolve) {
    return true;
  }

  // Amounts of species s: the coupling may rename or move its own counters in the balance, and add
  // named series to the history.
  virtual void balance(const Simulation& sim, int s, Balance& b) const {}
  virtual void record(const Simulation& sim, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const {}
  // Units of the series it records that are not amounts (e.g. a height in m).
  virtual void series_units(std::map<std::string, std::string>& units) const {}
  virtual void surface_fields(const Simulation& sim, std::vector<SurfaceField>& f) const {}

  // Checkpoint and restart: what the coupling keeps from one step to the next (not what it can
  // recompute from the problem or the species' states), under keys that start with `prefix`.
  virtual void save_state(SavedState& st, const std::string& prefix) const {}
  virtual void restore_state(const SavedState& st, const std::string& prefix) {}
};

}  // namespace dermasim
