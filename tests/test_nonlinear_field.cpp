// SPDX-License-Identifier: BSD-3-Clause
// State-dependent capacity and conductance (solver/nonlinear_field.hpp) against the self-similar
// (Boltzmann) solution of nonlinear diffusion with an exponential diffusivity, with the observed
// order of convergence, and the mass balance to round-off.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "solver/nonlinear_field.hpp"
#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// c_t = (D(c) c_x)_x on x > 0, c(0, t) = c0, c(x, 0) = 0, D(c) = D0 exp(beta c): c = F(eta),
// eta = x / sqrt(t), (D(F) F')' + (eta / 2) F' = 0, F(0) = c0, F(inf) = 0 ([Crank1975], ch. 7).
// With G = D(F) F': F' = G / D(F), G' = -(eta / 2) G / D(F); shooting on G(0) (RK4), F(eta_max) = 0.
struct Similarity {
  double D0, beta, c0, eta_max;
  std::vector<double> F;  // on eta_max / 20000 steps
  double D(double c) const { return D0 * std::exp(beta * c); }
  double shoot(double G0, bool keep) {
    const int n = 20000;
    const double h = eta_max / n;
    double f = c0, g = G0;
    if (keep) F.assign(1, c0);
    for (int i = 0; i < n; ++i) {
      const double e = i * h;
      auto rhs = [&](double ee, double ff, double gg, double& df, double& dg) {
        df = gg / D(ff);
        dg = -0.5 * ee * gg / D(ff);
      };
      double k1f, k1g, k2f, k2g, k3f, k3g, k4f, k4g;
      rhs(e, f, g, k1f, k1g);
      rhs(e + 0.5 * h, f + 0.5 * h * k1f, g + 0.5 * h * k1g, k2f, k2g);
      rhs(e + 0.5 * h, f + 0.5 * h * k2f, g + 0.5 * h * k2g, k3f, k3g);
      rhs(e + h, f + h * k3f, g + h * k3g, k4f, k4g);
      f += h / 6 * (k1f + 2 * k2f + 2 * k3f + k4f);
      g += h / 6 * (k1g + 2 * k2g + 2 * k3g + k4g);
      if (keep) F.push_back(f);
      if (f < 0 || g >= 0) {
        // crossed zero (too steep) or flattened above zero (too shallow): the rest is flat
        if (keep) F.resize(n + 1, std::max(f, 0.0));
        return f < 0 ? f : c0;
      }
    }
    return f;
  }
  void solve() {
    // G0 < 0: too steep -> F crosses zero; too shallow -> F stays positive at eta_max
    double lo = -100 * D(c0) * c0 / std::sqrt(D0), hi = 0;
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      (shoot(mid, false) < 0 ? lo : hi) = mid;
    }
    shoot(hi, true);  // the shallow side: F stays >= 0
    while (!F.empty() && F.back() < 0) F.back() = 0;
  }
  double at(double x, double t) const {
    const double e = x / std::sqrt(t);
    if (e >= eta_max) return 0.0;
    const double pos = e / eta_max * (static_cast<double>(F.size()) - 1);
    const size_t i = std::min(static_cast<size_t>(pos), F.size() - 2);
    const double w = pos - i;
    return std::max(0.0, (1 - w) * F[i] + w * F[i + 1]);
  }
};

}  // namespace

TEST_CASE("nonlinear diffusion (exponential diffusivity) against its similarity solution: order 2, exact balance", "[verification][order][nonlinear]") {
  // D(c) = D0 e^{(b + m) c} from a capacity law P(c) = (e^{b c} - 1)/b and a conductance factor
  // e^{m c}: both hooks of the coupling are exercised.
  const double D0 = 1e-9, b = 1.0, m = 2.0, c0 = 1.0, T = 400.0, L = 0.02;
  Similarity ex{D0, b + m, c0, 6e-3, {}};
  ex.solve();
  REQUIRE(ex.F.back() == Approx(0.0).margin(1e-6));
  StateLaw law;
  law.potential = [b](size_t, double c) { return std::expm1(b * c) / b; };
  law.slope = [b](size_t, double c) { return std::exp(b * c); };
  law.conductance = [m](size_t, double c) { return std::exp(m * c); };
  const double u_top = std::expm1(b * c0) / b;  // the boundary holds u = P(c0)
  std::vector<double> errors;
  for (int n : {50, 100, 200, 400}) {
    std::ostringstream y;
    y.precision(17);
    // a fixed step that shrinks with the square of the cell: first-order lag in time, second order
    // in space, together second order in the cell size
    const double dt = T / (0.01 * n * n);
    y << "time: {end: " << T << " s, dt: " << dt << " s, scheme: backward_euler}\n"
      << "skin:\n  layers:\n    - {name: a, thickness: " << L << " m, cells: " << n << "}\n"
      << "species:\n  - {name: s, properties: {all: {diffusivity: " << D0 << " m2/s, partition: 1}}}\n"
      << "delivery:\n  - {type: topical, species: s, concentration: " << u_top << " kg/m3, infinite: true}\n";
    Problem p = make_problem(y.str());
    auto nl = std::make_shared<NonlinearField>(0, law, 100.0, 0.0);  // the fixed step governs; rebuilt every step
    p.couplings.push_back(nl);
    Simulation sim(std::move(p));
    sim.run();
    const Grid& g = sim.grid();
    const auto c = sim.concentration(0);
    double err = 0, norm = 0;
    for (int k = 0; k < g.nz; ++k) {
      err += std::fabs(c[k] - ex.at(g.zc(k), T)) * g.dz[k];
      norm += ex.at(g.zc(k), T) * g.dz[k];
    }
    errors.push_back(err / norm);
    CHECK(worst_balance(sim) < 1e-10);
    CHECK(nl->rebuilds() > 10);
  }
  const auto p = observed_orders(errors);
  CAPTURE(errors, p);
  CHECK(p.back() == Approx(2.0).margin(0.25));
  CHECK(errors.back() < 3e-3);
}

TEST_CASE("state-dependent coefficients: the step control bounds the change per step", "[verification][nonlinear]") {
  const double D0 = 1e-9, m = 3.0;
  StateLaw law;
  law.potential = [](size_t, double c) { return c; };
  law.slope = [](size_t, double) { return 1.0; };
  law.conductance = [m](size_t, double c) { return std::exp(m * c); };
  std::vector<double> err;
  for (double mc : {0.2, 0.05, 0.0125}) {
    std::ostringstream y;
    y << "time: {end: 400 s, scheme: tr_bdf2, rtol: 1e-2}\n"
      << "skin:\n  layers:\n    - {name: a, thickness: 0.02 m, cells: 200}\n"
      << "species:\n  - {name: s, properties: {all: {diffusivity: " << D0 << " m2/s, partition: 1}}}\n"
      << "delivery:\n  - {type: topical, species: s, concentration: 1 kg/m3, infinite: true}\n";
    Problem p = make_problem(y.str());
    p.couplings.push_back(std::make_shared<NonlinearField>(0, law, mc, 0.0));
    Simulation sim(std::move(p));
    sim.run();
    Similarity ex{D0, m, 1.0, 6e-3, {}};
    ex.solve();
    const Grid& g = sim.grid();
    const auto c = sim.concentration(0);
    double e = 0;
    for (int k = 0; k < g.nz; ++k) e += std::fabs(c[k] - ex.at(g.zc(k), 400)) * g.dz[k];
    err.push_back(e);
    CHECK(worst_balance(sim) < 1e-10);
  }
  CAPTURE(err);
  // the lag error falls as the allowed change per step falls (first order), down to the grid's error
  CHECK(err[1] < 0.6 * err[0]);
  CHECK(err[2] < err[1]);
}
