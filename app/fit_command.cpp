// SPDX-License-Identifier: BSD-3-Clause
// `dermasim fit FIT.yaml --output DIR`: the fit (fit_estimate) and its outputs: DIR/fit.csv
// (parameter, value, lower_95, upper_95, unit), DIR/fitted.yaml (the base case with the fitted
// values, resolved, ready to run), DIR/fit.png (scripts/plot_fit.py, when Python and matplotlib are
// there), the tables behind the plot and a printed summary with the goodness of fit.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "../models/case.hpp"
#include "../models/metrics.hpp"
#include "fit.hpp"

#ifndef DERMASIM_SCRIPTS_DIR
#define DERMASIM_SCRIPTS_DIR "scripts"
#endif

namespace dermasim {

namespace fs = std::filesystem;

namespace {

std::string g(double x, int digits = 6) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char b[48];
  std::snprintf(b, sizeof b, "%.*g", digits, x);
  return b;
}

// The x of a point for tables and plots: hours, or micrometres of depth for tape strips.
double point_x(const DataSet& ds, const DataPoint& pt) { return ds.quantity == "tape_strips" ? 0.5e6 * (pt.z0 + pt.z1) : pt.t / 3600; }

std::string fitted_case(const FitSpec& spec, const FitResult& r, const std::string& base, const std::vector<std::string>& sets,
                        const std::string& what) {
  Case c = read_case(load_yaml_file(base, sets));
  std::ostringstream os;
  os << "# dermasim " << DERMASIM_VERSION << " fit of " << spec.file << " (" << what << "): the case " << base << " with\n";
  for (const auto& s : sets) os << "#   " << s << "\n";
  os << "# Run it as any case: dermasim run THIS.yaml [--set KEY=VALUE]...\n";
  (void)r;
  os << dump_case(c);
  return os.str();
}

}  // namespace

int cmd_fit(const std::string& file, const std::string& out_dir, bool profile, int starts, bool quiet) {
  const auto t0 = std::chrono::steady_clock::now();
  FitSpec spec = read_fit_file(file);
  if (profile) spec.profile = true;
  if (starts > 0) spec.starts = starts;
  // the output folder must be usable before anything runs
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) throw InputError("--output", 0, "", "cannot create the output folder '" + out_dir + "': " + ec.message());
  size_t npts = 0;
  for (const auto& ds : spec.data) npts += ds.points.size();
  auto log = [&](const std::string& s) {
    if (!quiet) std::fprintf(stderr, "%s\n", s.c_str());
  };
  log("dermasim " + std::string(DERMASIM_VERSION) + " fit: " + std::to_string(spec.params.size()) + " parameters, " + std::to_string(spec.data.size()) +
      " data sets (" + std::to_string(npts) + " points), " + std::to_string(spec.starts) + " starts");
  const FitResult r = estimate(spec, log);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const size_t p = spec.params.size();

  // fit.csv
  std::ostringstream csv;
  csv << "parameter,value,lower_95,upper_95,unit\n";
  for (size_t i = 0; i < p; ++i)
    csv << spec.params[i].label << "," << g(r.value[i], 8) << "," << g(r.lower[i], 8) << "," << g(r.upper[i], 8) << "," << spec.params[i].unit << "\n";
  // correlation.csv
  std::ostringstream corr;
  corr << "parameter";
  for (size_t j = 0; j < p; ++j) corr << "," << spec.params[j].label;
  corr << "\n";
  for (size_t i = 0; i < p; ++i) {
    corr << spec.params[i].label;
    for (size_t j = 0; j < p; ++j) corr << "," << g(r.correlation[i][j], 4);
    corr << "\n";
  }
  // fit_points.csv and fit_curves.csv (the plot's input)
  std::ostringstream pts, cur;
  pts << "dataset,quantity,x,x_unit,data,sd,model,residual,unit,weighting\n";
  cur << "dataset,x,model\n";
  std::ostringstream gof;
  for (size_t d = 0; d < spec.data.size(); ++d) {
    const DataSet& ds = spec.data[d];
    const bool tape = ds.quantity == "tape_strips";
    double ss = 0, sy = 0, sy2 = 0;
    for (size_t i = 0; i < ds.points.size(); ++i) {
      const DataPoint& pt = ds.points[i];
      const double m = r.prediction.y[d][i];
      pts << ds.name << "," << ds.quantity << "," << g(point_x(ds, pt)) << "," << (tape ? "um" : "h") << "," << g(pt.y / ds.y_unit_si) << ","
          << g(pt.sd / ds.y_unit_si) << "," << g(m / ds.y_unit_si) << "," << g((m - pt.y) / ds.y_unit_si) << "," << ds.y_unit << "," << to_string(ds.residuals) << "\n";
      ss += (m - pt.y) * (m - pt.y);
      sy += pt.y;
      sy2 += pt.y * pt.y;
    }
    const double nn = static_cast<double>(ds.points.size());
    const double sst = sy2 - sy * sy / nn;
    gof << "  " << ds.name << " (" << ds.quantity << ", " << ds.points.size() << " points, residuals " << to_string(ds.residuals)
        << "): RMSE " << g(std::sqrt(ss / nn) / ds.y_unit_si, 4) << " " << ds.y_unit << ", R^2 " << (sst > 0 ? g(1 - ss / sst, 5) : std::string("-")) << "\n";
    for (const auto& [x, y] : r.prediction.curve[d]) cur << ds.name << "," << g(tape ? x * 1e6 : x / 3600) << "," << g(y / ds.y_unit_si) << "\n";
  }
  // summary
  std::ostringstream sum;
  const double dof = r.n - r.p;
  sum << "\nFit of " << file << ": " << p << " parameters to " << r.n << " weighted residuals (" << spec.data.size() << " data sets)\n\n";
  sum << "  parameter                                          value          " << 100 * spec.confidence << " % interval                 unit\n";
  for (size_t i = 0; i < p; ++i) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-48s %-14s [%s, %s]%*s %s\n", spec.params[i].label.c_str(), g(r.value[i], 5).c_str(), g(r.lower[i], 4).c_str(),
                  g(r.upper[i], 4).c_str(), 4, "", spec.params[i].unit.c_str());
    sum << line;
    if (spec.profile)
      sum << "      profile likelihood: [" << (std::isnan(r.profile_lower[i]) ? "lower bound" : g(r.profile_lower[i], 4)) << ", "
          << (std::isnan(r.profile_upper[i]) ? "upper bound" : g(r.profile_upper[i], 4)) << "]\n";
  }
  sum << "\n  intervals: " << (r.sigma_known ? "the sds taken as known, covariance (J'J)^-1, normal quantile " : "covariance s^2 (J'J)^-1 with s^2 = SSR/(n-p), t quantile ")
      << g(r.quantile, 5) << (r.sigma_known ? "" : " (" + g(std::max(dof, 1.0), 4) + " degrees of freedom)");
  bool any_log = false;
  for (const auto& fp : spec.params) any_log |= fp.log;
  sum << (any_log ? "; built on log(value) for log-scale parameters\n" : "\n");
  sum << "  goodness of fit: weighted SSR " << g(r.ssr, 6);
  if (dof > 0) sum << ", SSR/(n-p) " << g(r.ssr / dof, 4) << (r.sigma_known ? " (reduced chi-square; about 1 when the sds are right)" : " (residual variance)");
  sum << "\n" << gof.str();
  if (p > 1) {
    sum << "  correlation matrix:\n";
    for (size_t i = 0; i < p; ++i) {
      sum << "   ";
      for (size_t j = 0; j < p; ++j) {
        char c[32];
        std::snprintf(c, sizeof c, " %7.3f", r.correlation[i][j]);
        sum << c;
      }
      sum << "   " << spec.params[i].label << "\n";
    }
  }
  sum << "  search: " << r.start_ssr.size() << " starts, " << r.starts_agreeing << " reached the best optimum; " << r.evaluations << " model evaluations, "
      << g(wall, 3) << " s\n";
  for (const auto& w : r.warnings) sum << "  warning: " << w << "\n";
  // files
  const fs::path dir(out_dir);
  write_file_atomic((dir / "fit.csv").string(), csv.str());
  write_file_atomic((dir / "correlation.csv").string(), corr.str());
  write_file_atomic((dir / "fit_points.csv").string(), pts.str());
  write_file_atomic((dir / "fit_curves.csv").string(), cur.str());
  if (spec.profile) {
    std::ostringstream pr;
    pr << "parameter,lower_95,upper_95,unit\n";
    for (size_t i = 0; i < p; ++i)
      pr << spec.params[i].label << "," << g(r.profile_lower[i], 8) << "," << g(r.profile_upper[i], 8) << "," << spec.params[i].unit << "\n";
    write_file_atomic((dir / "profile.csv").string(), pr.str());
  }
  // fitted.yaml: the base with the parameters shared by every data set; a data set with its own
  // case (its own base, `set` or parameters) also gets fitted_<name>.yaml
  std::vector<std::string> shared;
  for (size_t i = 0; i < p; ++i)
    if (spec.params[i].data.empty()) shared.push_back(spec.params[i].set_text(r.value[i]));
  write_file_atomic((dir / "fitted.yaml").string(), fitted_case(spec, r, spec.base, shared, "parameters shared by every data set"));
  std::vector<std::string> extra{"fitted.yaml"};
  for (size_t d = 0; d < spec.data.size(); ++d) {
    const auto sets = fit_sets(spec, static_cast<int>(d), r.value);
    if (spec.data[d].base == spec.base && sets == shared) continue;
    const std::string name = "fitted_" + spec.data[d].name + ".yaml";
    write_file_atomic((dir / name).string(), fitted_case(spec, r, spec.data[d].base, sets, "data set " + spec.data[d].name));
    extra.push_back(name);
  }
  write_file_atomic((dir / "summary.txt").string(), sum.str());
  // the plot
  const char* env = std::getenv("DERMASIM_PLOT_FIT");
  const std::string script = env ? env : std::string(DERMASIM_SCRIPTS_DIR) + "/plot_fit.py";
  std::string plot = "fit.png";
  if (!fs::exists("/usr/bin/python3") || !fs::exists(script)) {
    std::fprintf(stderr, "warning: no fit.png: %s not found\n", fs::exists("/usr/bin/python3") ? script.c_str() : "/usr/bin/python3");
    plot.clear();
  } else {
    const std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir.string() + "' > '" + (dir / "plot.log").string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "warning: no fit.png: %s failed (matplotlib missing?); see %s\n", script.c_str(), (dir / "plot.log").string().c_str());
      plot.clear();
    } else {
      fs::remove(dir / "plot.log", ec);
    }
  }
  std::printf("%s", sum.str().c_str());
  std::printf("\n  parameters: %s\n  fitted case: %s", (dir / "fit.csv").string().c_str(), (dir / "fitted.yaml").string().c_str());
  for (size_t k = 1; k < extra.size(); ++k) std::printf(", %s", (dir / extra[k]).string().c_str());
  std::printf("\n  data and model: %s, %s\n", (dir / "fit_points.csv").string().c_str(), (dir / "fit_curves.csv").string().c_str());
  if (!plot.empty()) std::printf("  plot: %s\n", (dir / plot).string().c_str());
  return 0;
}

}  // namespace dermasim
