// SPDX-License-Identifier: BSD-3-Clause
// The injected fluid (models/fluid.hpp): volume balance, the steady spherical Darcy source
// ([Derived:elimination-solutions], here with drainage), and advection of a solute by a fluid flux.
#include <catch2/catch.hpp>
#include <sstream>

#include "models/couplings/excess_fluid.hpp"
#include "models/couplings/osmotic.hpp"
#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

TEST_CASE("injected fluid: injected = present + drained to round-off, in every geometry and scheme", "[verification][fluid]") {
  const char* geoms[] = {"{kind: 1d}", "{kind: axisymmetric, width: 4 mm, lateral_cells: 16, lateral_grading: 3}",
                         "{kind: 3d, width: 2 mm, lateral_cells: 5}"};
  const char* vols[] = {"5 uL/cm2", "10 uL", "1 uL"};
  for (int g = 0; g < 3; ++g)
    for (const char* scheme : {"tr_bdf2", "backward_euler"}) {
      std::ostringstream y;
      y << "time: {end: 12 h, output_every: 3 h, scheme: " << scheme << "}\ngeometry: " << geoms[g] << "\n"
        << "skin: {preset: face_cheek}\n"
        << "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 0.8}}}\n"
        << "delivery:\n  - {type: injection, species: {s: 5 mg/mL}, volume: " << vols[g] << ", depth: 1.2 mm, time: 10 min}\n"
        << "  - {type: injection, species: {s: 5 mg/mL}, volume: " << vols[g] << ", depth: 0.8 mm, time: 1 h, duration: 20 min}\n"
        << "fluid: {enabled: true}\n";
      auto sim = make_sim(y.str());
      sim->run();
      INFO(geoms[g] << " " << scheme);
      const int f = excess_fluid_species(*sim);
      REQUIRE(f == 1);
      const Balance b = sim->balance(f);
      CHECK(b.out.at("drained") > 0);
      CHECK(b.tissue() > 0);
      CHECK(worst_balance(*sim) < 1e-11);  // fluid and solute, every step
      // the surface rises by the fluid the tissue still holds
      const auto e = surface_elevation(*sim);
      double vol = 0;
      const Grid& gr = sim->grid();
      for (int j = 0; j < gr.ny; ++j)
        for (int i = 0; i < gr.nx; ++i) vol += e[static_cast<size_t>(j) * gr.nx + i] * gr.gx[i] * gr.gy[j];
      CHECK(vol == Approx(b.tissue()).epsilon(1e-10));
    }
}

// [Derived:elimination-solutions] (steady spherical Darcy source)
TEST_CASE("steady spherical fluid source with drainage against the analytic solution", "[verification][fluid]") {
  // Continuous injection at rate q into the half space below the surface (a mirror): the full-space
  // source is 2 q_in. Steady state of D phi'' - k_d phi = -source: phi = Q/(4 pi D r) exp(-r/lambda),
  // D = k H / mu, lambda = sqrt(D / k_d); the pressure p = H phi = mu Q/(4 pi k r) e^{-r/lambda},
  // which is the Darcy source mu q/(4 pi k r) of [Derived:elimination-solutions] for r << lambda.
  const double k = 1e-15, H = 1e4, mu = 1e-3, kd = 1e-2;
  const double D = k * H / mu, lambda = std::sqrt(D / kd);
  REQUIRE(lambda == Approx(1e-3));
  std::ostringstream y;
  y << "time: {end: 3000 s, outputs: [3000 s]}\n"
    << "geometry: {kind: axisymmetric, width: 9 mm, lateral_cells: 90}\n"
    << "skin:\n  layers:\n    - {name: tissue, thickness: 9 mm, cells: 90}\n"
    << "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n"
    << "delivery:\n  - {type: injection, species: {s: 1 mg/mL}, volume: 2 uL, depth: 0 mm, duration: 4000 s}\n"
    << "fluid: {enabled: true, law: linear, viscosity: 1 mPa*s, layers: {all: {permeability: 1e-15 m2, stiffness: 10 kPa, drainage: 1e-2 1/s, absorption: 0 m*s/kg}}}\n";
  auto sim = make_sim(y.str());
  sim->run();
  const Balance b = sim->balance(excess_fluid_species(*sim));
  const double q_in = (b.applied) / 3000.0;  // rate actually placed in the domain
  const double Q = 2 * q_in;
  const Grid& g = sim->grid();
  const auto phi = sim->concentration(excess_fluid_species(*sim));
  // the tip on the surface: the 2 uL fill the half-ball below it, half of a 4 uL ball (models/injection)
  const double a = std::cbrt(3 * 4e-9 / (4 * M_PI));  // source radius
  double worst = 0;
  int checked = 0;
  for (int kk = 0; kk < g.nz; ++kk)
    for (int i = 0; i < g.nx; ++i) {
      const double r = std::hypot(g.xc(i), g.zc(kk));
      if (r < 3 * a || r > 4 * lambda) continue;
      // outside a uniform spherical source of radius a the point solution carries the form factor
      // F = 3 (lambda/a)^3 ((a/lambda) cosh(a/lambda) - sinh(a/lambda))
      const double x = a / lambda, F = 3 / (x * x * x) * (x * std::cosh(x) - std::sinh(x));
      const double exact = F * Q / (4 * M_PI * D * r) * std::exp(-r / lambda);
      worst = std::max(worst, std::fabs(phi[g.index(i, 0, kk)] - exact) / exact);
      ++checked;
    }
  INFO("max relative error " << worst << " over " << checked << " cells between 3 source radii and 4 lambda");
  CHECK(checked > 100);
  CHECK(worst < 0.03);
}

TEST_CASE("advection by a uniform fluid flux: the centre of mass moves at exactly v, mass is conserved", "[verification][fluid]") {
  // Upwind on a uniform grid: the first moment moves at the flow speed exactly and the variance
  // grows as 2 (D + v h / 2) t (the scheme's known numerical diffusion) with backward Euler's own
  // addition v^2 dt; checked on the operator directly with a prescribed flux.
  Problem p = make_problem(
      "time: {end: 1 s}\nskin:\n  layers:\n    - {name: t, thickness: 10 mm, cells: 500}\n"
      "species:\n  - {name: s, properties: {all: {diffusivity: 1e-11 m2/s, partition: 1}}}\n");
  const Grid& g = p.grid;
  // D small enough that the plume stays far from the boundaries; then v h / 2 = D: the numerical
  // diffusion is half of what the variance check sees
  const double v = 1e-6, h = 10e-3 / 500, D = 1e-11;  // m/s; area 1 m2 in 1d
  OperatorSpec spec;
  spec.grid = &g;
  spec.K = p.species[0].K;
  spec.DK = p.species[0].DK;
  spec.flux_z.assign(static_cast<size_t>(g.nz + 1), v * 1.0);
  StencilOperator op(spec);
  REQUIRE_FALSE(op.symmetric());
  auto solver = make_nonsymmetric_solver("direct", 1e-12, 1000);
  const double dt = 10.0;
  solver->setup(op, 1, 1.0, dt);
  std::vector<double> u(op.size(), 0.0), rhs(op.size()), un;
  const double z0 = 2e-3, s0 = 0.2e-3;
  for (int k = 0; k < g.nz; ++k) u[k] = std::exp(-0.5 * std::pow((g.zc(k) - z0) / s0, 2));
  auto moments = [&](const std::vector<double>& c) {
    double m0 = 0, m1 = 0, m2 = 0;
    for (int k = 0; k < g.nz; ++k) {
      m0 += c[k] * h;
      m1 += c[k] * h * g.zc(k);
      m2 += c[k] * h * g.zc(k) * g.zc(k);
    }
    return std::array<double, 3>{m0, m1 / m0, m2 / m0 - (m1 / m0) * (m1 / m0)};
  };
  const auto start = moments(u);
  const int steps = 300;
  for (int n = 0; n < steps; ++n) {
    for (size_t i = 0; i < u.size(); ++i) rhs[i] = op.mass()[i] * u[i];
    un = u;
    solver->solve(rhs, un);
    u = un;
  }
  const auto end = moments(u);
  const double T = steps * dt;
  CHECK(end[0] == Approx(start[0]).epsilon(1e-12));                  // mass
  CHECK(end[1] - start[1] == Approx(v * T).epsilon(1e-9));           // drift at exactly v
  const double var_growth = 2 * (D + v * h / 2) * T + v * v * dt * T;  // upwind + backward Euler
  CHECK(end[2] - start[2] == Approx(var_growth).epsilon(0.01));
  // pointwise: the analytic translating Gaussian, centre z0 + v T, variance s0^2 + 2 D_eff T with the
  // scheme's effective diffusivity D_eff = D + v h / 2 + v^2 dt / 2
  const double var = s0 * s0 + var_growth, amp = s0 / std::sqrt(var);
  double worst = 0;
  for (int k = 0; k < g.nz; ++k) {
    const double exact = amp * std::exp(-0.5 * std::pow(g.zc(k) - (z0 + v * T), 2) / var);
    worst = std::max(worst, std::fabs(u[k] - exact));
  }
  // the physical-D Gaussian (without the scheme's numerical diffusion) is much further off
  const double var_phys = s0 * s0 + 2 * D * T, amp_phys = s0 / std::sqrt(var_phys);
  double worst_phys = 0;
  for (int k = 0; k < g.nz; ++k)
    worst_phys = std::max(worst_phys, std::fabs(u[k] - amp_phys * std::exp(-0.5 * std::pow(g.zc(k) - (z0 + v * T), 2) / var_phys)));
  INFO("max deviation from the translating Gaussian: " << worst << " (peak " << amp << "); from the physical-D one: " << worst_phys);
  CHECK(worst < 0.02 * amp);  // what is left: upwind's higher-order dispersion
  CHECK(worst_phys > 5 * worst);
}
