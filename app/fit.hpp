// SPDX-License-Identifier: BSD-3-Clause
// `dermasim fit`: estimating case parameters from a user's measurements (Franz-cell receptor amounts
// or fluxes, amounts in a layer or left in the vehicle, tape-strip profiles) by weighted least
// squares, with confidence intervals, correlations and identifiability warnings. docs/fit.md.
//
// fit_spec: the fit file and the data files. fit_model: one evaluation of the model for a parameter
// vector (through the same --set machinery as `dermasim run`). fit_estimate: the optimiser (NLopt),
// the Jacobian statistics and the profile likelihood. fit_command: the command and its outputs.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dermasim {

enum class Residuals { Auto, Sd, Relative, Log, Absolute };
std::string to_string(Residuals r);

struct FitParameter {
  std::string key;    // key path in the case, e.g. species[0].properties.membrane.diffusivity
  std::string label;  // the name in fit.csv: the key, or key@set1,set2 for a per-data-set parameter
  double lo = 0, hi = 0, initial = 0;  // in `unit`
  std::string unit;   // the unit of the bounds as written ("" for a plain number)
  bool log = false;   // log scale: searched and its interval built in log(value)
  std::vector<int> data;  // the data sets it applies to (empty: all)
  int line = 0;
  // Between the scaled coordinate u in [0, 1] (what the optimiser sees) and the value.
  double value(double u) const;
  double coordinate(double v) const;
  // d(natural)/du: natural = log(value) on a log scale, the value itself on a linear one.
  double natural_per_u() const;
  std::string set_text(double v) const;  // "KEY=VALUE UNIT" for --set
};

struct DataPoint {
  double t = 0;      // s (time of the sample; for tape strips, the profile's time)
  double y = 0;      // SI: kg/m2, kg/m2/s
  double sd = 0;     // SI; 0: none
  double z0 = 0, z1 = 0;  // tape strips: depth range (m)
  int row = 0;       // in the file (1-based, the header is row 1)
};

struct DataSet {
  std::string name, file, quantity, species, layer;
  int line = 0;       // in the fit file
  std::string base;   // the case file of this data set
  std::vector<std::string> sets;  // KEY=VALUE overrides of this data set
  Residuals residuals = Residuals::Auto;
  double strip_time = 0;  // tape strips: when the strips were taken (s)
  double strip_density = 0;  // tape strips given by strip_mass: the stratum corneum's density (kg/m3)
  std::string y_column, y_unit;  // the value column's unit as written ("ug_cm2", ...)
  double y_unit_si = 1;          // SI per unit of the value column
  std::vector<DataPoint> points;
  bool has_sd = false;
};

struct FitSpec {
  std::string file;  // the fit file
  std::string base;  // the base case (path as usable from the working directory)
  std::vector<FitParameter> params;
  std::vector<DataSet> data;
  int starts = 4;
  bool profile = false;
  int max_evaluations = 400;  // per start
  double confidence = 0.95;
};

// Reads and validates a fit file and its data files; InputError (exit 2) with file, line and key
// for the fit file, file, row and column for a data file.
FitSpec read_fit_file(const std::string& path);
// Reads one data file for the quantity of `ds` (fills ds.points, units, has_sd).
void read_data_file(DataSet& ds);

// The model's value at each data point of each data set, for parameter values `v` (in their units).
struct Prediction {
  std::vector<std::vector<double>> y;  // per data set, per point (SI)
  // Per data set, a fine curve for the plot: (time s or depth m, value SI).
  std::vector<std::vector<std::pair<double, double>>> curve;
};
// The --set overrides of data set d for parameter values v.
std::vector<std::string> fit_sets(const FitSpec& spec, int d, const std::vector<double>& v);
// Runs the cases of the data sets (one run per distinct case). Throws InputError for an invalid case
// (with the parameter values in the message), std::runtime_error for a failed run.
Prediction predict(const FitSpec& spec, const std::vector<double>& v, bool curves = false);

// Weighted residuals of one prediction (the weights of each data set's `residuals`).
std::vector<double> residuals(const FitSpec& spec, const Prediction& p);

struct FitResult {
  std::vector<double> value;           // per parameter, in its unit
  std::vector<double> lower, upper;    // 95 % (or spec.confidence) intervals from the Jacobian
  std::vector<double> profile_lower, profile_upper;  // when spec.profile (NaN: not reached within the bounds)
  std::vector<double> se_natural;      // standard errors of the natural coordinates (log value or value)
  std::vector<std::vector<double>> correlation;
  double ssr = 0;                      // weighted sum of squared residuals at the optimum
  int n = 0, p = 0;                    // data points used, parameters
  bool sigma_known = false;            // sd weights: covariance (J'J)^-1; else s^2 (J'J)^-1
  double quantile = 0;                 // the t (or normal) quantile used
  double condition = 0;                // of J'J in the scaled coordinates
  std::vector<std::string> warnings;   // identifiability, bounds, failed starts
  std::vector<double> start_ssr;       // the best objective reached from each start
  int starts_agreeing = 0;             // starts that reached the best optimum (within 1e-6 relative)
  long evaluations = 0;                // model evaluations (each a run of every distinct case)
  Prediction prediction;               // at the optimum, with curves
};

// Fits the parameters. `log` receives progress lines.
FitResult estimate(const FitSpec& spec, const std::function<void(const std::string&)>& log);

// Quantile of Student's t with `dof` degrees of freedom (dof <= 0: the normal's).
double t_quantile(double p, double dof);

}  // namespace dermasim

namespace dermasim {
// The `fit` command: reads FIT.yaml, fits, writes DIR/fit.csv, fitted.yaml, fit.png (and the tables
// behind them) and prints a summary. `profile` and `starts` (> 0) override the file's.
int cmd_fit(const std::string& file, const std::string& out_dir, bool profile, int starts, bool quiet);
}  // namespace dermasim
