// SPDX-License-Identifier: BSD-3-Clause
// Target-layer metrics (docs/metrics.md): how much of the dose reaches one layer (by default the
// papillary dermis), when, for how long, how evenly across the skin, and how much is lost to blood,
// lymph and degradation. They are computed during a run from two callbacks of Simulation::run:
// on_step (every accepted step: time integrals, Cmax) and on_output (fields: lateral uniformity),
// for the whole run and for each treatment session of a schedule.
#pragma once
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "recorder.hpp"
#include "../solver/simulation.hpp"

namespace dermasim {

struct Case;

// What to measure, resolved from a case (its `metrics:` key and its delivery schedule).
struct MetricsSetup {
  std::string target;   // layer name
  int layer = 0;        // its index
  double threshold = 0; // kg/m3 (= mg/mL); 0: none
  std::vector<int> species;           // indices of the species measured
  std::vector<double> unbound;        // per measured species: its unbound fraction in the target layer (1: not known or no binding)
  std::vector<double> session_starts; // sorted start times of sessions 0..n-1 (empty or one: no schedule)
  // The region the concentrations are over (docs/metrics.md, "Area"): the target layer within
  // `radius` (laterally: a disc in axisymmetric and 3d geometry, a strip in 2d) of any injection
  // point, its mean taken over the region's whole area, the part outside a no_flux domain counted
  // as tissue the solute has not reached (the boundary watch says when it has). No points or
  // radius 0: the whole layer of the domain.
  std::vector<std::pair<double, double>> points;  // (x, y) of the injection points
  double radius = 0;                              // m
  bool clip = false;  // unit cell or periodic: the region's area is its part inside the domain
  // Warn when the solute reaches a lateral edge that is not a symmetry plane (boundary_watch.hpp).
  bool watch_edges = false;
  // Per measured species: whether an injection delivers it (only those are watched; a laterally
  // uniform delivery reaches every edge by design).
  std::vector<char> injected;
};

// metrics.area / metrics.radius (read from the case's `metrics:` map; docs/metrics.md).
class MapReader;
void read_metrics_region(MapReader& m, Case& c);
// Writes them into the resolved case (the default too, where it applies).
void emit_metrics_region(YAML::Emitter& e, const Case& c);
// The default area (1 cm2): a common unit of dose per skin area, and the size of a treated spot
// (the educator cases' disc); a choice, stated in docs/metrics.md.
constexpr double kDefaultMetricsArea = 1e-4;  // m2

// Resolves the setup from a case: target layer (given or default), threshold, species, and the
// session start times (per `session` index, the earliest delivery time of that session).
MetricsSetup metrics_setup(const Case& c);
// The windows metrics are given for: [0] the whole run [0, end]; then, with two or more session
// starts, one per session, from its start (0 for the first) to the next session's start (the last
// to `end`).
std::vector<std::pair<double, double>> metrics_windows(const std::vector<double>& session_starts, double end);
// The default target layer of a list of layers: the first of kind papillary_dermis or dermis, else
// the first of kind reticular_dermis, else the deepest layer that is not hypodermis, else the last.
int default_target_layer(const std::vector<std::string>& names, const std::vector<std::string>& kinds);

constexpr double metrics_na = std::numeric_limits<double>::quiet_NaN();

// One time window: the whole run (session = -1) or one treatment session. All SI: kg (per m2 in
// 1d, per m in 2d), kg/m3, s. "n/a" values are NaN.
struct WindowMetrics {
  int session = -1;
  double t_start = 0, t_end = 0;
  double dose = 0;            // applied by the end of the window (cumulative)
  double auc = 0;             // integral of the target layer's mean concentration (kg/m3 s)
  double cmax = 0, tmax = 0;  // peak of that mean (kg/m3) and when (s, run time)
  double time_above = metrics_na;  // s with the mean at or above the threshold; NaN: no threshold
  double peak_amount = 0;     // cmax times the layer volume (kg)
  double amount_auc = 0;      // integral of the amount in the layer (kg s)
  double cleared_blood = 0, cleared_lymph = 0, degraded = 0;  // cumulative at the window's end (kg)
  double cv_at_cmax = metrics_na;  // lateral coefficient of variation at the middle depth of the layer
  double cv_mean = metrics_na;     // the same, averaged over the outputs in the window
  // The unbound fraction f of the target layer (models/properties: clearance acts on f c) and the AUC
  // and Cmax of the unbound concentration f C(t) (f is uniform over a layer, so they are f AUC, f Cmax).
  double unbound = 1;
  double auc_unbound() const { return unbound * auc; }
  double cmax_unbound() const { return unbound * cmax; }
  double pct(double v) const { return dose > 0 ? 100.0 * v / dose : metrics_na; }
  double peak_pct() const { return pct(peak_amount); }
  // Time-averaged % of the dose in the layer over the window.
  double mean_pct() const { return dose > 0 && t_end > t_start ? 100.0 * amount_auc / (dose * (t_end - t_start)) : metrics_na; }
};

struct SpeciesMetrics {
  std::string species;
  std::vector<WindowMetrics> windows;  // [0]: the whole run; then one per session when scheduled
  // Boundary watch: the largest share of the applied dose in the outermost lateral cells (%; NaN:
  // not watched) and the first time it exceeded kEdgeWarnFraction (s; NaN: never).
  double edge_pct_max = metrics_na, edge_time = metrics_na;
};

struct RunMetrics {
  std::string target;
  double target_volume = 0;  // m3 (per m2 in 1d, per m in 2d)
  double mid_depth = 0;      // depth of the row of cells where the CV is taken (m)
  double threshold = 0;      // kg/m3; 0: none
  Geometry geometry = Geometry::OneD;
  std::vector<SpeciesMetrics> species;
  // What the concentrations are over: the area of skin (m2; m of width in 2d; NaN: the whole
  // domain) and its words, and the domain's own size (for compare's checks).
  double region_area = metrics_na;
  std::string region = "the whole domain";
  std::string domain;         // e.g. "axisymmetric, width 5.642 mm"
  double domain_area = 0;     // top area of the domain (m2; m in 2d; 1 in 1d)
  std::vector<std::string> warnings;  // e.g. the solute reached a lateral edge
};

class MetricsRecorder : public Recorder {
 public:
  MetricsRecorder(const Simulation& sim, MetricsSetup setup);
  void on_output(const Simulation& sim, double t, int index) override;
  void on_step(const Simulation& sim, double t, double dt) override;
  void save_state(SavedState& st, const std::string& prefix) const override;
  void restore_state(const SavedState& st, const std::string& prefix) override;
  // Computes the metrics from what was recorded (call after run()).
  RunMetrics finish(const Simulation& sim);

 private:
  struct Point {
    double t, m, applied, blood, lymph, degraded;
  };
  void catch_up(const Simulation& sim);
  int window_of(double t) const;  // session window of a post-event instant
  double layer_mean_from_field(const std::vector<double>& c) const;
  double region_amount(const std::vector<double>& c) const;
  void describe_region(const Grid& g, RunMetrics& r) const;
  double mid_cv(const std::vector<double>& c) const;
  MetricsSetup setup_;
  Geometry geometry_;
  double volume_ = 0;
  int mid_row_ = 0;
  double mid_depth_ = 0;
  std::vector<size_t> layer_cells_;
  std::vector<double> layer_vol_;  // cell volume x its share in the region
  bool whole_ = true;              // the region is the whole layer: amounts from the history
  double region_area_ = metrics_na;
  std::vector<std::vector<double>> region_hist_;  // per species: the region's amount per history entry
  std::vector<std::vector<double>> step_fields_;  // on_step's work arrays (kept: no fresh memory per step)
  std::vector<size_t> edge_cells_;                // boundary watch
  std::vector<double> edge_vol_;
  std::vector<double> edge_max_, edge_time_;
  std::vector<size_t> mid_cells_;
  std::vector<double> mid_area_;
  std::vector<double> windows_a_, windows_b_;  // [0] whole run, then sessions
  size_t seen_ = 0;                            // history entries processed
  // per measured species
  std::vector<std::vector<Point>> points_;
  std::vector<std::vector<std::pair<double, double>>> jumps_;  // (time, mass deposited into the layer)
  std::vector<std::vector<double>> event_times_;
  std::vector<std::vector<double>> best_mean_, cv_best_;       // per window
  std::vector<std::vector<double>> cv_sum_;
  std::vector<std::vector<int>> cv_count_;
};

// Display: amounts in ug (axisymmetric, 3d), ug/cm2 (1d) or ug/mm (2d), as in the run summary.
struct AmountUnit {
  std::string unit;   // "ug", "ug/cm2", "ug/mm"
  std::string basis;  // "domain", "per_cm2", "per_mm"
  double factor;      // SI amount per display unit
};
AmountUnit amount_unit_for(Geometry g);

// The per-run metrics table (one row per species and window), as CSV; columns in docs/metrics.md.
std::vector<std::string> metrics_csv_columns();
// The last columns of both tables: the region's area (cm2; axisymmetric and 3d) or width (mm; 2d),
// n/a for the whole domain, and the boundary watch (edge_pct_max, edge_time_h).
std::vector<std::string> region_columns();
// "region" when the amounts are over a stated area (2d, axisymmetric, 3d), else the geometry's basis.
std::string amount_basis(const RunMetrics& m);
std::vector<std::string> region_values(const RunMetrics& m, const SpeciesMetrics& s);
std::string metrics_csv(const RunMetrics& m);
// The values of one window in the order of metric_value_columns() (display units; NaN for n/a).
std::vector<std::string> metric_value_columns();
std::vector<double> metric_values(const WindowMetrics& w, Geometry g);
// A short human-readable block for the end of `dermasim run`.
std::string metrics_text(const RunMetrics& m);
// Writes text to path atomically (a temporary name in the same folder, then rename).
void write_file_atomic(const std::string& path, const std::string& text);
// "<folder>/<stem>_metrics.csv" for an output file "<folder>/<stem>.h5".
std::string metrics_csv_path(const std::string& h5_path);

// CSV helpers: a number ("n/a" for NaN) and a quoted field where needed.
std::string num(double v, const char* fmt = "%.6g");
std::string csv_field(const std::string& s);

}  // namespace dermasim
