// SPDX-License-Identifier: BSD-3-Clause
// Injection techniques (models/patterns): expansion into injection points, defaults, scatter, CSV
// point lists, treatment schedules, the periodic unit cell, and the cost of long idle periods.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unistd.h>

#include "helpers.hpp"
#include "models/patterns.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

const char* kSpecies =
    "species:\n  - {name: a, properties: {all: {diffusivity: 2e-10 m2/s, partition: 0.7}, sc: {diffusivity: 5e-14 m2/s, partition: 3}}}\n";

// A small three-layer skin, 3.015 mm deep.
std::string small_case(const std::string& geometry, const std::string& delivery, const std::string& time = "{end: 2 h}") {
  std::ostringstream y;
  y << "time: " << time << "\n"
    << "geometry: " << geometry << "\n"
    << "skin:\n  layers:\n"
    << "    - {name: sc, thickness: 15 um, cells: 4}\n"
    << "    - {name: dermis, thickness: 1.5 mm, cells: 8, clearance: 1e-4 1/s}\n"
    << "    - {name: fat, thickness: 1.5 mm, cells: 4}\n"
    << kSpecies << "delivery:\n"
    << delivery;
  return y.str();
}

std::vector<DeliveryDef> injections(const Case& c) {
  std::vector<DeliveryDef> out;
  for (const auto& d : c.delivery)
    if (d.type == "injection") out.push_back(d);
  return out;
}

double total_volume(const Case& c) {
  double v = 0;
  for (const auto& d : injections(c)) v += d.volume;
  return v;
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Largest |balance error| / applied of the named species over every recorded step (the injected
// solutes; the excess-fluid field of models/fluid has its own checks).
double worst_balance_of(const Simulation& sim, const std::string& name) {
  const auto& h = sim.history();
  double worst = 0;
  for (size_t s = 0; s < sim.species_count(); ++s) {
    if (sim.problem().species[s].name != name) continue;
    const auto& err = h.species[s].at("balance_error");
    const auto& app = h.species[s].at("applied");
    for (size_t i = 0; i < err.size(); ++i)
      if (app[i] > 0) worst = std::max(worst, std::fabs(err[i]) / app[i]);
  }
  return worst;
}

std::filesystem::path temp_dir() {
  auto p = std::filesystem::temp_directory_path() / ("dermasim_patterns_" + std::to_string(::getpid()));
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("a nappage grid expands into rows x columns injection points", "[patterns]") {
  Case c = parse(small_case("{kind: 3d, width: 20 mm, length: 16 mm, lateral_cells: 4}",
                            "  - {type: nappage, species: {a: 5 mg/mL}, rows: 3, columns: 4, spacing: [2 mm, 3 mm], volume: 12 uL, "
                            "depth: 0.8 mm, at: [10 mm, 8 mm], time: 30 min, duration: 10 s}\n"));
  auto pts = injections(c);
  REQUIRE(pts.size() == 12u);
  for (size_t n = 0; n < pts.size(); ++n) {
    const int r = static_cast<int>(n) / 4, k = static_cast<int>(n) % 4;
    CHECK(pts[n].x == Approx(10e-3 + (k - 1.5) * 2e-3));
    CHECK(pts[n].y == Approx(8e-3 + (r - 1.0) * 3e-3));
    CHECK(pts[n].depth == Approx(0.8e-3));
    CHECK(pts[n].time == Approx(1800));
    CHECK(pts[n].duration == Approx(10));
    CHECK(pts[n].technique == "nappage");
    CHECK(pts[n].session == 0);
    CHECK(pts[n].contents.at(0).second == Approx(5.0));
  }
  CHECK(total_volume(c) == Approx(12 * 12e-9));
}

// [Derived:injection-defaults]
TEST_CASE("technique defaults follow the sourced injection defaults", "[patterns]") {
  const std::string g = "{kind: 3d, width: 60 mm, lateral_cells: 2}";
  auto one = [&](const std::string& type) { return parse(small_case(g, "  - {type: " + type + ", species: {a: 1 mg/mL}}\n")); };
  Case papule = one("papule");
  REQUIRE(injections(papule).size() == 1u);
  CHECK(injections(papule)[0].volume == Approx(20e-9));
  CHECK(injections(papule)[0].depth == Approx(1.0e-3));
  CHECK(injections(papule)[0].x == Approx(30e-3));  // centred in the domain
  Case nappage = one("nappage");
  REQUIRE(injections(nappage).size() == 9u);
  CHECK(injections(nappage)[0].volume == Approx(10e-9));
  CHECK(injections(nappage)[0].depth == Approx(1.0e-3));
  CHECK(injections(nappage)[1].x - injections(nappage)[0].x == Approx(3e-3));
  Case meso = one("mesogun");
  REQUIRE(injections(meso).size() == 25u);
  CHECK(injections(meso)[0].volume == Approx(1e-9));
  CHECK(injections(meso)[1].x - injections(meso)[0].x == Approx(2e-3));
  Case micro = one("micropapules");
  REQUIRE(injections(micro).size() == 9u);
  CHECK(injections(micro)[0].depth == Approx(1.5e-3));
  CHECK(injections(micro)[1].x - injections(micro)[0].x == Approx(10e-3));
  Case deep = parse(small_case(g, "  - {type: point_by_point, species: {a: 1 mg/mL}, depth: 2.5 mm, rows: 2, columns: 2}\n"));
  REQUIRE(injections(deep).size() == 4u);
  CHECK(injections(deep)[0].volume == Approx(100e-9));
  CHECK(injections(deep)[1].x - injections(deep)[0].x == Approx(20e-3));
  CHECK(technique_defaults("point_by_point").depth == Approx(4e-3));
  // the default depth of point_by_point (4 mm) is below this 3 mm skin: an error that says so
  CHECK_THAT(error_of(small_case(g, "  - {type: point_by_point, species: {a: 1 mg/mL}}\n")), Catch::Contains("default depth"));
  for (const auto& t : technique_names()) {
    const auto& d = technique_defaults(t);
    CHECK(!d.depth_source.empty());
    CHECK(!d.volume_source.empty());
  }
}

TEST_CASE("1d and 2d runs average a grid over its area and length", "[patterns]") {
  // 1d: the lattice's volume per area, V / (sx sy), split over the points
  Case c1 = parse(small_case("{kind: 1d}", "  - {type: nappage, species: {a: 1 mg/mL}, rows: 2, columns: 3, spacing: 3 mm, volume: 9 uL}\n"));
  REQUIRE(injections(c1).size() == 6u);
  CHECK(total_volume(c1) == Approx(9e-9 / 9e-6));  // 1 mm of fluid per area
  // 2d: each column is a line of points along y; volume per length V / sy
  Case c2 = parse(small_case("{kind: 2d, width: 12 mm, lateral_cells: 12}",
                             "  - {type: nappage, species: {a: 1 mg/mL}, rows: 2, columns: 3, spacing: [3 mm, 2 mm], volume: 8 uL}\n"));
  REQUIRE(injections(c2).size() == 6u);
  CHECK(total_volume(c2) == Approx(3 * 8e-9 / 2e-3));
  CHECK(injections(c2)[0].x == Approx(3e-3));
  CHECK(injections(c2)[2].x == Approx(9e-3));
  // axisymmetric: one point on the axis only
  CHECK_THAT(error_of(small_case("{kind: axisymmetric, width: 5 mm}", "  - {type: nappage, species: {a: 1 mg/mL}}\n")),
             Catch::Contains("9 points does not fit an axisymmetric domain"));
  Case ax = parse(small_case("{kind: axisymmetric, width: 5 mm}", "  - {type: papule, species: {a: 1 mg/mL}}\n"));
  REQUIRE(injections(ax).size() == 1u);
  CHECK(injections(ax)[0].x == 0.0);
}

TEST_CASE("linear threading splits the volume along the line, withdrawing", "[patterns]") {
  Case c = parse(small_case("{kind: 3d, width: 20 mm, lateral_cells: 4}",
                            "  - {type: linear_threading, species: {a: 2 mg/mL}, at: [5 mm, 10 mm], to: [15 mm, 10 mm], volume: 40 uL, "
                            "points: 8, depth: 0.7 mm, time: 1 h, duration: 80 s}\n"));
  auto pts = injections(c);
  REQUIRE(pts.size() == 8u);
  CHECK(total_volume(c) == Approx(40e-9));
  CHECK(pts.front().x == Approx(15e-3 - 10e-3 * 0.5 / 8));  // first deposit at the far end
  CHECK(pts.back().x == Approx(5e-3 + 10e-3 * 0.5 / 8));
  for (size_t k = 0; k < pts.size(); ++k) {
    CHECK(pts[k].time == Approx(3600 + 10.0 * k));
    CHECK(pts[k].duration == Approx(10));
    CHECK(pts[k].y == Approx(10e-3));
  }
  // 2d: a line source across the section, volume per length
  Case c2 = parse(small_case("{kind: 2d, width: 10 mm, lateral_cells: 10}",
                             "  - {type: linear_threading, species: {a: 2 mg/mL}, at: [4 mm], length: 20 mm, volume: 40 uL}\n"));
  CHECK(injections(c2).size() == 20u);  // one per mm by default
  CHECK(total_volume(c2) == Approx(40e-9 / 20e-3));
  CHECK(injections(c2)[0].x == Approx(4e-3));
}

TEST_CASE("a point outside the lateral domain is an error naming the point", "[patterns]") {
  const std::string msg = error_of(small_case("{kind: 3d, width: 8 mm, lateral_cells: 4}",
                                              "  - {type: nappage, species: {a: 1 mg/mL}, rows: 2, columns: 3, at: [6 mm, 4 mm]}\n"));
  CHECK_THAT(msg, Catch::Contains("point 3 (row 1, column 3)"));
  CHECK_THAT(msg, Catch::Contains("x = 9 mm"));
  CHECK_THAT(msg, Catch::Contains("delivery[0].at"));
  CHECK_THAT(msg, Catch::Contains("test.yaml:"));
}

TEST_CASE("scatter: normal, deterministic for a seed, clipped to the domain", "[patterns]") {
  const std::string g = "{kind: 3d, width: 400 mm, lateral_cells: 2}";
  auto field = [&](const std::string& scatter) {
    return parse(small_case(g, "  - {type: mesogun, species: {a: 1 mg/mL}, rows: 100, columns: 100, spacing: 3 mm, depth: 1.5 mm, scatter: " +
                                   scatter + "}\n"));
  };
  Case c = field("{depth: 0.1 mm, position: 0.2 mm, seed: 42}");
  Case nominal = field("{depth: 0 mm, position: 0 mm}");
  auto p = injections(c), q = injections(nominal);
  REQUIRE(p.size() == 10000u);
  double sd = 0, sx = 0, sy = 0, md = 0, mx = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double dz = p[i].depth - 1.5e-3, dx = p[i].x - q[i].x, dy = p[i].y - q[i].y;
    md += dz;
    mx += dx;
    sd += dz * dz;
    sx += dx * dx;
    sy += dy * dy;
  }
  const double n = p.size();
  md /= n;
  mx /= n;
  // mean within 4 standard errors, standard deviation within 4 %
  CHECK(std::fabs(md) < 4 * 0.1e-3 / 100);
  CHECK(std::fabs(mx) < 4 * 0.2e-3 / 100);
  CHECK(std::sqrt(sd / n) == Approx(0.1e-3).epsilon(0.04));
  CHECK(std::sqrt(sx / n) == Approx(0.2e-3).epsilon(0.04));
  CHECK(std::sqrt(sy / n) == Approx(0.2e-3).epsilon(0.04));
  // same seed, same points; another seed, other points
  Case again = field("{depth: 0.1 mm, position: 0.2 mm, seed: 42}");
  Case other = field("{depth: 0.1 mm, position: 0.2 mm, seed: 43}");
  auto a = injections(again), o = injections(other);
  bool same = true, differs = false;
  for (size_t i = 0; i < p.size(); ++i) {
    same = same && a[i].depth == p[i].depth && a[i].x == p[i].x && a[i].y == p[i].y;
    differs = differs || o[i].depth != p[i].depth;
  }
  CHECK(same);
  CHECK(differs);
  // the generator is fixed by the standard (mt19937_64 + Box-Muller): the same numbers everywhere
  NormalStream s1(7), s2(7);
  for (int i = 0; i < 5; ++i) CHECK(s1.next() == s2.next());
  // clipped: a large depth scatter near the surface never puts a point above it
  Case clip = parse(small_case("{kind: 1d}", "  - {type: nappage, species: {a: 1 mg/mL}, depth: 0.1 mm, scatter: {depth: 1 mm, seed: 1}}\n"));
  int at_surface = 0;
  for (const auto& d : injections(clip)) {
    CHECK(d.depth >= 0.0);
    CHECK(d.depth <= clip.total_thickness());
    at_surface += d.depth == 0.0;
  }
  CHECK(at_surface > 0);
  // where scatter cannot apply, it is an error
  CHECK_THAT(error_of(small_case("{kind: 1d}", "  - {type: nappage, species: {a: 1 mg/mL}, scatter: {position: 0.2 mm}}\n")),
             Catch::Contains("delivery[0].scatter.position"));
}

TEST_CASE("custom points from a CSV file, with units in the header; bad rows named", "[patterns]") {
  const auto dir = temp_dir();
  const std::string good = (dir / "points.csv").string();
  {
    std::ofstream f(good);
    f << "# three points\n"
      << "x_mm,y_mm,depth_mm,volume_uL,time_min\n"
      << "1, 2, 0.8, 5, 0\n"
      << "3, 2, 1.2, 10, 5\n"
      << "\n"
      << "5.5, 4, 0.5, 2.5, 10\n";
  }
  Case c = parse(small_case("{kind: 3d, width: 10 mm, lateral_cells: 4}",
                            "  - {type: custom, file: " + good + ", species: {a: 3 mg/mL}, at: [1 mm, 0 mm], time: 1 h}\n"));
  auto p = injections(c);
  REQUIRE(p.size() == 3u);
  CHECK(p[1].x == Approx(4e-3));
  CHECK(p[1].y == Approx(2e-3));
  CHECK(p[1].depth == Approx(1.2e-3));
  CHECK(p[1].volume == Approx(10e-9));
  CHECK(p[2].time == Approx(3600 + 600));
  CHECK(total_volume(c) == Approx(17.5e-9));
  CHECK(p[0].technique == "custom");

  const std::string bad = (dir / "bad.csv").string();
  {
    std::ofstream f(bad);
    f << "x_mm,y_mm,depth_mm,volume_uL\n1,2,0.8,5\n3,2,abc,5\n";
  }
  try {
    parse(small_case("{kind: 3d, width: 10 mm, lateral_cells: 4}", "  - {type: custom, file: " + bad + ", species: {a: 3 mg/mL}}\n"));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.file() == bad);
    CHECK(e.line() == 3);
    CHECK(e.key_path() == "delivery[0].file");
    CHECK_THAT(std::string(e.what()), Catch::Contains("'abc' is not a number"));
  }
  const std::string far = (dir / "far.csv").string();
  {
    std::ofstream f(far);
    f << "x_mm,y_mm,depth_mm,volume_uL\n1,2,0.8,5\n30,2,1,5\n";
  }
  try {
    parse(small_case("{kind: 3d, width: 10 mm, lateral_cells: 4}", "  - {type: custom, file: " + far + ", species: {a: 3 mg/mL}}\n"));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.file() == far);
    CHECK(e.line() == 3);
    CHECK_THAT(std::string(e.what()), Catch::Contains("outside the lateral domain"));
  }
  const std::string nounit = (dir / "nounit.csv").string();
  {
    std::ofstream f(nounit);
    f << "x,y_mm,depth_mm,volume_uL\n1,2,0.8,5\n";
  }
  CHECK_THAT(error_of(small_case("{kind: 3d, width: 10 mm, lateral_cells: 4}", "  - {type: custom, file: " + nounit + ", species: {a: 3 mg/mL}}\n")),
             Catch::Contains("has no unit"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("schedules repeat a delivery: times, sessions, topical exposure, validation", "[patterns][schedule]") {
  Case c = parse(small_case("{kind: 3d, width: 20 mm, lateral_cells: 4}",
                            "  - {type: nappage, species: {a: 1 mg/mL}, rows: 2, columns: 2, time: 1 h, schedule: {count: 4, interval: 21 d}}\n"
                            "  - {type: topical, species: a, dose: 2 uL/cm2, concentration: 1 mg/mL, start: 2 h, remove: 8 h, schedule: {count: 3, interval: 14 d}}\n"
                            "  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: 1 mm, at: [3 mm, 3 mm], schedule: {count: 2, interval: 7 d}}\n",
                            "{end: 70 d}"));
  auto pts = injections(c);
  REQUIRE(pts.size() == 4u * 4 + 2);
  for (int s = 0; s < 4; ++s)
    for (int k = 0; k < 4; ++k) {
      CHECK(pts[s * 4 + k].session == s);
      CHECK(pts[s * 4 + k].time == Approx(3600 + s * 21 * 86400.0));
    }
  std::vector<DeliveryDef> topical;
  for (const auto& d : c.delivery)
    if (d.type == "topical") topical.push_back(d);
  REQUIRE(topical.size() == 3u);
  for (int s = 0; s < 3; ++s) {
    CHECK(topical[s].session == s);
    CHECK(topical[s].start == Approx(2 * 3600 + s * 14 * 86400.0));
    CHECK(topical[s].remove - topical[s].start == Approx(6 * 3600));  // the same exposure
  }
  CHECK(pts[17].time == Approx(7 * 86400.0));
  CHECK(pts[17].session == 1);
  CHECK(c.warnings.empty());

  // sessions after time.end: left out with a warning
  Case late = parse(small_case("{kind: 1d}", "  - {type: papule, species: {a: 1 mg/mL}, schedule: {count: 4, interval: 21 d}}\n", "{end: 50 d}"));
  CHECK(injections(late).size() == 3u);
  REQUIRE(late.warnings.size() == 1u);
  CHECK_THAT(late.warnings[0], Catch::Contains("delivery[0].schedule: 1 of 4 sessions"));
  // validation
  CHECK_THAT(error_of(small_case("{kind: 1d}", "  - {type: papule, species: {a: 1 mg/mL}, schedule: {count: 0, interval: 1 d}}\n")),
             Catch::Contains("delivery[0].schedule.count"));
  CHECK_THAT(error_of(small_case("{kind: 1d}", "  - {type: papule, species: {a: 1 mg/mL}, schedule: {count: 3}}\n")),
             Catch::Contains("interval"));
  CHECK_THAT(error_of(small_case("{kind: 1d}", "  - {type: papule, species: {a: 1 mg/mL}, time: 3 h, schedule: {count: 2, interval: 1 d}}\n")),
             Catch::Contains("time.end"));
  CHECK_THAT(error_of(small_case("{kind: 1d}",
                                 "  - {type: topical, species: a, dose: 2 uL/cm2, concentration: 1 mg/mL, remove: 2 h, schedule: {count: 2, interval: 1 h}}\n")),
             Catch::Contains("sessions 0 and 1 overlap"));
  CHECK_THAT(error_of(small_case("{kind: 1d}", "  - {type: papule, species: {a: 1 mg/mL}, schedule: {count: 2, interval: 1 d, every: 2}}\n")),
             Catch::Contains("every"));
}

TEST_CASE("the resolved case of a technique reads back to the same text", "[patterns]") {
  for (const std::string& yaml :
       {small_case("{kind: 3d, width: 20 mm, lateral_cells: 4}",
                   "  - {type: nappage, species: {a: 1 mg/mL}, rows: 2, columns: 2, duration: 30 s, scatter: {depth: 0.2 mm, position: 0.3 mm, seed: 5}, "
                   "schedule: {count: 2, interval: 1 h}}\n"),
        small_case("{kind: 3d, unit_cell: true, lateral_cells: 4}", "  - {type: mesogun, species: {a: 1 mg/mL}, volume: 0.5 uL}\n"),
        small_case("{kind: 2d, unit_cell: {spacing: [3 mm, 2 mm]}, lateral_cells: 4}",
                   "  - {type: nappage, species: {a: 1 mg/mL}, volume: 1 uL, spacing: [3 mm, 2 mm]}\n")}) {
    const std::string once = dump_case(parse(yaml));
    const std::string twice = dump_case(parse(once));
    const std::string thrice = dump_case(parse(twice));
    CHECK(twice == thrice);  // the first dump rounds positions to 10 digits
    Case a = parse(yaml), b = parse(twice);
    REQUIRE(a.delivery.size() == b.delivery.size());
    for (size_t i = 0; i < a.delivery.size(); ++i) {
      CHECK(b.delivery[i].technique == a.delivery[i].technique);
      CHECK(b.delivery[i].session == a.delivery[i].session);
      CHECK(b.delivery[i].volume == Approx(a.delivery[i].volume).epsilon(1e-9));
      CHECK(b.delivery[i].duration == Approx(a.delivery[i].duration));
    }
    CHECK(b.unit_cell == a.unit_cell);
    CHECK(b.width == Approx(a.width));
  }
}

TEST_CASE("unit cell: set up from the pattern, validated", "[patterns][unit_cell]") {
  Case c = parse(small_case("{kind: 3d, unit_cell: true, lateral_cells: [6, 4]}",
                            "  - {type: nappage, species: {a: 1 mg/mL}, spacing: [3 mm, 2 mm], volume: 1 uL, rows: 7, columns: 9}\n"));
  CHECK(c.unit_cell);
  CHECK(c.width == Approx(1.5e-3));
  CHECK(c.length == Approx(1e-3));
  REQUIRE(injections(c).size() == 1u);  // the lattice point, at the corner
  CHECK(injections(c)[0].x == 0.0);
  std::vector<std::string> w;
  build_problem(c, &w);
  REQUIRE(!w.empty());
  CHECK_THAT(w.back(), Catch::Contains("unit cell: one periodic cell"));
  CHECK_THAT(dump_case(c), Catch::Contains("unit_cell: {spacing: [3 mm, 2 mm]}  # unit cell"));
  // errors
  CHECK_THAT(error_of(small_case("{kind: 3d, unit_cell: true, lateral_cells: 4}", "  - {type: injection, species: {a: 1 mg/mL}, volume: 1 uL, depth: 1 mm}\n")),
             Catch::Contains("geometry.unit_cell"));
  CHECK_THAT(error_of(small_case("{kind: axisymmetric, unit_cell: true}", "  - {type: papule, species: {a: 1 mg/mL}}\n")),
             Catch::Contains("a unit cell is a 3d (or 2d) domain"));
  CHECK_THAT(error_of(small_case("{kind: 3d, unit_cell: true, width: 3 mm}", "  - {type: papule, species: {a: 1 mg/mL}}\n")),
             Catch::Contains("geometry.width"));
  CHECK_THAT(error_of(small_case("{kind: 3d, unit_cell: true}", "  - {type: nappage, species: {a: 1 mg/mL}, scatter: {depth: 0.1 mm}}\n")),
             Catch::Contains("scatter makes the points differ"));
  CHECK_THAT(error_of(small_case("{kind: 3d, unit_cell: true}", "  - {type: nappage, species: {a: 1 mg/mL}}\n"
                                                                "  - {type: mesogun, species: {a: 1 mg/mL}}\n")),
             Catch::Contains("differs from the unit cell's"));
}

TEST_CASE("unit cell agrees with the full field of a 3 x 3 nappage to 1e-6", "[patterns][unit_cell]") {
  // Full field: 3 spacings wide, points at s/2 + i s, no-flux edges (= mirror lines of the infinite
  // lattice), uniform cells identical to the unit cell's; fixed steps and a direct solver so that both
  // runs take the same steps.
  const int m = 3;  // cells per half spacing
  const std::string pattern = "  - {type: nappage, species: {a: 4 mg/mL}, rows: 3, columns: 3, spacing: 3 mm, volume: 2 uL, depth: 1 mm}\n";
  const std::string time = "{end: 2 h, dt: 5 min, scheme: tr_bdf2}";
  const std::string solver = "solver: {linear: direct}\n";
  auto full = make_sim(small_case("{kind: 3d, width: 9 mm, lateral_cells: " + std::to_string(6 * m) + "}", pattern, time) + solver);
  auto cell = make_sim(small_case("{kind: 3d, unit_cell: true, lateral_cells: " + std::to_string(m) + "}", pattern, time) + solver);
  full->run();
  cell->run();
  const Grid& gf = full->grid();
  const Grid& gc = cell->grid();
  REQUIRE(gc.nx == m);
  REQUIRE(gc.xn.back() == Approx(1.5e-3));
  const auto cf = full->concentration(0), cu = cell->concentration(0);
  const double cmax = *std::max_element(cf.begin(), cf.end());
  REQUIRE(cmax > 0);
  // the quarter to +x, +y of every point (the centre one and a corner one) matches the unit cell
  double worst = 0;
  for (int pi : {0, 1, 2})
    for (int pj : {0, 1, 2}) {
      const int i0 = (2 * pi + 1) * m, j0 = (2 * pj + 1) * m;
      for (int k = 0; k < gc.nz; ++k)
        for (int j = 0; j < m; ++j)
          for (int i = 0; i < m; ++i) worst = std::max(worst, std::fabs(cu[gc.index(i, j, k)] - cf[gf.index(i0 + i, j0 + j, k)]) / cmax);
    }
  INFO("worst cell difference / max concentration: " << worst);
  CHECK(worst < 1e-6);
  // per-layer amounts: unit cell x 4 (quarter) x 9 (points)
  const Balance bf = full->balance(0), bu = cell->balance(0);
  for (size_t l = 0; l < bf.layer.size(); ++l) {
    INFO("layer " << l << ": full " << bf.layer[l] << ", 36 x unit cell " << 36 * bu.layer[l]);
    CHECK(std::fabs(36 * bu.layer[l] - bf.layer[l]) <= 1e-6 * std::max(bf.layer[l], 1e-30) + 1e-12 * bf.tissue());
  }
  CHECK(36 * bu.applied == Approx(bf.applied).epsilon(1e-9));
  CHECK(bu.clipped == 0.0);  // the images are not clipped
  CHECK(worst_balance_of(*cell, "a") < 1e-10);
  std::printf("unit cell vs full field (3 x 3 nappage): max |c_cell - c_full| / c_max = %.3g; layers:", worst);
  for (size_t l = 0; l < bf.layer.size(); ++l) std::printf(" %.3g", std::fabs(36 * bu.layer[l] - bf.layer[l]) / std::max(bf.layer[l], 1e-300));
  std::printf(" (relative)\n");
}

TEST_CASE("unit cell with a ball wider than the cell folds the mirror images back", "[patterns][unit_cell]") {
  // 8 uL (radius 1.24 mm) in a 1 mm x 1 mm quarter: the images overlap; nothing is lost laterally.
  auto sim = make_sim(small_case("{kind: 3d, unit_cell: true, lateral_cells: 4}",
                                 "  - {type: papule, species: {a: 1 mg/mL}, volume: 8 uL, depth: 1.5 mm, spacing: 2 mm}\n", "{end: 1 h}"));
  const Balance b0 = sim->balance(0);
  (void)b0;
  sim->run();
  const Balance b = sim->balance(0);
  CHECK(b.applied == Approx(0.25 * 8e-9 * 1.0).epsilon(1e-12));
  CHECK(b.clipped == 0.0);
  CHECK(worst_balance_of(*sim, "a") < 1e-10);
}

TEST_CASE("mass balance closes to 1e-10 for a nappage run with scatter and sessions", "[patterns][balance]") {
  auto sim = make_sim(small_case("{kind: 3d, width: 10 mm, lateral_cells: 10}",
                                 "  - {type: nappage, species: {a: 5 mg/mL}, rows: 2, columns: 2, volume: 3 uL, depth: 0.8 mm, "
                                 "scatter: {depth: 0.2 mm, position: 0.3 mm, seed: 11}, schedule: {count: 2, interval: 1 h}}\n",
                                 "{end: 3 h, output_every: 1 h}"));
  sim->run();
  CHECK(worst_balance_of(*sim, "a") < 1e-10);
  const Balance b = sim->balance(0);
  CHECK(b.applied + b.clipped == Approx(8 * 3e-9 * 5.0).epsilon(1e-9));
  CHECK(b.out.at("cleared_blood") > 0);
}

TEST_CASE("a 4-session course over 9 weeks steps through the idle weeks quickly", "[patterns][schedule]") {
  // Papule on face_cheek, axisymmetric; sessions at 0, 21, 42 and 63 d, run to 84 d. The
  // excess-fluid field (models/fluid) is off: this measures how the stepper crosses idle weeks.
  const std::string yaml =
      "time: {end: 84 d}\n"
      "geometry: {kind: axisymmetric, width: 10 mm, lateral_cells: 30, lateral_grading: 4}\n"
      "skin: {preset: face_cheek}\n"
      "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
      "delivery:\n  - {type: papule, species: {niacinamide: 20 mg/mL}, schedule: {count: 4, interval: 21 d}}\n"
      "fluid: {enabled: false}\n";
  Case c = parse(yaml);
  REQUIRE(injections(c).size() == 4u);
  CHECK(injections(c)[3].time == Approx(63 * 86400.0));
  auto sim = make_sim(yaml);
  const auto t0 = std::chrono::steady_clock::now();
  sim->run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long steps = sim->stats().accepted + sim->stats().rejected;
  std::printf("4-session 63 d papule course (axisymmetric face_cheek, %d x %d cells, to 84 d): %ld accepted + %ld rejected steps, %.2f s wall\n",
              sim->grid().nx, sim->grid().nz, sim->stats().accepted, sim->stats().rejected, wall);
  CHECK(steps < 600);
  CHECK(wall < 5.0);
  CHECK(worst_balance_of(*sim, "niacinamide") < 1e-9);
  // every session was applied: the applied amount steps up four times
  const auto& h = sim->history();
  const auto& applied = h.species[0].at("applied");
  CHECK(applied.back() == Approx(4 * applied[0]).epsilon(1e-9));
}
