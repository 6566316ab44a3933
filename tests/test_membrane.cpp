// Membrane permeation against Crank's solutions (physics.md 7.1-7.3).
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

// Q(t) per area for a constant donor (physics.md 7.1).
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
