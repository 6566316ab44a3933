// SPDX-License-Identifier: BSD-3-Clause
// dermasim_bench: times one case in three parts: set-up (read the case, build the problem and the
// simulation), stepping (Simulation::run with no output callback) and output writing (one HDF5
// snapshot + the summary, written after the run). Stepping is timed per step through the step
// callback; the first step is reported on its own because it includes the linear solver's set-up.
//
//   dermasim_bench CASE.yaml [--set KEY=VALUE ...] [--repeat R] [--write] [--dump FIELD.f64]
//
// Prints one "RESULT key=value ..." line per repeat and a "MEDIAN ..." line over the repeats.
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/case.hpp"
#include "solver/io/output.hpp"
#include "solver/threads.hpp"

using namespace dermasim;
using Clock = std::chrono::steady_clock;

namespace {
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Result {
  double setup = 0, first = 0, stepping = 0, per_step_median = 0, per_step_mean = 0, loop_step = 0, write = 0;
  long steps = 0, rejected = 0, solves = 0, iterations = 0, factorizations = 0;
  size_t cells = 0;
  std::string solver;
  double tolerance = 0;  // the iterative solves' relative residual (SolverSpec::effective_tolerance)
  double peak_mb = 0;  // peak resident memory of the process so far (getrusage)
  double setup_peak_mb = 0;  // the same after the set-up
};

double peak_rss_mb() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

Result run_once(const std::string& file, const std::vector<std::string>& sets, bool write, const std::string& dump) {
  Result r;
  const auto t0 = Clock::now();
  Located root = load_yaml_file(file, sets);
  Case c = read_case(root);
  std::vector<std::string> warnings;
  Problem p = build_problem(c, &warnings);
  Simulation sim(std::move(p));
  const auto t1 = Clock::now();
  r.setup = seconds(t0, t1);
  r.setup_peak_mb = peak_rss_mb();
  r.cells = sim.grid().cells();
  std::vector<double> step_times;
  auto last = Clock::now();
  const auto run0 = last;
  sim.run({}, [&](const Simulation&, double, double) {
    const auto now = Clock::now();
    step_times.push_back(seconds(last, now));
    last = now;
  });
  const auto t2 = Clock::now();
  r.stepping = seconds(run0, t2);
  r.steps = sim.stats().accepted;
  r.rejected = sim.stats().rejected;
  r.solves = sim.stats().linear.solves;
  r.iterations = sim.stats().linear.iterations;
  r.factorizations = sim.stats().linear.factorizations;
  r.solver = sim.stats().linear_solver;
  r.tolerance = sim.problem().solver.effective_tolerance(sim.problem().time);
  r.peak_mb = peak_rss_mb();
  if (!step_times.empty()) {
    r.first = step_times.front();
    std::vector<double> rest(step_times.begin() + (step_times.size() > 1 ? 1 : 0), step_times.end());
    r.per_step_median = median(rest);
    r.per_step_mean = r.stepping / static_cast<double>(step_times.size());
    r.loop_step = step_times.size() > 1 ? (r.stepping - r.first) / static_cast<double>(step_times.size() - 1) : r.stepping;
  }
  if (!dump.empty()) {  // final concentration of species 0, raw float64 in cell order (x fastest, depth slowest)
    const std::vector<double> cfield = sim.concentration(0);
    std::FILE* f = std::fopen(dump.c_str(), "wb");
    if (!f || std::fwrite(cfield.data(), sizeof(double), cfield.size(), f) != cfield.size()) throw std::runtime_error("cannot write " + dump);
    std::fclose(f);
  }
  if (write) {
    const auto dir = std::filesystem::temp_directory_path() / ("dermasim_bench_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string out = (dir / "bench.h5").string();
    const auto w0 = Clock::now();
    {
      RunWriter writer(out, sim, dump_case(c), false);
      writer.snapshot(sim, sim.time(), 0);
      writer.finish(sim);
    }
    r.write = seconds(w0, Clock::now());
    std::filesystem::remove_all(dir);
  }
  return r;
}
}  // namespace

int main(int argc, char** argv) {
  dermasim::set_thread_environment(argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CASE.yaml [--set KEY=VALUE ...] [--repeat R] [--write] [--dump FIELD.f64]\n", argv[0]);
    return 2;
  }
  const std::string file = argv[1];
  std::vector<std::string> sets;
  int repeat = 1;
  bool write = false;
  std::string dump;
  for (int a = 2; a < argc; ++a) {
    const std::string s = argv[a];
    if (s == "--set" && a + 1 < argc) sets.push_back(argv[++a]);
    else if (s == "--repeat" && a + 1 < argc) repeat = std::max(1, std::atoi(argv[++a]));
    else if (s == "--write") write = true;
    else if (s == "--dump" && a + 1 < argc) dump = argv[++a];
    else {
      std::fprintf(stderr, "unknown argument '%s'\n", s.c_str());
      return 2;
    }
  }
  try {
    std::vector<Result> rs;
    for (int i = 0; i < repeat; ++i) {
      Result r = run_once(file, sets, write, dump);
      std::printf("RESULT case=%s threads=%d cells=%zu setup_s=%.4f steps=%ld rejected=%ld stepping_s=%.4f first_step_s=%.4f "
                  "step_median_s=%.5f step_mean_s=%.5f loop_step_s=%.5f solves=%ld cg_iterations=%ld cg_per_solve=%.1f factorizations=%ld write_s=%.4f "
                  "tolerance=%g setup_peak_rss_mb=%.1f peak_rss_mb=%.1f peak_bytes_per_cell=%.0f solver=\"%s\"\n",
                  file.c_str(), omp_get_max_threads(), r.cells, r.setup, r.steps, r.rejected, r.stepping, r.first, r.per_step_median,
                  r.per_step_mean, r.loop_step, r.solves, r.iterations, r.solves ? double(r.iterations) / double(r.solves) : 0.0,
                  r.factorizations, r.write, r.tolerance, r.setup_peak_mb, r.peak_mb, r.peak_mb * 1048576.0 / static_cast<double>(r.cells), r.solver.c_str());
      std::fflush(stdout);
      rs.push_back(r);
    }
    auto med = [&](double Result::*f) {
      std::vector<double> v;
      for (const auto& r : rs) v.push_back(r.*f);
      return median(v);
    };
    std::printf("MEDIAN case=%s threads=%d repeats=%d cells=%zu setup_s=%.4f stepping_s=%.4f first_step_s=%.4f step_median_s=%.5f "
                "step_mean_s=%.5f loop_step_s=%.5f steps=%ld cg_per_solve=%.1f tolerance=%g write_s=%.4f peak_rss_mb=%.1f\n",
                file.c_str(), omp_get_max_threads(), repeat, rs.front().cells, med(&Result::setup), med(&Result::stepping),
                med(&Result::first), med(&Result::per_step_median), med(&Result::per_step_mean), med(&Result::loop_step), rs.front().steps,
                rs.front().solves ? double(rs.front().iterations) / double(rs.front().solves) : 0.0, rs.front().tolerance, med(&Result::write),
                rs.back().peak_mb);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
