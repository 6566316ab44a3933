// SPDX-License-Identifier: BSD-3-Clause
// Microneedling (models/microneedle): roller density arithmetic, channel closure with the stated
// time constant, the 1d equivalent pathway against a resolved unit cell, and the mass balance while
// the channels close.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "helpers.hpp"
#include "models/microneedle.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

constexpr double kPi = 3.14159265358979323846;

// forearm_invitro-like column (SC 20 um, VE 60 um, dermis 300 um, receptor sink) with caffeine's
// properties of configs/caffeine_franz.yaml.
std::string layers_caffeine(int sc_cells = 20, int ve_cells = 12, int de_cells = 30) {
  std::ostringstream y;
  y << "skin:\n  bottom: sink\n  layers:\n"
    << "    - {name: stratum_corneum, thickness: 20 um, cells: " << sc_cells << "}\n"
    << "    - {name: viable_epidermis, thickness: 60 um, cells: " << ve_cells << "}\n"
    << "    - {name: dermis, thickness: 300 um, cells: " << de_cells << ", grading: 4, toward: top}\n"
    << "species:\n  - name: caffeine\n    properties:\n"
    << "      all: {diffusivity: 1.89e-10 m2/s, partition: 0.711}\n"
    << "      stratum_corneum: {diffusivity: 8.08e-15 m2/s, partition: 0.8}\n";
  return y.str();
}

// Amount taken up from the vehicle (kg, per m2 in 1d) and in the receptor, at the end of the run.
struct Uptake {
  double skin = 0, receptor = 0;
};
Uptake uptake_at_end(Simulation& sim) {
  sim.run();
  const Balance b = sim.balance(0);
  Uptake u;
  u.receptor = b.out.count("receptor") ? b.out.at("receptor") : 0.0;
  u.skin = b.applied - b.get("vehicle") - b.get("washed");  // into the skin (tissue + everything that left it)
  return u;
}

}  // namespace

TEST_CASE("roller density: needles / (pi D W) per pass", "[unit][microneedle]") {
  // [Derived:roller-density]: 192 / (pi * 2 cm * 2 cm) = 15.3 holes/cm2 per drum revolution
  CHECK(roller_density_per_pass(192, 0.02, 0.02) * 1e-4 == Approx(15.279).epsilon(1e-4));
  const std::string base = "time: {end: 2 h}\nskin: {preset: face_cheek}\n"
                           "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n";
  Case c = parse(base + "delivery:\n  - {type: microneedle, roller: {needle_length: 1.5 mm, passes: 15}}\n");
  REQUIRE(c.delivery.size() == 1);
  const MicroneedleDef& n = c.delivery[0].needling;
  CHECK(n.device == "roller");
  CHECK(n.needles == 192);
  // 15 passes: 229 /cm2 (Doddaballapur 2009 [Doddaballapur2009] reports ~250 /cm2 after 15 passes)
  CHECK(n.density * 1e-4 == Approx(15 * 192 / (kPi * 4.0)).epsilon(1e-12));
  CHECK(n.density * 1e-4 == Approx(229.2).epsilon(1e-3));
  CHECK(n.depth == Approx(0.2 * 1.5e-3));  // default depth: 0.2 x needle length
  CHECK(n.diameter == Approx(70e-6));
  CHECK(n.shape == "cone");
  CHECK(n.closure == Approx(3600));  // non-occluded default
  // other drum, stamp, laser
  Case c2 = parse(base + "delivery:\n  - {type: microneedle, roller: {needle_length: 0.5 mm, needles: 540, drum_diameter: 1.8 cm, drum_width: 2 cm, passes: 4}}\n");
  CHECK(c2.delivery[0].needling.density == Approx(4 * 540 / (kPi * 0.018 * 0.02)));
  Case c3 = parse(base + "delivery:\n  - {type: microneedle, density: 250 /cm2, needle_length: 0.6 mm}\n");
  CHECK(c3.delivery[0].needling.device == "stamp");
  CHECK(c3.delivery[0].needling.density == Approx(250e4));
  CHECK(c3.delivery[0].needling.depth == Approx(120e-6));
  Case c4 = parse(base + "delivery:\n  - {type: microneedle, device: laser, density: 100 /cm2, depth: 300 um, diameter: 150 um, shape: cylinder}\n");
  CHECK(c4.delivery[0].needling.depth == Approx(300e-6));
  CHECK(c4.delivery[0].technique == "laser_channels");
  // the area fraction at the surface: density * pi d^2 / 4
  CHECK(channel_area_fraction(c3.delivery[0].needling, 0) == Approx(250e4 * kPi * 70e-6 * 70e-6 / 4));
  CHECK(channel_area_fraction(c3.delivery[0].needling, 60e-6) == Approx(0.25 * 250e4 * kPi * 70e-6 * 70e-6 / 4));  // cone, half depth
}

TEST_CASE("closure: occluded default, given value, validation", "[unit][microneedle]") {
  const std::string base = "time: {end: 30 h}\nskin: {preset: face_cheek}\n"
                           "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}, stratum_corneum: {diffusivity: 1e-14 m2/s}}}\n"
                           "  - {name: t, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}, stratum_corneum: {diffusivity: 1e-14 m2/s}}}\n";
  const std::string mn = "  - {type: microneedle, roller: {needle_length: 0.5 mm, passes: 8}, time: 1 h}\n";
  Case open = parse(base + "delivery:\n" + mn + "  - {type: topical, species: s, dose: 2 mg/cm2, concentration: 1 mg/mL, start: 1 h}\n");
  CHECK(open.delivery[0].needling.closure == Approx(3600));
  Case occl = parse(base + "delivery:\n" + mn + "  - {type: topical, species: s, dose: 2 mg/cm2, concentration: 1 mg/mL, start: 1 h, occluded: true}\n");
  CHECK(occl.delivery[0].needling.closure == Approx(25 * 3600));
  Case late = parse(base + "delivery:\n" + mn + "  - {type: topical, species: s, dose: 2 mg/cm2, concentration: 1 mg/mL, start: 5 h, occluded: true}\n");
  CHECK(late.delivery[0].needling.closure == Approx(3600));  // applied after the channels closed
  Case given = parse(base + "delivery:\n  - {type: microneedle, roller: {needle_length: 0.5 mm, passes: 8}, closure: 30 min, species: [t]}\n");
  CHECK(given.delivery[0].needling.closure == Approx(1800));
  // only species t gets channels
  std::vector<std::string> w;
  Problem p = build_problem(given, &w);
  CHECK(p.species[0].conductances.empty());
  // 1d with the access resistance: the barrier rows close as c1 o + ... + c4 o^4 (tau, tau/2, ...)
  REQUIRE(p.species[1].conductances.size() == 4);
  for (size_t j = 0; j < 4; ++j) CHECK(p.species[1].conductances[j].tau == Approx(1800 / (j + 1.0)));
  // the resolved case reads back to the same text
  const std::string text = dump_case(given);
  CHECK(dump_case(read_case(load_yaml_text(text, "resolved.yaml", {}))) == text);
  const std::string text2 = dump_case(occl);
  CHECK(dump_case(read_case(load_yaml_text(text2, "resolved.yaml", {}))) == text2);
  // errors
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, device: laser, density: 100 /cm2}\n"), Catch::Contains("depth"));
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, roller: {needle_length: 0.5 mm}}\n"), Catch::Contains("passes"));
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, roller: {needle_length: 0.5 mm, passes: 2}, density: 3 /cm2}\n"),
                    Catch::Contains("not both"));
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, density: 100 /cm2, depth: 9 mm}\n"), Catch::Contains("deeper than the skin"));
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, density: 100 /cm2, depth: 100 um, species: [x]}\n"), Catch::Contains("no species"));
  CHECK_THROWS_WITH(parse(base + "delivery:\n  - {type: microneedle, density: 30000 /cm2, depth: 100 um, diameter: 100 um}\n"),
                    Catch::Contains("whole surface"));
}

TEST_CASE("channel conductance decays as exp(-t/tau)", "[verification][microneedle]") {
  // A 20 um barrier over a thin, very permeable layer and a sink: the uptake rate from an infinite
  // dose is the barrier's conductance, intact part + channels * exp(-t/tau). Cylindrical channels,
  // no access resistance, so that the 1d conductance is exactly G_int + G_ch exp(-t/tau).
  const double tau = 2 * 3600.0;
  auto yaml = [&](bool needled) {
    std::ostringstream y;
    y << "time: {end: 6 h, outputs: [0 h, 1 h, 2 h, 4 h, 6 h], rtol: 1e-6}\n"
      << "skin:\n  bottom: sink\n  layers:\n"
      << "    - {name: stratum_corneum, thickness: 20 um, cells: 10}\n"
      << "    - {name: viable_epidermis, thickness: 5 um, cells: 4}\n"
      << "species:\n  - name: s\n    properties:\n      all: {diffusivity: 1e-8 m2/s, partition: 1}\n"
      << "      stratum_corneum: {diffusivity: 1e-14 m2/s, partition: 1}\n"
      << "delivery:\n  - {type: topical, species: s, infinite: true, concentration: 1 mg/mL}\n";
    if (needled)
      y << "  - {type: microneedle, density: 250 /cm2, depth: 25 um, shape: cylinder, closure: 2 h, diffusivity: 5e-10 m2/s, "
           "access_resistance: false}\n";
    return y.str();
  };
  Problem p = make_problem(yaml(true));
  REQUIRE(p.species[0].conductances.size() == 1);
  const ConductanceSpec& ch = p.species[0].conductances[0];
  CHECK(ch.openness(tau) == Approx(std::exp(-1.0)).epsilon(1e-12));
  CHECK(ch.openness(2 * tau) == Approx(std::exp(-2.0)).epsilon(1e-12));
  // the added D*K in the barrier rows: f * (D_ch - D K_sc), f = 250/cm2 * pi (70 um)^2 / 4
  const double f = 250e4 * kPi * 70e-6 * 70e-6 / 4;
  CHECK(ch.dDK.front().second == Approx(f * (5e-10 - 1e-14)).epsilon(1e-9));

  std::vector<double> J, J0;
  auto rate = [](std::vector<double>& into) {
    return [&into](const Simulation& s, double, int) { into.push_back(s.rates(0).at("uptake")); };
  };
  // (the solver rebuilds the operator when the openness has moved by 0.01, an absolute step: at
  // 3 tau, openness 0.05, that is up to 20 % of the channel conductance, hence the looser check)
  Simulation with(p), without(make_problem(yaml(false)));
  with.run(rate(J));
  without.run(rate(J0));
  REQUIRE(J.size() == 5);
  // excess conductance at t = 1 h (reference), 2 h, 4 h, 6 h: ratios exp(-1/2), exp(-3/2), exp(-5/2) of t = 0
  const double e1 = J[1] - J0[1], e2 = J[2] - J0[2], e4 = J[3] - J0[3], e6 = J[4] - J0[4];
  const double r_tau = e2 / e1 * std::exp(-0.5);  // = excess(tau)/excess(0)
  const double r_2tau = e4 / e1 * std::exp(-0.5);
  std::printf("[microneedle] closure tau = 2 h: flux excess ratio at tau %.5f (exp(-1) = %.5f), at 2 tau %.5f (exp(-2) = %.5f), "
              "at 3 tau %.5f (exp(-3) = %.5f)\n",
              r_tau, std::exp(-1.0), r_2tau, std::exp(-2.0), e6 / e1 * std::exp(-0.5), std::exp(-3.0));
  CHECK(r_tau == Approx(std::exp(-1.0)).epsilon(0.02));
  CHECK(r_2tau == Approx(std::exp(-2.0)).epsilon(0.02));
  CHECK(e6 / e1 == Approx(std::exp(-2.5)).epsilon(0.20));
}

TEST_CASE("1d equivalent pathway vs a resolved unit cell", "[verification][microneedle]") {
  // Caffeine, infinite dose for 3 h right after needling (250 /cm2, 70 um cones 150 um deep, the rat
  // geometry of [Derived:channel-closure], [Kalluri2011]), closure tau 1 h. The axisymmetric unit cell (radius
  // spacing/sqrt(pi), one channel on the axis) resolves the hole; the 1d column uses the equivalent
  // parallel pathway with the access resistance at the channel's exit from the SC.
  const double s = 1.0 / std::sqrt(250e4);
  const double b = s / std::sqrt(kPi);
  auto yaml = [&](const std::string& geometry, const std::string& extra, const std::string& closure = "1 h") {
    std::ostringstream y;
    y.precision(10);
    y << "time: {end: 6 h, outputs: [0 h, 3 h, 6 h]}\n" << geometry << layers_caffeine()
      << "delivery:\n  - {type: topical, species: caffeine, infinite: true, concentration: 4 mg/mL, remove: 3 h}\n"
      << "  - {type: microneedle, density: 250 /cm2, depth: 150 um, diameter: 70 um, closure: " << closure << extra << "}\n";
    return y.str();
  };
  std::ostringstream axi;
  axi.precision(10);
  axi << "geometry: {kind: axisymmetric, width: " << b << ", lateral_cells: 60, lateral_grading: 20}\n";
  auto one = make_sim(yaml("", ""));
  auto plain = make_sim(yaml("", ", access_resistance: false"));
  auto res = make_sim(yaml(axi.str(), ""));
  auto intact = make_sim(yaml("", "", "1 s"));
  const Uptake u1 = uptake_at_end(*one), up = uptake_at_end(*plain), ur = uptake_at_end(*res), ui = uptake_at_end(*intact);
  const double area = kPi * b * b;  // axisymmetric amounts are kg; per area of the unit cell
  const double skin_r = ur.skin / area, rec_r = ur.receptor / area;
  std::printf("[microneedle] 1d vs resolved axisymmetric unit cell, cumulative at 6 h (ug/cm2): into skin 1d %.4f, resolved %.4f "
              "(diff %+.2f %%), 1d without access resistance %.4f (%+.2f %%), intact %.4f; receptor 1d %.4f, resolved %.4f (%+.2f %%), "
              "without access %.4f (%+.2f %%)\n",
              u1.skin * 1e5, skin_r * 1e5, 100 * (u1.skin / skin_r - 1), up.skin * 1e5, 100 * (up.skin / skin_r - 1), ui.skin * 1e5,
              u1.receptor * 1e5, rec_r * 1e5, 100 * (u1.receptor / rec_r - 1), up.receptor * 1e5, 100 * (up.receptor / rec_r - 1));
  CHECK(u1.skin > 5 * ui.skin);  // the channels matter in this case
  CHECK(u1.skin == Approx(skin_r).epsilon(0.05));
  CHECK(u1.receptor == Approx(rec_r).epsilon(0.05));
}

TEST_CASE("mass balance to round-off while channels close (1d, 2d, 3d)", "[verification][microneedle]") {
  for (const std::string& geo : std::vector<std::string>{"", "geometry: {kind: 2d, width: 316 um, lateral_cells: 24, lateral_grading: 10}\n",
                                "geometry: {kind: 3d, width: 316 um, lateral_cells: 8}\n"}) {
    std::ostringstream y;
    y << "time: {end: 4 h, output_every: 1 h}\n" << geo << layers_caffeine(10, 6, 10)
      << "delivery:\n  - {type: microneedle, density: 250 /cm2, needle_length: 0.75 mm, closure: 30 min, time: 10 min}\n"
      << "  - {type: topical, species: caffeine, dose: 10 uL/cm2, concentration: 4 mg/mL, start: 10 min, remove: 3 h}\n";
    auto sim = make_sim(y.str());
    REQUIRE(!sim->problem().species[0].conductances.empty());
    sim->run();
    INFO("geometry: " << (geo.empty() ? "1d" : geo));
    std::printf("[microneedle] balance with closing channels (%s): worst |error|/applied %.2e\n", geo.empty() ? "1d" : geo.substr(17, 2).c_str(),
                worst_balance(*sim));
    CHECK(worst_balance(*sim) < 1e-10);
  }
}
