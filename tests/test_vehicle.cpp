// SPDX-License-Identifier: BSD-3-Clause
// The vehicle as it behaves on open skin: evaporation concentrates the film up to the solubility
// limit, the excess is a deposit that redissolves as the film is depleted, uptake follows the
// dissolved activity, and every gram is accounted for.
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"
#include "models/vehicle.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {
std::string film_case(const std::string& vehicle, double D_sc = 1e-13, const std::string& end = "8 h") {
  std::ostringstream y;
  y << "time: {end: " << end << ", output_every: 30 min}\n"
    << "skin:\n  preset: forearm_invitro\n"
    << "species:\n  - name: s\n    properties:\n      all: {diffusivity: 2e-10 m2/s, partition: 0.7}\n"
    << "      stratum_corneum: {diffusivity: " << D_sc << " m2/s, partition: 1.0}\n"
    << "delivery:\n  - {type: topical, species: s, dose: 10 uL/cm2, concentration: 5 mg/mL, " << vehicle << "}\n";
  return y.str();
}
}  // namespace

TEST_CASE("an occluded volatile dose behaves exactly like a non-volatile one", "[verification][vehicle]") {
  auto plain = make_sim(film_case("remove: 6 h"));
  auto occluded = make_sim(film_case("remove: 6 h, volatile_fraction: 0.9, evaporation: 20 uL/cm2/h, occluded: true"));
  plain->run();
  occluded->run();
  const auto& a = plain->history().species[0].at("receptor");
  const auto& b = occluded->history().species[0].at("receptor");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);
  CHECK(plain->balance(0).get("washed") == occluded->balance(0).get("washed"));
}

TEST_CASE("an evaporating film concentrates to its solubility and the deposit balances to round-off", "[verification][vehicle]") {
  // 10 uL/cm2 at 5 mg/mL, 90 % volatile, evaporating at 20 uL/cm2/h: the volatile 9 uL/cm2 is gone
  // after 27 min, leaving 1 uL/cm2; solubility 20 mg/mL in the vehicle -> at most 20 ug/cm2 stay
  // dissolved of ~50 ug/cm2, the rest is a deposit that dissolves as the skin takes up the solute.
  auto sim = make_sim(film_case("volatile_fraction: 0.9, evaporation: 20 uL/cm2/h, solubility: 20 mg/mL", 1e-14, "72 h"));
  sim->run();
  const auto& h = sim->history();
  const auto& vol = h.species[0].at("vehicle_volume");
  const auto& dep = h.species[0].at("deposit");
  const auto& veh = h.species[0].at("vehicle");
  const double A = 1.0;  // 1d: per m2
  CHECK(h.units.at("vehicle_volume") == "m3/m2");  // a volume per area in 1d, not an amount
  CHECK(h.units.count("vehicle") == 0);           // amounts take the grid's amount unit
  // film volume: linear decrease to the residual at exactly 27 min, then constant
  CHECK(at_time(h.time, vol, 0.25 * 3600) == Approx((10 - 20 * 0.25) * 1e-5 * A).epsilon(1e-9));
  CHECK(at_time(h.time, vol, 1800) == Approx(1e-5 * A).epsilon(1e-12));
  CHECK(vol.back() == Approx(1e-5 * A).epsilon(1e-12));
  // the dissolved part never exceeds the solubility (to the order of one step's uptake)
  double max_dep = 0;
  for (size_t i = 0; i < h.time.size(); ++i) {
    const double dissolved = veh[i] - dep[i];
    CHECK(dissolved <= 20.0 * vol[i] * (1 + 1e-6) + 1e-12);
    max_dep = std::max(max_dep, dep[i]);
  }
  // a deposit formed (about 50 - 20 = 30 ug/cm2 at most) and later dissolved again
  CHECK(max_dep > 0.5 * (50e-9 / 1e-4 - 20 * 1e-5));
  CHECK(dep.back() < max_dep);
  CHECK(worst_balance(*sim) < 1e-10);
  // while saturated, uptake runs at the saturated activity: a flux held constant
  const auto& Q = h.species[0].at("receptor");
  CHECK(Q.back() > 0);
}

TEST_CASE("evaporation rate from vapour pressure and air conditions", "[unit][vehicle]") {
  const Solvent& w = *find_solvent("water");
  // Antoine water at 100 degC: 760 mmHg; at 32 degC about 4.75 kPa (handbook)
  CHECK(vapour_pressure(w, 100.0) == Approx(101325).epsilon(0.005));
  CHECK(vapour_pressure(w, 32.0) == Approx(4750).epsilon(0.02));
  // E = k_m M p (1 - RH) / (R T rho): at 32 degC, RH 0.5, k_m 5e-3 m/s -> about 8.5e-8 m/s
  const double E = evaporation_rate(w, 32.0, 0.5, 5e-3);
  CHECK(E == Approx(5e-3 * 0.018015 * 4750 * 0.5 / (8.314462618 * 305.15) / 997).epsilon(0.02));
  CHECK(evaporation_rate(w, 32.0, 1.0, 5e-3) == 0.0);  // saturated air: nothing evaporates
  CHECK(evaporation_rate(*find_solvent("ethanol"), 32.0, 0.0, 5e-3) > 3 * E);
}

TEST_CASE("vehicle options are validated", "[unit][vehicle]") {
  CHECK_THROWS_WITH(make_sim(film_case("evaporation: 20 uL/cm2/h")), Catch::Contains("volatile_fraction"));
  CHECK_THROWS_WITH(make_sim(film_case("volatile_fraction: 1, evaporation: 20 uL/cm2/h")), Catch::Contains("solubility"));
  CHECK_THROWS_WITH(make_sim(film_case("volatile_fraction: 0.5, evaporation: {solvent: acetone}")), Catch::Contains("unknown solvent"));
  CHECK_NOTHROW(make_sim(film_case("volatile_fraction: 0.5, evaporation: {solvent: water, humidity: 0.4, temperature_c: 30}")));
}
