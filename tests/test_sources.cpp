// SPDX-License-Identifier: BSD-3-Clause
// Point sources and spherical boluses in 1d, 2d, axisymmetric and 3d ([Crank1975]) and
// first-order elimination (7.6). Sources sit on mirror planes (the closed skin surface and the
// no-flux lateral boundaries), so the simulated part of space sees the full-space solution.
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

std::string box_case(const std::string& geometry, double L, int cells, double t_end, double D, double k,
                     const std::string& delivery = "") {
  std::ostringstream y;
  y.precision(17);
  y << "time: {end: " << t_end << " s, output_every: " << t_end / 4 << " s, rtol: 1e-6}\n"
    << "geometry: " << geometry << "\n"
    << "skin:\n  layers:\n    - {name: tissue, thickness: " << L << " m, cells: " << cells << "}\n"
    << "species:\n  - name: s\n    properties:\n      tissue: {diffusivity: " << D << " m2/s, partition: 1, degradation: " << k << " 1/s}\n"
    << delivery
    // pure diffusion, as in the analytic solutions: the injected fluid itself is switched off
    << (delivery.empty() ? "" : "fluid: {enabled: false}\n");
  return y.str();
}

// Full-space Gaussian of mass M in d dimensions at time t ([Crank1975]).
double gaussian(int d, double M, double D, double t, double r2) {
  return M / std::pow(4 * M_PI * D * t, d / 2.0) * std::exp(-r2 / (4 * D * t));
}

// Crank eq. 3.8: sphere of radius a, concentration C0 ([Crank1975]).
double sphere(double r, double t, double a, double D, double C0) {
  const double s = std::sqrt(D * t);
  if (r < 1e-14) return C0 * (std::erf(a / (2 * s)) - a / std::sqrt(M_PI * D * t) * std::exp(-a * a / (4 * D * t)));
  return 0.5 * C0 * (std::erf((a - r) / (2 * s)) + std::erf((a + r) / (2 * s))) -
         C0 / r * std::sqrt(D * t / M_PI) * (std::exp(-(a - r) * (a - r) / (4 * D * t)) - std::exp(-(a + r) * (a + r) / (4 * D * t)));
}

struct FieldError {
  double max_rel = 0;  // max |c - exact| / max exact
};

FieldError compare(const Simulation& sim, const std::function<double(double, double, double)>& exact) {
  const Grid& g = sim.grid();
  const auto c = sim.concentration(0);
  double emax = 0, cmax = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double e = exact(g.xc(i), g.yc(j), g.zc(k));
        emax = std::max(emax, std::fabs(c[g.index(i, j, k)] - e));
        cmax = std::max(cmax, std::fabs(e));
      }
  return {emax / cmax};
}

}  // namespace

// [Crank1975], [Derived:elimination-solutions]
TEST_CASE("Gaussian point source in 1d and 2d against the analytic solution, with and without elimination", "[verification][source]") {
  // box of 0.8 mm >= 8 sqrt(D (t0 + t)): the closed far boundaries do not matter
  const double D = 2e-11, t0 = 100.0, t = 400.0, M = 1e-6;
  const double k = GENERATE(0.0, 2e-3);
  for (int d : {1, 2}) {
    const std::string geom = d == 1 ? "{kind: 1d}" : "{kind: 2d, width: 0.8 mm, lateral_cells: 80}";
    Problem p = make_problem(box_case(geom, 0.8e-3, 80, t, D, k));
    const Grid& g = p.grid;
    auto& ic = p.species[0].initial_c;
    ic.resize(g.cells());
    for (int kk = 0; kk < g.nz; ++kk)
      for (int i = 0; i < g.nx; ++i) {
        const double r2 = g.zc(kk) * g.zc(kk) + (d == 2 ? g.xc(i) * g.xc(i) : 0.0);
        ic[g.index(i, 0, kk)] = gaussian(d, M, D, t0, r2);
      }
    Simulation sim(std::move(p));
    sim.run();
    auto err = compare(sim, [&](double x, double, double z) {
      return gaussian(d, M, D, t0 + t, z * z + (d == 2 ? x * x : 0.0)) * std::exp(-k * t);
    });
    INFO(d << "d, k = " << k << ": max error " << err.max_rel << " of the peak");
    CHECK(err.max_rel < 0.005);
    // first-order elimination removes exp(-kt) of the mass whatever diffusion does ([Derived:elimination-solutions])
    const Balance b = sim.balance(0);
    CHECK(b.tissue() / b.applied == Approx(std::exp(-k * t)).epsilon(2e-5));  // time error at rtol 1e-6
    CHECK(std::fabs(b.error()) / b.applied < 1e-12);
  }
}

// [Crank1975] eq. 3.8
TEST_CASE("spherical bolus injected in axisymmetric and 3d geometry against Crank 3.8", "[verification][source]") {
  // a 20 uL papule (a = 1.68 mm) centred on the skin surface mirror plane, caffeine-like D
  const double V = 20e-9, a = std::cbrt(3 * V / (4 * M_PI)), D = 2e-10, C0 = 20.0;
  const double t_half = a * a / (4.73 * D);  // centre concentration halves ([Derived:elimination-solutions])
  const double L = 7e-3;
  // The tip on the surface (a mirror plane): the injectate fills the half-space below, the lower half
  // of the sphere; with the mirror it behaves as the whole sphere. In 3d the tip on the corner fills
  // one octant.
  auto delivery = [](const char* volume) {
    return std::string("delivery:\n  - {type: injection, species: {s: 20 mg/mL}, volume: ") + volume + ", depth: 0 mm}\n";
  };
  SECTION("axisymmetric") {
    auto sim = make_sim(box_case("{kind: axisymmetric, width: 7 mm, lateral_cells: 140}", L, 140, 2 * t_half, D, 0.0, delivery("10 uL")));
    sim->run();
    const Balance b = sim->balance(0);
    CHECK(b.applied == Approx(0.5 * C0 * V).epsilon(1e-12));
    CHECK(b.clipped == 0.0);
    auto err = compare(*sim, [&](double r, double, double z) { return sphere(std::hypot(r, z), 2 * t_half, a, D, C0); });
    INFO("axisymmetric: max error " << err.max_rel << " of the peak");
    CHECK(err.max_rel < 0.02);
    const double c0 = sim->concentration(0)[0];
    CHECK(c0 == Approx(sphere(0, 2 * t_half, a, D, C0)).epsilon(0.02));
    CHECK(worst_balance(*sim) < 1e-10);
  }
  SECTION("3d octant") {
    auto sim = make_sim(box_case("{kind: 3d, width: 7 mm, length: 7 mm, lateral_cells: 30}", L, 30, 2 * t_half, D, 0.0, delivery("2.5 uL")));
    sim->run();
    const Balance b = sim->balance(0);
    CHECK(b.applied == Approx(C0 * V / 8).epsilon(1e-12));
    auto err = compare(*sim, [&](double x, double y, double z) { return sphere(std::sqrt(x * x + y * y + z * z), 2 * t_half, a, D, C0); });
    INFO("3d: max error " << err.max_rel << " of the peak");
    CHECK(err.max_rel < 0.05);
    CHECK(worst_balance(*sim) < 1e-10);
  }
}

TEST_CASE("3d point source matches the axisymmetric solution of the same problem", "[verification][source]") {
  // A Gaussian on the corner of a 3d octant and on the axis of an axisymmetric domain: both are
  // [Crank1975] in three dimensions.
  const double D = 2e-11, t0 = 200.0, t = 600.0, M = 1e-9;  // 1 mm box >= 7 sqrt(D (t0 + t))
  for (const char* geom : {"{kind: axisymmetric, width: 1 mm, lateral_cells: 50}", "{kind: 3d, width: 1 mm, length: 1 mm, lateral_cells: 30}"}) {
    const int cells = std::string(geom).find("3d") != std::string::npos ? 30 : 50;
    Problem p = make_problem(box_case(geom, 1e-3, cells, t, D, 0.0));
    const Grid& g = p.grid;
    const bool axi = g.geometry == Geometry::Axisymmetric;
    auto& ic = p.species[0].initial_c;
    ic.resize(g.cells());
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) {
          const double r2 = g.xc(i) * g.xc(i) + (axi ? 0.0 : g.yc(j) * g.yc(j)) + g.zc(k) * g.zc(k);
          ic[g.index(i, j, k)] = gaussian(3, M, D, t0, r2);
        }
    Simulation sim(std::move(p));
    sim.run();
    auto err = compare(sim, [&](double x, double y, double z) { return gaussian(3, M, D, t0 + t, x * x + (axi ? 0 : y * y) + z * z); });
    INFO(geom << ": max error " << err.max_rel << " of the peak");
    CHECK(err.max_rel < (axi ? 0.01 : 0.03));
    CHECK(worst_balance(sim) < 1e-10);
  }
}

// [Derived:elimination-solutions]
TEST_CASE("steady slab with first-order elimination: entry, exit and cleared fluxes", "[verification][source]") {
  // C(0) = Cs held by an infinite dose, sink at x = L: J_in = Cs sqrt(Dk) coth(lam L), J_out = Cs sqrt(Dk)/sinh(lam L)
  const double D = 2e-10, k = 1e-3, L = 1e-3, Cs = 3.0;
  const double lam = std::sqrt(k / D);
  std::ostringstream y;
  y << "time: {end: 20000 s}\nskin:\n  bottom: sink\n  layers:\n    - {name: dermis, thickness: 1 mm, cells: 200, grading: 2}\n"
    << "species:\n  - name: s\n    properties:\n      dermis: {diffusivity: 2e-10 m2/s, partition: 1, clearance: 1e-3 1/s}\n"
    << "delivery:\n  - {type: topical, species: s, concentration: 3 kg/m3, infinite: true}\n";
  auto sim = make_sim(y.str());
  sim->run();
  const auto r = sim->rates(0);
  const double Jin = Cs * std::sqrt(D * k) / std::tanh(lam * L), Jout = Cs * std::sqrt(D * k) / std::sinh(lam * L);
  CHECK(r.at("uptake") == Approx(Jin).epsilon(2e-4));
  CHECK(r.at("receptor") == Approx(Jout).epsilon(2e-4));
  CHECK(r.at("cleared_blood") == Approx(Jin - Jout).epsilon(2e-4));
  CHECK(worst_balance(*sim) < 1e-10);
}
