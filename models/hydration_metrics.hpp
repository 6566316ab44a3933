// SPDX-License-Identifier: BSD-3-Clause
// Papule, hydration and HA metrics (docs/metrics.md, "Papule, hydration and HA remaining"): how
// high and wide the skin swells with the injected fluid and how fast it subsides, how much excess
// water each layer holds, and how much of the applied hyaluronic acid is still in the tissue, with
// its half-life fitted from the run. Recorded during a run like MetricsRecorder (on_output for the
// state at t = 0, on_step for every accepted step), for the whole run and per treatment session.
//
// The fluid is read only through the Simulation's public API: phi per cell as
// concentration(problem().fluid), the surface elevation per column as surface_elevation(), amounts
// from history() (the Balance of every recorded step).
#pragma once
#include <string>
#include <vector>

#include "recorder.hpp"
#include "metrics.hpp"

namespace dermasim {

struct Case;
class RunWriter;

// The papule seen from above, from one elevation field (per column, nx * ny, m).
struct PapuleShape {
  double height = 0;             // largest elevation (m; 0 when nothing is raised)
  double diameter = metrics_na;  // m: sqrt(4 A / pi) of the area A where elevation >= threshold
                                 // (axisymmetric: the rings; 3d: the cells); the width in 2d; NaN in 1d
  double volume = 0;             // integral of the elevation over the surface (m3; per m in 2d, per m2 in 1d)
};
// `mirror`: how many copies of the domain make up the whole papule (a unit cell: 4 in 3d, 2 in 2d).
// It scales the area (the width in 2d), not the volume, which stays that of the domain.
PapuleShape papule_shape(const Grid& g, const std::vector<double>& elevation, double threshold, double mirror = 1);

// The elevation a clinician sees: the wheal is where the surface is raised by at least 0.1 mm.
constexpr double kVisibleElevation = 1e-4;  // m
// A papule of the linear fluid law whose height halves sooner than this after its peak is flagged:
// observed intradermal wheals stay raised for about 10 minutes ([Web:mantoux-label];
// docs/validation.md, "Injected fluid: wheals and blebs"), and the linear law's papule flattens
// within milliseconds to a second; the nonlinear law reproduces the wheals.
constexpr double kCredibleHalving = 60.0;  // s
// Whether the surface is raised by >= threshold on a lateral boundary of the domain that is not
// periodic (the outer radius in axisymmetric geometry; x and y edges in 2d and 3d): the papule then
// depends on the domain's size.
// The diameter where the surface is raised by >= threshold: in axisymmetric geometry from the
// radius where the elevation crosses the threshold, interpolated linearly between column centres;
// elsewhere as papule_shape (the area of the columns raised).
double visible_diameter(const Grid& g, const std::vector<double>& elevation, double threshold, double mirror = 1);
bool raised_at_edge(const Grid& g, const std::vector<double>& elevation, double threshold);

// Weighted least-squares fit of ln y = a - k t. Each point weighs the time it stands for (half the
// span to its neighbours), so the many short steps after an injection do not dominate: the fit is
// that of the continuous curve over [t_start, t_end]. Points with y <= 0 are left out; fewer than 3
// points or no decay (k <= 0) give half_life NaN.
struct DecayFit {
  double k = metrics_na;          // 1/s
  double half_life = metrics_na;  // ln 2 / k (s)
  double t_start = metrics_na, t_end = metrics_na;  // the points fitted (s, run time)
  double y_start = metrics_na;                      // the fitted curve at t_start: y = y_start e^{-k (t - t_start)}
  int points = 0;
  double rms = metrics_na;  // weighted RMS of the residuals of ln y (0 for an exact exponential)
};
DecayFit fit_decay(const std::vector<double>& t, const std::vector<double>& y);

// What to measure, resolved from a case.
struct HydrationSetup {
  double papule_threshold = 0;        // m (a case: metrics.papule_threshold, default 10 um)
  double mirror = 1;                  // unit cell: 4 (3d), 2 (2d)
  bool unit_cell = false;             // a lattice's unit cell: its edges are symmetry planes
  std::vector<double> layer_water;    // water volume fraction per layer (0: not given)
  std::vector<int> ha;                // HA species (indices in the Problem)
  std::vector<double> session_starts; // as MetricsSetup
  bool linear_fluid_law = false;      // the fluid's linear law (fluid.law: linear): its papule is checked against kCredibleHalving
};
HydrationSetup hydration_setup(const Case& c);

// One window: the whole run (session -1) or one treatment session (windows as metrics_windows()).
struct HydrationWindow {
  int session = -1;
  double t_start = 0, t_end = 0;
  double peak_height = metrics_na, peak_time = metrics_na;  // m, s (run time); NaN without the fluid
  // From the peak until the height is first <= half the peak (s); interpolated in ln(height)
  // between recorded steps; NaN if it does not halve within the window.
  double halving_time = metrics_na;
  // The same for the swollen volume (the excess water in tissue, however spread): how long the
  // extra water stays; spreading lowers the height but not the volume.
  double volume_halving_time = metrics_na;
  double ha_remaining = metrics_na;  // % of the HA applied, in tissue at the window's end
  // The visible wheal (raised by >= kVisibleElevation): the time it was visible within the window
  // (sum of the recorded intervals whose ends are both visible, plus interpolated crossings), and
  // the last time it was visible (NaN: never).
  double visible_duration = 0, visible_until = metrics_na;
};

struct HydrationMetrics {
  Geometry geometry = Geometry::OneD;
  bool fluid = false;  // papule and hydration measured (the case has the fluid)
  double threshold = 0, mirror = 1;
  std::vector<std::string> layers;
  std::vector<double> layer_water;      // volume fraction (0: not given)
  std::vector<double> layer_thickness;  // m
  // Series, one value per entry of Simulation::history().time (/scalars/time).
  std::vector<double> time;
  std::vector<double> height, diameter, volume;  // m, m, m3 (per m in 2d, per m2 in 1d)
  std::vector<double> visible_diameter;          // m: the diameter where raised by >= kVisibleElevation
  // The first time the raised region (>= threshold) reached a lateral boundary (NaN: never) and the
  // warnings that follow (printed by `run`, stored in the results file).
  double edge_time = metrics_na;
  std::vector<std::string> warnings;
  std::vector<std::vector<double>> excess;       // [layer][time]: excess water, m3 per m2 of skin
  size_t peak_row = 0;                           // the row of the whole run's peak height
  std::vector<std::string> ha_names;             // HA species measured (empty: none)
  std::vector<double> ha_remaining;              // % of the HA applied so far; NaN before any
  DecayFit ha_fit;                               // over the steps after the last HA delivery
  // Excess water in tissue per mass of HA in tissue at the end (mL/g; NaN without fluid or HA), and
  // the two amounts (m3 and kg; per m2 in 1d, per m in 2d)
  double water_per_gram_end = metrics_na, water_excess_end = metrics_na, ha_tissue_end = metrics_na;
  std::vector<HydrationWindow> windows;          // [0] the whole run, then one per session
  // Excess water of a layer as % of its own water (water fraction x thickness); NaN if not given.
  double pct_of_baseline(size_t layer, double excess_per_area) const;
};

class HydrationRecorder : public Recorder {
 public:
  HydrationRecorder(const Simulation& sim, HydrationSetup setup);
  void on_output(const Simulation& sim, double t, int index) override;
  void on_step(const Simulation& sim, double t, double dt) override;
  void save_state(SavedState& st, const std::string& prefix) const override;
  void restore_state(const SavedState& st, const std::string& prefix) override;
  HydrationMetrics finish(const Simulation& sim);

 private:
  struct Row {
    double height = metrics_na, diameter = metrics_na, volume = metrics_na, visible_diameter = metrics_na;
    bool at_edge = false;
    double height_before = metrics_na;  // at an injection of fluid: the height just before it
    std::vector<double> excess;         // per layer, m3 per m2 of skin
  };
  Row sample(const Simulation& sim, double t) const;
  Row start_row(const Simulation& sim) const;
  void catch_up(const Simulation& sim, bool include_last);
  HydrationSetup setup_;
  int fluid_ = -1;
  std::vector<std::vector<size_t>> layer_cells_;          // per layer
  std::vector<std::vector<double>> layer_volumes_;        // per layer, matching layer_cells_
  std::vector<std::pair<double, std::vector<double>>> fluid_jumps_;  // (time > 0, elevation added per column)
  std::vector<double> start_phi_;                          // phi just after the events at t = 0
  std::vector<Row> rows_;
};

// A block for the end of `dermasim run` (empty when there is neither fluid nor HA).
std::string hydration_text(const HydrationMetrics& m);
// The series and summary values for the results file (/scalars/papule, /scalars/hydration,
// /scalars/ha_remaining; docs/output.md).
void add_hydration_scalars(RunWriter& w, const HydrationMetrics& m);

}  // namespace dermasim
