// SPDX-License-Identifier: BSD-3-Clause
#include "report.hpp"

#include "../models/couplings/excess_fluid.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "../solver/units.hpp"

namespace dermasim {

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

std::string hms(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

Progress::Progress(double t_end, bool enabled) : t_end_(t_end), enabled_(enabled), tty_(::isatty(2)), start_(now()) {}

void Progress::update(const Simulation& sim, double t, double dt) {
  if (!enabled_) return;
  const double w = now();
  const double frac = t / t_end_;
  const double elapsed = w - start_;
  // ETA from the simulated fraction done; meaningless before a few percent
  const double eta = (frac > 0.02 && elapsed > 0.05) ? elapsed * (1 - frac) / frac : NAN;
  if (tty_) {
    if (w - last_print_ < 0.2 && t < t_end_) return;
    last_print_ = w;
    std::fprintf(stderr, "\r  t = %-12s of %-10s  %5.1f %%   dt = %-10s  steps %-6ld  elapsed %s  ETA %s   ",
                 format_quantity(t, dims::time).c_str(), format_quantity(t_end_, dims::time).c_str(), 100 * frac,
                 format_quantity(dt, dims::time).c_str(), sim.stats().accepted, hms(elapsed).c_str(), hms(eta).c_str());
    std::fflush(stderr);
  } else {
    const int decile = static_cast<int>(std::floor(frac * 10 + 1e-9));
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "  t = %s of %s (%3.0f %%), dt = %s, %ld steps, elapsed %s, ETA %s\n",
                 format_quantity(t, dims::time).c_str(), format_quantity(t_end_, dims::time).c_str(), 100 * frac,
                 format_quantity(dt, dims::time).c_str(), sim.stats().accepted, hms(elapsed).c_str(), hms(eta).c_str());
  }
}

void Progress::done() {
  if (enabled_ && tty_) std::fprintf(stderr, "\n");
}

std::pair<std::string, double> display_amount_unit(Geometry g) {
  switch (g) {
    case Geometry::OneD: return {"ug/cm2", 1e-5};
    case Geometry::TwoD: return {"ug/mm", 1e-6};
    default: return {"ug", 1e-9};
  }
}

void print_summary(std::FILE* out, const Simulation& sim) {
  const Grid& g = sim.grid();
  // not a structured binding: clang 14 (the fuzzing build) cannot capture one in a lambda
  const auto unit_factor = display_amount_unit(g.geometry);
  const std::string unit = unit_factor.first;
  const double factor = unit_factor.second;
  std::fprintf(out, "\nWhere each species is at t = %s (amounts in %s%s):\n", format_quantity(sim.time(), dims::time).c_str(),
               unit.c_str(), g.geometry == Geometry::OneD ? " of skin" : g.geometry == Geometry::TwoD ? " of length" : "");
  for (size_t s = 0; s < sim.species_count(); ++s) {
    const Balance b = sim.balance(static_cast<int>(s));
    const double dose = b.applied;
    auto row = [&](const std::string& what, double v) {
      if (dose > 0)
        std::fprintf(out, "  %-26s %14.6g %12.4f %%\n", what.c_str(), v / factor, 100.0 * v / dose);
      else
        std::fprintf(out, "  %-26s %14.6g %14s\n", what.c_str(), v / factor, "-");
    };
    // the excess fluid is a volume: the same scale factors turn m3 into uL (and m3/m2 into uL/cm2)
    const bool fluid = static_cast<int>(s) == excess_fluid_species(sim);
    std::string shown = unit;
    if (fluid) shown.replace(0, 2, "uL");
    std::fprintf(out, "\n  %-26s %14s %14s\n", fluid ? "injected fluid (excess)" : sim.problem().species[s].name.c_str(), shown.c_str(),
                 fluid ? "% of injected" : "% of dose");
    std::fprintf(out, "  %-26s %14s %14s\n", "--------------------------", "--------------", "--------------");
    if (!fluid) row("vehicle (on the skin)", b.get("vehicle"));
    if (b.get("deposit") > 0) row("  of which solid deposit", b.get("deposit"));
    if (b.get("washed") != 0) row("removed at wash-off", b.get("washed"));
    for (size_t l = 0; l < g.layer_names.size(); ++l) row(g.layer_names[l], b.layer[l]);
    for (const auto& [k, v] : b.out) {
      std::string label = k;
      if (k == "cleared_blood") label = "cleared to blood";
      if (k == "cleared_lymph") label = "cleared to lymph";
      if (k == "receptor") label = "receptor (below the skin)";
      if (k == "drained") label = "drained to lymph";
      row(label, v);
    }
    std::fprintf(out, "  %-26s %14s %14s\n", "--------------------------", "--------------", "--------------");
    row(fluid ? "injected" : "dose (applied)", dose);
    if (fluid) {
      const auto e = surface_elevation(sim);
      const double top = e.empty() ? 0.0 : *std::max_element(e.begin(), e.end());
      std::fprintf(out, "  %-26s %14.4g um\n", "surface raised by (max)", top * 1e6);
    }
    if (dose > 0)
      std::fprintf(out, "  %-26s %14.3g %12.3g %%\n", "mass balance error", b.error() / factor, 100.0 * b.error() / dose);
    if (b.clipped > 0) std::fprintf(out, "  %-26s %14.6g   (outside the domain, not applied)\n", "clipped injection", b.clipped / factor);
  }
  const auto& st = sim.stats();
  std::fprintf(out, "\n  %ld steps (%ld rejected), linear solver: %s, %ld solves", st.accepted, st.rejected,
               st.linear_solver.c_str(), st.linear.solves);
  if (st.substeps > 0) std::fprintf(out, ", %s in %ld sub-steps (%ld rejected)", sim.problem().species[sim.problem().carrier.species].name.c_str(), st.substeps, st.substeps_rejected);
  if (st.linear.iterations > 0) std::fprintf(out, ", %.1f iterations per solve", double(st.linear.iterations) / std::max(1L, st.linear.solves));
  std::fprintf(out, "; wall time %.2f s\n", st.wall_seconds);
  // iterative solvers: per species, the step's solves and the error estimate's apart
  for (const auto& sp : st.per_species) {
    const LinearStats& l = sp.stats;
    if (st.per_species.size() < 2 || l.iterations == 0) continue;
    const long ns = l.solves - l.estimate_solves, ni = l.iterations - l.estimate_iterations;
    std::fprintf(out, "    %s (%s): %ld solves, %.1f iterations per solve; %ld estimate solves, %.1f; %.1f s\n", sp.species.c_str(),
                 sp.solver.c_str(), ns, double(ni) / std::max(1L, ns), l.estimate_solves,
                 double(l.estimate_iterations) / std::max(1L, l.estimate_solves), l.seconds);
  }
}

}  // namespace dermasim
