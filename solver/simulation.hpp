// SPDX-License-Identifier: BSD-3-Clause
// The time loop: implicit steps (backward Euler or TR-BDF2) with an error-controlled step size,
// events (reservoirs on and off, deposits, sources) and outputs hit exactly, and a mass balance whose counters are
// integrated by the same scheme as the fields, so that it closes to round-off.
//
// The Problem is physics-agnostic: per-cell coefficients, loss channels, sources, deposits, transfers,
// boundary reservoirs, a carrier field and couplings (solver/coupling.hpp). models/ builds it.
#pragma once
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "coupling.hpp"
#include "grid.hpp"
#include "linear_solver.hpp"
#include "operator.hpp"
#include "state.hpp"

namespace dermasim {

// Extra conductance that opens at t_open and decays as exp(-(t - t_open)/tau): pores or channels that
// close over time. dDK is added to D*K of the listed cells; capacities (K) are unchanged, so mass is
// conserved while the conductance fades.
struct ConductanceSpec {
  std::vector<std::pair<size_t, double>> dDK;  // (cell, added D*K in m2/s when fully open)
  double t_open = 0;
  double tau = std::numeric_limits<double>::infinity();
  double openness(double t) const { return t < t_open ? 0.0 : std::exp(-(t - t_open) / tau); }
};

// A constant-rate source from t_start to t_end.
struct SourceSpec {
  std::vector<std::pair<size_t, double>> rate;  // (cell, amount per second: kg/s, or m3/s for a volume field)
  double t_start = 0, t_end = 0;
  int source = -1;  // the case entry it came from (for messages)
};

struct SpeciesSpec {
  std::string name;
  // per cell; the Simulation moves them into its species state (state(s).spec: what the operator is
  // built from and couplings change), so problem().species[s].K is empty there, and so is DK
  // unless the species has conductances (added to this base at every rebuild)
  std::vector<double> K, DK;
  std::vector<ConductanceSpec> conductances;
  std::vector<SourceSpec> sources;
  std::vector<LossChannel> losses;  // named first-order loss channels
  std::vector<double> initial_c;    // optional initial concentration (kg/m3) per cell
  // Advected by the carrier's flux (Problem::carrier) and taken along by its loss; false for an
  // immobile species.
  bool advected = true;
  // Units of the field and of its amounts (output only): a concentration in kg/m3, or a volume
  // fraction ("1", amounts in m3).
  std::string unit = "kg/m3", amount_unit = "kg";
};

// What species `from` loses through its loss channel `channel` enters species `to`, cell by cell
// (first-order conversion). The transfer is integrated with the same stages as the loss, so both
// balances stay exact.
struct TransferSpec {
  int from = -1, to = -1;
  std::string channel;
};

// A well-stirred compartment on the top boundary, for one species, from t_on to t_off: either a
// fixed activity (infinite: what it gives counts as applied) or a finite content with a volume (per
// area of boundary) that may change in time and a solubility above which the excess is a solid that
// redissolves as the dissolved part is depleted (the activity is then held at the solubility). At
// t_off what it holds is removed and counted under Problem::reservoir_names.removed.
struct ReservoirSpec {
  int species = 0;
  double t_on = 0, t_off = std::numeric_limits<double>::infinity();
  bool infinite = false;
  double volume = 0;      // volume per area of boundary at t_on (m)
  double partition = 1;   // reservoir/reference partition coefficient: capacity = volume * area * partition
  double conc = 0;        // concentration at t_on (kg/m3)
  double solubility = std::numeric_limits<double>::infinity();  // kg/m3 in the reservoir
  int source = -1;        // the case entry it came from (for messages)
  // The volume per area at time t (empty: constant), a largest step at time t while it is dissolved
  // (empty: none), and extra instants to land on (e.g. when the volume stops changing).
  std::function<double(double)> volume_at;
  std::function<double(double)> max_step;
  std::vector<double> stops;
  // The activity a saturated reservoir holds at time t (empty: solubility / partition at all times), e.g.
  // lower once the liquid is gone and only the solid touches the boundary. Piecewise constant between
  // `stops` (it is evaluated at the end of each step).
  std::function<double(double)> saturated_activity_at;
  double volume_of(double t) const { return volume_at ? volume_at(t) : volume; }
  double saturated_activity(double t) const { return saturated_activity_at ? saturated_activity_at(t) : solubility / partition; }
};

// Names under which the model reports the reservoirs' amounts (Balance::held/parts, the history).
struct ReservoirNames {
  std::string content = "reservoir";        // held: dissolved + solid
  std::string solid = "reservoir_solid";    // part: solid
  std::string volume = "reservoir_volume";  // part: volume
  std::string removed = "removed";          // held: removed at t_off
};

// A volume field (one of the species, K = 1/stiffness, D K = mobility) whose face fluxes advect the
// species marked `advected`, upwind, and whose loss `carrier_loss` takes them along into their loss
// channel `carried_loss` (rate k phi per unit of the carried species' u). Solved before them.
struct CarrierSpec {
  int species = -1;
  std::string carrier_loss, carried_loss;
};

// Mass placed into cells at one instant.
struct DepositSpec {
  int species = 0;
  double time = 0;
  std::vector<std::pair<size_t, double>> mass;  // (cell, kg)
  double clipped = 0;  // kg that fell outside the domain (reported, not applied)
  int source = -1;
};

class Coupling;

// A step the time loop cannot make: the step size collapsed under the error control, a linear solve
// failed, or a coupling's iteration did not converge. It says where: the species and the cell
// (-1: unknown) that models/app translate into a layer and depth.
struct StepFailure : std::runtime_error {
  enum class Kind { StepTooSmall, LinearSolve, Coupling };
  StepFailure(const std::string& what, Kind k, double t_, double h_, int s, long c)
      : std::runtime_error(what), kind(k), t(t_), h(h_), species(s), cell(c) {}
  Kind kind;
  double t, h;  // time reached (s) and the last step tried (s)
  int species;  // -1: unknown
  long cell;    // -1: unknown
};

enum class Scheme { BackwardEuler, TrBdf2 };

struct TimeSpec {
  double end = 0;
  std::vector<double> outputs;  // sorted, within [0, end]
  Scheme scheme = Scheme::TrBdf2;
  double rtol = 1e-4;        // relative error per step (mass-weighted L1)
  double dt_fixed = 0;       // > 0: fixed step, no error control
  double dt_initial = 0;     // 0: automatic
  double dt_max = 0;         // 0: unlimited
  // Multirate: the carrier takes its own steps, under its own error control (rtol), inside each
  // step of the species it advects, which ride the face volume fluxes accumulated over those
  // sub-steps (Simulation::subcycle_carrier). Applies when the carrier has no stage source,
  // reservoir, conductance or transfer and no coupling re-linearises it only step by step
  // (Coupling::relinearises without relinearises_substeps); false: the carrier steps with the others.
  bool multirate = true;
};

struct SolverSpec {
  std::string linear = "auto";  // auto | direct | cg | mg
  // The relative residual at which the iterative solves stop (CG, GMRES, BiCGSTAB; hypre's PCG). 0
  // (`solver.tolerance: auto`, the default) follows the time error: kPerRtol times time.rtol under
  // error control, kTight with fixed steps. A solve's error then stays far below the error the step
  // control admits (tests/test_fluid_coupling.cpp, docs/numerics.md), in a third to a half fewer
  // iterations than kTight. A value > 0 (a number in the case) is every solve's.
  double tolerance = 0;
  static constexpr double kPerRtol = 1e-3, kTight = 1e-12;
  double effective_tolerance(const TimeSpec& t) const {
    if (tolerance > 0) return tolerance;
    return t.dt_fixed > 0 ? kTight : std::max(kTight, kPerRtol * t.rtol);
  }
  // For a species whose stage solve a coupling iterates (Coupling::iterate_stage, e.g. HA's osmotic
  // pressure: it stops when its iterate moves by less than 1e-3 rtol, which solves of that accuracy
  // could not show): kTight under `auto`.
  double stage_iterated_tolerance() const { return tolerance > 0 ? tolerance : kTight; }
  int max_iterations = 20000;
};

struct Problem {
  Grid grid;
  bool bottom_sink = false;
  std::vector<SpeciesSpec> species;
  CarrierSpec carrier;
  std::vector<TransferSpec> transfers;
  std::vector<ReservoirSpec> reservoirs;
  ReservoirNames reservoir_names;
  std::vector<DepositSpec> deposits;
  // Physics that the time loop calls at defined points (solver/coupling.hpp), in this order.
  std::vector<std::shared_ptr<Coupling>> couplings;
  TimeSpec time;
  SolverSpec solver;
};

// Amounts of one species at one time (kg; per m2 in 1d, per m in 2d).
struct Balance {
  double applied = 0;   // initial + deposits + reservoir loads + fixed-activity uptake + gains
  std::vector<double> layer;          // in the domain, per layer
  std::map<std::string, double> out;  // left through a named channel (receptor, loss channels)
  // Outside the domain but accounted for (a reservoir's content, what was removed from it), named
  // by the model; and informational parts (not added up: solids, volumes, gains within `applied`).
  std::map<std::string, double> held, parts;
  double clipped = 0;
  double tissue() const;
  double error() const;  // applied - everything accounted for
  // A named amount from held, parts or out (0 when absent).
  double get(const std::string& name) const;
};

struct RunStats {
  long accepted = 0, rejected = 0;
  long substeps = 0, substeps_rejected = 0;  // the carrier's own steps when it is sub-cycled (multirate)
  double wall_seconds = 0;
  std::string linear_solver;
  LinearStats linear;
  // Per species, in the order of Problem::species: its solver and its counters (of this process:
  // a restarted run counts from the restart).
  struct SpeciesSolves {
    std::string species, solver;
    LinearStats stats;
  };
  std::vector<SpeciesSolves> per_species;
};

class Simulation {
 public:
  explicit Simulation(Problem p);
  ~Simulation();

  using OutputFn = std::function<void(const Simulation&, double t, int index)>;
  using StepFn = std::function<void(const Simulation&, double t, double dt)>;
  void run(const OutputFn& on_output = {}, const StepFn& on_step = {});

  const Problem& problem() const { return p_; }
  const Grid& grid() const { return p_.grid; }
  size_t species_count() const { return p_.species.size(); }
  double time() const { return t_; }
  std::vector<double> concentration(int s) const;  // c = K u per cell (kg/m3)
  void concentration(int s, std::vector<double>& c) const;  // the same into c (its storage reused)
  Balance balance(int s) const;
  // Instantaneous rates at the current state (kg/s): outflows by name, and "uptake" from a
  // fixed-activity reservoir.
  std::map<std::string, double> rates(int s) const;
  const RunStats& stats() const { return stats_; }
  // Named 2d fields of the couplings at the current state (written with every snapshot).
  std::vector<SurfaceField> surface_fields() const;

  // Scalars at every accepted step (and t = 0): time and, per species, named amounts.
  struct History {
    std::vector<double> time;
    std::vector<std::map<std::string, std::vector<double>>> species;
    std::map<std::string, std::string> units;  // series whose unit is not an amount (from the couplings)
  };
  const History& history() const { return hist_; }

  // ---- For couplings (solver/coupling.hpp): the state of one species during a step.
  struct SpeciesState {
    OperatorSpec spec;
    std::unique_ptr<StencilOperator> op;
    long version = 0;
    std::unique_ptr<LinearSolver> solver;
    // u at the start of the step, at its intermediate stage and at its end (u_new); u_prev and
    // h_prev: the state before the last accepted step and that step's length (when a coupling
    // needs_previous_state; cleared across an instantaneous deposit).
    std::vector<double> u, u_new, ug, u_prev;
    double h_prev = 0;
    std::vector<LossChannel> base_losses;  // the losses without what the carrier adds
  };
  SpeciesState& state(int s);
  const SpeciesState& state(int s) const;
  // Rebuilds the operator of species s from its spec as it stands (after a coupling changed
  // coefficients or losses).
  void remake_operator(int s);
  // Rebuilds it for time t: the reservoir's mode and the conductances at t, then the operator.
  void rebuild(int s, double t);
  double step_size() const { return h_now_; }  // the step being attempted
  bool solved_before(int a, int b) const;      // in the solve order
  // Offset g of the carrier's potential: its flux follows the gradient of u - g (set by a coupling).
  std::vector<double>& carrier_offset() { return carrier_offset_; }
  // Whether the carrier is sub-cycled (TimeSpec::multirate and the carrier allows it).
  bool multirate() const { return multirate_; }

  // ---- Checkpoint and restart (solver/state.hpp; at the end of simulation.cpp). save_state, from
  // the on_step callback (after an accepted step), saves everything needed to continue exactly:
  // the fields, reservoirs, operators as built, step size, counters, history and the couplings'
  // states. restore_state, on a simulation of the same problem before run(), takes it back (throws
  // CheckpointError for a state that does not fit the problem); run() then continues from its time:
  // outputs and events up to it are not visited again and the next output gets the saved index.
  void save_state(SavedState& st) const;
  void restore_state(const SavedState& st);

 private:
  struct SpeciesRun;
  void apply_events(double t);
  void prepare_reservoirs(double t_end_of_step);
  void prepare_conductances(double t_end_of_step);
  double max_step_for_conductances() const;
  double max_step_for_reservoirs() const;
  double attempt(double h);
  double step_species(size_t s, double t0, double h, bool adaptive, bool track);
  void subcycle_carrier(double h);
  void couple_to_carrier(int s);
  void feed(int s, int stage, std::vector<double>& b) const;
  Coupling* stage_coupling(int s) const;
  std::vector<size_t> order_;  // solve order: unadvected species, the carrier, then the others; sources before what they feed
  std::vector<double> carrier_offset_;
  double h_now_ = 0;
  // checkpoint and restart: the step proposed next and the index of the next output (kept by
  // run() for save_state), and whether run() continues a restored state
  double h_next_ = 0;
  int out_index_ = 0;
  bool restored_ = false;
  // where the last attempted step's error estimate was largest (species, cell), and the species
  // being solved: the place of a StepFailure
  int worst_species_ = -1, solving_ = -1;
  long worst_cell_ = -1;
  double worst_ratio_ = 0;
  bool keep_previous_ = false;
  bool extrapolate_guess_ = false;  // start the stage solves from extrapolated guesses
  bool stage_failed_ = false;
  // multirate: whether the carrier is sub-cycled, its proposed sub-step (h_sub_: as accepted with
  // the last step, checkpointed; h_sub_next_: from the step being attempted) and the time average,
  // over the step being attempted, of the potential whose face fluxes advect the others
  bool multirate_ = false;
  double h_sub_ = 0, h_sub_next_ = 0;
  // a probe's verdict: retry the step at this length (0: none); the ratios that trigger and size it
  double retry_h_ = 0;
  static constexpr double kProbeRatio = 64.0, kProbeRetry = 4.0;
  long substeps_ = 0, substeps_rejected_ = 0;  // of the step being attempted
  std::vector<double> carrier_psi_;
  // multirate with a carrier that a coupling re-linearises before each sub-step (its coefficients
  // change within the step, so the average potential no longer gives the flux): the face volume
  // fluxes and the carrier's concentration accumulated over the sub-steps (times their lengths,
  // divided by the step at its end), with work arrays; and the carrier's coefficients and losses
  // at the start of the step being attempted (t, accepted steps then, operator version), which a
  // retry of the step restores
  bool relinearised_carrier_ = false;
  std::vector<double> carrier_fx_, carrier_fy_, carrier_fz_, carrier_c_, sub_w_, sub_fx_, sub_fy_, sub_fz_;
  struct CarrierStart {
    double t = -1;
    long accepted = -1, version = -1;
    std::vector<double> K, DK;
    std::vector<LossChannel> losses, base_losses;
    SavedState couplings;  // the states of the couplings that re-linearise it (save_state)
  } carrier_start_;
  void carrier_step_start();
  void carrier_back_to_start();
  std::vector<double> couple_phi_, couple_psi_;  // couple_to_carrier's work arrays
  // The carrier's state at a few of its sub-step ends within the first fifth of a step (the last
  // one in each factor of 5 of time, at most 6): a retry of the step that was rejected continues
  // from the latest one before its end. Only between attempts of one step (cleared when a step is
  // accepted), so a restart needs none of it.
  struct SubcycleMark {
    double t = 0, tau = 0, hs = 0;
    long version = -1, substeps = 0, rejected = 0;
    std::vector<double> u, psi;
    std::map<std::string, double> Q;
  };
  std::map<long, SubcycleMark> marks_;  // by floor(log5(tau))
  void accept();
  void record();
  Problem p_;
  std::vector<std::unique_ptr<SpeciesRun>> sp_;
  double t_ = 0;
  RunStats stats_;
  History hist_;
  std::string linear_kind_;
};

}  // namespace dermasim
