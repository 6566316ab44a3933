// SPDX-License-Identifier: BSD-3-Clause
// Sweeps (docs/sweep.md): the expansion of every axis kind, the samplers (Latin hypercube strata,
// Sobol' points against published values), the distributions, the journal records, and the
// sensitivity estimators against the exact indices of the Ishigami function.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "app/sweep.hpp"
#include "app/sweep_design.hpp"
#include "app/sweep_stats.hpp"
#include "models/case.hpp"
#include "solver/units.hpp"

using namespace dermasim;

namespace {
const std::string kName = std::string(DERMASIM_SOURCE_DIR) + "/configs/sweeps/test.yaml";
SweepSpec sweep(const std::string& body) { return read_sweep_text("base: ../caffeine_franz.yaml\n" + body, kName); }
double si(const std::string& s) { return parse_quantity(s).si; }

// The error of a bad sweep file: its line and key path must be named.
InputError sweep_error(const std::string& body) {
  try {
    sweep(body);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no error for: " << body);
  throw;
}
}  // namespace

TEST_CASE("factorial sweeps: lists, linear and log ranges, every combination, last axis fastest", "[sweep]") {
  const SweepSpec sp = sweep(
      "vary:\n"
      "  - {key: \"delivery[0].concentration\", values: [1 mg/mL, 2 mg/mL, 4 mg/mL]}\n"
      "  - {key: \"skin.layers[0].thickness\", range: {from: 10 um, to: 30 um, steps: 5, scale: linear}}\n");
  REQUIRE(sp.cases.size() == 15);
  REQUIRE(sp.axes.size() == 2);
  CHECK(sp.axes[0].line == 3);
  CHECK(sp.cases[0].values[0] == "1 mg/mL");
  CHECK(sp.cases[0].values[1] == "10 um");
  CHECK(sp.cases[1].values[1] == "15 um");
  CHECK(sp.cases[4].values[1] == "30 um");
  CHECK(sp.cases[5].values[0] == "2 mg/mL");
  CHECK(sp.cases[14].values[0] == "4 mg/mL");
  // ids are the positions
  for (size_t i = 0; i < sp.cases.size(); ++i) CHECK(sp.cases[i].id == static_cast<long>(i));
  // a preset's layers are written out so that skin.layers[0] exists
  REQUIRE(!sp.sets.empty());
  CHECK(sp.sets[0].rfind("skin.layers=[", 0) == 0);
  const auto sets = sp.case_sets(sp.cases[3]);
  CHECK(sets.back() == "skin.layers[0].thickness=25 um");

  const SweepSpec lg = sweep("vary:\n  - {key: time.end, range: {from: 1 h, to: 100 h, steps: 3, scale: log}}\n");
  REQUIRE(lg.cases.size() == 3);
  CHECK(si(lg.cases[1].values[0]) == Approx(si("10 h")).epsilon(1e-8));
  CHECK(lg.cases[2].values[0] == "100 h");
}

TEST_CASE("zip groups vary together; derived values follow the case", "[sweep]") {
  const SweepSpec sp = sweep(
      "vary:\n"
      "  - zip:\n"
      "      - {key: \"delivery[0].concentration\", values: [1 mg/mL, 2 mg/mL]}\n"
      "      - {key: \"delivery[0].dose\", values: [20 uL/cm2, 10 uL/cm2]}\n"
      "  - {key: time.end, values: [2 h, 4 h, 8 h]}\n"
      "  - {key: time.output_every, derived: \"{time.end} / 4\", unit: min}\n");
  REQUIRE(sp.cases.size() == 6);
  CHECK(sp.cases[0].values[0] == "1 mg/mL");
  CHECK(sp.cases[0].values[1] == "20 uL/cm2");
  CHECK(sp.cases[3].values[0] == "2 mg/mL");
  CHECK(sp.cases[3].values[1] == "10 uL/cm2");
  CHECK(sp.cases[4].values[2] == "4 h");
  CHECK(sp.cases[4].values[3] == "60 min");
  // derived from a value of the base case, not varied
  const SweepSpec b = sweep(
      "vary:\n"
      "  - {key: time.end, values: [2 h]}\n"
      "  - {key: \"delivery[0].concentration\", derived: \"{delivery[0].concentration} * 2\", unit: mg/mL}\n");
  CHECK(b.cases[0].values[1] == "8 mg/mL");
  // two references in one expression, a quantity in brackets, units tracked
  const SweepSpec two = sweep(
      "vary:\n"
      "  - {key: time.end, values: [2 h, 4 h]}\n"
      "  - {key: \"delivery[0].dose\", derived: \"[20 uL/cm2] * {time.output_every} / {time.end}\", unit: uL/cm2}\n");
  CHECK(two.cases[0].values[1] == "10 uL/cm2");
  CHECK(two.cases[1].values[1] == "5 uL/cm2");
  const InputError du = sweep_error("vary:\n  - {key: time.end, values: [2 h]}\n  - {key: time.dt_max, derived: \"{time.end} * 2\", unit: mm}\n");
  CHECK(du.line() == 4);
  CHECK(std::string(du.what()).find("a time") != std::string::npos);
  // a zip group whose lists differ in length
  const InputError e = sweep_error(
      "vary:\n  - zip:\n      - {key: a, values: [1, 2]}\n      - {key: b, values: [1, 2, 3]}\n");
  CHECK(e.line() == 5);
  CHECK(std::string(e.what()).find("same number of values") != std::string::npos);
}

TEST_CASE("Latin hypercube: every stratum of every input is hit exactly once", "[sweep]") {
  for (long n : {1L, 7L, 64L, 1000L}) {
    const int d = 5;
    const auto u = sample_lhs(n, d, 42);
    for (int j = 0; j < d; ++j) {
      std::set<long> strata;
      for (long i = 0; i < n; ++i) {
        const double x = u[i * d + j];
        REQUIRE(x > 0.0);
        REQUIRE(x < 1.0);
        strata.insert(static_cast<long>(std::floor(x * n)));
      }
      CHECK(static_cast<long>(strata.size()) == n);
    }
  }
  // the same seed gives the same design; another seed another one
  CHECK(sample_lhs(10, 3, 7) == sample_lhs(10, 3, 7));
  CHECK(sample_lhs(10, 3, 7) != sample_lhs(10, 3, 8));
  // through a sweep file: the values of a uniform input fall one per stratum of [min, max]
  const SweepSpec sp = sweep(
      "design: {kind: lhs, samples: 20, seed: 3}\n"
      "vary:\n"
      "  - {key: \"delivery[0].concentration\", distribution: {kind: uniform, min: 1 mg/mL, max: 3 mg/mL}}\n"
      "  - {key: time.end, distribution: {kind: log_uniform, min: 1 h, max: 100 h}}\n");
  REQUIRE(sp.cases.size() == 20);
  std::set<long> s0, s1;
  for (const auto& c : sp.cases) {
    s0.insert(static_cast<long>(std::floor((si(c.values[0]) - 1) / 2 * 20)));
    s1.insert(static_cast<long>(std::floor(std::log(si(c.values[1]) / 3600) / std::log(100) * 20)));
  }
  CHECK(s0.size() == 20);
  CHECK(s1.size() == 20);
}

TEST_CASE("Sobol' points: the published first points and stratification of 2^m points", "[sweep]") {
  // dimensions 1-3 of the sequence of Joe & Kuo (2008), points 1..8 (the zero point skipped), as
  // given by their generator (and scipy.stats.qmc.Sobol(scramble=False), which uses their numbers)
  const double expect[8][3] = {{0.5, 0.5, 0.5},         {0.75, 0.25, 0.25},     {0.25, 0.75, 0.75},     {0.375, 0.375, 0.625},
                               {0.875, 0.875, 0.125},   {0.625, 0.125, 0.875},  {0.125, 0.625, 0.375},  {0.1875, 0.3125, 0.9375}};
  const auto u = sample_sobol(8, 3);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 3; ++j) CHECK(u[i * 3 + j] == expect[i][j]);
  // points 1..2^m - 1 plus the zero point: each of the 2^m intervals of every dimension once
  const int d = sobol_max_dims(), m = 10, n = (1 << m) - 1;
  const auto v = sample_sobol(n, d);
  for (int j = 0; j < d; ++j) {
    std::set<long> strata = {0};
    for (int i = 0; i < n; ++i) strata.insert(static_cast<long>(std::floor(v[i * d + j] * (1 << m))));
    CHECK(strata.size() == static_cast<size_t>(1 << m));
  }
}

TEST_CASE("distributions: quantiles, truncation, population data", "[sweep]") {
  CHECK(normal_quantile(0.975) == Approx(1.959963985).epsilon(1e-9));
  CHECK(normal_quantile(0.5) == Approx(0.0).margin(1e-12));
  CHECK(normal_quantile(1e-6) == Approx(-4.753424309).epsilon(1e-8));
  SweepDistribution n;
  n.kind = "normal";
  n.a = 10;
  n.b = 2;
  CHECK(n.value(0.8413447461) == Approx(12).epsilon(1e-8));
  n.lo = 9;
  n.hi = 11;  // truncated: u = 0 and 1 land on the bounds
  CHECK(n.value(1e-12) == Approx(9).epsilon(1e-6));
  CHECK(n.value(1 - 1e-12) == Approx(11).epsilon(1e-6));
  CHECK(n.value(0.5) == Approx(10).epsilon(1e-9));
  SweepDistribution ln;
  ln.kind = "log_normal";
  ln.a = 20;   // median
  ln.b = 1.5;  // gsd
  CHECK(ln.value(0.5) == Approx(20).epsilon(1e-9));
  CHECK(ln.value(0.8413447461) == Approx(30).epsilon(1e-8));
  // a population input: stratum corneum of the dorsal forearm (SandbyMoller2003), 18.3 +- 4.9 um
  const SweepSpec sp = sweep(
      "design: {kind: random, samples: 4000, seed: 5}\n"
      "vary:\n"
      "  - {key: \"skin.layers[0].thickness\", distribution: {kind: population, site: forearm_dorsal, layer: stratum_corneum}}\n");
  double mean = 0, lo = 1, hi = 0;
  for (const auto& c : sp.cases) {
    const double x = si(c.values[0]);
    mean += x / sp.cases.size();
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  CHECK(mean == Approx(18.3e-6).epsilon(0.02));
  CHECK(lo >= 18.3e-6 - 3 * 4.9e-6);
  CHECK(hi <= 18.3e-6 + 3 * 4.9e-6);
  // a population axis: every layer of the base case with data at the site, matched by name
  const SweepSpec pa = sweep(
      "design: {kind: lhs, samples: 10, seed: 5}\n"
      "vary:\n"
      "  - population: {site: forearm_dorsal}\n"
      "  - {key: time.end, values: [1 h, 2 h]}\n");
  REQUIRE(pa.axes.size() == 3);
  CHECK(pa.axes[0].key == "skin.layers[0].thickness");
  CHECK(pa.axes[1].key == "skin.layers[1].thickness");
  CHECK(pa.axes[0].dist.a == 18.3e-6);
  CHECK(pa.axes[1].dist.a == 56.6e-6);
  CHECK(pa.dims == 3);
  const InputError ps = sweep_error("design: {kind: lhs, samples: 4, seed: 5}\nvary:\n  - population: {site: knee}\n");
  CHECK(ps.line() == 4);
  CHECK(ps.key_path() == "vary[0].population.site");
  CHECK(std::string(ps.what()).find("'knee' is not allowed; choose one of: forearm_dorsal") != std::string::npos);
  // a site measured per sex needs the sex
  const InputError e = sweep_error(
      "design: {kind: random, samples: 4, seed: 5}\nvary:\n"
      "  - {key: \"skin.layers[2].thickness\", distribution: {kind: population, site: face_cheek, layer: dermis}}\n");
  CHECK(std::string(e.what()).find("sex") != std::string::npos);
}

namespace {
// Mean and SD of a normal (mean m, SD s) truncated to [lo, hi]: the exact moments the sampled
// values must have.
std::pair<double, double> truncated_moments(double m, double s, double lo, double hi) {
  const double a = (lo - m) / s, b = (hi - m) / s;
  auto phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); };
  const double z = normal_cdf(b) - normal_cdf(a);
  const double d = (phi(a) - phi(b)) / z;
  return {m + s * d, s * std::sqrt(1 + (a * phi(a) - b * phi(b)) / z - d * d)};
}
std::pair<double, double> moments(const std::vector<double>& v) {
  double m = 0, q = 0;
  for (double x : v) m += x / v.size();
  for (double x : v) q += (x - m) * (x - m) / (v.size() - 1);
  return {m, std::sqrt(q)};
}
std::vector<double> column(const SweepSpec& sp, size_t axis) {
  std::vector<double> v;
  for (const auto& c : sp.cases) v.push_back(si(c.values[axis]));
  return v;
}
// A 1d case on a preset's layers (their base values).
Case preset_case(const std::string& preset) {
  return read_case(load_yaml_text("name: b\ntime: {end: 1 h}\ngeometry: {kind: 1d}\nskin: {preset: " + preset +
                                      "}\nspecies: [{name: x, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}]\n",
                                  "b.yaml", {}));
}
// A population value scaled from a base value (clearance by perfusion, water by a water index):
// the column of `axis` / base x ref is the sampled study value, whose mean and SD must be those of
// the tabulated normal (mean, sd) truncated at +- 3 SD (LHS: within 0.5 % and 1.5 %), and those the
// table's (truncation moves the SD by 1.3 %).
void check_scaled_population(const SweepSpec& sp, size_t axis, double base, double ref, double mean, double sd) {
  REQUIRE(base > 0);
  std::vector<double> f = column(sp, axis);
  for (double& x : f) x *= ref / base;
  const auto [m, s] = moments(f);
  const auto [tm, ts] = truncated_moments(mean, sd, mean - 3 * sd, mean + 3 * sd);
  CHECK(m == Approx(tm).epsilon(0.005));
  CHECK(s == Approx(ts).epsilon(0.015));
  CHECK(tm == Approx(mean).epsilon(0.001));
  CHECK(ts == Approx(sd).epsilon(0.015));
}
}  // namespace

TEST_CASE("skin populations: sampled means and SDs are the tabulated ones, mapped onto the layers", "[sweep][population]") {
  // Protocol: 4000 Latin-hypercube draws of a population axis; the sample mean and SD of each
  // parameter against the exact moments of the tabulated normal truncated at mean +- 3 SD (LHS:
  // within 0.5 % and 1.5 %), and those against the table itself (truncation moves the SD by 1.3 %).
  // Periorbital skin of women aged 40-60 (the 40-49 group): full skin 1.24 +- 0.27 mm
  // ([Web:face-50mhz-age]) onto the reticular dermis as the rest below the layers above it; basal
  // perfusion 967.83 +- 225.49 APU ([Fei2018]) onto the clearance of both dermal layers, scaled from
  // the preset's value by flow / 949.515 (the mean of the two sexes).
  const SweepSpec sp = sweep(
      "set: {skin.preset: face_periorbital}\n"
      "design: {kind: lhs, samples: 4000, seed: 3}\n"
      "vary:\n"
      "  - population: {site: face_periorbital, sex: female, age: 40-60}\n");
  REQUIRE(sp.axes.size() == 3);
  CHECK(sp.axes[0].key == "skin.layers[2].clearance");  // papillary dermis
  CHECK(sp.axes[1].key == "skin.layers[3].thickness");  // reticular dermis
  CHECK(sp.axes[2].key == "skin.layers[3].clearance");
  CHECK(sp.dims == 2);  // one draw for the perfusion of both layers, one for the thickness
  const Case base = preset_case("face_periorbital");
  double above = 0;
  for (int i = 0; i < 3; ++i) above += base.layers[i].thickness;
  // full skin = the layers above + the sampled reticular dermis
  std::vector<double> full = column(sp, 1);
  for (double& x : full) x += above;
  const auto [fm, fs] = moments(full);
  const auto [em, es] = truncated_moments(1.24e-3, 0.27e-3, 1.24e-3 - 3 * 0.27e-3, 1.24e-3 + 3 * 0.27e-3);
  CHECK(fm == Approx(em).epsilon(0.005));
  CHECK(fs == Approx(es).epsilon(0.015));
  CHECK(em == Approx(1.24e-3).epsilon(0.001));
  CHECK(es == Approx(0.27e-3).epsilon(0.015));
  // perfusion: clearance / the preset's clearance x the reference = the sampled flow (APU)
  for (size_t a = 0; a < 2; ++a) check_scaled_population(sp, 2 * a, base.layers[2 + a].clearance, (931.20 + 967.83) / 2, 967.83, 225.49);
  // one person's perfusion: both dermal layers move together
  for (size_t i = 0; i < 50; ++i) CHECK(si(sp.cases[i].values[0]) / base.layers[2].clearance == Approx(si(sp.cases[i].values[2]) / base.layers[3].clearance).epsilon(1e-6));
  // an age picks its group: 25 -> 20-29 (1.24 +- 0.25 mm... the eyelid's 20-29 value); adult men: the dermis of [Meng2022]
  const SweepSpec young = sweep("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
                                "  - population: {site: face_periorbital, sex: male, age: 25, properties: [thickness]}\n");
  REQUIRE(young.axes.size() == 1);
  CHECK(young.axes[0].dist.a + above == Approx(1.44e-3));
  const SweepSpec men = sweep("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
                              "  - population: {site: face_periorbital, sex: male, properties: [thickness]}\n");
  REQUIRE(men.axes.size() == 1);
  CHECK(men.axes[0].dist.a + base.layers[2].thickness == Approx(0.67e-3));  // dermis = papillary + reticular
  // bad queries: the key named, what is allowed said
  const InputError sex = sweep_error("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 4, seed: 5}\nvary:\n"
                                     "  - population: {site: face_periorbital}\n");
  CHECK(sex.key_path() == "vary[0].population");
  CHECK(std::string(sex.what()).find("give sex: female or male") != std::string::npos);
  const InputError age = sweep_error("design: {kind: lhs, samples: 4, seed: 5}\nvary:\n  - population: {site: face_cheek, sex: female, age: old}\n");
  CHECK(age.key_path() == "vary[0].population.age");
  const InputError child = sweep_error("set: {skin.preset: face_cheek}\ndesign: {kind: lhs, samples: 4, seed: 5}\nvary:\n"
                                       "  - population: {site: face_cheek, sex: female, age: 8}\n");
  CHECK(child.key_path() == "vary[0].population");
  CHECK(std::string(child.what()).find("the site has:") != std::string::npos);
}

TEST_CASE("skin populations: a tissue-water index onto the dermal water, and ages outside the recorded groups", "[sweep][population]") {
  // Protocol as above (4000 LHS draws; within 0.5 % and 1.5 % of the exact truncated moments).
  // Volar forearm of men aged 18-40: tissue dielectric constant 33.2 +- 4.0 ([Mayrovitz2010]) onto
  // the water fraction of both dermal layers of forearm_invivo, scaled from the preset's value by
  // TDC / 33.2 (the group's own mean: its spread only); one draw for both layers.
  const SweepSpec sp = sweep("set: {skin.preset: forearm_invivo}\ndesign: {kind: lhs, samples: 4000, seed: 11}\nvary:\n"
                             "  - population: {site: forearm_volar, sex: male, age: 25, properties: [water]}\n");
  REQUIRE(sp.axes.size() == 2);
  CHECK(sp.axes[0].key == "skin.layers[2].water");  // papillary dermis
  CHECK(sp.axes[1].key == "skin.layers[3].water");  // reticular dermis
  CHECK(sp.dims == 1);
  CHECK(sp.notes.empty());
  const Case base = preset_case("forearm_invivo");
  for (size_t a = 0; a < 2; ++a) {
    check_scaled_population(sp, a, base.layers[2 + a].water, 33.2, 33.2, 4.0);
    CHECK(sp.axes[a].dist.hi < 1);  // a water fraction stays below 1 at mean + 3 SD
  }
  for (size_t i = 0; i < 50; ++i) CHECK(si(sp.cases[i].values[0]) / base.layers[2].water == Approx(si(sp.cases[i].values[1]) / base.layers[3].water).epsilon(1e-6));
  // women: the preset's water as the mean, the SD 2.7 / 29.4 of it; the forehead of men ([Mayrovitz2012])
  const SweepSpec women = sweep("set: {skin.preset: forearm_invivo}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
                                "  - population: {site: forearm_volar, sex: female, age: 30, properties: [water]}\n");
  REQUIRE(women.axes.size() == 2);
  CHECK(women.axes[1].dist.a == Approx(base.layers[3].water));
  CHECK(women.axes[1].dist.b == Approx(base.layers[3].water * 2.7 / 29.4));
  const SweepSpec forehead = sweep("set: {skin.preset: forehead}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
                                   "  - population: {site: face_forehead, sex: male, age: 30, properties: [water]}\n");
  REQUIRE(forehead.axes.size() == 2);
  CHECK(forehead.axes[0].dist.b == Approx(preset_case("forehead").layers[2].water * 2.9 / 39.6));

  // An age no recorded group holds: that property is not sampled, the others are, with a note.
  // Periorbital women aged 60: full skin is recorded for 20-49 only ([Web:face-50mhz-age]); the
  // dermis of [Meng2022] (all ages together) and the perfusion of [Fei2018] (20-80 y) are used.
  const SweepSpec old = sweep("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
                              "  - population: {site: face_periorbital, sex: female, age: 60}\n");
  REQUIRE(old.notes.size() == 1);
  CHECK(old.notes[0].find("full_skin (female) is recorded for ages 20-29, 30-39, 40-49 only, not sampled") != std::string::npos);
  CHECK(old.notes[0].find("test.yaml:5: vary[0].population") != std::string::npos);
  const Case peri = preset_case("face_periorbital");
  REQUIRE(old.axes.size() == 3);
  CHECK(old.axes[1].key == "skin.layers[3].thickness");
  CHECK(old.axes[1].dist.a + peri.layers[2].thickness == Approx(0.58e-3));  // the dermis, not the 40-49 full skin
  // 40-60 overlaps the 40-49 group: no note
  CHECK(sweep("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 8, seed: 3}\nvary:\n"
              "  - population: {site: face_periorbital, sex: female, age: 40-60}\n")
            .notes.empty());
  // nothing left: refused, naming the groups recorded
  const InputError canthus = sweep_error("set: {skin.preset: face_periorbital}\ndesign: {kind: lhs, samples: 4, seed: 5}\nvary:\n"
                                         "  - population: {site: face_canthus, sex: female, age: 50-70}\n");
  CHECK(canthus.key_path() == "vary[0].population");
  CHECK(std::string(canthus.what()).find("full_skin (female) is recorded for ages 20-29, 30-39, 40-49 only") != std::string::npos);
  const InputError water_old = sweep_error("set: {skin.preset: forearm_invivo}\ndesign: {kind: lhs, samples: 4, seed: 5}\nvary:\n"
                                           "  - population: {site: forearm_volar, sex: male, age: 65}\n");
  CHECK(std::string(water_old.what()).find("water (male) is recorded for ages 18-40 only") != std::string::npos);
}

TEST_CASE("sampled designs are reproducible and list values as written", "[sweep]") {
  const std::string body =
      "design: {kind: random, samples: 5, seed: 11}\n"
      "vary:\n"
      "  - {key: \"delivery[0].concentration\", distribution: {kind: normal, mean: 4 mg/mL, sd: 1 mg/mL, min: 1 mg/mL}}\n"
      "  - {key: skin.preset, values: [forearm_invitro, face_cheek]}\n";
  const SweepSpec a = sweep(body), b = sweep(body);
  REQUIRE(a.cases.size() == 5);
  for (size_t i = 0; i < 5; ++i) CHECK(a.cases[i].values == b.cases[i].values);
  for (const auto& c : a.cases) {
    CHECK(c.values[0].find(" mg/mL") != std::string::npos);
    CHECK(si(c.values[0]) >= 1.0);
    CHECK((c.values[1] == "forearm_invitro" || c.values[1] == "face_cheek"));
  }
  // Saltelli: N (d + 2) cases; AB_i equals A but for input i, which is B's
  const SweepSpec s = sweep(
      "design: {kind: saltelli, samples: 8}\n"
      "vary:\n"
      "  - {key: a, distribution: {kind: uniform, min: 0, max: 1}}\n"
      "  - {key: b, distribution: {kind: uniform, min: 0, max: 1}}\n");
  REQUIRE(s.cases.size() == 8 * 4);
  for (int j = 0; j < 8; ++j) {
    const auto& A = s.cases[j * 4].values;
    const auto& B = s.cases[j * 4 + 1].values;
    CHECK(s.cases[j * 4 + 2].values == std::vector<std::string>{B[0], A[1]});
    CHECK(s.cases[j * 4 + 3].values == std::vector<std::string>{A[0], B[1]});
  }
}

TEST_CASE("bad sweep files name the file, line and key", "[sweep]") {
  struct Bad {
    std::string body, path, words;
    int line;
  };
  const std::vector<Bad> bad = {
      {"vary:\n  - {key: \"delivery[0].concentration\", values: []}\n", "vary[0].values", "empty axis", 3},
      {"vary:\n  - {key: time.end, range: {from: 10 h, to: 1 h, steps: 3, scale: log}}\n", "vary[0].range", "from < to", 3},
      {"vary:\n  - {key: time.end, values: [1 h]}\nmetrics: [peak_pct_dose, auc]\n", "metrics[1]", "unknown metric 'auc'", 4},
      {"design: {kind: lhs, samples: 4}\nvary:\n  - {key: time.end, distribution: {kind: gamma, min: 1 h, max: 2 h}}\n",
       "vary[0].distribution.kind", "uniform, log_uniform", 4},
      {"vary:\n  - {key: time.end, distribution: {kind: uniform, min: 1 h, max: 2 h}}\n", "vary[0].distribution", "sampled design", 3},
      {"vary: []\n", "vary", "no axes", 2},
      {"vary:\n  - {key: time.end, values: [1 h], colour: red}\n", "vary[0].colour", "unknown key", 3},
  };
  for (const auto& b : bad) {
    INFO(b.body);
    const InputError e = sweep_error(b.body);
    CHECK(e.file() == kName);
    CHECK(e.line() == b.line);
    CHECK(e.key_path() == b.path);
    CHECK(std::string(e.what()).find(b.words) != std::string::npos);
  }
}

TEST_CASE("journal lines read back; a torn or altered line is rejected", "[sweep]") {
  SweepRecord r;
  r.id = 12;
  r.ok = true;
  r.wall = 0.25;
  r.metrics = {1.5, NAN, 3e-9};
  r.target_curve = {0, 1, 2};
  r.receptor_curve = {0, 0.5, 1};
  const std::string line = journal_line(r);
  REQUIRE(line.back() == '\n');
  SweepRecord back;
  REQUIRE(parse_journal_line(line.substr(0, line.size() - 1), 3, back));
  CHECK(back.id == 12);
  CHECK(back.ok);
  CHECK(back.metrics[0] == 1.5);
  CHECK(std::isnan(back.metrics[1]));
  CHECK(back.metrics[2] == 3e-9);
  CHECK(back.receptor_curve == r.receptor_curve);
  CHECK_FALSE(parse_journal_line(line.substr(0, line.size() - 5), 3, back));
  std::string altered = line.substr(0, line.size() - 1);
  altered[3] = '9';
  CHECK_FALSE(parse_journal_line(altered, 3, back));
  SweepRecord f;
  f.id = 3;
  f.error = "a\tb\nc";
  const std::string fl = journal_line(f);
  REQUIRE(parse_journal_line(fl.substr(0, fl.size() - 1), 3, back));
  CHECK_FALSE(back.ok);
  CHECK(back.error == f.error);
}

TEST_CASE("rank correlation and percentiles", "[sweep]") {
  CHECK(ranks({3, 1, 2, 2}) == std::vector<double>{4, 1, 2.5, 2.5});
  std::vector<double> x, y, z;
  for (int i = 0; i < 50; ++i) {
    x.push_back(i);
    y.push_back(std::exp(0.1 * i));  // monotone: rho = 1
    z.push_back(-i * i);             // decreasing: rho = -1
  }
  CHECK(spearman(x, y) == Approx(1.0));
  CHECK(spearman(x, z) == Approx(-1.0));
  CHECK(percentile({1, 2, 3, 4, 5}, 50) == 3);
  CHECK(percentile({1, 2, 3, 4, 5}, 25) == 2);
  CHECK(percentile({10, 0}, 95) == Approx(9.5));
}

TEST_CASE("Sobol' indices of the Ishigami function: the exact values lie within the bootstrap intervals", "[sweep]") {
  // f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3 (Ishigami & Homma 1990); exact indices
  // from the analytic variances (Sobol' & Levitan 1999): V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8,
  // V13 = 8 b^2 pi^8 / 225, V = V1 + V2 + V13.
  const double a = 7, b = 0.1, pi = M_PI;
  const double V1 = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2), V2 = a * a / 8, V13 = 8 * b * b * std::pow(pi, 8) / 225;
  const double V = V1 + V2 + V13;
  const double S[3] = {V1 / V, V2 / V, 0}, ST[3] = {(V1 + V13) / V, V2 / V, V13 / V};
  auto f = [&](double x1, double x2, double x3) { return std::sin(x1) + a * std::pow(std::sin(x2), 2) + b * std::pow(x3, 4) * std::sin(x1); };
  // the design of a sweep file (no simulation): inputs as plain numbers
  const SweepSpec sp = sweep(
      "design: {kind: saltelli, samples: 4096}\n"
      "vary:\n"
      "  - {key: x1, distribution: {kind: uniform, min: -3.14159265358979, max: 3.14159265358979}}\n"
      "  - {key: x2, distribution: {kind: uniform, min: -3.14159265358979, max: 3.14159265358979}}\n"
      "  - {key: x3, distribution: {kind: uniform, min: -3.14159265358979, max: 3.14159265358979}}\n");
  const int d = 3;
  const size_t n = sp.cases.size() / (d + 2);
  REQUIRE(n == 4096);
  auto fc = [&](size_t k) {
    const auto& v = sp.cases[k].values;
    return f(std::stod(v[0]), std::stod(v[1]), std::stod(v[2]));
  };
  std::vector<double> fA, fB;
  std::vector<std::vector<double>> fAB(d);
  for (size_t j = 0; j < n; ++j) {
    fA.push_back(fc(j * (d + 2)));
    fB.push_back(fc(j * (d + 2) + 1));
    for (int i = 0; i < d; ++i) fAB[i].push_back(fc(j * (d + 2) + 2 + i));
  }
  const auto idx = sobol_indices(fA, fB, fAB, 1000, 0.95, 1);
  for (int i = 0; i < d; ++i) {
    INFO("input " << i + 1 << ": S " << idx[i].first << " [" << idx[i].first_lo << ", " << idx[i].first_hi << "] exact " << S[i] << "; ST "
                  << idx[i].total << " [" << idx[i].total_lo << ", " << idx[i].total_hi << "] exact " << ST[i]);
    CHECK(idx[i].first_lo <= S[i]);
    CHECK(S[i] <= idx[i].first_hi);
    CHECK(idx[i].total_lo <= ST[i]);
    CHECK(ST[i] <= idx[i].total_hi);
    // and the intervals are informative (not so wide that any value passes)
    CHECK(idx[i].first_hi - idx[i].first_lo < 0.1);
    CHECK(idx[i].total_hi - idx[i].total_lo < 0.1);
  }
}

TEST_CASE("Morris trajectories: one input per step; elementary effects of a linear function are its slopes", "[sweep]") {
  const SweepSpec sp = sweep(
      "design: {kind: morris, samples: 20, seed: 4, levels: 4}\n"
      "vary:\n"
      "  - {key: a, distribution: {kind: uniform, min: 0, max: 1}}\n"
      "  - {key: b, distribution: {kind: uniform, min: 0, max: 1}}\n"
      "  - {key: c, distribution: {kind: uniform, min: 0, max: 1}}\n");
  const int d = 3;
  REQUIRE(sp.cases.size() == 20 * (d + 1));
  REQUIRE(sp.unit_points.size() == sp.cases.size() * d);
  for (int t = 0; t < 20; ++t) {
    std::set<int> moved;
    for (int j = 1; j <= d; ++j) {
      const size_t a = t * (d + 1) + j - 1, b = a + 1;
      int changed = 0, which = -1;
      for (int k = 0; k < d; ++k)
        if (sp.unit_points[a * d + k] != sp.unit_points[b * d + k]) {
          ++changed;
          which = k;
          CHECK(std::fabs(sp.unit_points[a * d + k] - sp.unit_points[b * d + k]) == 0.5);  // half of 4 levels
        }
      CHECK(changed == 1);
      moved.insert(which);
    }
    CHECK(moved.size() == static_cast<size_t>(d));  // every input moves once per trajectory
  }
  // f = 3 a - 2 b (+ 0 c) on the values written into the cases: EE = slope x range (1) everywhere
  std::vector<double> f;
  for (const auto& c : sp.cases) f.push_back(3 * std::stod(c.values[0]) - 2 * std::stod(c.values[1]));
  const auto m = morris_indices(sp.unit_points, f, d, 200, 0.95, 1);
  CHECK(m[0].mu_star == Approx(3).epsilon(1e-6));
  CHECK(m[0].mu == Approx(3).epsilon(1e-6));
  CHECK(m[1].mu_star == Approx(2).epsilon(1e-6));
  CHECK(m[1].mu == Approx(-2).epsilon(1e-6));
  CHECK(m[2].mu_star == Approx(0).margin(1e-9));
  CHECK(m[0].sigma == Approx(0).margin(1e-6));
  CHECK(m[0].n == 20);
  // an interaction (f = a b) shows as sigma > 0
  std::vector<double> g;
  for (const auto& c : sp.cases) g.push_back(std::stod(c.values[0]) * std::stod(c.values[1]));
  const auto mi = morris_indices(sp.unit_points, g, d, 0);
  CHECK(mi[0].sigma > 0.1);
  CHECK(mi[2].mu_star == Approx(0).margin(1e-12));
}

TEST_CASE("a sweep case is a copy of the parsed base with its values: the same as parsing the text with them", "[sweep][input]") {
  const std::string text =
      "name: b\ntime: {end: 2 h}\ngeometry: {kind: 1d}\nskin: {preset: forearm_invitro}\n"
      "species: [{name: x, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}]\n"
      "delivery: [{type: topical, species: x, dose: 10 uL/cm2, concentration: 4 mg/mL}]\n";
  const std::vector<std::string> sets = {"delivery[0].concentration=2 mg/mL", "time.end=-3", "time.end=3 h", "skin.layers=[{name: a, thickness: 10 um, cells: 4}]",
                                         "species[0].properties.all.partition=0.5"};
  const Located base = load_yaml_text(text, "b.yaml", {});
  const Located copy = with_overrides(base, sets);
  const Located parsed = load_yaml_text(text, "b.yaml", sets);
  for (const char* key : {"delivery[0].concentration", "time.end", "skin.layers[0].thickness", "skin.layers[0].name", "species[0].properties.all.partition"}) {
    CHECK(lookup_value(copy, key) == lookup_value(parsed, key));
    CHECK(!lookup_value(copy, key).empty());
  }
  CHECK(lookup_value(base, "delivery[0].concentration") == "4 mg/mL");  // the base is not changed
  CHECK(lookup_value(base, "time.end") == "2 h");
  // the overridden paths are known (errors in them say "value from --set")
  CHECK(copy.src->overridden == parsed.src->overridden);
  const Case a = read_case(copy), b = read_case(parsed);
  CHECK(a.end == b.end);
  REQUIRE(a.layers.size() == 1);
  CHECK(a.layers[0].thickness == b.layers[0].thickness);
  // a plain scalar and the YAML parser's reading of it are the same node text
  const Located q = with_overrides(base, {"name=-5", "time.end=1e-3 h"});
  CHECK(lookup_value(q, "name") == "-5");
  CHECK(lookup_value(q, "time.end") == "1e-3 h");
}
