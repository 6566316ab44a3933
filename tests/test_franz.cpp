// SPDX-License-Identifier: BSD-3-Clause
// The OECD TG 428 report: numbers in it agree with the run and with the laminate theory.
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "app/franz_report.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {
double number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  std::regex re(std::regex_replace(label, std::regex(R"([\(\)\*\+\.\[\]\|])"), R"(\$&)") + R"([^0-9\-]*([-0-9.eE+]+))");
  REQUIRE(std::regex_search(text, m, re));
  return std::stod(m[1]);
}
const char* kCell =
    "name: cell\ntime: {end: 48 h, output_every: 4 h}\nskin: {preset: forearm_invitro}\n"
    "species:\n  - name: d\n    properties:\n      all: {diffusivity: 2e-10 m2/s, partition: 0.7}\n"
    "      stratum_corneum: {diffusivity: 2e-14 m2/s, partition: 1.5}\n"
    "output: {report: tg428}\n";
}  // namespace

TEST_CASE("TG 428 report: infinite dose kp and lag time match the laminate theory", "[verification][franz]") {
  const std::string y = std::string(kCell) + "delivery:\n  - {type: topical, species: d, concentration: 2 mg/mL, infinite: true}\n";
  Case c = parse(y);
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  sim.run();
  const std::string rep = tg428_report(c, sim);
  // series resistances of SC, VE, dermis ([Derived:laminate-lag-time]): kp = 1 / sum h/(K D)
  const double R = 20e-6 / (1.5 * 2e-14) + 60e-6 / (0.7 * 2e-10) + 300e-6 / (0.7 * 2e-10);
  const double kp_cm_h = (1.0 / R) / 2.7778e-6;
  CHECK(number_after(rep, "permeability coefficient kp = J/C =") == Approx(kp_cm_h).epsilon(1e-3));
  CHECK(number_after(rep, "**mass balance** (total recovery) |") > 0);
  CHECK(rep.find("100.000000") != std::string::npos);
}

TEST_CASE("TG 428 report: finite dose distribution adds up and matches the run", "[verification][franz]") {
  const std::string y = std::string(kCell) +
                        "delivery:\n  - {type: topical, species: d, dose: 10 uL/cm2, concentration: 4 mg/mL, remove: 24 h}\n";
  Case c = parse(y);
  std::vector<std::string> w;
  Simulation sim(build_problem(c, &w));
  sim.run();
  const std::string rep = tg428_report(c, sim);
  const Balance b = sim.balance(0);
  CHECK(number_after(rep, "of 4 mg/mL = ") == Approx(40.0));  // 10 uL/cm2 x 4 mg/mL = 40 ug/cm2
  const double surface = number_after(rep, "| dislodgeable dose (surface wash + vehicle left) | ");
  CHECK(surface == Approx((b.get("washed") + b.get("vehicle")) / 1e-5).epsilon(1e-3));
  const double receptor_pct = number_after(rep, "| receptor fluid | ");
  CHECK(receptor_pct == Approx(b.out.at("receptor") / 1e-5).epsilon(1e-3));
  CHECK(rep.find("| 48 h |") != std::string::npos);
}
