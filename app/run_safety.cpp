// SPDX-License-Identifier: BSD-3-Clause
#include "run_safety.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../solver/input.hpp"
#include "../solver/units.hpp"

namespace dermasim {

namespace {
volatile sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_stop != 0) {  // a second signal: stop now, the default way
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  g_stop = sig;
}
}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGXFSZ, SIG_IGN);
}

int stop_signal() { return g_stop; }

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(sig);
  }
}

namespace {
std::string place(const Grid& g, size_t cell) {
  const size_t i = cell % g.nx, j = (cell / g.nx) % g.ny, k = cell / (static_cast<size_t>(g.nx) * g.ny);
  const int layer = g.cell_layer[k];
  std::ostringstream os;
  os << "layer '" << (layer >= 0 && layer < static_cast<int>(g.layer_names.size()) ? g.layer_names[layer] : "?") << "', cell (x "
     << i << ", y " << j << ", depth " << k << "), depth " << format_quantity(g.zc(static_cast<int>(k)), dims::length);
  return os.str();
}
const char* kLikely =
    "likely cause: a value far outside the physical range (a size, spacing, duration, partition or tolerance "
    "many orders of magnitude off), or a grid far too coarse or fine for it; check the values with `dermasim check`";
}  // namespace

std::string describe_step_failure(const Simulation& sim, const StepFailure& f) {
  const Problem& p = sim.problem();
  std::ostringstream os;
  os << f.what();
  const bool species = f.species >= 0 && f.species < static_cast<int>(p.species.size());
  const bool cell = f.cell >= 0 && static_cast<size_t>(f.cell) < sim.grid().cells();
  if (species || cell) {
    os << (f.kind == StepFailure::Kind::StepTooSmall ? ": the error control (time.rtol) could not be met" : "");
    if (species) os << " for '" << p.species[f.species].name << "'";
    if (cell) os << (f.kind == StepFailure::Kind::LinearSolve ? " (stiffest cell: " : " in ") << place(sim.grid(), static_cast<size_t>(f.cell))
                 << (f.kind == StepFailure::Kind::LinearSolve ? ")" : "");
  }
  switch (f.kind) {
    case StepFailure::Kind::StepTooSmall:
      os << "; likely cause: the solution changes there faster than any step can follow: a stiff coupling or a sudden change "
            "(e.g. the injected fluid near a volume fraction of 1 with a gel's osmotic pressure, a deposit or reservoir switching on), "
            "or a value far outside the physical range; try time.scheme: backward_euler (robust, first order), a larger time.rtol, "
            "a smaller injected volume or a finer grid there, and check the values with `dermasim check`";
      break;
    case StepFailure::Kind::LinearSolve:
      os << "; likely cause: coefficients (diffusivity, partition, clearance) spanning too many orders of magnitude, or a value far "
            "outside the physical range; try solver.linear: direct, and check the values with `dermasim check`";
      break;
    case StepFailure::Kind::Coupling:
      os << "; likely cause: a coupled law (the osmotic pressure of HA, a gel) far outside its range there, e.g. a very high "
            "polymer concentration or an injected volume larger than the tissue holds; check the values with `dermasim check`";
      break;
  }
  return os.str();
}

std::string field_guard(const Simulation& sim, double t, std::vector<double>& peak) {
  const Grid& g = sim.grid();
  peak.resize(sim.species_count(), 0.0);
  thread_local std::vector<double> c;  // (kept between steps: no fresh memory per step)
  for (size_t s = 0; s < sim.species_count(); ++s) {
    sim.concentration(static_cast<int>(s), c);
    double top = 0;
    size_t low = 0;
    for (size_t n = 0; n < c.size(); ++n) {
      top = std::max(top, std::fabs(c[n]));
      if (c[n] < c[low]) low = n;
      if (std::isfinite(c[n])) continue;
      std::ostringstream os;
      os << "numerical guard: the concentration of '" << sim.problem().species[s].name << "' is " << (std::isnan(c[n]) ? "NaN" : "infinite")
         << " at t = " << format_quantity(t, dims::time) << " in " << place(g, n) << "; " << kLikely;
      return os.str();
    }
    peak[s] = std::max(peak[s], top);
    if (!c.empty() && c[low] < -kNegativeTolerance * peak[s]) {
      std::ostringstream os;
      os << "numerical guard: the concentration of '" << sim.problem().species[s].name << "' is negative beyond round-off ("
         << c[low] << " kg/m3, the largest so far is " << peak[s] << ") at t = " << format_quantity(t, dims::time) << " in " << place(g, low)
         << "; " << kLikely;
      return os.str();
    }
  }
  return "";
}

std::string balance_guard(const Simulation& sim, double t) {
  for (size_t s = 0; s < sim.species_count(); ++s) {
    const Balance b = sim.balance(static_cast<int>(s));
    const double scale = std::fabs(b.applied);
    const double err = b.error();
    const std::string name = sim.problem().species[s].name;
    std::ostringstream os;
    if (!std::isfinite(err) || !std::isfinite(b.applied)) {
      os << "numerical guard: the mass balance of '" << name << "' is not finite at t = " << format_quantity(t, dims::time)
         << " (applied " << b.applied << "); " << kLikely;
      return os.str();
    }
    if (scale == 0) continue;
    if (std::fabs(err) > 1e-6 * scale) {
      os << "numerical guard: the mass balance of '" << name << "' is off by " << err / scale << " of the applied amount at t = "
         << format_quantity(t, dims::time) << " (allowed 1e-6); " << kLikely;
      return os.str();
    }
  }
  return "";
}

namespace {
// MemAvailable of /proc/meminfo, or the address-space limit of this process (ulimit -v) if lower.
double mem_available_bytes() {
  double avail = INFINITY;
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") avail = kb * 1024.0;
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) avail = std::min(avail, static_cast<double>(rl.rlim_cur));
  return avail;
}
std::string bytes_text(double b) {
  std::ostringstream os;
  os.precision(3);
  if (b >= 1e9) os << b / 1e9 << " GB";
  else if (b >= 1e6) os << b / 1e6 << " MB";
  else os << b / 1e3 << " kB";
  return os.str();
}
}  // namespace

std::string preflight(const Problem& p, const std::string& case_file, const std::string& output_file, bool writes, bool force) {
  const Grid& g = p.grid;
  const double cells = static_cast<double>(g.cells());
  const double species = static_cast<double>(p.species.size());
  const double T = p.time.end;
  // steps: a fixed step gives T/dt; a step limit at least T/dt_max
  double steps = 0;
  std::string step_key;
  if (p.time.dt_fixed > 0) steps = T / p.time.dt_fixed, step_key = "time.dt";
  else if (p.time.dt_max > 0) steps = T / p.time.dt_max, step_key = "time.dt_max";
  const std::string hint = " (or --force to run anyway)";
  if (!force && steps > kMaxFixedSteps) {
    std::ostringstream os;
    os.precision(3);
    os << "this step size means " << steps << " steps over time.end = " << format_quantity(T, dims::time) << ", more than the "
       << kMaxFixedSteps << " allowed: give a longer " << step_key << " (at least " << format_quantity(T / kMaxFixedSteps, dims::time)
       << "), or leave it out and let the adaptive stepper choose" << hint;
    throw InputError(case_file, 0, step_key, os.str());
  }
  // memory: about 600 bytes per cell and species with a sparse factorisation or the assembled CG
  // (the matrix, the stage vectors, the factors; measured in docs/reliability.md); about 250 with the
  // matrix-free multigrid CG that `auto` picks for large 3d grids (191 measured for a whole
  // `dermasim run` of the 128^3 cube, docs/performance.md); plus 50 MB
  const bool large_3d = g.geometry == Geometry::ThreeD && cells > 4000;
  const bool matrix_free = p.solver.linear == "mg" || (p.solver.linear == "auto" && (large_3d || cells > 250000));
  const double per_cell = matrix_free ? 250.0 : 600.0;
  const double mem = 50e6 + per_cell * cells * std::max(1.0, species);
  const double avail = mem_available_bytes();
  if (!force && mem > avail) {
    std::ostringstream os;
    os << "the case needs about " << bytes_text(mem) << " of memory (" << cells << " cells x " << species << " species), "
       << bytes_text(avail) << " are available: use fewer cells (geometry.lateral_cells, skin.layers[].cells) or a 2d/axisymmetric geometry" << hint;
    throw InputError(case_file, 0, "geometry", os.str());
  }
  // output: every snapshot holds every species (and the surface elevation with a fluid) per cell
  double out = 0;
  if (writes) {
    const double fields = species + (p.carrier.species >= 0 ? 1.0 : 0.0);
    out = 1e5 + static_cast<double>(p.time.outputs.size()) * fields * cells * 8.0;
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(output_file).parent_path();
    if (dir.empty()) dir = ".";
    const auto sp = std::filesystem::space(dir, ec);
    if (!ec && !force && out > static_cast<double>(sp.available)) {
      std::ostringstream os;
      os << "the output needs about " << bytes_text(out) << " (" << p.time.outputs.size() << " snapshots of " << cells << " cells), "
         << bytes_text(static_cast<double>(sp.available)) << " are free in '" << dir.string()
         << "': write fewer outputs (time.output_every, time.outputs), use fewer cells, or another output.file" << hint;
      throw InputError(case_file, 0, "time.outputs", os.str());
    }
  }
  std::ostringstream os;
  os << "estimate: " << bytes_text(mem) << " of memory";
  if (writes) os << ", " << bytes_text(out) << " of output";
  if (steps > 0) os << ", " << static_cast<long long>(std::ceil(steps)) << " steps at least";
  return os.str();
}

}  // namespace dermasim
