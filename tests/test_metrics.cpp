// SPDX-License-Identifier: BSD-3-Clause
// Target-layer metrics (models/metrics) against hand-computable cases, the comparison table
// (app/compare) and scenario files.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "app/compare.hpp"
#include "models/metrics.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// One well-mixed layer (no-flux top and bottom) of uniform concentration C0 that degrades at k:
// the mean is C0 exp(-k t) exactly.
const double C0 = 2.0;     // kg/m3 = mg/mL
const double kdeg = 1e-4;  // 1/s
const double T = 10 * 3600.0;

std::string decay_case(const std::string& geometry) {
  return "name: decay\n"
         "time: {end: 10 h, output_every: 1 h}\n" +
         geometry +
         "skin:\n"
         "  layers:\n"
         "    - {name: top, thickness: 100 um, cells: 4}\n"
         "    - {name: dermis, thickness: 1 mm, cells: 8}\n"
         "species:\n"
         "  - name: a\n"
         "    properties:\n"
         "      all: {diffusivity: 1e-10 m2/s, partition: 1, degradation: 1e-4 1/s}\n"
         "metrics: {target: dermis, threshold: 0.2 mg/mL}\n";
}

RunMetrics run_metrics(Problem p, const MetricsSetup& setup) {
  Simulation sim(std::move(p));
  MetricsRecorder rec(sim, setup);
  sim.run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
          [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  return rec.finish(sim);
}

RunMetrics decay_metrics(const std::string& geometry) {
  Case c = parse(decay_case(geometry));
  std::vector<std::string> w;
  Problem p = build_problem(c, &w);
  p.species[0].initial_c.assign(p.grid.cells(), C0);  // uniform everywhere: each layer decays alone
  return run_metrics(std::move(p), metrics_setup(c));
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "dermasim-test-metrics";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

const char* tiny_case =
    "name: tiny\n"
    "time: {end: 1 h, output_every: 30 min}\n"
    "skin:\n"
    "  layers:\n"
    "    - {name: sc, thickness: 15 um, cells: 4}\n"
    "    - {name: dermis, thickness: 1 mm, cells: 8, clearance: 1e-3 1/s}\n"
    "species:\n"
    "  - name: caf\n"
    "    properties:\n"
    "      all: {diffusivity: 1e-10 m2/s, partition: 0.7}\n"
    "      sc: {diffusivity: 1e-13 m2/s, partition: 0.8}\n"
    "delivery:\n"
    "  - {type: topical, species: caf, dose: 2 mg/cm2, concentration: 20 mg/mL}\n";

}  // namespace

TEST_CASE("metrics of a uniformly decaying layer match the exponential", "[unit][metrics]") {
  const RunMetrics m = decay_metrics("");
  REQUIRE(m.target == "dermis");
  REQUIRE(m.species.size() == 1);
  const WindowMetrics& w = m.species[0].windows.at(0);
  const double auc = C0 * (1 - std::exp(-kdeg * T)) / kdeg;
  CHECK(w.auc == Approx(auc).epsilon(1e-3));
  CHECK(w.cmax == Approx(C0).epsilon(1e-9));
  CHECK(w.tmax == 0.0);
  CHECK(w.time_above == Approx(std::log(C0 / 0.2) / kdeg).epsilon(1e-3));
  // the layer holds 1 mm of the 1.1 mm column; the dose is the initial content of the whole column
  CHECK(w.dose == Approx(C0 * 1.1e-3).epsilon(1e-9));
  CHECK(w.peak_pct() == Approx(100.0 / 1.1).epsilon(1e-6));
  CHECK(w.pct(w.degraded) == Approx(100 * (1 - std::exp(-kdeg * T))).epsilon(1e-3));
  CHECK(w.pct(w.cleared_blood) == Approx(0).margin(1e-12));
  CHECK(w.amount_auc == Approx(auc * 1e-3).epsilon(1e-3));
  CHECK(w.mean_pct() == Approx(100 * w.amount_auc / (w.dose * T)).epsilon(1e-12));
  CHECK(std::isnan(w.cv_at_cmax));  // 1d: n/a
  CHECK(std::isnan(w.cv_mean));
}

TEST_CASE("lateral CV is 0 for a uniform field and positive for a point injection in 3d", "[unit][metrics]") {
  const RunMetrics uni = decay_metrics("geometry: {kind: 3d, width: 2 mm, lateral_cells: 4}\n");
  const WindowMetrics& u = uni.species[0].windows.at(0);
  CHECK(u.cv_at_cmax == Approx(0).margin(1e-9));
  CHECK(u.cv_mean == Approx(0).margin(1e-9));
  CHECK(u.auc == Approx(C0 * (1 - std::exp(-kdeg * T)) / kdeg).epsilon(1e-3));

  Case c = parse(
      "time: {end: 2 h, output_every: 30 min}\n"
      "geometry: {kind: 3d, width: 4 mm, lateral_cells: 8}\n"
      "skin:\n"
      "  layers:\n"
      "    - {name: epidermis, thickness: 100 um, cells: 4}\n"
      "    - {name: papillary_dermis, thickness: 400 um, cells: 6}\n"
      "    - {name: reticular_dermis, thickness: 1 mm, cells: 6}\n"
      "species:\n"
      "  - name: a\n"
      "    properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}\n"
      "delivery:\n"
      "  - {type: injection, species: {a: 10 mg/mL}, volume: 0.1 uL, depth: 0.3 mm, at: [2 mm, 2 mm]}\n");
  REQUIRE(c.metrics.target == "papillary_dermis");  // the default: the first dermal layer
  std::vector<std::string> w;
  const RunMetrics pt = run_metrics(build_problem(c, &w), metrics_setup(c));
  const WindowMetrics& p = pt.species[0].windows.at(0);
  CHECK(p.cv_at_cmax > 0.5);
  CHECK(p.cv_mean > 0.1);
  CHECK(p.cmax > 0);
  CHECK(p.peak_pct() > 50);  // a small bolus inside the layer
  CHECK(std::isnan(p.time_above));  // no threshold given
}

TEST_CASE("metrics: the case key is validated and written back", "[unit][metrics]") {
  CHECK(parse(tiny_case).metrics.target == "dermis");
  CHECK_THROWS_WITH(parse(std::string(tiny_case) + "metrics: {target: papillary}\n"), Catch::Contains("no layer named 'papillary'"));
  CHECK_THROWS_WITH(parse(std::string(tiny_case) + "metrics: {threshold: -1 mg/mL}\n"), Catch::Contains("metrics.threshold"));
  CHECK_THROWS_WITH(parse(std::string(tiny_case) + "metrics: {target: sc, colour: red}\n"), Catch::Contains("colour"));
  Case c = parse(std::string(tiny_case) + "metrics: {target: sc, threshold: 0.05 mg/mL}\n");
  CHECK(c.metrics.target == "sc");
  CHECK(c.metrics.threshold == Approx(0.05));
  Case back = read_case(load_yaml_text(dump_case(c), "resolved", {}));
  CHECK(back.metrics.target == "sc");
  CHECK(back.metrics.threshold == Approx(0.05));
  std::vector<std::string> names = {"stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"};
  CHECK(default_target_layer(names, names) == 2);
}

TEST_CASE("metrics CSV has the documented columns, one row per species and window", "[unit][metrics]") {
  const RunMetrics m = decay_metrics("");
  const std::string csv = metrics_csv(m);
  std::istringstream in(csv);
  std::string header, row, extra;
  std::getline(in, header);
  std::getline(in, row);
  CHECK_FALSE(std::getline(in, extra));
  CHECK(header.rfind("species,target,window,session,t_start_h,t_end_h,threshold_mg_mL,amount_basis,dose_ug,", 0) == 0);
  CHECK(row.rfind("a,dermis,all,n/a,0,10,0.2,per_cm2,", 0) == 0);
}

TEST_CASE("compare table: columns, and the ratio of a scenario to itself is 1", "[unit][compare]") {
  const RunMetrics m = decay_metrics("");
  std::vector<CompareRow> rows = compare_rows("first", m);
  for (auto& r : compare_rows("second", m)) rows.push_back(r);
  REQUIRE(rows.size() == 2);
  const auto r = compare_ratios(rows, 1);
  const auto v = metric_values(rows[1].w, rows[1].geometry);
  for (size_t k = 0; k < r.size(); ++k) {
    INFO(metric_value_columns()[k]);
    if (std::isfinite(v[k]) && v[k] != 0)
      CHECK(r[k] == Approx(1.0));
    else
      CHECK(std::isnan(r[k]));
  }
  const std::string csv = compare_csv(rows);
  std::istringstream in(csv);
  std::string header, line;
  std::getline(in, header);
  std::string want;
  for (const auto& c : compare_csv_columns()) want += (want.empty() ? "" : ",") + c;
  CHECK(header == want);
  CHECK(header.find(",ratio_auc_mg_mL_h,") != std::string::npos);
  int n = 0;
  while (std::getline(in, line)) ++n;
  CHECK(n == 2);
  const std::string table = compare_table(rows);
  CHECK(table.find("second") != std::string::npos);
  CHECK(table.find("(x1)") != std::string::npos);
}

TEST_CASE("scenario files: file and inline entries, set, and errors", "[unit][compare]") {
  const std::string a = write_temp("a.yaml", tiny_case);
  const std::string s = write_temp("s.yaml",
                                   "name: trial\n"
                                   "out: results/trial\n"
                                   "scenarios:\n"
                                   "  - {name: base, file: a.yaml}\n"
                                   "  - name: double\n"
                                   "    file: a.yaml\n"
                                   "    set: [\"delivery[0].concentration=40 mg/mL\"]\n"
                                   "  - name: inline\n"
                                   "    case:\n"
                                   "      time: {end: 1 h}\n"
                                   "      skin: {layers: [{name: dermis, thickness: 1 mm, cells: 4}]}\n"
                                   "      species: [{name: x, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}]\n");
  CHECK(is_scenarios_file(s));
  CHECK_FALSE(is_scenarios_file(a));
  ScenarioSet set = load_scenarios({s}, {});
  CHECK(set.name == "trial");
  CHECK(set.out == "results/trial");
  REQUIRE(set.scenarios.size() == 3);
  CHECK(set.scenarios[0].name == "base");
  CHECK(set.scenarios[1].c.delivery[0].concentration == Approx(40));
  CHECK(set.scenarios[0].c.delivery[0].concentration == Approx(20));
  CHECK(set.scenarios[2].name == "inline");
  CHECK(set.scenarios[2].c.species[0].name == "x");
  // --set applies to every scenario (after the scenario's own)
  ScenarioSet set2 = load_scenarios({s}, {"time.end=30 min"});
  CHECK(set2.scenarios[1].c.end == Approx(1800));
  CHECK(set2.scenarios[2].c.end == Approx(1800));
  // plain case files: names from the cases, numbered when repeated
  ScenarioSet plain = load_scenarios({a, a}, {});
  CHECK(plain.scenarios[0].name == "tiny");
  CHECK(plain.scenarios[1].name == "tiny_2");

  auto bad = [&](const std::string& body, const std::string& msg) {
    const std::string f = write_temp("bad.yaml", body);
    CHECK_THROWS_WITH(load_scenarios({f}, {}), Catch::Contains(msg));
  };
  bad("scenarios: [{name: x, file: a.yaml}, {name: x, file: a.yaml}]\n", "used twice");
  bad("scenarios: [{name: x}]\n", "needs 'file'");
  bad("scenarios: [{name: x, file: a.yaml, case: {}}]\n", "either file or case");
  bad("scenarios: [{name: x, file: missing.yaml}]\n", "cannot open");
  bad("scenarios: [{name: x, file: a.yaml, colour: red}]\n", "colour");
  bad("scenarios: []\n", "at least one scenario");
  bad("scenarios: [{name: x/y, file: a.yaml}]\n", "scenario name");
  bad("scenarios:\n  - name: x\n    case: {time: {end: -1 h}}\n", "scenarios[0].case.time.end");
  bad("scenarios: [{name: x, file: a.yaml, set: [\"metrics.target=nowhere\"]}]\n", "no layer named 'nowhere'");
}

TEST_CASE("metrics per treatment session of a schedule", "[unit][metrics]") {
  // Three identical papules 2 days apart in 1d with fast clearance: each session starts from clean
  // tissue, so the sessions' AUC and Cmax are equal, and their AUCs add up to the whole run's.
  const std::string y =
      "time: {end: 6 d, output_every: 1 d}\nskin: {preset: face_cheek}\n"
      "species:\n  - {name: s, properties: {all: {diffusivity: 2e-10 m2/s, partition: 1}}}\n"
      "delivery:\n  - {type: injection, species: {s: 5 mg/mL}, volume: 5 uL/cm2, depth: 0.6 mm,"
      " schedule: {count: 3, interval: 2 d}}\n"
      "metrics: {target: papillary_dermis}\n";
  Case c = parse(y);
  std::vector<std::string> w;
  const RunMetrics m = run_metrics(build_problem(c, &w), metrics_setup(c));
  REQUIRE(m.species.size() == 1);
  const auto& win = m.species[0].windows;
  REQUIRE(win.size() == 4);  // the whole run, then three sessions
  for (int k = 0; k < 3; ++k) {
    CHECK(win[k + 1].session == k);
    CHECK(win[k + 1].t_start == Approx(k * 2 * 86400.0));
    CHECK(win[k + 1].t_end == Approx((k + 1) * 2 * 86400.0));
    CHECK(win[k + 1].auc == Approx(win[1].auc).epsilon(1e-3));
    CHECK(win[k + 1].cmax == Approx(win[1].cmax).epsilon(1e-3));
  }
  CHECK(win[1].auc + win[2].auc + win[3].auc == Approx(win[0].auc).epsilon(1e-9));
  CHECK(win[3].dose == Approx(3 * win[1].dose).epsilon(1e-9));  // cumulative doses
}

// The `degraded` metric counts every degradation channel: the species' own degradation and the
// degradation by each enzyme ("degraded_by_<enzyme>").
TEST_CASE("degraded metric sums the own and the enzymatic degradation channels", "[unit][metrics]") {
  const std::string y =
      "time: {end: 1 d, output_every: 6 h}\n"
      "skin:\n  layers:\n    - {name: dermis, thickness: 1 mm, cells: 10}\n"
      "species:\n"
      "  - {name: ha, properties: {all: {diffusivity: 5e-12 m2/s, partition: 1, degradation: 1e-5 1/s}}}\n"
      "  - {name: hase, properties: {all: {diffusivity: 1e-11 m2/s, partition: 1}}}\n"
      "delivery:\n  - {type: injection, species: {ha: 10 mg/mL, hase: 0.1 mg/mL}, volume: 2 uL/cm2, depth: 0.5 mm}\n"
      "reactions:\n  - {type: enzymatic, enzyme: hase, substrate: ha, rate_constant: 1.8 mL/mg/h}\n"
      "fluid: {enabled: false}\n"
      "metrics: {target: dermis, species: [ha]}\n";
  Case c = parse(y);
  std::vector<std::string> w;
  auto sim = make_sim(y);
  sim->run();
  const Balance b = sim->balance(0);
  const RunMetrics m = run_metrics(build_problem(c, &w), metrics_setup(c));  // the same run, recorded
  const double own = b.out.at("degraded"), by_enzyme = b.out.at("degraded_by_hase");
  REQUIRE(own > 0);
  REQUIRE(by_enzyme > 0);
  CHECK(m.species[0].windows[0].degraded == Approx(own + by_enzyme).epsilon(1e-12));
}

TEST_CASE("metrics: the unbound AUC and Cmax are the layer's unbound fraction times the total ones", "[metrics][binding]") {
  // An analytic decay in a layer whose content is 40 % unbound (properties.unbound_fraction): C(t) = C0
  // exp(-(k_deg + f k_blood) t) in every layer (uniform start, no gradients), the unbound columns f AUC, f Cmax.
  const double f = 0.4, kb = 2e-4, kd = 1e-4, T = 6 * 3600.0;
  Case c = parse(
      "time: {end: 6 h, outputs: [0 h, 6 h]}\n"
      "skin:\n  layers:\n    - {name: dermis, thickness: 1 mm, cells: 20, kind: dermis, clearance: 2e-4 1/s}\n"
      "species:\n  - name: a\n    properties:\n      all: {diffusivity: 1e-10 m2/s, partition: 1, degradation: 1e-4 1/s, unbound_fraction: 0.4}\n"
      "metrics: {target: dermis}\n");
  std::vector<std::string> w;
  Problem p = build_problem(c, &w);
  p.species[0].initial_c.assign(p.grid.cells(), C0);
  const RunMetrics m = run_metrics(std::move(p), metrics_setup(c));
  const WindowMetrics& x = m.species[0].windows[0];
  const double k = kd + f * kb;
  CHECK(x.unbound == f);
  CHECK(x.auc == Approx(C0 * (1 - std::exp(-k * T)) / k).epsilon(1e-3));  // clearance acts on f c
  CHECK(x.auc_unbound() == Approx(f * x.auc).epsilon(1e-12));
  CHECK(x.cmax_unbound() == Approx(f * C0).epsilon(1e-9));
  const auto cols = metric_value_columns();
  const auto v = metric_values(x, m.geometry);
  REQUIRE(cols.size() == v.size());
  CHECK(cols[cols.size() - 3] == "unbound_fraction");
  CHECK(v[v.size() - 2] == Approx(f * x.auc / 3600.0).epsilon(1e-12));
}
