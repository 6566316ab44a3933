// SPDX-License-Identifier: BSD-3-Clause
// `dermasim compare`: several scenarios (case files, or the entries of a scenarios file), each run
// with target-layer metrics (models/metrics), gathered into one table with ratios to the first
// scenario. Reading and validating every scenario happens before anything runs.
// Scenario files and the table's columns: docs/metrics.md.
#pragma once
#include <string>
#include <vector>

#include "../models/case.hpp"
#include "../models/metrics.hpp"

namespace dermasim {

struct Scenario {
  std::string name;    // unique; the output files are <out>/<name>.h5 and <name>_metrics.csv
  std::string origin;  // "serum.yaml" or "compare.yaml: scenarios[1]"
  Case c;
};

struct ScenarioSet {
  std::string name = "compare";  // the comparison's name (from a scenarios file's `name`, or its stem)
  std::string out;               // output folder from a scenarios file's `out` ("" if not given)
  std::vector<Scenario> scenarios;
};

// Each argument is a case file or a scenarios file (a top level with `scenarios:`). `sets` apply to
// every scenario, after the scenario's own `set:` entries. Throws InputError on the first problem.
ScenarioSet load_scenarios(const std::vector<std::string>& files, const std::vector<std::string>& sets);
// True when a YAML file's top level has a `scenarios` key.
bool is_scenarios_file(const std::string& file);

// One row of the comparison: one scenario and one species, whole-run window.
struct CompareRow {
  std::string scenario, species, target;
  Geometry geometry = Geometry::OneD;
  double threshold = 0;  // kg/m3
  WindowMetrics w;
  // what the concentrations are over and the domain (RunMetrics), and the region columns
  std::string region, domain, basis;
  double domain_area = 0;
  std::vector<std::string> region_values;  // region_columns()
  std::vector<std::string> warnings;       // the run's (e.g. the solute reached a lateral edge)
};
std::vector<CompareRow> compare_rows(const std::string& scenario, const RunMetrics& m);

// Columns of the comparison CSV: identification, the metric values (metric_value_columns()), then
// ratio_<metric> for each, relative to the first row.
std::vector<std::string> compare_csv_columns();
// ratio of row i's metric values to row 0's (NaN where undefined)
std::vector<double> compare_ratios(const std::vector<CompareRow>& rows, size_t i);
std::string compare_csv(const std::vector<CompareRow>& rows);
// The table printed at the end of `dermasim compare` (rows: scenarios; cells: value and ratio).
std::string compare_table(const std::vector<CompareRow>& rows);

}  // namespace dermasim
