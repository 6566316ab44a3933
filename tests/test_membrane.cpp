// SPDX-License-Identifier: BSD-3-Clause
// Membrane permeation against Crank's solutions ([Crank1975], [Derived:finite-dose-solution],
// [Derived:laminate-lag-time]).
#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

std::string membrane_case(double h, double D, double K, double Cd, double t_end, int cells, const std::string& extra = "") {
  std::ostringstream y;
  y.precision(17);
  y << "name: crank\n"
    << "time: {end: " << t_end << " s, output_every: " << t_end << " s, rtol: 1e-6}\n"
    << "skin:\n  layers:\n    - {name: membrane, thickness: " << h << " m, cells: " << cells << "}\n  bottom: sink\n"
    << "species:\n  - name: drug\n    properties:\n      membrane: {diffusivity: " << D << " m2/s, partition: " << K << "}\n"
    << "delivery:\n  - {type: topical, species: drug, concentration: " << Cd << " kg/m3, infinite: true}\n"
    << extra;
  return y.str();
}

// Q(t) per area for a constant donor ([Crank1975] 4.3).
double crank_Q(double t, double h, double D, double K, double Cd) {
  double s = 0;
  for (int n = 1; n < 200; ++n) s += ((n % 2) ? -1.0 : 1.0) / (n * n) * std::exp(-D * n * n * M_PI * M_PI * t / (h * h));
  return K * Cd * h * (D * t / (h * h) - 1.0 / 6.0 - 2.0 / (M_PI * M_PI) * s);
}

}  // namespace

TEST_CASE("Crank membrane, constant donor: lag time h^2/6D and steady flux KDC/h within 1 %", "[verification][membrane]") {
  auto [h, D, K] = GENERATE(table<double, double, double>({
      {15e-6, 1e-14, 1.0},
      {15e-6, 1e-13, 0.3},
      {100e-6, 3e-10, 0.7},
      {20e-6, 5e-14, 5.0},
  }));
  const double Cd = 4.0;
  const double tlag = h * h / (6 * D);
  const double t_end = 12 * tlag;
  auto sim = make_sim(membrane_case(h, D, K, Cd, t_end, 40));
  sim->run();
  const auto& hist = sim->history();
  const auto& Q = hist.species[0].at("receptor");
  // steady flux and lag time from the late, straight part of Q(t)
  const double t1 = 8 * tlag, t2 = 12 * tlag;
  const double Q1 = at_time(hist.time, Q, t1), Q2 = at_time(hist.time, Q, t2);
  const double J = (Q2 - Q1) / (t2 - t1);
  const double lag = t2 - Q2 / J;
  const double J_exact = K * D * Cd / h;
  INFO("h = " << h << ", D = " << D << ", K = " << K << ": J = " << J << " (exact " << J_exact << "), lag = " << lag << " (exact " << tlag << ")");
  CHECK(J == Approx(J_exact).epsilon(0.01));
  CHECK(lag == Approx(tlag).epsilon(0.01));
  // the whole curve, too
  for (double f : {1.0, 2.0, 4.0}) CHECK(at_time(hist.time, Q, f * tlag) == Approx(crank_Q(f * tlag, h, D, K, Cd)).epsilon(0.01));
  CHECK(worst_balance(*sim) < 1e-10);
}

namespace {
// Roots of a tan a = H in ((n-1) pi, (n - 1/2) pi), by bisection.
std::vector<double> finite_dose_roots(double H, int count) {
  std::vector<double> a;
  for (int n = 1; n <= count; ++n) {
    double lo = (n - 1) * M_PI + 1e-12, hi = (n - 0.5) * M_PI - 1e-12;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (mid * std::tan(mid) - H > 0 ? hi : lo) = mid;
    }
    a.push_back(0.5 * (lo + hi));
  }
  return a;
}
}  // namespace

TEST_CASE("finite dose, well-stirred donor, against the series solution within 1 %", "[verification][membrane]") {
  // [Derived:finite-dose-solution]: H = K h / L_d; Q/M0 and C_d/C0 at tau = D t / h^2
  const double h = 20e-6, D = 1e-13, K = 1.0, C0 = 4.0;
  const double H = GENERATE(0.1, 1.0, 10.0);
  const double Ld = K * h / H;
  const double t_unit = h * h / D;
  std::ostringstream extra;
  extra.precision(17);
  // replace the infinite donor with a finite film
  std::string yaml = membrane_case(h, D, K, C0, 5 * t_unit, 60);
  const std::string inf = "infinite: true}";
  yaml.replace(yaml.find(inf), inf.size(), "infinite: false, dose: " + std::to_string(Ld) + " m}");
  yaml.replace(yaml.find("output_every"), std::string("output_every").size(), "dt_max: " + std::to_string(t_unit / 50) + " s, output_every");
  auto sim = make_sim(yaml);
  sim->run();
  const auto& hist = sim->history();
  const auto roots = finite_dose_roots(H, 4000);
  auto series = [&](double tau, bool donor) {
    double s = 0;
    for (double a : roots) {
      const double w = 4 * std::sin(a) / (2 * a + std::sin(2 * a)) * std::exp(-a * a * tau);
      s += donor ? w * std::cos(a) : w;
    }
    return donor ? s : 1.0 - s;
  };
  const double M0 = Ld * C0;
  for (double tau : {0.2, 1.0, 5.0}) {
    const double Q = at_time(hist.time, hist.species[0].at("receptor"), tau * t_unit) / M0;
    const double Cd = at_time(hist.time, hist.species[0].at("vehicle"), tau * t_unit) / M0;
    INFO("H = " << H << ", tau = " << tau << ": Q/M0 = " << Q << " (series " << series(tau, false) << "), Cd/C0 = " << Cd
                << " (series " << series(tau, true) << ")");
    CHECK(Q == Approx(series(tau, false)).epsilon(0.01));
    CHECK(Cd == Approx(series(tau, true)).epsilon(0.01).margin(1e-4));
  }
  // the dossier's reference values at tau = 1 ([Derived:finite-dose-solution])
  const double ref_Q1 = H == 0.1 ? 0.07761 : H == 1.0 ? 0.46614 : 0.83618;
  CHECK(at_time(hist.time, hist.species[0].at("receptor"), t_unit) / M0 == Approx(ref_Q1).epsilon(0.01));
  CHECK(worst_balance(*sim) < 1e-10);
}

TEST_CASE("two-layer laminate with a partition jump: steady flux exact, lag time within 1 %", "[verification][membrane]") {
  // [Derived:laminate-lag-time] reference: h1 = 15 um, K1 = 1, D1 = 1e-13; h2 = 100 um, K2 = 0.7, D2 = 3e-10 -> t_lag = 394.0 s
  const double h1 = 15e-6, K1 = 1.0, D1 = 1e-13, h2 = 100e-6, K2 = 0.7, D2 = 3e-10, Cd = 2.0;
  const int cells = GENERATE(20, 40);
  const double R1 = h1 / (K1 * D1), R2 = h2 / (K2 * D2);
  const double lag_exact = ((h1 * h1 / D1) * (R1 / 6 + R2 / 2) + (h2 * h2 / D2) * (R2 / 6 + R1 / 2)) / (R1 + R2);
  REQUIRE(lag_exact == Approx(394.0).epsilon(1e-3));
  const double J_exact = Cd / (R1 + R2);
  std::ostringstream y;
  y.precision(17);
  y << "time: {end: 40000 s, output_every: 40000 s, rtol: 1e-6}\n"
    << "skin:\n  bottom: sink\n  layers:\n"
    << "    - {name: sc, thickness: " << h1 << " m, cells: " << cells << ", grading: 3}\n"
    << "    - {name: ve, thickness: " << h2 << " m, cells: " << cells << ", grading: 3}\n"
    << "species:\n  - name: drug\n    properties:\n"
    << "      sc: {diffusivity: " << D1 << " m2/s, partition: " << K1 << "}\n"
    << "      ve: {diffusivity: " << D2 << " m2/s, partition: " << K2 << "}\n"
    << "delivery:\n  - {type: topical, species: drug, concentration: " << Cd << " kg/m3, infinite: true}\n";
  auto sim = make_sim(y.str());
  sim->run();
  const double J = sim->rates(0).at("receptor");
  INFO("steady flux " << J << ", exact " << J_exact);
  CHECK(std::fabs(J - J_exact) / J_exact < 1e-8);
  CHECK(std::fabs(sim->rates(0).at("uptake") - J_exact) / J_exact < 1e-8);
  const auto& hist = sim->history();
  const auto& Q = hist.species[0].at("receptor");
  const double t1 = 20 * lag_exact, t2 = 40 * lag_exact;
  const double Jfit = (at_time(hist.time, Q, t2) - at_time(hist.time, Q, t1)) / (t2 - t1);
  const double lag = t2 - at_time(hist.time, Q, t2) / Jfit;
  INFO("lag time " << lag << " s, exact " << lag_exact << " s");
  CHECK(lag == Approx(lag_exact).epsilon(0.01));
  CHECK(worst_balance(*sim) < 1e-10);
}
