// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "solver/units.hpp"

using namespace dermasim;

TEST_CASE("quantities with units convert to SI", "[units]") {
  CHECK(parse_quantity("15 um").si == Approx(15e-6));
  CHECK(parse_quantity("15 um").dim == dims::length);
  CHECK(parse_quantity("10 uL/cm2").si == Approx(1e-4));  // 10e-9 m3 / 1e-4 m2 = a 100 um film
  CHECK(parse_quantity("10 uL/cm2").dim == dims::length);
  CHECK(parse_quantity("4 mg/mL").si == Approx(4.0));     // kg/m3
  CHECK(parse_quantity("4 mg/mL").dim == dims::concentration);
  CHECK(parse_quantity("24 h").si == Approx(86400));
  CHECK(parse_quantity("2 d").si == Approx(172800));
  CHECK(parse_quantity("30 min").si == Approx(1800));
  CHECK(parse_quantity("1e-13 m2/s").dim == dims::diffusivity);
  CHECK(parse_quantity("1e-9 cm2/s").si == Approx(1e-13));
  CHECK(parse_quantity("0 1/s").dim == dims::rate);
  CHECK(parse_quantity("0.1 1/h").si == Approx(0.1 / 3600));
  CHECK(parse_quantity("20 uL").si == Approx(2e-8));
  CHECK(parse_quantity("0.02 mL").si == Approx(2e-8));
  CHECK(parse_quantity("2 mg/cm2").dim == dims::mass_per_area);
  CHECK(parse_quantity("3 s^-1").dim == dims::rate);
  CHECK(parse_quantity("1 m^2").dim == dims::area);
  CHECK(parse_quantity("1.5 \u00b5m").si == Approx(1.5e-6));
  CHECK(parse_quantity("5 kDa").si == Approx(5.0));  // kg/mol
}

TEST_CASE("bad units are rejected with a message naming the culprit", "[units]") {
  CHECK_THROWS_WITH(parse_quantity("15 furlongs"), Catch::Contains("unknown unit 'furlongs'"));
  CHECK_THROWS_WITH(parse_quantity("um"), Catch::Contains("does not start with a number"));
  CHECK_THROWS_WITH(parse_quantity("3 mg//mL"), Catch::Contains("two '/'"));
  CHECK_THROWS_AS(parse_quantity("3 mg/"), UnitError);
}

TEST_CASE("formatted quantities read back", "[units]") {
  CHECK(format_quantity(86400, dims::time) == "24 h");
  CHECK(format_quantity(15e-6, dims::length) == "15 um");
  CHECK(parse_quantity(format_quantity(1.234e-4, dims::length)).si == Approx(1.234e-4));
}
