// SPDX-License-Identifier: BSD-3-Clause
// The needle-free jet injector (models/delivery/jet_injector.cpp): the whole dose goes into the
// cone (volume x concentration, in every geometry), its shape (nothing below the jet depth or
// outside the cone; the depth profile of a cone, share (z1^3 - z0^3)/d^3 per row; the cone's
// centroid at 3/4 of its depth), the mass balance with clearance and the fluid, and bad input.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

std::string jet_case(const std::string& geometry, const std::string& volume, const std::string& extra = "", bool fluid = false) {
  std::ostringstream y;
  y << "time: {end: 2 h, output_every: 1 h}\n"
    << "geometry: " << geometry << "\n"
    << "skin:\n  layers:\n"
    << "    - {name: epidermis, thickness: 0.1 mm, cells: 5}\n"
    << "    - {name: dermis, thickness: 1.9 mm, cells: 38, clearance: 1e-4 1/s}\n"
    << "species:\n  - name: s\n    properties:\n      all: {diffusivity: 1e-10 m2/s, partition: 1}\n"
    << "delivery:\n  - {type: jet_injector, species: {s: 5 mg/mL}, volume: " << volume << ", depth: 1.5 mm, cone_angle_deg: 60" << extra
    << "}\n"
    << "fluid: {enabled: " << (fluid ? "true" : "false") << "}\n";
  return y.str();
}

struct Geo {
  const char* geometry;
  const char* volume;
  double V;  // SI, in the geometry's convention
  const char* at;
};
const Geo kGeos[] = {
    {"{kind: 1d}", "2 uL/cm2", 2e-9 / 1e-4, ""},
    {"{kind: 2d, width: 6 mm, lateral_cells: 30}", "0.05 mm2", 0.05e-6, ", at: [3 mm]"},
    {"{kind: axisymmetric, width: 3 mm, lateral_cells: 30}", "10 uL", 10e-9, ""},
    {"{kind: 3d, width: 4 mm, length: 4 mm, lateral_cells: [16, 16]}", "10 uL", 10e-9, ", at: [2 mm, 2 mm]"},
};

}  // namespace

TEST_CASE("jet injector: the whole dose is applied, inside the cone, in every geometry", "[unit][jet]") {
  for (const auto& geo : kGeos) {
    INFO(geo.geometry);
    Problem p = make_problem(jet_case(geo.geometry, geo.volume, geo.at));
    const Grid& g = p.grid;
    REQUIRE(p.deposits.size() == 1);
    double total = 0, zmass = 0;
    const double depth = 1.5e-3, ta = std::tan(M_PI / 6);
    for (const auto& [cell, m] : p.deposits[0].mass) {
      total += m;
      const size_t plane = static_cast<size_t>(g.nx) * g.ny;
      const int k = static_cast<int>(cell / plane), i = static_cast<int>(cell % plane % g.nx);
      CHECK(g.zn[k] < depth);  // nothing below the jet's depth
      zmass += m * g.zc(k);
      if (std::string(geo.geometry).find("axisymmetric") != std::string::npos) CHECK(g.xn[i] <= g.zn[k + 1] * ta + 1e-12);  // inside the cone
    }
    CHECK(total == Approx(5.0 * geo.V).epsilon(1e-12));  // volume x concentration
    // the centroid of a cone with its apex at the surface lies at 3/4 of its depth; of the 2d
    // section (a triangle, width ~ z) at 2/3
    const bool two_d = std::string(geo.geometry).find("2d") != std::string::npos;
    CHECK(zmass / total == Approx((two_d ? 2.0 / 3.0 : 0.75) * depth).epsilon(0.01));
  }
}

TEST_CASE("jet injector: 1d depth profile of a cone, (z1^3 - z0^3)/d^3 per row", "[unit][jet]") {
  Problem p = make_problem(jet_case("{kind: 1d}", "2 uL/cm2"));
  const Grid& g = p.grid;
  const double d = 1.5e-3, M = 5.0 * 2e-9 / 1e-4;
  for (const auto& [cell, m] : p.deposits[0].mass) {
    const double z0 = g.zn[cell], z1 = std::min(g.zn[cell + 1], d);
    CHECK(m == Approx(M * (z1 * z1 * z1 - z0 * z0 * z0) / (d * d * d)).epsilon(1e-12));
  }
}

TEST_CASE("jet injector: mass and fluid balance close to round-off with clearance and the fluid", "[unit][jet]") {
  for (const auto& geo : kGeos) {
    INFO(geo.geometry);
    auto sim = make_sim(jet_case(geo.geometry, geo.volume, geo.at, /*fluid=*/std::string(geo.geometry).find("1d") == std::string::npos));
    sim->run();
    const Balance b = sim->balance(0);
    CHECK(b.applied == Approx(5.0 * geo.V).epsilon(1e-12));
    CHECK(worst_balance(*sim) < 1e-10);
    CHECK(b.get("cleared_blood") > 0);
  }
}

TEST_CASE("jet injector: bad input names the key", "[unit][jet]") {
  auto fails_with = [](const std::string& y, const std::string& what) {
    try {
      parse(y);
      FAIL("accepted: " << y);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(what));
    }
  };
  // a cone wider than the domain around its entry point
  fails_with(jet_case("{kind: axisymmetric, width: 0.5 mm, lateral_cells: 10}", "10 uL"), "cone_angle_deg");
  fails_with(jet_case("{kind: 3d, width: 4 mm, length: 4 mm, lateral_cells: [8, 8]}", "10 uL", ", at: [0.2 mm, 2 mm]"), "does not fit");
  // angles and depths out of range
  std::string y = jet_case("{kind: 1d}", "2 uL/cm2");
  fails_with(std::string(y).replace(y.find("cone_angle_deg: 60"), 18, "cone_angle_deg: 180"), "less than 180");
  fails_with(std::string(y).replace(y.find("depth: 1.5 mm"), 13, "depth: 5 mm"), "below the bottom of the skin");
  fails_with(std::string(y).replace(y.find(", cone_angle_deg: 60"), 20, ""), "cone_angle_deg");
}

TEST_CASE("jet injector: the resolved case reads back to itself", "[unit][jet]") {
  const Case c = parse(jet_case("{kind: 3d, width: 4 mm, length: 4 mm, lateral_cells: [16, 16]}", "10 uL", ", at: [2 mm, 2 mm]"));
  const std::string once = dump_case(c);
  const Case back = parse(once);
  CHECK(dump_case(back) == once);
}
