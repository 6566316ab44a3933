// SPDX-License-Identifier: BSD-3-Clause
// Papule, hydration and HA metrics (models/hydration_metrics) against cases with known answers:
// first-order drainage and degradation, the fluid's own balance, and elevation fields whose
// diameter is known.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "models/couplings/excess_fluid.hpp"
#include "models/couplings/osmotic.hpp"
#include "helpers.hpp"
#include "models/ha_osmotic.hpp"
#include "models/hydration_metrics.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

HydrationMetrics run_hydration(Simulation& sim, const HydrationSetup& setup) {
  HydrationRecorder rec(sim, setup);
  sim.run([&](const Simulation& s, double t, int i) { rec.on_output(s, t, i); },
          [&](const Simulation& s, double t, double dt) { rec.on_step(s, t, dt); });
  return rec.finish(sim);
}

// One layer of a single cell: the injected fluid is uniform in it (no Darcy gradients) and drains
// at k_d, so the excess water, and the surface it raises, decay as exp(-k_d t) after the injection.
// Without the fluid, the injected solute only degrades, at k (no clearance, closed boundaries); with
// it, the draining fluid also carries the solute to lymph.
const double kd = 2e-4;   // 1/s: drainage of the fluid
const double kdeg = 1e-5;  // 1/s: degradation of the solute
std::string drain_case(const std::string& time, const std::string& delivery_extra = "", bool fluid = true) {
  return "time: " + time +
         "\n"
         "skin:\n  layers:\n    - {name: dermis, thickness: 1 mm, cells: 1, water: 0.66}\n"
         "species:\n  - {name: gel, properties: {all: {diffusivity: 1e-11 m2/s, partition: 1, degradation: 1e-5 1/s}}}\n"
         "delivery:\n  - {type: injection, species: {gel: 5 mg/mL}, volume: 5 uL/cm2, depth: 0.5 mm, time: 10 min" +
         delivery_extra +
         "}\n" +
         (fluid ? "fluid: {enabled: true, layers: {all: {drainage: 2e-4 1/s}}}\n" : "");
}

}  // namespace

TEST_CASE("papule height halves in ln2/k_d under first-order drainage (1d, uniform layer)", "[hydration]") {
  Case c = parse(drain_case("{end: 4 h, output_every: 1 h, rtol: 1e-7}"));
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  HydrationSetup setup = hydration_setup(c);
  CHECK(setup.papule_threshold == Approx(10e-6));  // the default
  const HydrationMetrics m = run_hydration(sim, setup);
  REQUIRE(m.fluid);
  REQUIRE(m.time.size() == sim.history().time.size());
  const HydrationWindow& all = m.windows.at(0);
  CHECK(all.peak_time == Approx(600.0));
  CHECK(all.peak_height == Approx(5e-5).epsilon(1e-9));  // 5 uL/cm2 = 50 um of fluid per area
  // the step control's error (rtol 1e-7) bounds the recorded heights; ln-interpolation is exact
  INFO("halving time " << all.halving_time << " s, ln2/k_d " << std::log(2.0) / kd << " s");
  CHECK(all.halving_time == Approx(std::log(2.0) / kd).epsilon(1e-4));
  CHECK(all.volume_halving_time == Approx(std::log(2.0) / kd).epsilon(1e-4));  // uniform: the volume drains alike
  // the height follows the exponential at every recorded step after the injection
  double worst = 0;
  for (size_t i = 0; i < m.time.size(); ++i)
    if (m.time[i] >= 600.0) worst = std::max(worst, std::fabs(m.height[i] / (5e-5 * std::exp(-kd * (m.time[i] - 600.0))) - 1));
  CHECK(worst < 1e-4);
  CHECK(std::isnan(m.diameter[0]));  // 1d: n/a
  // hydration: the one layer holds all of it; 5e-5 m of fluid over 0.66 x 1 mm of water = 7.58 %
  CHECK(m.excess.at(0)[m.peak_row] == Approx(5e-5).epsilon(1e-9));
  CHECK(m.pct_of_baseline(0, m.excess[0][m.peak_row]) == Approx(100 * 5e-5 / 0.66e-3).epsilon(1e-9));
  // never halving within the run: n/a
  Case short_run = parse(drain_case("{end: 30 min, output_every: 10 min, rtol: 1e-7}"));
  Simulation sim2(build_problem(short_run, &w));
  CHECK(std::isnan(run_hydration(sim2, hydration_setup(short_run)).windows[0].halving_time));
}

TEST_CASE("swollen volume equals the fluid held in tissue, and the layers' excess water adds up to it", "[hydration]") {
  // axisymmetric, several layers; with and without an output at t = 0 (the first row then comes
  // from the injection itself)
  for (const char* outputs : {"output_every: 30 min", "outputs: [45 min, 2 h]"}) {
    INFO(outputs);
    std::ostringstream y;
    y << "time: {end: 2 h, " << outputs << "}\n"
      << "geometry: {kind: axisymmetric, width: 4 mm, lateral_cells: 12, lateral_grading: 3}\n"
      << "skin: {preset: face_cheek}\n"
      << "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n"
      << "delivery:\n  - {type: injection, species: {s: 5 mg/mL}, volume: 5 uL, depth: 1 mm}\n"
      << "  - {type: injection, species: {s: 5 mg/mL}, volume: 3 uL, depth: 0.8 mm, time: 1 h, duration: 10 min}\n"
      << "fluid: {enabled: true}\n";
    Case c = parse(y.str());
    std::vector<std::string> w;
    Simulation sim(build_problem(c, &w));
    const HydrationMetrics m = run_hydration(sim, hydration_setup(c));
    const int f = excess_fluid_species(sim);
    const auto& h = sim.history();
    REQUIRE(m.time.size() == h.time.size());
    const double area = sim.grid().top_area();
    double worst_tissue = 0, worst_layers = 0;
    for (size_t i = 0; i < m.time.size(); ++i) {
      double tissue = 0, layers = 0;
      for (size_t l = 0; l < m.layers.size(); ++l) {
        tissue += h.species[f].at("layer/" + m.layers[l])[i];
        layers += m.excess[l][i] * area;
      }
      REQUIRE(tissue > 0);
      worst_tissue = std::max(worst_tissue, std::fabs(m.volume[i] - tissue) / tissue);
      worst_layers = std::max(worst_layers, std::fabs(layers - m.volume[i]) / tissue);
    }
    CHECK(worst_tissue < 1e-12);
    CHECK(worst_layers < 1e-12);
    CHECK(m.volume.back() == Approx(sim.balance(f).tissue()).epsilon(1e-12));
    CHECK(m.height[0] == Approx(h.species[f].at("max_elevation")[0]).epsilon(1e-12));
    CHECK(m.height.back() == Approx(h.species[f].at("max_elevation").back()).epsilon(1e-12));
    // the papule is widest and highest at the injection; all layers with a water fraction get a %
    CHECK(m.diameter[0] > 1e-3);
    for (size_t l = 0; l < m.layers.size(); ++l)
      CHECK(std::isfinite(m.pct_of_baseline(l, 1e-6)) == (m.layer_water[l] > 0));
  }
}

TEST_CASE("papule diameter of a known elevation shape (axisymmetric, 3d, unit cell, 2d)", "[hydration]") {
  // a paraboloid e = h0 (1 - r^2/a^2): above the threshold for r < a sqrt(1 - thr/h0)
  const double h0 = 1e-3, a = 3e-3, thr = 0.25e-3;
  const double d_exact = 2 * a * std::sqrt(1 - thr / h0);
  auto elevation = [&](double r) { return r < a ? h0 * (1 - r * r / (a * a)) : 0.0; };
  const std::string skin = "skin:\n  layers:\n    - {name: t, thickness: 1 mm, cells: 2}\n"
                           "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n";
  auto grid = [&](const std::string& geometry) { return make_problem("time: {end: 1 h}\ngeometry: " + geometry + "\n" + skin).grid; };
  // the widest cell the boundary can fall in
  auto cell_width_near = [](const std::vector<double>& nodes, double r0, double r1) {
    double wmax = 0;
    for (size_t i = 0; i + 1 < nodes.size(); ++i)
      if (nodes[i + 1] >= r0 && nodes[i] <= r1) wmax = std::max(wmax, nodes[i + 1] - nodes[i]);
    return wmax;
  };
  const double r_star = d_exact / 2;
  SECTION("axisymmetric, graded rings") {
    const Grid g = grid("{kind: axisymmetric, width: 5 mm, lateral_cells: 40, lateral_grading: 4}");
    std::vector<double> e(g.nx);
    for (int i = 0; i < g.nx; ++i) e[i] = elevation(g.xc(i));
    const PapuleShape s = papule_shape(g, e, thr);
    const double dx = cell_width_near(g.xn, r_star, r_star);
    INFO("diameter " << s.diameter << " m, exact " << d_exact << " m, cell " << dx << " m");
    CHECK(std::fabs(s.diameter - d_exact) <= dx);
    CHECK(std::fabs(s.diameter - d_exact) > 0);  // a staircase, not a copy of the answer
    CHECK(s.height == Approx(elevation(g.xc(0))));
    CHECK(s.volume == Approx(M_PI * h0 * a * a / 2).epsilon(0.01));  // paraboloid volume
  }
  SECTION("3d, centred, and a unit cell with the papule at its corner") {
    const Grid g = grid("{kind: 3d, width: 8 mm, lateral_cells: 40}");
    const double cx = 0.5 * (g.xn.front() + g.xn.back()), cy = 0.5 * (g.yn.front() + g.yn.back());
    std::vector<double> e(static_cast<size_t>(g.nx) * g.ny);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) e[static_cast<size_t>(j) * g.nx + i] = elevation(std::hypot(g.xc(i) - cx, g.yc(j) - cy));
    const double dx = 8e-3 / 40;
    const PapuleShape s = papule_shape(g, e, thr);
    INFO("3d: diameter " << s.diameter << " m, exact " << d_exact << " m");
    CHECK(std::fabs(s.diameter - d_exact) <= dx);
    // the quarter at a corner (x, y >= 0), counted four times
    const Grid q = grid("{kind: 3d, width: 4 mm, lateral_cells: 20}");
    std::vector<double> eq(static_cast<size_t>(q.nx) * q.ny);
    for (int j = 0; j < q.ny; ++j)
      for (int i = 0; i < q.nx; ++i) eq[static_cast<size_t>(j) * q.nx + i] = elevation(std::hypot(q.xc(i) - q.xn[0], q.yc(j) - q.yn[0]));
    const PapuleShape sq = papule_shape(q, eq, thr, 4);
    CHECK(std::fabs(sq.diameter - d_exact) <= dx);
    CHECK(sq.volume == Approx(s.volume / 4).epsilon(1e-9));  // the volume stays the domain's
  }
  SECTION("2d: the width; 1d: n/a") {
    const Grid g = grid("{kind: 2d, width: 8 mm, lateral_cells: 80}");
    std::vector<double> e(g.nx);
    for (int i = 0; i < g.nx; ++i) e[i] = elevation(std::fabs(g.xc(i) - 0.5 * (g.xn.front() + g.xn.back())));
    CHECK(std::fabs(papule_shape(g, e, thr).diameter - d_exact) <= 8e-3 / 80);
    const Grid g1 = make_problem("time: {end: 1 h}\n" + skin).grid;
    CHECK(std::isnan(papule_shape(g1, {1e-4}, thr).diameter));
  }
}

TEST_CASE("HA remaining and its fitted half-life under first-order degradation", "[hydration]") {
  // without the fluid, the solute of drain_case degrades at k and nothing else removes it
  Case c = parse(drain_case("{end: 2 d, output_every: 12 h, rtol: 1e-7}", "", false));
  CHECK(ha_species(c).empty());  // a plain species is not a library HA grade
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  HydrationSetup setup = hydration_setup(c);
  setup.ha = {c.species_index("gel")};
  const HydrationMetrics m = run_hydration(sim, setup);
  REQUIRE(m.ha_names == std::vector<std::string>{"gel"});
  double worst = 0;
  for (size_t i = 0; i < m.time.size(); ++i) {
    if (m.time[i] < 600.0) {
      CHECK(std::isnan(m.ha_remaining[i]));  // nothing applied yet
      continue;
    }
    worst = std::max(worst, std::fabs(m.ha_remaining[i] / (100 * std::exp(-kdeg * (m.time[i] - 600.0))) - 1));
  }
  CHECK(worst < 1e-4);  // the step control's error (rtol 1e-7) accumulates over the run
  const DecayFit& f = m.ha_fit;
  INFO("half-life " << f.half_life << " s, ln2/k " << std::log(2.0) / kdeg << " s, " << f.points << " points");
  CHECK(f.half_life == Approx(std::log(2.0) / kdeg).epsilon(1e-3));
  CHECK(f.t_start == 600.0);  // the fit starts at the (last) delivery
  CHECK(f.t_end == Approx(2 * 86400.0));
  CHECK(f.points >= 3);
  CHECK(f.rms < 1e-4);
  CHECK(m.windows[0].ha_remaining == Approx(100 * std::exp(-kdeg * (2 * 86400.0 - 600.0))).epsilon(1e-4));

  // the fit on its own: an exact exponential on uneven steps; too few points or growth give n/a
  const std::vector<double> t = {0, 1, 1.5, 10, 100, 400};
  std::vector<double> y;
  for (double ti : t) y.push_back(3 * std::exp(-0.01 * ti));
  CHECK(fit_decay(t, y).k == Approx(0.01).epsilon(1e-12));
  CHECK(fit_decay(t, y).y_start == Approx(3.0).epsilon(1e-12));
  CHECK(std::isnan(fit_decay({0, 1}, {1, 0.5}).half_life));
  CHECK(std::isnan(fit_decay({0, 1, 2}, {1, 2, 4}).half_life));
  CHECK(fit_decay({0, 1, 2, 3}, {1, 0.5, 0, 0.125}).points == 3);  // y <= 0 left out
}

TEST_CASE("HA species are the library HA grades", "[hydration]") {
  Case c = parse(
      "time: {end: 1 h}\nskin: {preset: face_cheek}\n"
      "species:\n  - {name: caf, ingredient: caffeine}\n  - {name: gel, ingredient: ha_high_mw}\n  - {name: low, ingredient: ha_low_mw}\n");
  CHECK(ha_species(c) == std::vector<int>{1, 2});
}

TEST_CASE("papule and HA metrics per treatment session", "[hydration]") {
  // three injections a day apart: the fluid drains within hours, so every session has the same
  // peak and halving time
  const std::string schedule = ", schedule: {count: 3, interval: 1 d}";
  Case c = parse(drain_case("{end: 3 d, output_every: 12 h, rtol: 1e-7}", schedule));
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  const HydrationMetrics p = run_hydration(sim, hydration_setup(c));
  REQUIRE(p.windows.size() == 4);
  const double day = 86400.0, t0 = 600.0, q = std::exp(-kdeg * day);
  for (int k = 0; k < 3; ++k) {
    const HydrationWindow& s = p.windows[k + 1];
    CHECK(s.session == k);
    CHECK(s.t_start == (k == 0 ? 0.0 : t0 + k * day));
    CHECK(s.peak_time == Approx(t0 + k * day));
    CHECK(s.peak_height == Approx(5e-5).epsilon(1e-6));
    CHECK(s.halving_time == Approx(std::log(2.0) / kd).epsilon(1e-4));
  }
  CHECK(std::isnan(p.windows[1].ha_remaining));  // no HA species
  // without the fluid the solute only degrades; what is left at a session's end is taken just
  // before the next dose: 1 d + 10 min, 2 d + 10 min, then the end of the run
  Case cs = parse(drain_case("{end: 3 d, output_every: 12 h, rtol: 1e-7}", schedule, false));
  Simulation sim_s(build_problem(cs, &w));
  HydrationSetup setup = hydration_setup(cs);
  setup.ha = {0};
  const HydrationMetrics m = run_hydration(sim_s, setup);
  REQUIRE(m.windows.size() == 4);
  CHECK(std::isnan(m.windows[1].peak_height));  // no fluid
  CHECK(m.windows[1].ha_remaining == Approx(100 * q).epsilon(1e-4));
  CHECK(m.windows[2].ha_remaining == Approx(50 * (q * q + q)).epsilon(1e-4));
  const double qe = std::exp(-kdeg * (3 * day - t0 - 2 * day));
  CHECK(m.windows[3].ha_remaining == Approx(100 * qe * (1 + q + q * q) / 3).epsilon(1e-4));
  // the half-life is fitted after the last dose
  CHECK(m.ha_fit.t_start == Approx(t0 + 2 * day));
  CHECK(m.ha_fit.half_life == Approx(std::log(2.0) / kdeg).epsilon(1e-3));
}

TEST_CASE("metrics.papule_threshold: read with units, validated, written back", "[hydration][metrics]") {
  const std::string base = drain_case("{end: 1 h}");
  CHECK(parse(base + "metrics: {papule_threshold: 50 um}\n").metrics.papule_threshold == Approx(50e-6));
  CHECK_THROWS_WITH(parse(base + "metrics: {papule_threshold: 5 mg/mL}\n"), Catch::Contains("test.yaml:10: metrics.papule_threshold"));
  CHECK_THROWS_WITH(parse(base + "metrics: {papule_threshold: -1 um}\n"), Catch::Contains("metrics.papule_threshold"));
  CHECK_THROWS_WITH(parse(base + "metrics: {papule_treshold: 1 um}\n"), Catch::Contains("papule_treshold"));
  Case c = parse(base + "metrics: {papule_threshold: 0.05 mm}\n");
  const std::string dumped = dump_case(c);
  CHECK(dumped.find("papule_threshold: 50 um") != std::string::npos);
  CHECK(read_case(load_yaml_text(dumped, "resolved", {})).metrics.papule_threshold == Approx(50e-6));
  // species names that would collide with these results in the output file are refused
  CHECK_THROWS_WITH(parse("time: {end: 1 h}\nskin: {layers: [{name: d, thickness: 1 mm, cells: 2}]}\n"
                          "species: [{name: papule, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}]\n"),
                    Catch::Contains("species[0].name"));
}

TEST_CASE("water held per gram of HA at equilibrium is the constitutive law's phi / m", "[hydration][ha]") {
  // a column of dermis (water 0.6, H 10 kPa) holding 10 kg/m3 of HA that neither degrades nor moves:
  // the excess water tends to H phi = Pi(m / (0.6 + phi)) and the printed water per gram to phi / m
  const double m = 10.0;
  Case c = parse(
      "time: {end: 20 d, rtol: 1e-6}\n"
      "skin:\n  layers:\n    - {name: dermis, thickness: 1 mm, cells: 10, water: 0.6}\n"
      "species:\n  - {name: ha, properties: {all: {diffusivity: 5e-12 m2/s, partition: 1}}}\n"
      "fluid:\n  enabled: true\n  layers: {all: {permeability: 9.6e-15 m2, stiffness: 10 kPa, drainage: 1.5e-5 1/s}}\n"
      "hydration: {species: [ha]}\n");
  std::vector<std::string> w;
  Problem p = build_problem(c, &w);
  p.species[0].initial_c.assign(p.grid.cells(), m);
  Simulation sim(std::move(p));
  const HydrationMetrics hm = run_hydration(sim, hydration_setup(c));
  const double phi = osmotic_equilibrium_excess(OsmoticModel{}, m, 0.6, 1e4);
  INFO("phi_eq " << phi);
  CHECK(hm.water_per_gram_end == Approx(phi / m * 1e3).epsilon(0.01));  // m3/kg -> mL/g
  CHECK(hm.ha_remaining.back() == Approx(100.0).epsilon(1e-9));
}
