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
  std::vector<double> session_starts; // sorted start times of sessions 0..n-1 (empty or one: no schedule)
};

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
  double pct(double v) const { return dose > 0 ? 100.0 * v / dose : metrics_na; }
  double peak_pct() const { return pct(peak_amount); }
  // Time-averaged % of the dose in the layer over the window.
  double mean_pct() const { return dose > 0 && t_end > t_start ? 100.0 * amount_auc / (dose * (t_end - t_start)) : metrics_na; }
};

struct SpeciesMetrics {
  std::string species;
  std::vector<WindowMetrics> windows;  // [0]: the whole run; then one per session when scheduled
};

struct RunMetrics {
  std::string target;
  double target_volume = 0;  // m3 (per m2 in 1d, per m in 2d)
  double mid_depth = 0;      // depth of the row of cells where the CV is taken (m)
  double threshold = 0;      // kg/m3; 0: none
  Geometry geometry = Geometry::OneD;
  std::vector<SpeciesMetrics> species;
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
  double mid_cv(const std::vector<double>& c) const;
  MetricsSetup setup_;
  Geometry geometry_;
  double volume_ = 0;
  int mid_row_ = 0;
  double mid_depth_ = 0;
  std::vector<size_t> layer_cells_;
  std::vector<double> layer_vol_;
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
