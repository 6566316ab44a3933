// SPDX-License-Identifier: BSD-3-Clause
// The water of a crosslinked gel, held in the gel phase (models/couplings/gel_phase.hpp, docs/ha.md
// "Gels keep their volume"): the equilibrium swelling against the closed form, and a gel papule's
// water against conservation (injectate = free fluid + gel water taken from it) and against the
// analytic gel water M0 exp(-k t) / c_eq.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "helpers.hpp"
#include "models/couplings/excess_fluid.hpp"
#include "models/couplings/gel_phase.hpp"
#include "models/ha_osmotic.hpp"
#include "models/hydration.hpp"

using namespace dermasim;
using namespace dermasim::test;

TEST_CASE("gel equilibrium swelling: Pi(c_eq) = sigma, the closed form of Horkay's law", "[verification][ha][gel]") {
  // a linear polymer (no network): Pi = 1.4e6 (c/M)^(9/4) / J^(3/4) Pa, so
  // c_eq = M (sigma J^(3/4) / 1.4e6)^(4/9)
  OsmoticModel lin;
  for (double sigma : {100.0, 1880.0, 1e4}) {
    const double closed = kHaDisaccharide * std::pow(sigma * std::pow(0.15, 0.75) / 1.4e6, 4.0 / 9.0);
    CHECK(lin.equilibrium(sigma) == Approx(closed).epsilon(1e-9));
  }
  // a network (150 Pa, formed at 20 mg/mL): Pi(c_eq) = sigma; a stiffer confinement holds the gel
  // denser; without stress it is the free swelling limit
  OsmoticModel gel;
  gel.modulus = 150;
  gel.reference = 20;
  double last = gel.swelling_limit();
  for (double sigma : {10.0, 500.0, kGelConfiningStress, 5e3}) {
    const double c = gel.equilibrium(sigma);
    CHECK(gel.pressure(c) == Approx(sigma).epsilon(1e-9));
    CHECK(c > last);
    last = c;
  }
  CHECK(gel.equilibrium(1e-6) == Approx(gel.swelling_limit()).epsilon(1e-3));
  CHECK_THROWS(gel.equilibrium(0.0));
}

namespace {
// A 20 uL papule of a 20 mg/mL crosslinked gel 1 mm deep in the cheek (as configs/ha/crosslinked_booster.yaml).
std::unique_ptr<Simulation> gel_papule(const std::string& geometry, const std::string& volume, const std::string& end, const std::string& extra,
                                       const std::string& fluid = "{enabled: true}") {
  std::ostringstream y;
  y << "time: {end: " << end << ", output_every: 1 d}\ngeometry: " << geometry << "\nskin: {preset: face_cheek}\n"
    << "species:\n  - {name: gel, ingredient: ha_crosslinked}\n"
    << "delivery:\n  - {type: papule, species: {gel: 20 mg/mL}, volume: " << volume << ", depth: 1 mm}\n"
    << "fluid: " << fluid << "\n"
    << "hydration:\n  gel:\n    gel: {modulus: 150 Pa, reference_concentration: 20 mg/mL" << extra << "}\n";
  return make_sim(y.str());
}

// The swollen volume: the surface elevation over the top (free fluid + gel water)
double swollen_volume(const Simulation& sim) {
  const Grid& g = sim.grid();
  const auto e = surface_elevation(sim);
  double v = 0;
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) v += e[static_cast<size_t>(j) * g.nx + i] * g.gx[i] * g.gy[j];
  return v;
}
}  // namespace

TEST_CASE("a gel papule keeps the volume of its gel: conservation and the analytic gel water", "[verification][ha][gel]") {
  const char* geoms[] = {"{kind: 1d}", "{kind: axisymmetric, width: 8 mm, lateral_cells: 16, lateral_grading: 4}"};
  const char* vols[] = {"20 uL", "20 uL"};
  for (int gi = 0; gi < 2; ++gi)
    for (const std::string stress : {"", ", confining_stress: 10 kPa"}) {
      auto sim = gel_papule(geoms[gi], vols[gi], "3 d", stress);
      INFO(geoms[gi] << stress);
      const GelPhaseCoupling* gel = gel_phase(*sim);
      REQUIRE(gel != nullptr);
      REQUIRE(gel->gels().size() == 1);
      const double c_eq = gel->gels()[0].concentration;
      const double sigma = stress.empty() ? kGelConfiningStress : 1e4;
      OsmoticModel model;
      model.modulus = 150;
      model.reference = 20;
      CHECK(model.pressure(c_eq) == Approx(sigma).epsilon(1e-9));
      const int f = excess_fluid_species(*sim);
      const int s = 0;
      sim->run();
      const Balance water = sim->balance(f), ha = sim->balance(s);
      const double V = water.applied + gel->from_injectate();  // the injectate's volume
      const double M0 = ha.applied;
      // the injection: the gel's water M0 / c_eq comes out of the injectate, any rest is drawn in
      CHECK(gel->from_injectate() + gel->drawn_in() == Approx(M0 / c_eq).epsilon(1e-12));
      CHECK(M0 == Approx(20.0 * V).epsilon(1e-9));  // 20 mg/mL of the injectate
      if (c_eq < 20.0) CHECK(water.applied == Approx(0.0).margin(1e-12 * V));  // the gel swells: no free water
      else CHECK(gel->drawn_in() == Approx(0.0).margin(1e-12 * V));
      // the gel water follows its mass: M0 exp(-k t) / c_eq, k the gel's degradation (immobile)
      const double k = 6.3e-8, T = sim->time();
      const auto& series = sim->history().species[s].at("gel_water");
      CHECK(series.back() == Approx(M0 * std::exp(-k * T) / c_eq).epsilon(1e-5));
      CHECK(series.front() == Approx(M0 / c_eq).epsilon(1e-9));
      // the swollen volume = free fluid + gel water; the free water has drained, the gel's has not
      CHECK(swollen_volume(*sim) == Approx(water.tissue() + series.back()).epsilon(1e-10));
      CHECK(water.tissue() < 0.01 * V);
      CHECK(swollen_volume(*sim) > 0.99 * series.back());
      CHECK(worst_balance(*sim) < 1e-10);
    }
}

TEST_CASE("a gel papule with the nonlinear fluid law: the free water follows the tissue law, the gel keeps its water", "[verification][ha][gel]") {
  // sigma 10 kPa: the gel gives up part of the injectate as free water
  auto sim = gel_papule("{kind: axisymmetric, width: 8 mm, lateral_cells: 16, lateral_grading: 4}", "20 uL", "1 d", ", confining_stress: 10 kPa",
                        "{enabled: true, law: nonlinear}");
  const GelPhaseCoupling* gel = gel_phase(*sim);
  REQUIRE(gel != nullptr);
  for (const auto& c : sim->problem().couplings) CHECK(c->name() != "osmotic pressure of HA");  // no linear HA: no osmotic coupling
  sim->run();
  const int f = excess_fluid_species(*sim);
  const Balance water = sim->balance(f);
  CHECK(water.applied > 0);  // free water
  CHECK(water.applied + gel->from_injectate() == Approx(sim->balance(0).applied / 20.0).epsilon(1e-9));  // the injectate: 20 mg/mL of gel
  const auto& series = sim->history().species[0].at("gel_water");
  CHECK(swollen_volume(*sim) == Approx(water.tissue() + series.back()).epsilon(1e-10));
  CHECK(worst_balance(*sim) < 1e-10);
}
