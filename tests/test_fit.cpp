// SPDX-License-Identifier: BSD-3-Clause
// `dermasim fit` (app/fit*): synthetic recovery (data made by the model with known parameters are
// recovered within 1 %, 1d and axisymmetric, 2 and 4 parameters), identifiability warnings, the
// interval quantiles, data-file errors, and (long) the coverage of the 95 % intervals with 5 % noise.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <sstream>

#include <atomic>
#include <cstdlib>

#include "app/fit.hpp"
#include "app/parallel.hpp"
#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int count = 0;
    path = fs::temp_directory_path() / ("dermasim-fit-test-" + std::to_string(::getpid()) + "-" + std::to_string(count++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

// A Franz cell: one or two membranes, a sink below; `geometry` is "1d" or "axisymmetric".
std::string franz_case(const std::string& geometry, bool two_layers, bool finite) {
  std::ostringstream y;
  y << "name: synth\ntime: {end: 12 h, output_every: 12 h}\n";
  if (geometry != "1d") y << "geometry: {kind: axisymmetric, width: 2 mm, lateral_cells: 3}\n";
  y << "skin:\n  layers:\n    - {name: top, thickness: 20 um, cells: 8}\n";
  if (two_layers) y << "    - {name: bottom, thickness: 60 um, cells: 8}\n";
  y << "  bottom: sink\nspecies:\n  - name: drug\n    properties:\n      top: {diffusivity: 1e-13 m2/s, partition: 1}\n";
  if (two_layers) y << "      bottom: {diffusivity: 1e-11 m2/s, partition: 1}\n";
  if (finite)
    y << "delivery:\n  - {type: topical, species: drug, dose: 10 uL/cm2, concentration: 5 mg/mL}\n";
  else
    y << "delivery:\n  - {type: topical, species: drug, concentration: 1 mg/mL, infinite: true}\n";
  return y.str();
}

// Runs `case_text` with `sets` and writes the amount `key` ("receptor", "layer/top", ...) per area at
// `times` (h) as a CSV in ug/cm2, with relative noise `noise` (0: none) from `rng`.
std::string synth_csv(const std::string& case_text, const std::vector<std::string>& sets, const std::string& key,
                      const std::vector<double>& times, const std::string& column, double noise = 0, std::mt19937* rng = nullptr) {
  Case c = parse(case_text, sets);
  for (double t : times) c.outputs.push_back(t * 3600);
  std::sort(c.outputs.begin(), c.outputs.end());
  c.outputs.erase(std::unique(c.outputs.begin(), c.outputs.end()), c.outputs.end());
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  sim.run();
  const auto& h = sim.history();
  std::ostringstream csv;
  csv.precision(12);
  csv << "time_h," << column << "_ug_cm2\n";
  std::normal_distribution<double> n01(0, 1);
  for (double t : times) {
    double v = at_time(h.time, h.species[0].at(key), t * 3600) / sim.grid().top_area() * 1e9 / 1e4;  // kg/m2 -> ug/cm2
    if (noise > 0) v *= 1 + noise * n01(*rng);
    csv << t << "," << v << "\n";
  }
  return csv.str();
}

FitResult fit(const std::string& fitfile) {
  FitSpec spec = read_fit_file(fitfile);
  return estimate(spec, [](const std::string&) {});
}

const std::vector<double> kTimes = {0.5, 1, 1.5, 2, 3, 4, 6, 8, 10, 12};

}  // namespace

TEST_CASE("fit: t and normal quantiles", "[unit][fit]") {
  CHECK(t_quantile(0.975, 0) == Approx(1.959964).epsilon(1e-5));
  CHECK(t_quantile(0.975, 10) == Approx(2.228139).epsilon(1e-5));
  CHECK(t_quantile(0.975, 3) == Approx(3.182446).epsilon(1e-5));
}

TEST_CASE("fit: synthetic recovery of 2 parameters (D, K) within 1 %, 1d and axisymmetric", "[verification][fit]") {
  const std::string geometry = GENERATE(as<std::string>{}, "1d", "axisymmetric");
  TempDir dir;
  const std::string base = franz_case(geometry, false, false);
  dir.write("base.yaml", base);
  const double D = 3e-14, K = 3.7;
  dir.write("receptor.csv", synth_csv(base, {"species[0].properties.top.diffusivity=3e-14 m2/s", "species[0].properties.top.partition=3.7"},
                                      "receptor", kTimes, "receptor"));
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nstarts: 2\nparameters:\n"
                                  "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-15 m2/s, 1e-11 m2/s], scale: log}\n"
                                  "  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 100], scale: log}\n"
                                  "data:\n  - {file: receptor.csv, quantity: receptor, species: drug, residuals: " +
                                      std::string(geometry == "1d" ? "relative" : "log") + "}\n");
  const FitResult r = fit(f);
  INFO(geometry << ": D = " << r.value[0] << ", K = " << r.value[1]);
  CHECK(r.value[0] == Approx(D).epsilon(0.01));
  CHECK(r.value[1] == Approx(K).epsilon(0.01));
  CHECK(r.lower[0] < r.value[0]);
  CHECK(r.upper[1] > r.value[1]);
  for (const auto& w : r.warnings) CHECK(w.find("trade off") == std::string::npos);
}

TEST_CASE("fit: synthetic recovery of 4 parameters (D and K of two layers) within 1 %, 1d and axisymmetric", "[verification][fit]") {
  const std::string geometry = GENERATE(as<std::string>{}, "1d", "axisymmetric");
  TempDir dir;
  const std::string base = franz_case(geometry, true, true);
  dir.write("base.yaml", base);
  const std::vector<std::string> truth = {"species[0].properties.top.diffusivity=3e-13 m2/s", "species[0].properties.top.partition=2.5",
                                          "species[0].properties.bottom.diffusivity=4e-12 m2/s", "species[0].properties.bottom.partition=0.6"};
  dir.write("receptor.csv", synth_csv(base, truth, "receptor", kTimes, "receptor"));
  dir.write("top.csv", synth_csv(base, truth, "layer/top", kTimes, "amount"));
  dir.write("bottom.csv", synth_csv(base, truth, "layer/bottom", kTimes, "amount"));
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nstarts: 2\nresiduals: relative\nparameters:\n"
                                  "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-15 m2/s, 1e-11 m2/s], scale: log}\n"
                                  "  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 100], scale: log}\n"
                                  "  - {key: \"species[0].properties.bottom.diffusivity\", bounds: [1e-13 m2/s, 1e-10 m2/s], scale: log}\n"
                                  "  - {key: \"species[0].properties.bottom.partition\", bounds: [0.1, 10], scale: log}\n"
                                  "data:\n  - {file: receptor.csv, quantity: receptor}\n"
                                  "  - {file: top.csv, quantity: layer, layer: top}\n"
                                  "  - {file: bottom.csv, quantity: layer, layer: bottom}\n");
  const FitResult r = fit(f);
  INFO(geometry << ": " << r.value[0] << " " << r.value[1] << " " << r.value[2] << " " << r.value[3] << ", SSR " << r.ssr);
  CHECK(r.value[0] == Approx(3e-13).epsilon(0.01));
  CHECK(r.value[1] == Approx(2.5).epsilon(0.01));
  CHECK(r.value[2] == Approx(4e-12).epsilon(0.01));
  CHECK(r.value[3] == Approx(0.6).epsilon(0.01));
}

TEST_CASE("fit: D and thickness of one layer from the steady flux alone are flagged as not identifiable", "[verification][fit]") {
  TempDir dir;
  const std::string base = franz_case("1d", false, false);
  dir.write("base.yaml", base);
  // late receptor amounts of a 20 um membrane with D = 1e-12 (lag 67 s): only the steady flux K D C / h shows
  std::ostringstream csv;
  csv << "time_h,flux_ug_cm2_h\n";
  const double J = 1.0 * 1e-12 * 1.0 / 20e-6 * 1e9 / 1e4 * 3600;  // ug/cm2/h
  for (double t : {4.0, 6.0, 8.0, 10.0, 12.0}) csv << t << "," << J << "\n";
  dir.write("flux.csv", csv.str());
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nstarts: 2\nparameters:\n"
                                  "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-13 m2/s, 1e-11 m2/s], scale: log, initial: 3e-12 m2/s}\n"
                                  "  - {key: \"skin.layers[0].thickness\", bounds: [5 um, 100 um], scale: log, initial: 40 um}\n"
                                  "data:\n  - {file: flux.csv, quantity: flux, residuals: relative}\n");
  const FitResult r = fit(f);
  bool flagged = false;
  for (const auto& w : r.warnings) flagged |= w.find("trade off") != std::string::npos || w.find("near-singular") != std::string::npos;
  INFO("correlation " << r.correlation[0][1] << ", condition " << r.condition);
  CHECK(flagged);
  CHECK(std::abs(r.correlation[0][1]) > 0.95);
  // the ratio D/h is what the data give
  CHECK(r.value[0] / (r.value[1] * 1e-6) == Approx(1e-12 / 20e-6).epsilon(0.01));
}

TEST_CASE("fit: a shared diffusivity and a vehicle partition per formulation, from receptor and vehicle data, recovered within 1 %", "[verification][fit]") {
  TempDir dir;
  const std::string base = franz_case("1d", false, true);
  dir.write("base.yaml", base);
  const std::string D = "species[0].properties.top.diffusivity=4e-14 m2/s";
  dir.write("a.csv", synth_csv(base, {D, "delivery[0].partition=0.5"}, "receptor", kTimes, "receptor"));
  dir.write("b.csv", synth_csv(base, {D, "delivery[0].partition=4"}, "vehicle", kTimes, "vehicle"));
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nstarts: 2\nresiduals: relative\nparameters:\n"
                                  "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-15 m2/s, 1e-12 m2/s], scale: log}\n"
                                  "  - {key: \"delivery[0].partition\", bounds: [0.05, 50], scale: log, data: [a]}\n"
                                  "  - {key: \"delivery[0].partition\", bounds: [0.05, 50], scale: log, data: [b]}\n"
                                  "data:\n  - {file: a.csv, quantity: receptor}\n  - {file: b.csv, quantity: vehicle}\n");
  const FitSpec spec = read_fit_file(f);
  CHECK(spec.params[1].label == "delivery[0].partition@a");
  const FitResult r = estimate(spec, [](const std::string&) {});
  INFO(r.value[0] << " " << r.value[1] << " " << r.value[2]);
  CHECK(r.value[0] == Approx(4e-14).epsilon(0.01));
  CHECK(r.value[1] == Approx(0.5).epsilon(0.01));
  CHECK(r.value[2] == Approx(4).epsilon(0.01));
}

TEST_CASE("fit: tape strips covering a layer add up to the layer's amount at the strips' time (1e-9)", "[unit][fit]") {
  TempDir dir;
  dir.write("base.yaml", franz_case("1d", true, true));
  dir.write("strips.csv", "depth_from_um,depth_to_um,amount_ug_cm2\n0,3,1\n3,8,1\n8,14,1\n14,20,1\n");
  dir.write("top.csv", "time_h,amount_ug_cm2\n2,1\n");
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nparameters:\n  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 10]}\n"
                                  "data:\n  - {file: strips.csv, quantity: tape_strips, time: 2 h}\n  - {file: top.csv, quantity: layer, layer: top}\n");
  const FitSpec spec = read_fit_file(f);
  const Prediction p = predict(spec, {2.0});
  double sum = 0;
  for (double y : p.y[0]) sum += y;
  CHECK(p.y[0][0] > p.y[0][3]);  // more near the surface
  CHECK(sum == Approx(p.y[1][0]).epsilon(1e-9));
  // the same strips given by the mass they removed (per cm2) and a density of 1 g/cm3: 3 um = 300 ug/cm2
  dir.write("masses.csv", "strip_mass_ug_cm2,amount_ug_cm2\n300,1\n500,1\n600,1\n600,1\n");
  const std::string f2 = dir.write("fit2.yaml",
                                   "base: base.yaml\nparameters:\n  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 10]}\n"
                                   "data:\n  - {file: masses.csv, quantity: tape_strips, time: 2 h, density: 1 g/cm3}\n");
  const Prediction p2 = predict(read_fit_file(f2), {2.0});
  for (size_t i = 0; i < 4; ++i) CHECK(p2.y[0][i] == Approx(p.y[0][i]).epsilon(1e-9));
}

TEST_CASE("parallel_for visits every index once and passes on an exception", "[unit][fit]") {
  std::vector<std::atomic<int>> seen(101);
  parallel_for(seen.size(), [&](size_t i) { ++seen[i]; }, 3);
  for (const auto& x : seen) CHECK(x == 1);
  CHECK_THROWS_WITH(parallel_for(10, [](size_t i) { if (i == 7) throw std::runtime_error("seven"); }, 2), "seven");
}

TEST_CASE("fit: the search gives the same estimate on one worker as on several (each start is deterministic)", "[unit][fit]") {
  TempDir dir;
  const std::string base = franz_case("1d", false, false);
  dir.write("base.yaml", base);
  dir.write("receptor.csv", synth_csv(base, {"species[0].properties.top.diffusivity=3e-14 m2/s"}, "receptor", kTimes, "receptor"));
  const std::string f = dir.write("fit.yaml",
                                  "base: base.yaml\nstarts: 3\nresiduals: relative\nparameters:\n"
                                  "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-15 m2/s, 1e-11 m2/s], scale: log}\n"
                                  "data:\n  - {file: receptor.csv, quantity: receptor}\n");
  const FitResult parallel = fit(f);
  ::setenv("DERMASIM_WORKERS", "1", 1);
  const FitResult serial = fit(f);
  ::unsetenv("DERMASIM_WORKERS");
  CHECK(parallel.value[0] == serial.value[0]);
  CHECK(parallel.upper[0] == serial.upper[0]);
  CHECK(parallel.value[0] == Approx(3e-14).epsilon(0.01));
}

TEST_CASE("fit: bad data files stop with the file, row and column", "[unit][fit]") {
  TempDir dir;
  dir.write("base.yaml", franz_case("1d", false, false));
  auto try_data = [&](const std::string& csv) -> std::string {
    dir.write("d.csv", csv);
    const std::string f = dir.write("fit.yaml",
                                    "base: base.yaml\nparameters:\n  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 10]}\n"
                                    "data:\n  - {file: d.csv, quantity: receptor}\n");
    try {
      read_fit_file(f);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(try_data(""), Catch::Contains("d.csv") && Catch::Contains("empty"));
  CHECK_THAT(try_data("time,receptor_ug_cm2\n1,2\n"), Catch::Contains("d.csv:1") && Catch::Contains("'time'") && Catch::Contains("no unit"));
  CHECK_THAT(try_data("time_h,receptor\n1,2\n"), Catch::Contains("'receptor'") && Catch::Contains("no unit"));
  CHECK_THAT(try_data("time_h,receptor_ug_cm2\n1,2\n2,abc\n"), Catch::Contains("d.csv:3") && Catch::Contains("receptor_ug_cm2") && Catch::Contains("not a number"));
  CHECK_THAT(try_data("time_h,receptor_ug_cm2\n2,2\n1,3\n"), Catch::Contains("d.csv:3") && Catch::Contains("time decreases"));
  CHECK_THAT(try_data("time_h,receptor_ug_cm2\n1,-2\n"), Catch::Contains("d.csv:2") && Catch::Contains("negative"));
  CHECK_THAT(try_data("time_h,receptor_ug_cm2\n1,2\n2,\n"), Catch::Contains("d.csv:3") && Catch::Contains("empty value"));
  CHECK_THAT(try_data("time_h,receptor_ug_cm2\n30,2\n"), Catch::Contains("d.csv:2") && Catch::Contains("after the end"));
  CHECK_THAT(try_data("time_h,strip_mass_ug_cm2\n1,2\n"), Catch::Contains("is not a column of a 'receptor' data set"));
  CHECK(try_data("# a comment\ntime_min,receptor_ng_cm2,sd_ng_cm2\n30,2,1\n30,3,1\n60,5,1\n") == "no error");  // replicates at 30 min
}

TEST_CASE("fit: coverage of the 95 % intervals with 5 % noise (20 seeds, >= 17 contain the truth)", "[.long][fit]") {
  const std::string base = franz_case("1d", false, false);
  const std::vector<std::string> truth = {"species[0].properties.top.diffusivity=3e-14 m2/s", "species[0].properties.top.partition=3.7"};
  int covered_D = 0, covered_K = 0;
  for (int seed = 1; seed <= 20; ++seed) {
    TempDir dir;
    dir.write("base.yaml", base);
    std::mt19937 rng(seed);
    dir.write("receptor.csv", synth_csv(base, truth, "receptor", kTimes, "receptor", 0.05, &rng));
    const std::string f = dir.write("fit.yaml",
                                    "base: base.yaml\nstarts: 2\nparameters:\n"
                                    "  - {key: \"species[0].properties.top.diffusivity\", bounds: [1e-15 m2/s, 1e-11 m2/s], scale: log}\n"
                                    "  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 100], scale: log}\n"
                                    "data:\n  - {file: receptor.csv, quantity: receptor, residuals: relative}\n");
    const FitResult r = fit(f);
    covered_D += r.lower[0] <= 3e-14 && 3e-14 <= r.upper[0];
    covered_K += r.lower[1] <= 3.7 && 3.7 <= r.upper[1];
    INFO("seed " << seed << ": D " << r.value[0] << " [" << r.lower[0] << ", " << r.upper[0] << "], K " << r.value[1] << " [" << r.lower[1] << ", "
                 << r.upper[1] << "]");
  }
  WARN("covered: D " << covered_D << "/20, K " << covered_K << "/20");
  CHECK(covered_D >= 17);
  CHECK(covered_K >= 17);
}

TEST_CASE("fit: a file name the system refuses (too long) is an input error naming the key", "[unit][fit][reliability]") {
  // found by fuzz_fit (docs/reliability.md): std::filesystem::status threw "File name too long",
  // which escaped as an internal error (exit 1) instead of exit 2 naming `base`
  TempDir dir;
  const std::string longname = std::string(5000, '8') + ".yaml";
  const std::string f = dir.write("fit.yaml", "base: " + longname +
                                                  "\nparameters:\n  - {key: \"species[0].properties.top.partition\", bounds: [0.1, 10]}\n"
                                                  "data:\n  - {file: d.csv, quantity: receptor}\n");
  try {
    read_fit_file(f);
    FAIL("a base with a 5000-character name was accepted");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("fit.yaml:1") && Catch::Contains("base") && Catch::Contains("no case file"));
  }
}
