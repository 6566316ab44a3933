// SPDX-License-Identifier: BSD-3-Clause
// The solutes ride the injected fluid's step-averaged flux (solver/simulation.cpp,
// couple_to_carrier; docs/numerics.md, "The injected fluid and advection"): a solute moves with the
// volume of fluid that crossed each face during a step, so the step-size control's tolerance
// controls its transport through the injection's transient too. With the end-of-step flux (before)
// the target layer's exposure was 0.9 % off the converged value at the default tolerance here.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// Of one run: the papillary dermis' and the hypodermis' (the deepest layer's) amounts integrated over
// time (kg s, trapezoidal over the accepted steps) and what was drained to lymph by the end (kg).
std::vector<double> measures(const std::string& rtol, const std::string& linear = "auto", long* steps = nullptr, const std::string& tolerance = "auto",
                             const std::string& geometry = "{kind: axisymmetric, width: 10 mm, lateral_cells: 10, lateral_grading: 3}") {
  const std::string yaml =
      "time: {end: 2 h, rtol: " + rtol + "}\n"
      "solver: {linear: " + linear + ", tolerance: " + tolerance + "}\n"
      "geometry: " + geometry + "\n"
      "skin: {preset: face_cheek}\n"
      "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
      "delivery:\n  - {type: injection, species: {niacinamide: 20 mg/mL}, volume: 10 uL, depth: 1 mm}\n"
      "fluid: {enabled: true}\n";
  auto sim = make_sim(yaml);
  sim->run();
  CHECK(worst_balance(*sim) < 1e-10);
  if (steps) *steps = sim->stats().accepted;
  const auto& t = sim->history().time;
  const auto& h = sim->history().species[0];
  std::vector<double> out;
  for (const char* layer : {"layer/papillary_dermis", "layer/hypodermis"}) {
    const auto& m = h.at(layer);
    double a = 0;
    for (size_t i = 1; i < t.size(); ++i) a += 0.5 * (m[i] + m[i - 1]) * (t[i] - t[i - 1]);
    out.push_back(a);
  }
  out.push_back(h.at("cleared_lymph").back());
  return out;
}

// The papillary dermis' exposure (kg s).
double exposure(const std::string& rtol, const std::string& linear = "auto", long* steps = nullptr, const std::string& tolerance = "auto") {
  return measures(rtol, linear, steps, tolerance)[0];
}

}  // namespace

TEST_CASE("a solute carried by the injected fluid converges with the step tolerance through the transient", "[verification][fluid]") {
  const double coarse = exposure("1e-4"), fine = exposure("1e-6");
  INFO("papillary dermis exposure at rtol 1e-4: " << coarse << " kg s, at 1e-6: " << fine);
  REQUIRE(fine > 0);
  CHECK(std::fabs(coarse - fine) / fine < 3e-3);
}

// With the fluid on and the iterative solvers (the multigrid CG for the fluid; for the solute GMRES
// with the diagonal preconditioner on short steps, BiCGSTAB with the upwind V-cycle otherwise on this
// axisymmetric grid; all started from extrapolated guesses) the run is the direct solvers' run to the
// solvers' tolerance.
TEST_CASE("the fluid-on run with the multigrid solvers and extrapolated guesses is the direct solvers' run", "[verification][fluid][multigrid]") {
  long steps_direct = 0, steps_mg = 0;
  // (the iterative solves to 1e-12, as the direct ones: the same run to round-off and that tolerance)
  const double direct = exposure("1e-4", "direct", &steps_direct), mg = exposure("1e-4", "mg", &steps_mg, "1e-12");
  INFO("papillary dermis exposure, direct: " << direct << " kg s (" << steps_direct << " steps), mg: " << mg << " kg s (" << steps_mg << " steps)");
  REQUIRE(direct > 0);
  CHECK(std::fabs(mg - direct) / direct < 1e-8);  // measured 9e-10; 4.4e-9 since short steps take the diagonal preconditioner
  CHECK(std::abs(steps_mg - steps_direct) <= 2);
}

// `solver.tolerance: auto` (the default) stops the iterative solves at 1e-3 time.rtol
// (SolverSpec::effective_tolerance): their error then stays far below the time error the step control
// admits. Measured against the same run with solves to 1e-12 and against the step error (the run at
// rtol 1e-4 against rtol 1e-6), on the axisymmetric grid (the fluid's multigrid CG; the solute's
// BiCGSTAB with the V-cycle, GMRES with the diagonal on short steps) and on a 3d unit cell (the
// solute's GMRES with the separable preconditioner).
TEST_CASE("the iterative solves stop at 1e-3 rtol: far below the step error, unlike solves stopped at rtol", "[verification][fluid][multigrid]") {
  const std::string cell = "{kind: 3d, width: 3 mm, lateral_cells: 5}";
  const char* names[] = {"papillary dermis exposure", "hypodermis exposure", "drained to lymph"};
  for (const std::string& geometry : {std::string("{kind: axisymmetric, width: 10 mm, lateral_cells: 10, lateral_grading: 3}"), cell}) {
    const auto tight = measures("1e-4", "mg", nullptr, "1e-12", geometry), derived = measures("1e-4", "mg", nullptr, "auto", geometry),
               loose = measures("1e-4", "mg", nullptr, "1e-4", geometry), fine = measures("1e-6", "mg", nullptr, "1e-12", geometry);
    for (size_t q = 0; q < tight.size(); ++q) {
      const double solver_error = std::fabs(derived[q] - tight[q]) / tight[q], loose_error = std::fabs(loose[q] - tight[q]) / tight[q],
                   step_error = std::fabs(tight[q] - fine[q]) / fine[q];
      INFO(geometry << ": " << names[q] << " with solves to 1e-12 " << tight[q] << "; auto (1e-7) off by " << solver_error
                    << ", solves to rtol (1e-4) off by " << loose_error << "; the step error (rtol 1e-4 against 1e-6) " << step_error);
      REQUIRE(step_error > 0);
      CHECK(solver_error < 1e-2 * step_error);
      if (q == 0) CHECK(loose_error > 1e-2 * step_error);  // the comparison sees a tolerance tied too loosely to the step's
    }
  }
}

// The key itself: auto (the default) follows time.rtol under error control and is 1e-12 with fixed
// steps; a number is every solve's; the case text a run writes keeps which it was.
TEST_CASE("the solver tolerance auto follows the step tolerance, a given number is kept", "[unit][fluid]") {
  const std::string base = "time: {end: 1 h, rtol: 1e-5}\nskin: {preset: face_cheek}\nspecies:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n";
  const Case by_default = parse(base);
  CHECK(by_default.solver.tolerance == 0);  // auto
  TimeSpec t;
  t.rtol = 1e-5;
  CHECK(by_default.solver.effective_tolerance(t) == Approx(1e-8));
  CHECK(by_default.solver.stage_iterated_tolerance() == 1e-12);  // a coupling's iteration needs tight solves
  t.dt_fixed = 60;
  CHECK(by_default.solver.effective_tolerance(t) == 1e-12);
  t.dt_fixed = 0;
  t.rtol = 1e-12;  // at most 1e-12 whatever the step tolerance
  CHECK(by_default.solver.effective_tolerance(t) == 1e-12);
  const Case given = parse(base + "solver: {tolerance: 1e-9}\n");
  t.rtol = 1e-4;
  CHECK(given.solver.effective_tolerance(t) == 1e-9);
  CHECK(given.solver.stage_iterated_tolerance() == 1e-9);
  CHECK(parse(base + "solver: {tolerance: auto}\n").solver.tolerance == 0);
  CHECK_THROWS_WITH(parse(base + "solver: {tolerance: 0.5}\n"), Catch::Matchers::Contains("must be auto or a number between 0 and 1e-2"));
  // the case text a run writes (and a restart compares) keeps which it was
  const std::string dumped_auto = dump_case(by_default), dumped_given = dump_case(given);
  CHECK(dumped_auto.find("tolerance: auto") != std::string::npos);
  CHECK(parse(dumped_auto).solver.tolerance == 0);
  CHECK(parse(dumped_given).solver.tolerance == 1e-9);
}

// ---- Multirate (time.multirate; docs/numerics.md, "Multirate"): the fluid sub-cycled with its own
// steps and error control inside each step of the solute, which rides the face volume fluxes
// accumulated over the sub-steps.
namespace {

std::string papule(const std::string& time, const std::string& extra = "") {
  return "time: {" + time + "}\n"
         "geometry: {kind: axisymmetric, width: 10 mm, lateral_cells: 10, lateral_grading: 3}\n"
         "skin: {preset: face_cheek}\n"
         "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
         "delivery:\n  - {type: injection, species: {niacinamide: 20 mg/mL}, volume: 10 uL, depth: 1 mm" + extra + "}\n"
         "fluid: {enabled: true}\n";
}

// The solute's concentration field at the end of a run (kg/m3) and the cells' volumes.
std::vector<double> final_field(Simulation& sim) {
  sim.run();
  CHECK(worst_balance(sim) < 1e-10);
  return sim.concentration(0);
}

// Volume-weighted L1 distance of two fields, relative to the second.
double distance(const Simulation& sim, const std::vector<double>& a, const std::vector<double>& b) {
  const Grid& g = sim.grid();
  double num = 0, den = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t c = g.index(i, j, k);
        num += g.volume(i, j, k) * std::fabs(a[c] - b[c]);
        den += g.volume(i, j, k) * std::fabs(b[c]);
      }
  return num / den;
}

}  // namespace

TEST_CASE("multirate: the fluid's sub-steps keep the solute and water balances to round-off, in fewer solute steps", "[verification][fluid]") {
  auto on = make_sim(papule("end: 2 h"));
  auto off = make_sim(papule("end: 2 h, multirate: false"));
  REQUIRE(on->multirate());
  REQUIRE_FALSE(off->multirate());
  on->run();
  off->run();
  // both species (the solute, carried by the accumulated face volumes, and the fluid itself)
  CHECK(worst_balance(*on) < 1e-10);
  CHECK(worst_balance(*off) < 1e-10);
  INFO("steps: multirate " << on->stats().accepted << " (fluid sub-steps " << on->stats().substeps << "), single rate " << off->stats().accepted);
  CHECK(on->stats().substeps > 2 * on->stats().accepted);     // the fluid steps on its own
  CHECK(on->stats().accepted < 0.7 * off->stats().accepted);  // and the solute no longer follows it
  // the same solution to the tolerance of the step control
  const double d = distance(*on, on->concentration(0), off->concentration(0));
  INFO("solute field at 2 h, multirate against single rate: " << d);
  CHECK(d < 1e-2);
}

TEST_CASE("multirate: a first step far longer than the fluid's start is cut after one fluid sub-step, not sub-cycled through", "[verification][fluid]") {
  // The run starts with a step of 1e-7 of its length (0.72 ms here) while the injected fluid needs
  // sub-steps below a microsecond. Sub-cycling the fluid through the whole step, only for the solute
  // to reject it, redid most of those sub-steps at every retry; the probe stops the attempt after
  // the fluid's first accepted sub-step and retries at a few of them.
  auto sim = make_sim(papule("end: 2 h"));
  sim->run();
  CHECK(worst_balance(*sim) < 1e-10);
  const RunStats& st = sim->stats();
  const auto& fluid = st.per_species.at(1);
  // three solves per sub-step tried (TR-BDF2's two stages and its error estimate): those not
  // counted in the accepted steps were discarded
  const long tried = fluid.stats.solves / 3, kept = st.substeps + st.substeps_rejected;
  INFO("solute steps " << st.accepted << " (" << st.rejected << " rejected); fluid sub-steps tried " << tried << ", in accepted steps " << kept);
  CHECK(st.rejected <= 2);
  CHECK(tried - kept <= 4);
  // under a fixed time.dt the solutes take exactly that step (the probe acts on controlled steps only)
  auto fixed = make_sim(papule("end: 2 h, dt: 5 min"));
  fixed->run();
  CHECK(fixed->stats().accepted == 24);
  CHECK(fixed->stats().rejected == 0);
  CHECK(worst_balance(*fixed) < 1e-10);
}

TEST_CASE("multirate: under fixed solute steps the sub-cycled coupling converges at second order to a fine reference", "[verification][fluid]") {
  // The fluid enters over a minute (a smooth flow), sub-cycled at rtol 1e-9 (its own error
  // negligible); the solute takes fixed steps of T/N, so what is left is the error of the solute
  // scheme with the step-averaged flux.
  auto run = [](int N) {
    const std::string t = "end: 4 min, rtol: 1e-9, dt: " + std::to_string(240.0 / N) + " s";
    auto sim = make_sim(papule(t, ", duration: 1 min"));
    auto f = final_field(*sim);
    return std::make_pair(std::move(sim), f);
  };
  auto [ref_sim, ref] = run(256);
  std::vector<double> errors;
  for (int N : {8, 16, 32}) {
    auto [sim, f] = run(N);
    CHECK(sim->stats().substeps > sim->stats().accepted);
    errors.push_back(distance(*sim, f, ref));
  }
  const auto p = observed_orders(errors);
  INFO("errors " << errors[0] << " " << errors[1] << " " << errors[2] << ", orders " << p[0] << " " << p[1]);
  CHECK(errors[0] > 1e-9);  // a measurable error, not round-off
  CHECK(p[0] > 1.7);
  CHECK(p[1] > 1.7);
}

TEST_CASE("multirate: on by default, for the nonlinear law too (re-linearised before each sub-step)", "[fluid]") {
  const std::string y = papule("end: 1 h");
  REQUIRE(make_sim(y)->multirate());
  CHECK(make_sim(y, {"fluid.law=nonlinear"})->multirate());
  CHECK_FALSE(make_sim(y, {"time.multirate=false"})->multirate());
  CHECK_FALSE(make_sim(y, {"fluid.law=nonlinear", "time.multirate=false"})->multirate());
}

// The nonlinear law (k = k0 exp(m phi), the strain-dependent tissue pressure; models/fluid.cpp) as
// the sub-cycled carrier: its coefficients are re-linearised before every sub-step, so the solute
// rides the face volumes accumulated sub-step by sub-step, each with its own coefficients.
TEST_CASE("multirate, nonlinear law: balances to round-off, the single-rate run's accuracy, in a tenth of the solute steps", "[verification][fluid][nonlinear]") {
  const std::string law = "fluid.layers.all.compliant_stiffness=10Pa";
  auto run = [&](const std::string& time, bool multirate) {
    auto sim = make_sim(papule(time), {"fluid.law=nonlinear", law, std::string("time.multirate=") + (multirate ? "true" : "false")});
    REQUIRE(sim->multirate() == multirate);
    sim->run();
    CHECK(worst_balance(*sim) < 1e-10);  // the solute and the water, on every step
    return sim;
  };
  auto on = run("end: 2 h", true);
  auto off = run("end: 2 h", false);
  auto ref = run("end: 2 h, rtol: 1e-6", false);
  INFO("solute steps: multirate " << on->stats().accepted << " (" << on->stats().rejected << " rejected; fluid sub-steps " << on->stats().substeps
                                  << "), single rate " << off->stats().accepted);
  CHECK(on->stats().substeps > 5 * on->stats().accepted);
  CHECK(on->stats().accepted < 0.2 * off->stats().accepted);
  // against the fine reference, both species: the sub-cycled run is as accurate as the single-rate
  // run at the same rtol (its error is that of the step control, not of the coupling)
  for (int s : {0, 1}) {
    const double d_on = distance(*on, on->concentration(s), ref->concentration(s));
    const double d_off = distance(*off, off->concentration(s), ref->concentration(s));
    INFO("species " << s << ": distance to the rtol 1e-6 run, multirate " << d_on << ", single rate " << d_off);
    CHECK(d_on < 1e-2);
    CHECK(d_on < 3 * d_off + 1e-4);
  }
  // the wheal: its height (the largest surface elevation) at the end within 1 % of the reference
  const auto& h_on = on->history().species[1].at("max_elevation");
  const auto& h_ref = ref->history().species[1].at("max_elevation");
  INFO("surface raised by at 2 h: multirate " << h_on.back() << " m, reference " << h_ref.back() << " m");
  CHECK(std::fabs(h_on.back() - h_ref.back()) < 1e-2 * h_ref.back());
}

TEST_CASE("multirate, nonlinear law: a step retried after its fluid sub-steps starts from the coefficients it started with", "[verification][fluid][nonlinear]") {
  // A first step of 10 min against a fluid that needs sub-steps of microseconds: the probe stops
  // the attempt after one sub-step, whose re-linearisation rebuilt the fluid's operator, and the
  // step is retried shorter. The retry must see the coefficients of the step's start: the fluid's
  // amount is K u under them, so a retry on the moved coefficients would break the water balance.
  auto sim = make_sim(papule("end: 30 min, dt_initial: 10 min"), {"fluid.law=nonlinear", "fluid.layers.all.compliant_stiffness=10Pa"});
  REQUIRE(sim->multirate());
  sim->run();
  INFO("solute steps " << sim->stats().accepted << ", rejected " << sim->stats().rejected);
  CHECK(sim->stats().rejected >= 1);
  CHECK(worst_balance(*sim) < 1e-10);
}
