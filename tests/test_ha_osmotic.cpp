// SPDX-License-Identifier: BSD-3-Clause
// HA osmotic pressure laws against the sanity values of [Derived:ha-osmotic-sanity], and the water they hold.
#include <catch2/catch.hpp>

#include "models/ha_osmotic.hpp"

using namespace dermasim;

// [Derived:ha-osmotic-sanity]
TEST_CASE("HA osmotic pressure: Horkay and Donnan against the dossier's sanity values", "[unit][ha]") {
  // Horkay at J = 0.15 M: 10 mg/mL -> 1.4 kPa; 20 mg/mL -> 6.8 kPa; 5 mg/mL -> 0.30 kPa
  CHECK(ha_osmotic_pressure(OsmoticLaw::Horkay, 10.0) == Approx(1.4e3).epsilon(0.03));
  CHECK(ha_osmotic_pressure(OsmoticLaw::Horkay, 20.0) == Approx(6.8e3).epsilon(0.03));
  CHECK(ha_osmotic_pressure(OsmoticLaw::Horkay, 5.0) == Approx(0.30e3).epsilon(0.03));
  // the 9/4 power: doubling c multiplies Pi by 2^2.25
  CHECK(ha_osmotic_pressure(OsmoticLaw::Horkay, 8.0) / ha_osmotic_pressure(OsmoticLaw::Horkay, 4.0) == Approx(std::pow(2.0, 2.25)));
  // ideal Donnan, 10 mg/mL (cf = 24.9 mol/m3), cs = 150 mol/m3, 37 C -> 2.66 kPa (about 2x Horkay)
  CHECK(ha_osmotic_pressure(OsmoticLaw::Donnan, 10.0) == Approx(2.66e3).epsilon(0.01));
  CHECK(ha_osmotic_pressure(OsmoticLaw::Donnan, 0.0) == 0.0);
}

TEST_CASE("water held per gram of HA against a confining pressure", "[unit][ha]") {
  for (auto law : {OsmoticLaw::Horkay, OsmoticLaw::Donnan})
    for (double P : {10.0, 100.0, 1000.0}) {
      const double c = ha_equilibrium_concentration(law, P);
      CHECK(ha_osmotic_pressure(law, c) == Approx(P).epsilon(1e-9));  // the balance it solves
      CHECK(ha_water_per_gram(law, P) == Approx(1.0 / c));
    }
  // "6 litres per gram" needs the HA at 1/6 mg/mL: against what pressure does it hold that?
  const double P6 = ha_osmotic_pressure(OsmoticLaw::Horkay, 1.0 / 6.0);
  CHECK(P6 < 1.0);  // under 1 Pa: a fraction of a millimetre of water
  // at 100 Pa (about 0.75 mmHg of tissue pressure) the semidilute law holds about 0.3 L per gram
  CHECK(ha_water_per_gram(OsmoticLaw::Horkay, 100.0) == Approx(0.32).epsilon(0.05));
}

TEST_CASE("docs/ha.md table: water per gram at 1, 10, 100 and 1000 Pa", "[unit][ha]") {
  const double P[] = {1, 10, 100, 1000};
  const double horkay[] = {2.53, 0.909, 0.327, 0.117}, donnan[] = {5.17, 1.63, 0.517, 0.163};
  for (int i = 0; i < 4; ++i) {
    CHECK(ha_water_per_gram(OsmoticLaw::Horkay, P[i]) == Approx(horkay[i]).epsilon(0.01));
    CHECK(ha_water_per_gram(OsmoticLaw::Donnan, P[i]) == Approx(donnan[i]).epsilon(0.01));
  }
}
