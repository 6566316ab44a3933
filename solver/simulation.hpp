// The time loop: implicit steps (backward Euler or TR-BDF2) with an error-controlled step size,
// events (doses, wash-off, injections) and outputs hit exactly, and a mass balance whose counters are
// integrated by the same scheme as the fields, so that it closes to round-off.
//
// The Problem is physics-agnostic: per-cell coefficients, loss channels, vehicles and deposits.
// models/ builds it from a case file.
#pragma once
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grid.hpp"
#include "linear_solver.hpp"
#include "operator.hpp"

namespace dermasim {

// Extra conductance that opens at t_open and decays as exp(-(t - t_open)/tau): micro-channels
// (microneedles, laser or RF pores) that close over time. dDK is added to D*K of the listed cells;
// capacities (K) are unchanged, so mass is conserved while the channels close.
struct ChannelSpec {
  std::vector<std::pair<size_t, double>> dDK;  // (cell, added D*K in m2/s when fully open)
  double t_open = 0;
  double tau = std::numeric_limits<double>::infinity();
  double openness(double t) const { return t < t_open ? 0.0 : std::exp(-(t - t_open) / tau); }
};

// A constant-rate source from t_start to t_end (an injection given over a duration).
struct SourceSpec {
  std::vector<std::pair<size_t, double>> rate;  // (cell, kg/s; m3/s for the fluid)
  double t_start = 0, t_end = 0;
  int source = -1;  // the delivery entry
};

struct SpeciesSpec {
  std::string name;
  std::vector<double> K, DK;        // per cell
  std::vector<ChannelSpec> channels;
  std::vector<SourceSpec> sources;
  std::vector<LossChannel> losses;  // e.g. cleared_blood, cleared_lymph, degraded
  std::vector<double> initial_c;    // optional initial tissue concentration (kg/m3) per cell
  // Carried by the excess fluid (advected by its Darcy flux, drained with it to lymph); false for an
  // immobile network (a crosslinked gel, an entangled deposit).
  bool carried = true;
};

// What species `from` loses through its loss channel `channel` enters species `to`, cell by cell
// (first-order conversion, e.g. an HA deposit releasing mobile chains). The transfer is integrated
// with the same stages as the loss, so both balances stay exact.
struct TransferSpec {
  int from = -1, to = -1;
  std::string channel;
};

// Degradation of `substrate` by `enzyme` at the local rate k2 * c_enzyme (1/s; k2 in m3/(kg s)),
// counted in the substrate's loss channel `channel`. The enzyme is not consumed (physics.md 4.3:
// first order in HA with k = k_cat,eff [E]).
struct EnzymeSpec {
  int enzyme = -1, substrate = -1;
  double k2 = 0;
  std::string channel = "degraded_by_enzyme";  // one per enzyme and substrate (models name it)
};

// Osmotic (swelling) pressure of a group of species that act as one polymer (e.g. the mobile and
// deposit pools of linear HA), as a function of their summed concentration in the tissue water
// (kg/m3). Models supply the law (models/ha_osmotic).
struct OsmoticGroup {
  std::string name;
  std::vector<int> species;
  std::function<double(double)> pressure;    // Pa
  std::function<double(double)> derivative;  // Pa m3/kg
};

// A topical vehicle on the whole surface, for one species, from t_on to t_off.
struct VehicleSpec {
  int species = 0;
  double t_on = 0, t_off = std::numeric_limits<double>::infinity();
  bool infinite = false;
  double film = 0;        // volume per area of skin (m); capacity = film * area * K_vehicle
  double K_vehicle = 1;   // vehicle/water partition coefficient
  double conc = 0;        // concentration in the vehicle at application (kg/m3)
  int source = -1;        // index of the delivery entry it came from (for messages)
  // The vehicle as it behaves on open skin: its volatile part evaporates at `evaporation` (film
  // thickness per second) down to `residual`; solute above `solubility` (in the vehicle) is a solid
  // deposit that redissolves as the film is depleted. Uptake is driven by the dissolved activity.
  double evaporation = 0;  // m/s; 0: occluded or non-volatile
  double residual = -1;    // m; < 0: the whole film stays
  double solubility = std::numeric_limits<double>::infinity();  // kg/m3 in the vehicle
  double film_at(double t) const;  // film thickness at time t (m)
  double dry_time() const;         // when evaporation stops (infinity if it never starts)
};

// Mass placed into cells at one instant (an injection).
struct DepositSpec {
  int species = 0;
  double time = 0;
  std::vector<std::pair<size_t, double>> mass;  // (cell, kg)
  double clipped = 0;  // kg that fell outside the domain (reported, not applied)
  int source = -1;
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
};

struct SolverSpec {
  std::string linear = "auto";  // auto | direct | cg
  double tolerance = 1e-12;     // CG relative residual
  int max_iterations = 20000;
};

struct Problem {
  Grid grid;
  bool bottom_sink = false;
  std::vector<SpeciesSpec> species;
  // Index in `species` of the excess interstitial fluid (phi, K = 1, D K = k H / mu, loss
  // "drained" = drainage to lymph), or -1. When present it is solved first in every step; its
  // Darcy face fluxes advect the other species and its drainage carries them to lymph.
  int fluid = -1;
  // With a fluid: its stiffness H per cell (Pa; the unknown is p = H phi) and, for osmotic groups,
  // the baseline tissue water fraction per cell in which the polymers are dissolved. The excess
  // fluid then moves with the Darcy flux -(k/mu) grad(p - Pi) and drains at k_d (p - Pi) / H:
  // osmotic pressure holds water (physics.md 4.5, item 4).
  std::vector<double> fluid_stiffness, fluid_water;
  std::vector<OsmoticGroup> osmotic;
  std::vector<TransferSpec> transfers;
  std::vector<EnzymeSpec> enzymes;
  std::vector<VehicleSpec> vehicles;
  std::vector<DepositSpec> deposits;
  TimeSpec time;
  SolverSpec solver;
};

// Amounts of one species at one time (kg; per m2 in 1d, per m in 2d).
struct Balance {
  double applied = 0;   // initial + injected + vehicle loads + infinite-dose uptake
  double vehicle = 0;   // solute in the vehicle, dissolved and deposited
  double deposit = 0;   // of which solid (above the solubility in the vehicle)
  double vehicle_volume = 0;  // m3 (per m2 in 1d, per m in 2d)
  double washed = 0;    // removed with the vehicle at wash-off
  double drawn_in = 0;      // excess fluid: water drawn in by osmotic pressure (part of applied)
  double converted_in = 0;  // received from another species by conversion (part of applied)
  std::vector<double> layer;  // per layer
  std::map<std::string, double> out;  // receptor, cleared_blood, cleared_lymph, degraded, ...
  double clipped = 0;
  double tissue() const;
  double error() const;  // applied - everything accounted for
};

struct RunStats {
  long accepted = 0, rejected = 0;
  double wall_seconds = 0;
  std::string linear_solver;
  LinearStats linear;
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
  // Surface elevation per column (nx * ny, m): the excess fluid integrated over depth (zero without
  // a fluid field). The tissue swells by the volume of fluid it holds.
  std::vector<double> surface_elevation() const;
  // Osmotic pressure per cell (Pa) at the current state (zeros without osmotic groups).
  std::vector<double> osmotic_pressure() const;
  Balance balance(int s) const;
  // Instantaneous rates at the current state (kg/s): outflows by name, and "uptake" from an
  // infinite-dose vehicle.
  std::map<std::string, double> rates(int s) const;
  const RunStats& stats() const { return stats_; }

  // Scalars at every accepted step (and t = 0): time and, per species, named amounts.
  struct History {
    std::vector<double> time;
    std::vector<std::map<std::string, std::vector<double>>> species;
  };
  const History& history() const { return hist_; }

 private:
  struct SpeciesRun;
  void apply_events(double t);
  void rebuild(int s, double t);
  void prepare_vehicles(double t_end_of_step);
  void prepare_channels(double t_end_of_step);
  double max_step_for_channels() const;
  double max_step_for_vehicles() const;
  double attempt(double h);
  void couple_to_fluid(int s);
  void prepare_fluid();
  void prepare_enzymes(int s);
  void feed(int s, int stage, std::vector<double>& b) const;
  std::vector<double> osmotic_at(const std::vector<double>& phi, int stage, std::vector<double>* slope) const;
  void osmotic_sources(int stage, const std::vector<double>& phi, std::vector<double>& b, double& drawn);
  std::vector<double> fluid_phi_n_;  // phi at the start of the step (the linearisation point)
  std::vector<size_t> order_;  // solve order: the fluid, then sources before what they feed
  std::vector<double> fluid_g_;  // the constant part g of the linearised potential p - Pi = a phi - g
  std::vector<double> fluid_g_end_;
  double h_now_ = 0;  // the step being attempted  // g behind the end-of-step source (the Darcy flux of the step)
  std::vector<double> fluid_built_a_;
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
