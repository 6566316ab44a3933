// SPDX-License-Identifier: BSD-3-Clause
// Sweep files (docs/sweep.md): a base case plus axes, each a key path in the `--set` syntax with its
// values. Reading a sweep file gives the list of cases, each a list of "KEY=VALUE" overrides applied
// to the base case exactly as `dermasim run --set` applies them.
//
// Designs: `factorial` (every combination of the list/range axes; a `zip` group varies its axes
// together), and the sampled designs `random`, `lhs` (Latin hypercube), `sobol` (low-discrepancy
// sequence) and `saltelli` (the A/B/AB_i matrices of variance-based sensitivity indices), which
// and `morris` (elementary-effect trajectories), which draw each axis from a distribution (uniform, log_uniform, normal, log_normal, truncated by
// min/max, or a skin population from data) with a seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../solver/input.hpp"

namespace dermasim {

// A distribution over one quantity, through its inverse CDF: value(u) for u in (0, 1). All values
// are SI in `dim`; `unit` is how values are written into the case ("um", "mg/mL", "" for a number).
struct SweepDistribution {
  std::string kind;  // uniform, log_uniform, normal, log_normal, choice
  double a = 0, b = 0;          // uniform/log_uniform: min, max; normal: mean, sd; log_normal: median, gsd
  double lo = -1e308, hi = 1e308;  // truncation (normal, log_normal)
  std::vector<std::string> choices;  // choice: the listed values, drawn with equal probability
  std::string unit;
  double unit_si = 1;           // SI value of one `unit`
  double value(double u) const; // SI
  std::string text(double u) const;  // the value as written into the case
};

// One column of the table: a varied key path.
struct SweepAxis {
  std::string key;
  int line = 0;                 // in the sweep file
  std::string location;         // "vary[2]" or "vary[1].zip[0]"
  int group = -1;               // factorial: the index of its (zip) group; sampled: its dimension
  std::vector<std::string> values;  // factorial: the values, as written into the case
  SweepDistribution dist;       // sampled designs
  std::string derived;          // a derived value: the expression (docs/sweep.md)
  std::string derived_unit;
};

struct SweepMetric {
  std::string name;   // the column name
  std::string kind;   // a run metric (metric_value_columns()), receptor_pct_dose, receptor_ug, papule_height_mm,
                      // ha_remaining_pct, layer_pct_dose
  std::string layer;  // layer_pct_dose: the layer
  double at = -1;     // layer_pct_dose / receptor at a time (s); -1: the end
  int line = 0;
};

struct SweepCase {
  long id = 0;
  std::vector<std::string> values;  // one per axis
};

struct SweepSpec {
  std::string file;        // the sweep file
  std::string base_file;   // resolved path of the base case
  std::string base_text;   // its YAML text (read once)
  Located base_tree;       // the base case parsed once, `set:` applied (prepare_sweep_base in app/sweep.cpp)
  std::vector<std::string> sets;  // fixed overrides (`set:`) applied to every case before the axes
  std::string design = "factorial";
  long samples = 0;
  uint64_t seed = 1;
  std::string species;     // the species the metrics are for ("" = the case's metrics species)
  std::vector<SweepAxis> axes;
  std::vector<SweepMetric> metrics;
  std::vector<SweepCase> cases;
  int dims = 0;            // sampled designs: number of independent inputs
  int levels = 4;          // morris: grid levels per input
  std::vector<double> unit_points;  // sampled designs: each case's point in the unit cube (cases x dims)
  bool curves = true;      // record target-layer and receptor curves (percentile bands)
  bool fields = false;     // write each case's results file (HDF5 + XDMF) into case_dir
  std::string case_dir;    // set by the command: DIR/cases
  int curve_points = 49;
  std::string fingerprint; // a hash of everything that defines the table (sweep + base text)
  std::vector<std::string> notes;  // said once before the run ("FILE:LINE: KEY: ..."): e.g. population data not recorded for the age asked

  // The overrides of one case: `set:` entries, then KEY=VALUE per axis.
  std::vector<std::string> case_sets(const SweepCase& c) const;
  // Where an axis is written: "sweep.yaml:7: vary[1] (skin.layers[0].thickness)"
  std::string axis_where(size_t i) const;
};

// Reads and expands a sweep file. Throws InputError (file, line, key path) for a bad file.
SweepSpec read_sweep(const std::string& path);
SweepSpec read_sweep_text(const std::string& text, const std::string& name);

// Points in the unit cube, n x d, row-major; deterministic for a seed.
std::vector<double> sample_random(long n, int d, uint64_t seed);
std::vector<double> sample_lhs(long n, int d, uint64_t seed);
// Sobol' points 1..n (the zero point skipped), direction numbers of Joe & Kuo (2008), d <= sobol_max_dims().
std::vector<double> sample_sobol(long n, int d);
int sobol_max_dims();

// Standard normal CDF and its inverse.
double normal_cdf(double x);
double normal_quantile(double p);

// The values of a key path in a case as loaded (for derived values); "" if absent.
std::string lookup_value(const Located& root, const std::string& key);

}  // namespace dermasim
