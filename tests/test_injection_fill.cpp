// SPDX-License-Identifier: BSD-3-Clause
// Where an injection goes (models/injection): the injectate fills the tissue outward from the tip,
// the whole dose goes in (conservation), the stratum corneum and epidermis stay closed unless the
// tip is in them, mirror and periodic edges, and the input errors (tip outside, too much volume,
// fill limit out of range).
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "helpers.hpp"
#include "models/injection.hpp"
#include "app/case_runner.hpp"
#include "app/compare.hpp"
#include "models/boundary_watch.hpp"
#include "models/metrics.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

Grid box(Geometry geo, std::vector<double> xn, std::vector<double> zn, std::vector<double> yn = {}) {
  Grid g;
  g.geometry = geo;
  g.xn = geo == Geometry::OneD ? std::vector<double>{0, 1e-4} : std::move(xn);
  g.yn = geo == Geometry::ThreeD ? std::move(yn) : std::vector<double>{0, 1e-4};
  g.zn = std::move(zn);
  g.cell_layer.assign(g.zn.size() - 1, 0);
  g.layer_names = {"x"};
  g.finalize();
  return g;
}

double sum_w(const InjectionFill& f) {
  double s = 0;
  for (const auto& [c, w] : f.weights) s += w;
  return s;
}

// Largest injectate volume / (limit x cell volume) over the cells of a fill.
double worst_fill(const Grid& g, const InjectionFill& f, double volume) {
  double worst = 0;
  const size_t plane = static_cast<size_t>(g.nx) * g.ny;
  for (const auto& [c, w] : f.weights) {
    const int i = static_cast<int>(c % g.nx), j = static_cast<int>((c / g.nx) % g.ny), k = static_cast<int>(c / plane);
    worst = std::max(worst, volume * w / (f.limit * g.volume(i, j, k)));
  }
  return worst;
}

// A three-layer skin (stratum corneum, viable epidermis, dermis) 2.1 mm deep, with a small solute.
std::string skin_case(const std::string& geometry, const std::string& delivery, const std::string& extra = "") {
  std::ostringstream y;
  y << "time: {end: 10 min}\n"
    << "geometry: " << geometry << "\n"
    << "skin:\n  layers:\n"
    << "    - {name: sc, kind: stratum_corneum, thickness: 20 um, cells: 4}\n"
    << "    - {name: epi, kind: viable_epidermis, thickness: 80 um, cells: 4}\n"
    << "    - {name: pd, kind: papillary_dermis, thickness: 200 um, cells: 6}\n"
    << "    - {name: dermis, kind: reticular_dermis, thickness: 1.8 mm, cells: 12, clearance: 1e-4 1/s}\n"
    << "species:\n  - {name: a, properties: {all: {diffusivity: 3e-10 m2/s, partition: 1}, sc: {diffusivity: 1e-14 m2/s, partition: 3}}}\n"
    << "delivery:\n"
    << delivery << extra;
  return y.str();
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("injection fill: the whole volume goes in, in every geometry and at every tip depth", "[unit][injection]") {
  const auto zn = graded_nodes(0, 2e-3, 20, 1.0, "both");
  const std::vector<char> open(20, 1);
  struct G {
    Geometry geo;
    double V;  // 1d: m (per area), 2d: m2 (per length), else m3
  };
  for (const G& c : {G{Geometry::OneD, 0.3e-3}, G{Geometry::TwoD, 1.5e-6}, G{Geometry::Axisymmetric, 2e-9}, G{Geometry::ThreeD, 2e-9}}) {
    const auto xn = graded_nodes(0, 4e-3, 16, 1.0, "both");
    Grid g = box(c.geo, xn, zn, xn);
    const double x = c.geo == Geometry::TwoD || c.geo == Geometry::ThreeD ? 2e-3 : 0.0, y = c.geo == Geometry::ThreeD ? 2e-3 : 0.0;
    for (double depth : {0.0, 1e-6, 0.3e-3, 1e-3, 1.95e-3, 2e-3})
      for (double limit : {1.0, 0.3}) {
        const InjectionFill f = fill_from_tip(g, c.V, x, y, depth, limit, open);
        INFO(to_string(c.geo) << ", depth " << depth << ", limit " << limit);
        CHECK(f.placed == Approx(1.0).epsilon(1e-12));
        CHECK(sum_w(f) == Approx(1.0).epsilon(1e-12));
        CHECK(worst_fill(g, f, c.V) <= 1.0 + 1e-9);
      }
  }
}

TEST_CASE("injection fill: deep in the tissue a ball of the volume / limit", "[unit][injection]") {
  const auto zn = graded_nodes(0, 4e-3, 48, 1.0, "both");
  const std::vector<char> open(48, 1);
  SECTION("axisymmetric: radius (3 V / 4 pi f)^(1/3)") {
    Grid g = box(Geometry::Axisymmetric, graded_nodes(0, 4e-3, 48, 1.0, "both"), zn);
    const double V = 4.0 / 3.0 * M_PI * 1e-9;  // radius 1 mm
    const InjectionFill f = fill_from_tip(g, V, 0, 0, 2e-3, 1.0, open);
    CHECK(f.radius == Approx(1e-3).epsilon(0.01));
    const InjectionFill h = fill_from_tip(g, V, 0, 0, 2e-3, 0.5, open);
    CHECK(h.radius == Approx(1e-3 * std::cbrt(2.0)).epsilon(0.01));
    CHECK(worst_fill(g, f, V) == Approx(1.0).epsilon(1e-9));  // the cells at the tip are full
  }
  SECTION("1d: a slab of thickness volume / limit around the tip") {
    Grid g = box(Geometry::OneD, {}, zn);
    // the radius is that of the farthest sub-sample filled: within a sub-sample of the slab's
    const InjectionFill f = fill_from_tip(g, 1e-3, 0, 0, 2e-3, 1.0, open);
    CHECK(f.radius == Approx(0.5e-3).epsilon(1.0 / 8));
    // the cells within 0.5 mm of the tip are full, the others empty
    double full = 0;
    for (const auto& [c, w] : f.weights) full += (std::fabs(g.zc(static_cast<int>(c)) - 2e-3) < 0.5e-3 ? w : 0.0);
    CHECK(full == Approx(1.0).epsilon(1e-12));
    // at the surface the slab is 1 mm thick from the top: nothing above the skin
    const InjectionFill s = fill_from_tip(g, 1e-3, 0, 0, 0.0, 1.0, open);
    CHECK(s.radius == Approx(1e-3).epsilon(1.0 / 8));
    CHECK(sum_w(s) == Approx(1.0).epsilon(1e-12));
  }
  SECTION("more than the tissue holds: only what fits is placed (reading the case stops before)") {
    Grid g = box(Geometry::OneD, {}, zn);
    const InjectionFill f = fill_from_tip(g, 5e-3, 0, 0, 2e-3, 0.5, open);
    CHECK(f.placed == Approx(2e-3 / 5e-3).epsilon(1e-12));
  }
}

TEST_CASE("injection fill: a tip on a mirror edge fills half of a bolus twice the size", "[unit][injection]") {
  // 2d: [0, W] with the tip on x = 0 against [-W, W] (the mirrored grid) with twice the volume.
  const double W = 3e-3;
  const auto half = graded_nodes(0, W, 30, 1.0, "both");
  std::vector<double> full;
  for (size_t i = half.size(); i-- > 1;) full.push_back(-half[i]);
  for (double v : half) full.push_back(v);
  const auto zn = graded_nodes(0, 3e-3, 30, 1.0, "both");
  const std::vector<char> open(30, 1);
  const double V = 1.2e-6;  // m2 per m: a half-disc of radius ~0.87 mm
  SECTION("2d") {
    Grid gh = box(Geometry::TwoD, half, zn), gf = box(Geometry::TwoD, full, zn);
    const InjectionFill fh = fill_from_tip(gh, V, 0, 0, 1.5e-3, 1.0, open), ff = fill_from_tip(gf, 2 * V, 0, 0, 1.5e-3, 1.0, open);
    std::map<size_t, double> wf(ff.weights.begin(), ff.weights.end());
    double worst = 0;
    for (const auto& [c, w] : fh.weights) {
      const int i = static_cast<int>(c % gh.nx), k = static_cast<int>(c / gh.nx);
      const double w_mirror = wf[gf.index(gh.nx + i, 0, k)];  // the same cell in the full grid
      worst = std::max(worst, std::fabs(V * w - 2 * V * w_mirror) / (V * w));
    }
    CHECK(worst < 1e-9);
    CHECK(fh.radius == Approx(ff.radius).epsilon(1e-12));
  }
  SECTION("3d corner: a quarter of four times the volume") {
    const auto hz = graded_nodes(0, 3e-3, 15, 1.0, "both");
    const auto hx = graded_nodes(0, W, 15, 1.0, "both");
    std::vector<double> fx;
    for (size_t i = hx.size(); i-- > 1;) fx.push_back(-hx[i]);
    for (double v : hx) fx.push_back(v);
    const std::vector<char> o(15, 1);
    Grid gq = box(Geometry::ThreeD, hx, hz, hx), gf = box(Geometry::ThreeD, fx, hz, fx);
    const double v3 = 0.5e-9;
    const InjectionFill fq = fill_from_tip(gq, v3, 0, 0, 1.5e-3, 1.0, o), ff = fill_from_tip(gf, 4 * v3, 0, 0, 1.5e-3, 1.0, o);
    std::map<size_t, double> wf(ff.weights.begin(), ff.weights.end());
    double worst = 0;
    const size_t plane = static_cast<size_t>(gq.nx) * gq.ny;
    for (const auto& [c, w] : fq.weights) {
      const int i = static_cast<int>(c % gq.nx), j = static_cast<int>((c / gq.nx) % gq.ny), k = static_cast<int>(c / plane);
      worst = std::max(worst, std::fabs(w - 4 * wf[gf.index(gq.nx + i, gq.ny + j, k)]) / w);
    }
    CHECK(worst < 1e-9);
  }
  SECTION("periodic edges wrap around: a tip on x = 0 fills as one in the middle, shifted") {
    Grid gp = box(Geometry::TwoD, full, zn);
    gp.periodic_x = true;
    const InjectionFill edge = fill_from_tip(gp, V, -W, 0, 1.5e-3, 1.0, open), mid = fill_from_tip(gp, V, 0, 0, 1.5e-3, 1.0, open);
    std::map<size_t, double> wm(mid.weights.begin(), mid.weights.end());
    const int n = gp.nx;
    double worst = 0, total = 0;
    for (const auto& [c, w] : edge.weights) {
      const int i = static_cast<int>(c % n), k = static_cast<int>(c / n);
      worst = std::max(worst, std::fabs(w - wm[gp.index((i + n / 2) % n, 0, k)]));
      total += w;
    }
    CHECK(worst < 1e-9);
    CHECK(total == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("injection fill: the stratum corneum and epidermis stay closed unless the tip is in them", "[unit][injection]") {
  const std::vector<double> th = {20e-6, 80e-6, 200e-6, 1.8e-3};
  const std::vector<std::string> kinds = {"stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis"};
  CHECK(injectable_layers(th, kinds, 0.5e-3) == std::vector<char>{0, 0, 1, 1});
  CHECK(injectable_layers(th, kinds, 50e-6) == std::vector<char>{0, 1, 1, 1});  // tip in the epidermis
  CHECK(injectable_layers(th, kinds, 10e-6) == std::vector<char>{1, 1, 1, 1});  // tip in the stratum corneum
  CHECK(injectable_layers(th, kinds, 100e-6) == std::vector<char>{0, 0, 1, 1});  // on the epidermis' bottom: the dermis
  CHECK(injectable_layers(th, kinds, 2.1e-3) == std::vector<char>{0, 0, 1, 1});  // on the bottom
  CHECK(fill_capacity(th, kinds, 0.5e-3, 0.5, 2.0) == Approx(0.5 * 2.0e-3 * 2.0));
}

TEST_CASE("injection: applied dose = volume x concentration in 1d, 2d, axisymmetric and 3d at any depth", "[verification][injection][balance]") {
  const std::vector<std::pair<std::string, std::string>> geos = {
      {"{kind: 1d}", "2 uL/cm2"},
      {"{kind: 2d, width: 4 mm, lateral_cells: 16}", "0.3 uL/mm"},
      {"{kind: axisymmetric, width: 3 mm, lateral_cells: 12}", "2 uL"},
      {"{kind: 3d, width: 4 mm, lateral_cells: 8}", "2 uL"}};
  for (const auto& [geo, vol] : geos)
    for (const char* depth : {"1 um", "0.1 mm", "0.5 mm", "1.2 mm", "2.09 mm"}) {
      const std::string at = geo.find("2d") != std::string::npos ? ", at: [2 mm]" : geo.find("3d") != std::string::npos ? ", at: [2 mm, 2 mm]" : "";
      Case c = parse(skin_case(geo, std::string("  - {type: injection, species: {a: 5 mg/mL}, volume: ") + vol + ", depth: " + depth + at + "}\n"));
      const double expected = 5.0 * c.delivery[0].volume;
      Problem p = build_problem(c, nullptr);
      INFO(geo << ", depth " << depth);
      // what the deposits place, and nothing in the stratum corneum or epidermis unless the tip is there
      double placed = 0, top = 0;
      const size_t plane = static_cast<size_t>(p.grid.nx) * p.grid.ny;
      for (const auto& d : p.deposits)
        for (const auto& [cell, m] : d.mass) {
          placed += m;
          if (p.grid.cell_layer[cell / plane] < 2) top += m;
        }
      CHECK(placed == Approx(expected).epsilon(1e-12));
      if (std::string(depth) != "1 um" && std::string(depth) != "0.1 mm") CHECK(top == 0.0);
      if (std::string(depth) == "1 um") CHECK(top > 0.0);  // a tip in the stratum corneum
      auto sim = std::make_unique<Simulation>(std::move(p));
      sim->run();
      CHECK(sim->balance(0).applied == Approx(expected).epsilon(1e-6));
      CHECK(sim->balance(0).clipped == 0.0);
      CHECK(worst_balance(*sim) < 1e-10);
    }
}

TEST_CASE("injection: the papillary dermis' tmax is after the injection when the injectate starts below it", "[unit][injection][metrics]") {
  Case c = parse(skin_case("{kind: axisymmetric, width: 4 mm, lateral_cells: 16}",
                           "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.5 uL, depth: 1.5 mm}\n", "metrics: {target: pd}\n"));
  auto sim = std::make_unique<Simulation>(build_problem(c, nullptr));
  REQUIRE(sim->balance(0).layer[2] == 0.0);  // the fill (radius 0.5 mm) stays in the reticular dermis
  MetricsRecorder rec(*sim, metrics_setup(c));
  sim->run(nullptr, [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  const RunMetrics m = rec.finish(*sim);
  CHECK(m.species[0].windows[0].tmax > 0);
  CHECK(m.species[0].windows[0].cmax > 0);
}

TEST_CASE("injection input errors: tip outside the tissue, too much volume, fill limit out of range", "[unit][injection]") {
  const std::string g = "{kind: axisymmetric, width: 3 mm, lateral_cells: 8}";
  CHECK_THAT(error_of(skin_case(g, "  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: -0.2 mm}\n")),
             Catch::Contains("delivery[0].depth") && Catch::Contains("above the skin surface"));
  CHECK_THAT(error_of(skin_case(g, "  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: 3 mm}\n")),
             Catch::Contains("delivery[0].depth") && Catch::Contains("below the bottom"));
  CHECK_THAT(error_of(skin_case("{kind: 3d, width: 3 mm, lateral_cells: 4}", "  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: 1 mm, at: [4 mm, 1 mm]}\n")),
             Catch::Contains("delivery[0].at") && Catch::Contains("outside the domain"));
  // pi (3 mm)^2 x 2 mm (below the epidermis) = 56.5 uL
  CHECK_THAT(error_of(skin_case(g, "  - {type: injection, species: {a: 1 mg/mL}, volume: 60 uL, depth: 1 mm}\n")),
             Catch::Contains("delivery[0].volume") && Catch::Contains("does not fit"));
  CHECK(error_of(skin_case(g, "  - {type: injection, species: {a: 1 mg/mL}, volume: 50 uL, depth: 1 mm}\n")).empty());
  CHECK_THAT(error_of(skin_case(g, "  - {type: injection, species: {a: 1 mg/mL}, volume: 50 uL, depth: 1 mm, fill_limit: 0.5}\n")),
             Catch::Contains("delivery[0].volume") && Catch::Contains("fill_limit 0.5"));
  for (const char* bad : {"-0.1", "0", "1.5"})
    CHECK_THAT(error_of(skin_case(g, std::string("  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: 1 mm, fill_limit: ") + bad + "}\n")),
               Catch::Contains("delivery[0].fill_limit") && Catch::Contains("(0, 1]"));
  // a technique's entry: its volume key, its fill limit
  CHECK_THAT(error_of(skin_case(g, "  - {type: papule, species: {a: 1 mg/mL}, volume: 60 uL, depth: 1 mm}\n")),
             Catch::Contains("delivery[0].volume") && Catch::Contains("does not fit"));
  CHECK_THAT(error_of(skin_case(g, "  - {type: papule, species: {a: 1 mg/mL}, volume: 1 uL, depth: 1 mm, fill_limit: 2}\n")),
             Catch::Contains("delivery[0].fill_limit"));
  CHECK_THAT(error_of(skin_case(g, "  - {type: papule, species: {a: 1 mg/mL}, depth: -1 mm}\n")), Catch::Contains("above the skin surface"));
}

namespace {
// Peak target-layer concentration of an educator case (configs/educator) with overrides.
double educator_cmax(const std::string& file, const std::vector<std::string>& sets) {
  Case c = read_case(load_yaml_file(std::string(DERMASIM_SOURCE_DIR) + "/configs/educator/" + file, sets));
  auto sim = std::make_unique<Simulation>(build_problem(c, nullptr));
  MetricsRecorder rec(*sim, metrics_setup(c));
  sim->run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
           [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  const RunMetrics m = rec.finish(*sim);
  return m.species[0].windows[0].cmax;
}

// The warnings of an educator case's run (configs/educator), e.g. the boundary watch's.
std::vector<std::string> educator_warnings(const std::string& file) {
  Case c = read_case(load_yaml_file(std::string(DERMASIM_SOURCE_DIR) + "/configs/educator/" + file, {}));
  auto sim = std::make_unique<Simulation>(build_problem(c, nullptr));
  MetricsRecorder rec(*sim, metrics_setup(c));
  sim->run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
           [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  return rec.finish(*sim).warnings;
}

// Papule-vs-serum Cmax ratio for a domain width and lateral cells.
double ratio_at(std::vector<std::string> sets, const std::string& width, const std::string& cells) {
  sets.push_back("geometry.width=" + width);
  sets.push_back("geometry.lateral_cells=" + cells);
  return educator_cmax("papule.yaml", sets) / educator_cmax("serum.yaml", sets);
}
}  // namespace

TEST_CASE("educator papule vs serum: the ratio over 1 cm2 hardly changes when the domain width doubles", "[unit][metrics][injection]") {
  // 4 h (the papillary-dermis peak of the papule is within the first hours), uniform lateral cells
  const std::vector<std::string> common = {"time.end=4 h", "time.output_every=1 h", "geometry.lateral_grading=1"};
  const double r1 = ratio_at(common, "5.642 mm", "12"), r2 = ratio_at(common, "11.284 mm", "24");
  INFO("papule/serum Cmax ratio: " << r1 << " (5.642 mm), " << r2 << " (11.284 mm)");
  CHECK(std::fabs(r2 / r1 - 1) < 0.10);
  // the whole-domain mean (the old metric) does depend on the domain: the test can fail
  std::vector<std::string> whole = common;
  whole.push_back("metrics.area=domain");
  const double w1 = ratio_at(whole, "5.642 mm", "12"), w2 = ratio_at(whole, "11.284 mm", "24");
  INFO("whole-domain ratio: " << w1 << ", " << w2);
  CHECK(std::fabs(w2 / w1 - 1) > 0.5);
}

TEST_CASE("educator papule vs serum over 24 h: widths 5.6, 11.3 and 22.6 mm (about 5 s: default suite)", "[unit][metrics][injection]") {
  const std::vector<std::string> g = {"geometry.lateral_grading=4"};
  const double r1 = ratio_at(g, "5.642 mm", "24"), r2 = ratio_at(g, "11.284 mm", "48"), r3 = ratio_at(g, "22.568 mm", "96");
  std::printf("educator papule/serum Cmax ratio over 1 cm2: %.4g (5.642 mm), %.4g (11.284 mm), %.4g (22.568 mm)\n", r1, r2, r3);
  CHECK(std::fabs(r2 / r1 - 1) < 0.10);
  CHECK(std::fabs(r3 / r2 - 1) < 0.10);
}

TEST_CASE("the shipped educator papule is wide enough: no solute at its edge, and its ratio holds at twice the width", "[unit][metrics][injection]") {
  // configs/educator/papule.yaml: 20 mm (the boundary watch warned at the 5.6 mm it had before)
  CHECK(educator_warnings("papule.yaml").empty());
  const double r1 = ratio_at({}, "20 mm", "40"), r2 = ratio_at({}, "40 mm", "80");
  INFO("papule/serum Cmax ratio over 1 cm2: " << r1 << " (20 mm), " << r2 << " (40 mm)");
  CHECK(std::fabs(r2 / r1 - 1) < 0.10);
}

TEST_CASE("the shipped educator nappage is wide enough: no solute at its edge (long)", "[.long][metrics][injection]") {
  // configs/educator/nappage.yaml: 24 mm square (at 10 mm 7.7 % of the dose reached the edge)
  CHECK(educator_warnings("nappage.yaml").empty());
}

TEST_CASE("metrics over an area: the region's amount, its whole area, the boundary watch", "[unit][metrics]") {
  // 3d, an injection in the middle of a 6 mm square; the papillary dermis (200 um) is the target
  auto run = [](const std::string& geo, const std::string& delivery, const std::string& metrics, const std::string& end = "{end: 10 min}") {
    std::string y = skin_case(geo, delivery, "metrics: " + metrics + "\n");
    y.replace(y.find("{end: 10 min}"), 13, end);
    Case c = parse(y);
    auto sim = std::make_unique<Simulation>(build_problem(c, nullptr));
    MetricsRecorder rec(*sim, metrics_setup(c));
    sim->run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
             [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
    return std::make_pair(rec.finish(*sim), sim->balance(0));
  };
  const std::string inj = "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.2 uL, depth: 0.2 mm, at: [3 mm, 3 mm]}\n";
  const auto [whole, bw] = run("{kind: 3d, width: 6 mm, lateral_cells: 12}", inj, "{target: pd, area: domain}");
  const auto [area, ba] = run("{kind: 3d, width: 6 mm, lateral_cells: 12}", inj, "{target: pd}");
  const auto [small, bs] = run("{kind: 3d, width: 6 mm, lateral_cells: 12}", inj, "{target: pd, radius: 0.4 mm}");
  CHECK(std::isnan(whole.region_area));
  CHECK(area.region_area == Approx(1e-4).epsilon(1e-12));
  CHECK(small.region_area == Approx(M_PI * 0.16e-6).epsilon(1e-12));
  const WindowMetrics &w = whole.species[0].windows[0], &a = area.species[0].windows[0], &s = small.species[0].windows[0];
  // the 1 cm2 disc covers the 6 mm square: the same amount, over 1 cm2 instead of 36 mm2
  CHECK(a.peak_amount == Approx(w.peak_amount).epsilon(1e-9));
  CHECK(a.cmax == Approx(w.cmax * 36e-6 / 1e-4).epsilon(1e-9));
  // within 0.4 mm: less of the amount, more concentrated
  CHECK(s.peak_amount < a.peak_amount);
  CHECK(s.peak_amount > 0.2 * a.peak_amount);
  CHECK(s.cmax > a.cmax);
  CHECK(s.dose == Approx(a.dose));
  CHECK(area.region.find("1 cm2") != std::string::npos);
  // the boundary watch: silent while the solute stays near the point, a warning once it reaches the edge
  CHECK(area.warnings.empty());
  CHECK(area.species[0].edge_pct_max < 0.1);
  const auto [edge, be] = run("{kind: 3d, width: 2 mm, lateral_cells: 8}",
                              "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.2 uL, depth: 0.5 mm, at: [1 mm, 1 mm]}\n", "{target: pd}",
                              "{end: 2 h}");
  REQUIRE(edge.warnings.size() == 1);
  CHECK_THAT(edge.warnings[0], Catch::Contains("a reached the lateral edge of the domain") && Catch::Contains("geometry.width"));
  CHECK(edge.species[0].edge_time > 0);
  CHECK(edge.species[0].edge_pct_max > 0.1);
  const std::string csv = metrics_csv(edge);
  CHECK(csv.find("region_area_cm2,region_width_mm,edge_pct_max,edge_time_h\n") != std::string::npos);
  // a point on a no_flux edge is on a mirror plane: that edge is not watched
  Grid g = box(Geometry::TwoD, graded_nodes(0, 4e-3, 8, 1.0, "both"), graded_nodes(0, 1e-3, 4, 1.0, "both"));
  CHECK(lateral_edge_columns(g, {{0.0, 0.0}}, false) == std::vector<size_t>{7});
  CHECK(lateral_edge_columns(g, {{2e-3, 0.0}}, false) == std::vector<size_t>{0, 7});
  CHECK(lateral_edge_columns(g, {{2e-3, 0.0}}, true).empty());
  // 2d: a strip of half-width radius around the line
  const auto [strip, b2] = run("{kind: 2d, width: 8 mm, lateral_cells: 16}",
                               "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.1 mm2, depth: 0.2 mm, at: [4 mm]}\n", "{target: pd, radius: 2 mm}");
  CHECK(strip.region_area == Approx(4e-3).epsilon(1e-12));
  CHECK_THAT(error_of(skin_case("{kind: 2d, width: 8 mm}", "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.1 mm2, depth: 0.2 mm, at: [4 mm]}\n",
                                "metrics: {area: 1 cm2}\n")),
             Catch::Contains("metrics.area") && Catch::Contains("radius"));
  CHECK_THAT(error_of(skin_case("{kind: 3d, width: 8 mm}", inj, "metrics: {area: 1 cm2, radius: 2 mm}\n")), Catch::Contains("metrics.radius"));
}

TEST_CASE("the boundary watch looks at injected species only: a topical one covers every edge by design", "[unit][metrics]") {
  // the demo's set-up: one species injected in the middle, another spread evenly over the surface
  std::string y = skin_case("{kind: axisymmetric, width: 2 mm, lateral_cells: 8}",
                            "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.2 uL, depth: 0.5 mm}\n"
                            "  - {type: topical, species: b, dose: 2 mg/cm2, concentration: 20 mg/mL}\n",
                            "metrics: {target: pd}\n");
  y.replace(y.find("{end: 10 min}"), 13, "{end: 2 h}");
  y.replace(y.find("delivery:\n"), 10, "  - {name: b, properties: {all: {diffusivity: 3e-10 m2/s, partition: 1}, sc: {diffusivity: 1e-12 m2/s, partition: 3}}}\ndelivery:\n");
  Case c = parse(y);
  auto sim = std::make_unique<Simulation>(build_problem(c, nullptr));
  MetricsRecorder rec(*sim, metrics_setup(c));
  sim->run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
           [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  const RunMetrics m = rec.finish(*sim);
  REQUIRE(m.species.size() == 2);
  // the injected species reaches the edge of this 2 mm domain and is warned of; the topical one is
  // everywhere at the surface from the start and is not watched (no warning, edge share n/a)
  CHECK(m.species[0].edge_pct_max > 0.1);
  CHECK(std::isnan(m.species[1].edge_pct_max));
  REQUIRE(m.warnings.size() == 1);
  CHECK_THAT(m.warnings[0], Catch::StartsWith("a reached the lateral edge"));
}

TEST_CASE("compare warns when the scenarios' domains differ in size and names the region", "[unit][compare]") {
  RunMetrics a;
  a.geometry = Geometry::Axisymmetric;
  a.target = "pd";
  a.region = "1 cm2 of skin: within 5.642 mm of the injection";
  a.domain = "axisymmetric, width 5.642 mm";
  a.domain_area = 1e-4;
  a.species.push_back({"x", {WindowMetrics{}}});
  a.species[0].windows[0].cmax = 1;
  RunMetrics b = a;
  b.domain = "axisymmetric, width 11.28 mm";
  b.domain_area = 4e-4;
  std::vector<CompareRow> rows = compare_rows("small", a);
  for (auto& r : compare_rows("large", b)) rows.push_back(r);
  const std::string t = compare_table(rows);
  CHECK_THAT(t, Catch::Contains("1 cm2 of skin") && Catch::Contains("domains differ in size") && Catch::Contains("width 11.28 mm"));
  std::vector<CompareRow> same = compare_rows("one", a);
  for (auto& r : compare_rows("two", a)) same.push_back(r);
  CHECK(compare_table(same).find("differ in size") == std::string::npos);
}

TEST_CASE("the boundary watch is written on /scalars/<species> of the results file", "[unit][metrics][output]") {
  const auto dir = std::filesystem::temp_directory_path() / ("dermasim-test-edge-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string y = skin_case("{kind: 3d, width: 2 mm, lateral_cells: 8}",
                            "  - {type: injection, species: {a: 5 mg/mL}, volume: 0.2 uL, depth: 0.5 mm, at: [1 mm, 1 mm]}\n",
                            "metrics: {target: pd}\noutput: {file: " + (dir / "edge.h5").string() + "}\n");
  y.replace(y.find("{end: 10 min}"), 13, "{end: 2 h}");
  Case c = parse(y);
  const CaseRunResult res = run_case(c, CaseRunOptions{});
  REQUIRE(res.metrics.warnings.size() == 1);
  hid_t f = H5Fopen((dir / "edge.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t g = H5Gopen2(f, "scalars/a", H5P_DEFAULT);
  REQUIRE(g >= 0);
  CHECK(H5Aexists(g, "warnings") > 0);
  double pct = 0, t = 0;
  hid_t a = H5Aopen(g, "edge_pct_max", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_DOUBLE, &pct);
  H5Aclose(a);
  a = H5Aopen(g, "edge_time", H5P_DEFAULT);
  H5Aread(a, H5T_NATIVE_DOUBLE, &t);
  H5Aclose(a);
  H5Gclose(g);
  H5Fclose(f);
  CHECK(pct == Approx(res.metrics.species[0].edge_pct_max));
  CHECK(t == Approx(res.metrics.species[0].edge_time));
  CHECK(pct > 0.1);
  std::filesystem::remove_all(dir);
}
