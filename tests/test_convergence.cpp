// SPDX-License-Identifier: BSD-3-Clause
// Observed orders of convergence: about 2 in space on a graded grid across a layer interface with a
// partition jump, 1 in time for backward Euler and 2 for TR-BDF2.
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// Steady two-layer problem with first-order loss in both layers: u(0) = u0 (infinite dose), u(L) = 0
// (sink). In layer i, D_i u'' = k_i u (activity u = c/K continuous, flux D K u' continuous):
//   u1 = u0 cosh(l1 x) + B1 sinh(l1 x),  u2 = B2 sinh(l2 (L - x)).
struct TwoLayerExact {
  double h1, h2, D1, D2, K1, K2, k1, k2, u0;
  double l1() const { return std::sqrt(k1 / D1); }
  double l2() const { return std::sqrt(k2 / D2); }
  std::pair<double, double> coeffs() const {
    // u1(h1) = u2(h1);  D1 K1 u1'(h1) = D2 K2 u2'(h1)
    const double a = l1(), b = l2();
    const double c = std::cosh(a * h1), s = std::sinh(a * h1), S2 = std::sinh(b * h2), C2 = std::cosh(b * h2);
    // u0 c + B1 s = B2 S2 ;  D1K1 a (u0 s + B1 c) = -D2K2 b B2 C2
    const double p = D1 * K1 * a, q = D2 * K2 * b;
    // from the first: B2 = (u0 c + B1 s)/S2; substitute
    const double B1 = -(p * u0 * s + q * C2 * u0 * c / S2) / (p * c + q * C2 * s / S2);
    const double B2 = (u0 * c + B1 * s) / S2;
    return {B1, B2};
  }
  double u(double x) const {
    auto [B1, B2] = coeffs();
    if (x <= h1) return u0 * std::cosh(l1() * x) + B1 * std::sinh(l1() * x);
    return B2 * std::sinh(l2() * (h1 + h2 - x));
  }
};

}  // namespace

TEST_CASE("second order in space on a graded grid across an interface with a partition jump", "[verification][order]") {
  TwoLayerExact ex{20e-6, 200e-6, 1e-12, 2e-10, 3.0, 0.6, 2e-2, 5e-3, 1.0};
  std::vector<double> errors;
  for (int n : {8, 16, 32, 64, 128}) {
    std::ostringstream y;
    y.precision(17);
    // One backward-Euler step of 1e12 s from zero is the steady state to round-off.
    y << "time: {end: 1e12 s, dt: 1e12 s, scheme: backward_euler}\n"
      << "skin:\n  bottom: sink\n  layers:\n"
      << "    - {name: a, thickness: " << ex.h1 << " m, cells: " << n << ", grading: 4, toward: bottom}\n"
      << "    - {name: b, thickness: " << ex.h2 << " m, cells: " << 2 * n << ", grading: 4, toward: both}\n"
      << "species:\n  - name: s\n    properties:\n"
      << "      a: {diffusivity: " << ex.D1 << " m2/s, partition: " << ex.K1 << ", degradation: " << ex.k1 << " 1/s}\n"
      << "      b: {diffusivity: " << ex.D2 << " m2/s, partition: " << ex.K2 << ", degradation: " << ex.k2 << " 1/s}\n"
      << "delivery:\n  - {type: topical, species: s, concentration: " << ex.u0 << " kg/m3, infinite: true}\n";
    auto sim = make_sim(y.str());
    sim->run();
    const Grid& g = sim->grid();
    const auto c = sim->concentration(0);
    double err = 0;
    for (int k = 0; k < g.nz; ++k) {
      const double K = g.cell_layer[k] == 0 ? ex.K1 : ex.K2;
      err = std::max(err, std::fabs(c[k] / K - ex.u(g.zc(k))));
    }
    errors.push_back(err / ex.u0);
  }
  const auto p = observed_orders(errors);
  for (size_t i = 0; i < p.size(); ++i) INFO("refinement " << i << ": error " << errors[i + 1] << ", order " << p[i]);
  CAPTURE(errors);
  // the asymptotic orders (the last two refinements)
  CHECK(p[p.size() - 1] == Approx(2.0).margin(0.15));
  CHECK(p[p.size() - 2] == Approx(2.0).margin(0.2));
  CHECK(errors.back() < 3e-4);
}

TEST_CASE("order in time: 1 for backward Euler, 2 for TR-BDF2", "[verification][order]") {
  // A smooth problem: a Gaussian diffusing and decaying in 1d, on a fixed grid; errors against a
  // run with 64 times more steps isolate the time error.
  const std::string scheme = GENERATE(std::string("backward_euler"), std::string("tr_bdf2"));
  const double expected = scheme == "backward_euler" ? 1.0 : 2.0;
  auto run = [&](int steps) {
    std::ostringstream y;
    y.precision(17);
    const double T = 3000.0;
    y << "time: {end: " << T << " s, dt: " << T / steps << " s, scheme: " << scheme << "}\n"
      << "skin:\n  layers:\n    - {name: t, thickness: 1 mm, cells: 100}\n"
      << "species:\n  - name: s\n    properties:\n      t: {diffusivity: 1e-11 m2/s, partition: 2, degradation: 2e-4 1/s}\n";
    Problem p = make_problem(y.str());
    const Grid& g = p.grid;
    p.species[0].initial_c.resize(g.cells());
    for (int k = 0; k < g.nz; ++k) p.species[0].initial_c[k] = std::exp(-std::pow((g.zc(k) - 0.4e-3) / 0.1e-3, 2));
    Simulation sim(std::move(p));
    sim.run();
    return sim.concentration(0);
  };
  const auto ref = run(2560);
  std::vector<double> errors;
  for (int steps : {5, 10, 20, 40}) {
    const auto c = run(steps);
    double e = 0;
    for (size_t i = 0; i < c.size(); ++i) e = std::max(e, std::fabs(c[i] - ref[i]));
    errors.push_back(e);
  }
  const auto p = observed_orders(errors);
  CAPTURE(scheme, errors, p);
  CHECK(p.back() == Approx(expected).margin(0.12));
  CHECK(p[p.size() - 2] == Approx(expected).margin(0.2));
}

TEST_CASE("the adaptive step meets its tolerance: error falls with rtol", "[verification][order]") {
  // Finite-dose membrane ([Derived:finite-dose-solution], H = 1): receptor amount at tau = 1 for decreasing rtol.
  auto run = [](double rtol) {
    std::ostringstream y;
    y.precision(17);
    y << "time: {end: 4000 s, outputs: [4000 s], rtol: " << rtol << "}\n"
      << "skin:\n  bottom: sink\n  layers:\n    - {name: m, thickness: 20 um, cells: 40}\n"
      << "species:\n  - name: s\n    properties:\n      m: {diffusivity: 1e-13 m2/s, partition: 1}\n"
      << "delivery:\n  - {type: topical, species: s, dose: 20 um, concentration: 1 kg/m3}\n";
    auto sim = make_sim(y.str());
    sim->run();
    return std::make_pair(sim->balance(0).out.at("receptor"), sim->stats().accepted);
  };
  const double ref = run(1e-9).first;
  std::vector<double> err;
  long prev_steps = 0;
  for (double rtol : {1e-3, 1e-4, 1e-5, 1e-6}) {
    auto [q, steps] = run(rtol);
    err.push_back(std::fabs(q - ref) / ref);
    CHECK(steps > prev_steps);  // tighter tolerance, more steps
    prev_steps = steps;
    CHECK(err.back() < 20 * rtol);
  }
  CAPTURE(err);
  CHECK(err.back() < err.front() / 30);
}
