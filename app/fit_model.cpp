// SPDX-License-Identifier: BSD-3-Clause
// One evaluation of the model for a fit: the case of each data set with the parameter values applied
// through --set (the run command's machinery, so key paths and messages are the same), the data
// times added to the case's outputs (steps land on them exactly), run in memory (case_runner), and
// the measured quantity read from the run's history (amounts per area) or, for tape strips, from the
// concentration field at the strips' time.
#include <algorithm>
#include <cmath>
#include <map>

#include "../models/case.hpp"
#include "case_runner.hpp"
#include "fit.hpp"

namespace dermasim {

namespace {

// The value of series `y` (on history times `t`) at time x: exact when x is a step time (the data
// times are output times), else linear between the neighbouring steps.
double at_time(const std::vector<double>& t, const std::vector<double>& y, double x) {
  auto it = std::lower_bound(t.begin(), t.end(), x);
  size_t i = static_cast<size_t>(it - t.begin());
  const double tol = 1e-9 * std::max(1.0, t.back());
  if (i < t.size() && std::abs(t[i] - x) <= tol) return y[i];
  if (i > 0 && std::abs(t[i - 1] - x) <= tol) return y[i - 1];
  if (i == 0) return y.front();
  if (i >= t.size()) return y.back();
  const double w = (x - t[i - 1]) / (t[i] - t[i - 1]);
  return (1 - w) * y[i - 1] + w * y[i];
}

// Amount of species `s` per area of skin surface between depths z0 and z1 (cells cut pro rata).
double strip_amount(const Simulation& sim, int s, double z0, double z1) {
  const Grid& g = sim.grid();
  const auto c = sim.concentration(s);
  double m = 0;
  for (int k = 0; k < g.nz; ++k) {
    const double a = std::max(z0, g.zn[k]), b = std::min(z1, g.zn[k + 1]);
    if (b <= a) continue;
    const double frac = (b - a) / (g.zn[k + 1] - g.zn[k]);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) m += frac * c[g.index(i, j, k)] * g.volume(i, j, k);
  }
  return m / g.top_area();
}

std::string series_key(const DataSet& ds) {
  if (ds.quantity == "receptor" || ds.quantity == "flux") return "receptor";
  if (ds.quantity == "vehicle") return "vehicle";
  return "layer/" + ds.layer;
}

}  // namespace

Prediction predict(const FitSpec& spec, const std::vector<double>& v, bool curves) {
  const size_t nd = spec.data.size();
  Prediction out;
  out.y.resize(nd);
  out.curve.resize(nd);
  // data sets with the same case share one run
  std::map<std::pair<std::string, std::vector<std::string>>, std::vector<int>> runs;
  for (size_t d = 0; d < nd; ++d) runs[{spec.data[d].base, fit_sets(spec, static_cast<int>(d), v)}].push_back(static_cast<int>(d));
  for (const auto& [what, group] : runs) {
    const std::vector<int>& members = group;  // clang 14 (the fuzz build) cannot capture a structured binding
    Case c = read_case(load_yaml_file(what.first, what.second));
    for (int d : members)
      for (const auto& pt : spec.data[d].points) c.outputs.push_back(std::min(pt.t, c.end));
    std::sort(c.outputs.begin(), c.outputs.end());
    c.outputs.erase(std::unique(c.outputs.begin(), c.outputs.end()), c.outputs.end());
    // tape strips: the profile at the strips' time
    std::map<int, std::vector<double>> strips;
    CaseRunOptions opt;
    opt.write_output = false;
    opt.progress = false;
    opt.on_step = [&](const Simulation& sim, double t, double) {
      for (int d : members) {
        const DataSet& ds = spec.data[d];
        if (ds.quantity != "tape_strips" || strips.count(d) || std::abs(t - ds.strip_time) > 1e-9 * std::max(1.0, c.end)) continue;
        const int s = c.species_index(ds.species);
        auto& y = strips[d];
        for (const auto& pt : ds.points) y.push_back(strip_amount(sim, s, pt.z0, pt.z1));
      }
    };
    CaseRunResult res = run_case(c, opt);
    const Simulation& sim = *res.sim;
    const auto& h = sim.history();
    const double area = sim.grid().top_area();
    for (int d : members) {
      const DataSet& ds = spec.data[d];
      auto& y = out.y[d];
      auto& curve = out.curve[d];
      if (ds.quantity == "tape_strips") {
        auto it = strips.find(d);
        if (it == strips.end()) throw std::runtime_error("data set '" + ds.name + "': the run never reached the strips' time");
        y = it->second;
        if (curves)
          for (size_t i = 0; i < ds.points.size(); ++i) curve.emplace_back(0.5 * (ds.points[i].z0 + ds.points[i].z1), y[i]);
        continue;
      }
      const int s = c.species_index(ds.species);
      const auto& series = h.species[s];
      auto f = series.find(series_key(ds));
      if (f == series.end()) throw std::runtime_error("data set '" + ds.name + "': the run has no '" + series_key(ds) + "' amount");
      const auto& q = f->second;
      if (ds.quantity == "flux") {
        // the mean flux over each sampling interval (from the previous sampling time; 0 for the first)
        double t_prev = 0, q_prev = 0;
        double last_t = -1;
        for (const auto& pt : ds.points) {
          if (pt.t != last_t && last_t >= 0) t_prev = last_t, q_prev = at_time(h.time, q, last_t) / area;
          last_t = pt.t;
          const double qt = at_time(h.time, q, pt.t) / area;
          y.push_back(pt.t > t_prev ? (qt - q_prev) / (pt.t - t_prev) : 0.0);
        }
        if (curves)
          for (size_t i = 1; i < h.time.size(); ++i)
            if (h.time[i] > h.time[i - 1]) curve.emplace_back(0.5 * (h.time[i] + h.time[i - 1]), (q[i] - q[i - 1]) / area / (h.time[i] - h.time[i - 1]));
      } else {
        for (const auto& pt : ds.points) y.push_back(at_time(h.time, q, pt.t) / area);
        if (curves)
          for (size_t i = 0; i < h.time.size(); ++i) curve.emplace_back(h.time[i], q[i] / area);
      }
    }
  }
  return out;
}

std::vector<double> residuals(const FitSpec& spec, const Prediction& p) {
  std::vector<double> r;
  for (size_t d = 0; d < spec.data.size(); ++d) {
    const DataSet& ds = spec.data[d];
    double ymax = 0;
    for (const auto& pt : ds.points) ymax = std::max(ymax, pt.y);
    for (size_t i = 0; i < ds.points.size(); ++i) {
      const DataPoint& pt = ds.points[i];
      const double m = p.y[d][i];
      switch (ds.residuals) {
        case Residuals::Sd: r.push_back((m - pt.y) / pt.sd); break;
        case Residuals::Relative:
          if (pt.y > 0) r.push_back((m - pt.y) / pt.y);  // zero values carry no relative information
          break;
        case Residuals::Log:
          if (pt.y > 0) r.push_back(std::log(std::max(m, 1e-12 * ymax)) - std::log(pt.y));
          break;
        case Residuals::Auto:
        case Residuals::Absolute: r.push_back((m - pt.y) / ds.y_unit_si); break;
      }
    }
  }
  return r;
}

}  // namespace dermasim
