// SPDX-License-Identifier: BSD-3-Clause
#include "metrics.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "../solver/input.hpp"
#include "../solver/units.hpp"
#include "boundary_watch.hpp"
#include "case.hpp"
#include "patterns.hpp"

namespace dermasim {

namespace fs = std::filesystem;

int default_target_layer(const std::vector<std::string>& names, const std::vector<std::string>& kinds) {
  for (size_t l = 0; l < kinds.size(); ++l)
    if (kinds[l] == "papillary_dermis" || kinds[l] == "dermis") return static_cast<int>(l);
  for (size_t l = 0; l < kinds.size(); ++l)
    if (kinds[l] == "reticular_dermis") return static_cast<int>(l);
  for (size_t l = kinds.size(); l-- > 0;)
    if (kinds[l] != "hypodermis") return static_cast<int>(l);
  return names.empty() ? 0 : static_cast<int>(names.size()) - 1;
}


namespace {
// The radius of the region (m); 0: the whole domain.
double metrics_radius(const Case& c) {
  if (c.geometry == Geometry::OneD || c.metrics.whole_domain) return 0.0;
  if (c.metrics.radius > 0) return c.metrics.radius;
  return std::sqrt((c.metrics.area > 0 ? c.metrics.area : kDefaultMetricsArea) / M_PI);
}
}  // namespace

void read_metrics_region(MapReader& m, Case& c) {
  auto area = m.maybe("area");
  auto radius = m.maybe("radius");
  if (area && radius) radius->fail("give either area or radius, not both");
  if (area) {
    if (area->is_scalar() && area->as_string() == "domain") {
      c.metrics.whole_domain = true;
      return;
    }
    if (c.geometry == Geometry::OneD) area->fail("a 1d column is already per area of skin: leave out area (or give `domain`)");
    if (c.geometry == Geometry::TwoD)
      area->fail("in 2d the region is a strip around each injection line: give its half-width as `radius` (e.g. 5 mm), or `area: domain`");
    c.metrics.area = positive(*area, dims::area);
  }
  if (radius) {
    if (c.geometry == Geometry::OneD) radius->fail("a 1d column has no lateral extent: leave out radius");
    c.metrics.radius = positive(*radius, dims::length);
  }
}

void emit_metrics_region(YAML::Emitter& e, const Case& c) {
  if (c.geometry == Geometry::OneD) return;
  if (c.metrics.whole_domain) {
    e << YAML::Key << "area" << YAML::Value << "domain";
    return;
  }
  if (c.metrics.radius > 0 || c.geometry == Geometry::TwoD)
    e << YAML::Key << "radius" << YAML::Value << format_in(metrics_radius(c), "mm", 10);
  else
    e << YAML::Key << "area" << YAML::Value << format_in(c.metrics.area > 0 ? c.metrics.area : kDefaultMetricsArea, "cm2", 10);
}

MetricsSetup metrics_setup(const Case& c) {
  MetricsSetup s;
  s.target = c.metrics.target;
  if (s.target.empty()) {
    std::vector<std::string> names, kinds;
    for (const auto& l : c.layers) {
      names.push_back(l.name);
      kinds.push_back(l.kind);
    }
    s.target = names.empty() ? "" : names[default_target_layer(names, kinds)];
  }
  for (size_t l = 0; l < c.layers.size(); ++l)
    if (c.layers[l].name == s.target) s.layer = static_cast<int>(l);
  s.threshold = c.metrics.threshold;
  if (c.metrics.species.empty()) {
    for (size_t i = 0; i < c.species.size(); ++i) s.species.push_back(static_cast<int>(i));
  } else {
    for (const auto& n : c.metrics.species) s.species.push_back(c.species_index(n));
  }
  for (int i : s.species) {
    const auto& props = c.species[static_cast<size_t>(i)].props;
    s.unbound.push_back(static_cast<size_t>(s.layer) < props.size() ? props[static_cast<size_t>(s.layer)].unbound : 1.0);
  }
  std::map<int, double> starts;
  for (const auto& d : c.delivery) {
    const double t = delivery_start(d);
    auto it = starts.find(d.session);
    if (it == starts.end())
      starts[d.session] = t;
    else
      it->second = std::min(it->second, t);
  }
  if (starts.size() >= 2) {
    for (const auto& [k, t] : starts) s.session_starts.push_back(t);
    std::sort(s.session_starts.begin(), s.session_starts.end());
  }
  // the region around the injection points (docs/metrics.md, "Area")
  if (c.geometry != Geometry::OneD) {
    for (const auto& d : c.delivery)
      if (d.type == "injection" || d.type == "jet_injector") s.points.emplace_back(d.x, d.y);
    std::sort(s.points.begin(), s.points.end());
    s.points.erase(std::unique(s.points.begin(), s.points.end()), s.points.end());
    s.radius = metrics_radius(c);
    s.clip = c.unit_cell || c.periodic;
    s.watch_edges = !s.points.empty() && !c.unit_cell;
  }
  for (int i : s.species) {
    const std::string& name = c.species[static_cast<size_t>(i)].name;
    bool inj = false;
    for (const auto& d : c.delivery) {
      if (d.type != "injection" && d.type != "jet_injector") continue;
      if (d.species == name) inj = true;
      for (const auto& [n, conc] : d.contents)
        if (n == name) inj = true;
    }
    s.injected.push_back(inj ? 1 : 0);
  }
  return s;
}

std::vector<std::pair<double, double>> metrics_windows(const std::vector<double>& ss, double end) {
  std::vector<std::pair<double, double>> w = {{0.0, end}};
  for (size_t i = 0; i < ss.size() && ss.size() >= 2; ++i) w.emplace_back(i == 0 ? 0.0 : ss[i], i + 1 < ss.size() ? ss[i + 1] : end);
  return w;
}

namespace {
// Union of intervals, sorted and merged.
std::vector<std::pair<double, double>> merged(std::vector<std::pair<double, double>> v) {
  std::sort(v.begin(), v.end());
  std::vector<std::pair<double, double>> out;
  for (const auto& iv : v) {
    if (!out.empty() && iv.first <= out.back().second)
      out.back().second = std::max(out.back().second, iv.second);
    else
      out.push_back(iv);
  }
  return out;
}

// Each surface column's share (0..1) of the region around the injection points; `area` gets the
// region's area (m2; m in 2d): its whole area, or its part inside the domain when the domain is a
// unit cell or periodic; NaN (and shares of 1) for the whole domain.
std::vector<double> region_shares(const Grid& g, const MetricsSetup& s, double& area) {
  const size_t ncol = static_cast<size_t>(g.nx) * g.ny;
  area = metrics_na;
  if (s.points.empty() || !(s.radius > 0) || g.geometry == Geometry::OneD) return std::vector<double>(ncol, 1.0);
  std::vector<double> share(ncol, 0.0);
  const double R = s.radius, Wx = g.xn.back(), Wy = g.yn.back();
  if (g.geometry == Geometry::Axisymmetric) {  // a disc on the axis
    for (int i = 0; i < g.nx; ++i) {
      const double r0 = g.xn[i], r1 = g.xn[i + 1];
      share[i] = std::clamp((std::min(r1, R) * std::min(r1, R) - r0 * r0) / (r1 * r1 - r0 * r0), 0.0, 1.0);
    }
    area = M_PI * R * R;
    if (s.clip) area = M_PI * std::min(R, Wx) * std::min(R, Wx);
    return share;
  }
  if (g.geometry == Geometry::TwoD) {  // strips |x - p| <= R (and their periodic images)
    std::vector<std::pair<double, double>> iv;
    for (const auto& p : s.points)
      for (int m = g.periodic_x ? -1 : 0; m <= (g.periodic_x ? 1 : 0); ++m) iv.emplace_back(p.first + m * Wx - R, p.first + m * Wx + R);
    const auto u = merged(iv);
    double inside = 0, total = 0;
    for (const auto& [a, b] : u) total += b - a;
    for (int i = 0; i < g.nx; ++i) {
      double o = 0;
      for (const auto& [a, b] : u) o += std::max(0.0, std::min(b, g.xn[i + 1]) - std::max(a, g.xn[i]));
      share[i] = std::clamp(o / g.dx[i], 0.0, 1.0);
      inside += share[i] * g.dx[i];
    }
    area = s.clip ? inside : total;
    return share;
  }
  // 3d: discs around the points (periodic: nearest images); 8 x 8 samples per column
  auto within = [&](double x, double y) {
    for (const auto& [px, py] : s.points) {
      double dx = std::fabs(x - px), dy = std::fabs(y - py);
      if (g.periodic_x) dx = std::min(dx, Wx - dx);
      if (g.periodic_y) dy = std::min(dy, Wy - dy);
      if (dx * dx + dy * dy <= R * R) return true;
    }
    return false;
  };
  const int n = 8;
  double inside = 0;
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      int in = 0;
      for (int b = 0; b < n; ++b)
        for (int a = 0; a < n; ++a) in += within(g.xn[i] + (a + 0.5) * g.dx[i] / n, g.yn[j] + (b + 0.5) * g.dy[j] / n);
      const size_t col = static_cast<size_t>(i) + static_cast<size_t>(g.nx) * j;
      share[col] = static_cast<double>(in) / (n * n);
      inside += share[col] * g.dx[i] * g.dy[j];
    }
  if (s.clip) {
    area = inside;
    return share;
  }
  // the discs' union: n pi R^2 when they do not overlap, else counted on a raster of R / 100
  bool overlap = false;
  for (size_t a = 0; a < s.points.size() && !overlap; ++a)
    for (size_t b = a + 1; b < s.points.size(); ++b)
      if (std::hypot(s.points[a].first - s.points[b].first, s.points[a].second - s.points[b].second) < 2 * R) {
        overlap = true;
        break;
      }
  if (!overlap) {
    area = static_cast<double>(s.points.size()) * M_PI * R * R;
    return share;
  }
  double x0 = s.points[0].first, x1 = x0, y0 = s.points[0].second, y1 = y0;
  for (const auto& [px, py] : s.points) {
    x0 = std::min(x0, px), x1 = std::max(x1, px), y0 = std::min(y0, py), y1 = std::max(y1, py);
  }
  const double h = std::max(R / 100, std::max(x1 - x0 + 2 * R, y1 - y0 + 2 * R) / 2000);
  long count = 0;
  for (double y = y0 - R + 0.5 * h; y < y1 + R; y += h)
    for (double x = x0 - R + 0.5 * h; x < x1 + R; x += h) count += within(x, y);
  area = static_cast<double>(count) * h * h;
  return share;
}
}  // namespace

MetricsRecorder::MetricsRecorder(const Simulation& sim, MetricsSetup setup) : setup_(std::move(setup)) {
  const Grid& g = sim.grid();
  geometry_ = g.geometry;
  const size_t plane = static_cast<size_t>(g.nx) * g.ny;
  double z_top = -1, z_bot = 0;
  std::vector<int> rows;
  for (int k = 0; k < g.nz; ++k)
    if (g.cell_layer[k] == setup_.layer) {
      rows.push_back(k);
      if (z_top < 0) z_top = g.zn[k];
      z_bot = g.zn[k + 1];
    }
  if (rows.empty()) throw std::runtime_error("metrics: the target layer '" + setup_.target + "' has no cells");
  // the region: each column's share of it (1 everywhere for the whole domain)
  const std::vector<double> share = region_shares(g, setup_, region_area_);
  whole_ = !std::isfinite(region_area_);
  std::vector<double> cell_w(whole_ ? 0 : g.cells(), 0.0);
  for (int k : rows)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double w = share[static_cast<size_t>(i) + static_cast<size_t>(g.nx) * j];
        if (!(w > 0)) continue;
        layer_cells_.push_back(g.index(i, j, k));
        layer_vol_.push_back(w * g.volume(i, j, k));
        volume_ += g.volume(i, j, k);
        if (!whole_) cell_w[g.index(i, j, k)] = w;
      }
  if (!whole_) volume_ = region_area_ * (z_bot - z_top);  // the region's whole area x the layer's thickness
  const double mid = 0.5 * (z_top + z_bot);
  mid_row_ = rows.back();
  for (int k : rows)
    if (g.zn[k] <= mid && mid < g.zn[k + 1]) {
      mid_row_ = k;
      break;
    }
  mid_depth_ = g.zc(mid_row_);
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      mid_cells_.push_back(g.index(i, j, mid_row_));
      mid_area_.push_back(g.gx[i] * g.gy[j]);
    }
  for (const auto& [a, b] : metrics_windows(setup_.session_starts, sim.problem().time.end)) {
    windows_a_.push_back(a);
    windows_b_.push_back(b);
  }
  const size_t ns = setup_.species.size(), nw = windows_a_.size();
  points_.resize(ns);
  jumps_.resize(ns);
  event_times_.resize(ns);
  best_mean_.assign(ns, std::vector<double>(nw, -1.0));
  cv_best_.assign(ns, std::vector<double>(nw, metrics_na));
  cv_sum_.assign(ns, std::vector<double>(nw, 0.0));
  cv_count_.assign(ns, std::vector<int>(nw, 0));
  region_hist_.resize(ns);
  if (setup_.watch_edges) {
    edge_cells_ = column_cells(g, lateral_edge_columns(g, setup_.points, false));
    for (size_t c : edge_cells_) edge_vol_.push_back(g.volume(static_cast<int>(c % g.nx), static_cast<int>((c / g.nx) % g.ny), static_cast<int>(c / plane)));
    if (!edge_cells_.empty()) {
      edge_max_.assign(ns, 0.0);
      edge_time_.assign(ns, metrics_na);
    }
  }
  for (size_t si = 0; si < ns; ++si) {
    const int s = setup_.species[si];
    std::map<double, double> jump;
    // the region's amount at t = 0: the initial field plus what is deposited at t = 0
    double at0 = whole_ ? 0.0 : region_amount(sim.concentration(s));
    for (const auto& d : sim.problem().deposits) {
      if (d.species != s) continue;
      double in_layer = 0;
      for (const auto& [cell, mass] : d.mass)
        if (g.cell_layer[cell / plane] == setup_.layer) in_layer += whole_ ? mass : cell_w[cell] * mass;
      if (!(d.time > 0)) {
        at0 += in_layer;
        continue;
      }
      jump[d.time] += in_layer;
      event_times_[si].push_back(d.time);
    }
    if (!whole_) region_hist_[si].push_back(at0);
    for (const auto& v : sim.problem().reservoirs)
      if (v.species == s && v.t_on > 0) event_times_[si].push_back(v.t_on);
    jumps_[si].assign(jump.begin(), jump.end());
    std::sort(event_times_[si].begin(), event_times_[si].end());
  }
}

int MetricsRecorder::window_of(double t) const {
  if (windows_a_.size() < 2) return -1;
  int w = 1;
  for (size_t i = 1; i < windows_a_.size(); ++i)
    if (windows_a_[i] <= t) w = static_cast<int>(i);
  return w;
}

double MetricsRecorder::layer_mean_from_field(const std::vector<double>& c) const {
  double m = 0;
  for (size_t n = 0; n < layer_cells_.size(); ++n) m += c[layer_cells_[n]] * layer_vol_[n];
  return m / volume_;
}

double MetricsRecorder::region_amount(const std::vector<double>& c) const {
  double m = 0;
  for (size_t n = 0; n < layer_cells_.size(); ++n) m += c[layer_cells_[n]] * layer_vol_[n];
  return m;
}

double MetricsRecorder::mid_cv(const std::vector<double>& c) const {
  if (geometry_ == Geometry::OneD) return metrics_na;
  double wsum = 0, mean = 0;
  for (size_t n = 0; n < mid_cells_.size(); ++n) {
    wsum += mid_area_[n];
    mean += mid_area_[n] * c[mid_cells_[n]];
  }
  mean /= wsum;
  if (!(mean > 0)) return metrics_na;
  double var = 0;
  for (size_t n = 0; n < mid_cells_.size(); ++n) var += mid_area_[n] * (c[mid_cells_[n]] - mean) * (c[mid_cells_[n]] - mean);
  const double cv = std::sqrt(var / wsum) / mean;
  return cv < 1e-9 ? 0.0 : cv;  // round-off of a laterally uniform field
}

void MetricsRecorder::catch_up(const Simulation& sim) {
  const auto& h = sim.history();
  const std::string key = "layer/" + setup_.target;
  auto get = [](const std::map<std::string, std::vector<double>>& m, const char* k, size_t i) {
    auto it = m.find(k);
    return it == m.end() || i >= it->second.size() ? 0.0 : it->second[i];
  };
  // every degradation channel: "degraded" and one "degraded_by_<enzyme>" per enzyme
  auto degraded = [](const std::map<std::string, std::vector<double>>& m, size_t i) {
    double sum = 0;
    for (auto it = m.lower_bound("degraded"); it != m.end() && it->first.rfind("degraded", 0) == 0; ++it)
      if (i < it->second.size()) sum += it->second[i];
    return sum;
  };
  for (size_t i = seen_; i < h.time.size(); ++i) {
    const double t = h.time[i];
    for (size_t si = 0; si < setup_.species.size(); ++si) {
      const auto& hs = h.species[setup_.species[si]];
      const double m = whole_ ? hs.at(key)[i] : (i < region_hist_[si].size() ? region_hist_[si][i] : region_hist_[si].back());
      Point p{t, m, get(hs, "applied", i), get(hs, "cleared_blood", i), get(hs, "cleared_lymph", i), degraded(hs, i)};
      auto& pts = points_[si];
      if (i > 0 && t > 0 && std::binary_search(event_times_[si].begin(), event_times_[si].end(), t)) {
        // The state just before the event at t (an injection adds its mass instantly).
        Point pre = p;
        pre.applied = get(hs, "applied", i - 1);
        for (const auto& [tj, mass] : jumps_[si])
          if (tj == t) pre.m -= mass;
        pts.push_back(pre);
      }
      pts.push_back(p);
    }
  }
  seen_ = h.time.size();
}

void MetricsRecorder::on_output(const Simulation& sim, double t, int) {
  for (size_t si = 0; si < setup_.species.size(); ++si) {
    const std::vector<double> c = sim.concentration(setup_.species[si]);
    const double mean = layer_mean_from_field(c);
    const double cv = mid_cv(c);
    for (int w : {0, window_of(t)}) {
      if (w < 0) continue;
      if (mean > best_mean_[si][w]) {
        best_mean_[si][w] = mean;
        cv_best_[si][w] = cv;
      }
      if (std::isfinite(cv)) {
        cv_sum_[si][w] += cv;
        ++cv_count_[si][w];
      }
    }
  }
}

void MetricsRecorder::on_step(const Simulation& sim, double t, double) {
  const auto& h = sim.history();
  if (h.time.empty()) return;
  // the region's amount and the boundary watch need the field: the entry run() just recorded
  std::vector<std::vector<double>>& fields = step_fields_;
  fields.resize(setup_.species.size());
  for (auto& f : fields) f.clear();  // (capacity kept)
  for (size_t si = 0; si < setup_.species.size(); ++si) {
    if (whole_ && edge_max_.empty()) break;
    sim.concentration(setup_.species[si], fields[si]);
    if (!whole_) {
      region_hist_[si].resize(h.time.size() - 1, region_hist_[si].empty() ? 0.0 : region_hist_[si].back());
      region_hist_[si].push_back(region_amount(fields[si]));
    }
    if (!edge_max_.empty() && (si >= setup_.injected.size() || setup_.injected[si])) {
      double edge = 0;
      for (size_t n = 0; n < edge_cells_.size(); ++n) edge += fields[si][edge_cells_[n]] * edge_vol_[n];
      const auto& app = h.species[setup_.species[si]].at("applied");
      if (!app.empty() && app.back() > 0) {
        const double f = edge / app.back();
        edge_max_[si] = std::max(edge_max_[si], f);
        if (f > kEdgeWarnFraction && std::isnan(edge_time_[si])) edge_time_[si] = t;
      }
    }
  }
  catch_up(sim);
  const std::string key = "layer/" + setup_.target;
  for (size_t si = 0; si < setup_.species.size(); ++si) {
    const double mean = (whole_ ? h.species[setup_.species[si]].at(key).back() : region_hist_[si].back()) / volume_;
    std::vector<double>& c = fields[si];
    for (int w : {0, window_of(t)}) {
      if (w < 0 || !(mean > best_mean_[si][w])) continue;
      best_mean_[si][w] = mean;
      if (geometry_ == Geometry::OneD) continue;
      if (c.empty()) sim.concentration(setup_.species[si], c);
      cv_best_[si][w] = mid_cv(c);
    }
  }
}

RunMetrics MetricsRecorder::finish(const Simulation& sim) {
  catch_up(sim);
  RunMetrics r;
  r.target = setup_.target;
  r.target_volume = volume_;
  r.mid_depth = mid_depth_;
  r.threshold = setup_.threshold;
  r.geometry = geometry_;
  describe_region(sim.grid(), r);
  // A laterally uniform delivery (no injection points): the amounts of any region are the domain's
  // x the region's share of the domain's area; given for the stated area, like an injection's.
  double scale = 1;
  if (whole_ && geometry_ != Geometry::OneD && setup_.radius > 0) {
    const Grid& g = sim.grid();
    const double a = geometry_ == Geometry::TwoD ? 2 * setup_.radius : M_PI * setup_.radius * setup_.radius;
    scale = a / g.top_area();
    r.region_area = a;
    std::ostringstream os;
    if (geometry_ == Geometry::TwoD)
      os << "a strip " << format_quantity(a, dims::length) << " wide";
    else
      os << format_in(a, "cm2", 4) << " of skin";
    os << " (no injection point: the delivery covers the domain evenly, the domain's amounts x " << num(scale, "%.4g") << ")";
    r.region = os.str();
  }
  const double V = volume_;
  for (size_t si = 0; si < setup_.species.size(); ++si) {
    SpeciesMetrics sm;
    sm.species = sim.problem().species[setup_.species[si]].name;
    const auto& P = points_[si];
    for (size_t w = 0; w < windows_a_.size(); ++w) {
      WindowMetrics m;
      m.session = static_cast<int>(w) - 1;
      m.t_start = windows_a_[w];
      m.t_end = windows_b_[w];
      if (P.empty()) {
        sm.windows.push_back(m);
        continue;
      }
      size_t a = 0, b = P.size() - 1;
      for (size_t i = 0; i < P.size(); ++i)
        if (P[i].t <= m.t_start) a = i;
      for (size_t i = P.size(); i-- > 0;)
        if (P[i].t >= m.t_end) b = i;
      m.t_end = std::min(m.t_end, P.back().t);
      // Cmax and tmax (with a parabola through the three points around an interior maximum)
      size_t j = a;
      for (size_t i = a; i <= b; ++i)
        if (P[i].m > P[j].m) j = i;
      m.cmax = P[j].m / V;
      m.tmax = P[j].t;
      if (j > a && j < b && P[j - 1].t < P[j].t && P[j].t < P[j + 1].t) {
        const double t0 = P[j - 1].t, t1 = P[j].t, t2 = P[j + 1].t;
        const double d01 = (P[j].m - P[j - 1].m) / (t1 - t0), d12 = (P[j + 1].m - P[j].m) / (t2 - t1);
        const double a2 = (d12 - d01) / (t2 - t0);
        if (a2 < 0) {
          const double ts = 0.5 * (t0 + t1) - d01 / (2 * a2);
          if (ts >= t0 && ts <= t2) {
            const double v = P[j - 1].m + d01 * (ts - t0) + a2 * (ts - t0) * (ts - t1);
            if (v >= P[j].m) {
              m.cmax = v / V;
              m.tmax = ts;
            }
          }
        }
      }
      // time integrals: trapezoid plus the quadratic correction from the previous point
      const double thr = setup_.threshold;
      if (thr > 0) m.time_above = 0;
      for (size_t i = a + 1; i <= b; ++i) {
        const double h = P[i].t - P[i - 1].t;
        if (!(h > 0)) continue;
        double integral = 0.5 * h * (P[i - 1].m + P[i].m);
        if (i >= a + 2 && P[i - 2].t < P[i - 1].t) {
          const double d1 = (P[i - 1].m - P[i - 2].m) / (P[i - 1].t - P[i - 2].t), d2 = (P[i].m - P[i - 1].m) / h;
          const double a2 = (d2 - d1) / (P[i].t - P[i - 2].t);
          integral -= a2 * h * h * h / 6.0;
        }
        m.amount_auc += integral;
        if (thr > 0) {
          const double c0 = P[i - 1].m / V, c1 = P[i].m / V;
          if (c0 >= thr && c1 >= thr) {
            m.time_above += h;
          } else if (c0 >= thr || c1 >= thr) {
            // crossing: interpolate log c (exact for exponential decay), or linearly through zero
            double s = (c0 > 0 && c1 > 0) ? (std::log(thr) - std::log(c0)) / (std::log(c1) - std::log(c0)) : (thr - c0) / (c1 - c0);
            s = std::clamp(s, 0.0, 1.0);
            m.time_above += c0 >= thr ? s * h : (1 - s) * h;
          }
        }
      }
      m.auc = m.amount_auc / V;
      if (si < setup_.unbound.size()) m.unbound = setup_.unbound[si];
      m.peak_amount = m.cmax * V * scale;
      m.amount_auc *= scale;
      m.dose = P[b].applied * scale;
      m.cleared_blood = P[b].blood * scale;
      m.cleared_lymph = P[b].lymph * scale;
      m.degraded = P[b].degraded * scale;
      if (geometry_ != Geometry::OneD) {
        m.cv_at_cmax = cv_best_[si][w];
        m.cv_mean = cv_count_[si][w] > 0 ? cv_sum_[si][w] / cv_count_[si][w] : metrics_na;
      }
      sm.windows.push_back(m);
    }
    if (!edge_max_.empty() && (si >= setup_.injected.size() || setup_.injected[si])) {
      sm.edge_pct_max = 100.0 * edge_max_[si];
      sm.edge_time = edge_time_[si];
      if (std::isfinite(sm.edge_time))
        r.warnings.push_back(lateral_edge_warning(sm.species, 100.0 * kEdgeWarnFraction, "its applied dose", sm.edge_time) +
                             "; the largest share was " + num(sm.edge_pct_max, "%.3g") + " %");
    }
    r.species.push_back(std::move(sm));
  }
  return r;
}

void MetricsRecorder::describe_region(const Grid& g, RunMetrics& r) const {
  std::ostringstream d;
  d << to_string(g.geometry);
  if (g.geometry != Geometry::OneD) d << ", width " << format_quantity(g.xn.back(), dims::length);
  if (g.geometry == Geometry::ThreeD) d << ", length " << format_quantity(g.yn.back(), dims::length);
  r.domain = d.str();
  r.domain_area = g.top_area();
  if (whole_) {
    r.region = g.geometry == Geometry::OneD ? "a 1d column (per area of skin)" : "the whole domain";
    return;
  }
  r.region_area = region_area_;
  std::ostringstream os;
  if (g.geometry == Geometry::TwoD)
    os << "a strip " << format_quantity(2 * setup_.radius, dims::length) << " wide around each injection line ("
       << format_quantity(region_area_, dims::length) << " in all)";
  else
    os << format_in(region_area_, "cm2", 4) << " of skin: within " << format_quantity(setup_.radius, dims::length) << " of "
       << (setup_.points.size() == 1 ? "the injection" : "an injection point");
  r.region = os.str();
}

// ------------------------------------------------------------------------------------------------
// Tables

AmountUnit amount_unit_for(Geometry g) {
  switch (g) {
    case Geometry::OneD: return {"ug/cm2", "per_cm2", 1e-5};
    case Geometry::TwoD: return {"ug/mm", "per_mm", 1e-6};
    default: return {"ug", "domain", 1e-9};
  }
}

std::vector<std::string> metric_value_columns() {
  return {"dose_ug",      "peak_amount_ug",    "peak_pct_dose",     "amount_auc_ug_h", "mean_pct_dose",
          "auc_mg_mL_h",  "cmax_mg_mL",        "tmax_h",            "time_above_h",    "cleared_blood_pct",
          "cleared_lymph_pct", "degraded_pct", "cv_at_cmax",        "cv_mean",         "unbound_fraction",
          "auc_unbound_mg_mL_h", "cmax_unbound_mg_mL"};
}

std::vector<double> metric_values(const WindowMetrics& w, Geometry g) {
  const double f = amount_unit_for(g).factor;
  return {w.dose / f,
          w.peak_amount / f,
          w.peak_pct(),
          w.amount_auc / f / 3600.0,
          w.mean_pct(),
          w.auc / 3600.0,  // kg/m3 = mg/mL
          w.cmax,
          w.tmax / 3600.0,
          w.time_above / 3600.0,
          w.pct(w.cleared_blood),
          w.pct(w.cleared_lymph),
          w.pct(w.degraded),
          w.cv_at_cmax,
          w.cv_mean,
          w.unbound,
          w.auc_unbound() / 3600.0,
          w.cmax_unbound()};
}

std::string num(double v, const char* fmt) {
  if (std::isnan(v)) return "n/a";
  char buf[40];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char ch : s) o += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return o + "\"";
}

std::vector<std::string> metrics_csv_columns() {
  std::vector<std::string> c = {"species", "target", "window", "session", "t_start_h", "t_end_h", "threshold_mg_mL", "amount_basis"};
  for (const auto& v : metric_value_columns()) c.push_back(v);
  for (const auto& v : region_columns()) c.push_back(v);
  return c;
}

std::string amount_basis(const RunMetrics& m) {
  return m.geometry != Geometry::OneD && std::isfinite(m.region_area) ? "region" : amount_unit_for(m.geometry).basis;
}

std::vector<std::string> region_columns() { return {"region_area_cm2", "region_width_mm", "edge_pct_max", "edge_time_h"}; }

std::vector<std::string> region_values(const RunMetrics& m, const SpeciesMetrics& s) {
  const bool strip = m.geometry == Geometry::TwoD;
  const double a = m.region_area;
  return {std::isfinite(a) && !strip ? num(a / 1e-4) : "n/a", std::isfinite(a) && strip ? num(a / 1e-3) : "n/a", num(s.edge_pct_max),
          num(s.edge_time / 3600)};
}

std::string metrics_csv(const RunMetrics& m) {
  std::ostringstream os;
  const auto cols = metrics_csv_columns();
  for (size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << cols[i];
  os << "\n";
  const AmountUnit au = amount_unit_for(m.geometry);
  for (const auto& s : m.species)
    for (const auto& w : s.windows) {
      os << csv_field(s.species) << "," << csv_field(m.target) << "," << (w.session < 0 ? "all" : "session") << ","
         << (w.session < 0 ? std::string("n/a") : std::to_string(w.session)) << "," << num(w.t_start / 3600) << "," << num(w.t_end / 3600)
         << "," << (m.threshold > 0 ? num(m.threshold) : "n/a") << "," << amount_basis(m);
      for (double v : metric_values(w, m.geometry)) os << "," << num(v);
      for (const auto& v : region_values(m, s)) os << "," << v;
      os << "\n";
    }
  return os.str();
}

std::string metrics_text(const RunMetrics& m) {
  const AmountUnit au = amount_unit_for(m.geometry);
  std::ostringstream os;
  char buf[512];
  os << "\nTarget layer '" << m.target << "' (mean concentration over the layer in " << m.region;
  if (m.threshold > 0) os << "; threshold " << num(m.threshold) << " mg/mL";
  os << "):\n";
  for (const auto& s : m.species)
    for (const auto& w : s.windows) {
      const auto v = metric_values(w, m.geometry);
      if (w.session < 0)
        os << "\n  " << s.species << ", whole run (0 to " << format_quantity(w.t_end, dims::time) << ")\n";
      else
        os << "  session " << w.session << " (" << format_quantity(w.t_start, dims::time) << " to " << format_quantity(w.t_end, dims::time) << ")\n";
      std::snprintf(buf, sizeof buf, "    dose %.4g %s; peak in the layer %.4g %s = %.3g %% of dose; time-averaged %.3g %% of dose\n", v[0],
                    au.unit.c_str(), v[1], au.unit.c_str(), v[2], v[4]);
      os << buf;
      std::snprintf(buf, sizeof buf, "    Cmax %.4g mg/mL at %.3g h; AUC %.4g mg/mL h", v[6], v[7], v[5]);
      os << buf;
      if (m.threshold > 0) {
        std::snprintf(buf, sizeof buf, "; above %s mg/mL for %.3g h", num(m.threshold).c_str(), v[8]);
        os << buf;
      }
      if (w.unbound < 1) {
        std::snprintf(buf, sizeof buf, "\n    unbound (%.3g of the layer's content free, what clearance acts on): Cmax %.4g mg/mL; AUC %.4g mg/mL h", v[14],
                      v[16], v[15]);
        os << buf;
      }
      std::snprintf(buf, sizeof buf, "\n    at the end: cleared to blood %.3g %%, to lymph %.3g %%, degraded %.3g %% of dose\n", v[9], v[10], v[11]);
      os << buf;
      if (m.geometry == Geometry::OneD) {
        os << "    lateral CV: n/a (1d)\n";
      } else {
        char cv1[32], cv2[32];
        std::snprintf(cv1, sizeof cv1, std::isnan(v[12]) ? "n/a" : "%.3g", v[12]);
        std::snprintf(cv2, sizeof cv2, std::isnan(v[13]) ? "n/a" : "%.3g", v[13]);
        os << "    lateral CV at " << format_quantity(m.mid_depth, dims::length) << " depth: " << cv1 << " at Cmax, " << cv2
           << " averaged over the outputs\n";
      }
    }
  for (const auto& w : m.warnings) os << "  warning: " << w << "\n";
  return os.str();
}

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error("cannot write " + path);
    }
  }
  fs::rename(tmp, path);
}

std::string metrics_csv_path(const std::string& h5_path) {
  const fs::path h5(h5_path);
  return (h5.parent_path() / (h5.stem().string() + "_metrics.csv")).string();
}


// ---- Checkpoint and restart: the points and running extremes gathered so far (the layer's cells,
// windows, deposit jumps and event times come from the problem and are rebuilt by the constructor).
void MetricsRecorder::save_state(SavedState& st, const std::string& prefix) const {
  st.put(prefix + "seen", static_cast<double>(seen_));
  for (size_t si = 0; si < points_.size(); ++si) {
    const std::string k = prefix + std::to_string(si) + "/";
    std::vector<double> pts;
    for (const Point& p : points_[si]) pts.insert(pts.end(), {p.t, p.m, p.applied, p.blood, p.lymph, p.degraded});
    st.put(k + "points", pts);
    st.put(k + "best_mean", best_mean_[si]);
    st.put(k + "cv_best", cv_best_[si]);
    st.put(k + "cv_sum", cv_sum_[si]);
    st.put(k + "cv_count", std::vector<double>(cv_count_[si].begin(), cv_count_[si].end()));
    if (!whole_ && si < region_hist_.size()) st.put(k + "region_hist", region_hist_[si]);
  }
  // the boundary watch (docs/metrics.md): the largest edge share so far and when it passed the threshold
  if (!edge_max_.empty()) {
    st.put(prefix + "edge_max", edge_max_);
    st.put(prefix + "edge_time", edge_time_);
  }
}

void MetricsRecorder::restore_state(const SavedState& st, const std::string& prefix) {
  const size_t seen = static_cast<size_t>(st.integer(prefix + "seen", 0, 1L << 40));
  auto points = points_;
  auto best_mean = best_mean_, cv_best = cv_best_, cv_sum = cv_sum_;
  auto cv_count = cv_count_;
  auto region_hist = region_hist_;
  for (size_t si = 0; si < points_.size(); ++si) {
    const std::string k = prefix + std::to_string(si) + "/";
    const auto& pts = st.get(k + "points");
    if (pts.size() % 6 != 0) throw CheckpointError("the checkpoint entry '" + k + "points' is not a list of points");
    points[si].clear();
    for (size_t i = 0; i < pts.size(); i += 6) points[si].push_back({pts[i], pts[i + 1], pts[i + 2], pts[i + 3], pts[i + 4], pts[i + 5]});
    const size_t nw = best_mean_[si].size();
    best_mean[si] = st.get(k + "best_mean", nw);
    cv_best[si] = st.get(k + "cv_best", nw);
    cv_sum[si] = st.get(k + "cv_sum", nw);
    const auto& cc = st.get(k + "cv_count", nw);
    for (size_t w = 0; w < nw; ++w) {
      if (!(cc[w] >= 0 && cc[w] < 2e9)) throw CheckpointError("the checkpoint entry '" + k + "cv_count' is out of range");
      cv_count[si][w] = static_cast<int>(cc[w]);
    }
    if (!whole_ && si < region_hist.size()) region_hist[si] = st.get(k + "region_hist");
  }
  auto edge_max = edge_max_, edge_time = edge_time_;
  if (!edge_max_.empty()) {
    edge_max = st.get(prefix + "edge_max", edge_max_.size());
    edge_time = st.get(prefix + "edge_time", edge_time_.size());
  }
  seen_ = seen;
  points_ = std::move(points);
  best_mean_ = std::move(best_mean);
  cv_best_ = std::move(cv_best);
  cv_sum_ = std::move(cv_sum);
  cv_count_ = std::move(cv_count);
  region_hist_ = std::move(region_hist);
  edge_max_ = std::move(edge_max);
  edge_time_ = std::move(edge_time);
}

}  // namespace dermasim
