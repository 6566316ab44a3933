// SPDX-License-Identifier: BSD-3-Clause
#include "hydration_metrics.hpp"

#include "couplings/excess_fluid.hpp"
#include "couplings/gel_phase.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "../solver/io/output.hpp"
#include "../solver/units.hpp"
#include "case.hpp"

namespace dermasim {

PapuleShape papule_shape(const Grid& g, const std::vector<double>& e, double threshold, double mirror) {
  PapuleShape s;
  double area = 0;
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      const double v = e[static_cast<size_t>(j) * g.nx + i], a = g.gx[i] * g.gy[j];  // the column's top area
      s.volume += v * a;
      s.height = std::max(s.height, v);
      if (v >= threshold) area += a;
    }
  switch (g.geometry) {
    case Geometry::OneD: s.diameter = metrics_na; break;
    case Geometry::TwoD: s.diameter = area * mirror; break;  // x widths (gy = 1)
    default: s.diameter = std::sqrt(4.0 * area * mirror / M_PI);
  }
  return s;
}

double visible_diameter(const Grid& g, const std::vector<double>& e, double threshold, double mirror) {
  if (g.geometry != Geometry::Axisymmetric) return papule_shape(g, e, threshold, mirror).diameter;
  // the radius where the elevation last falls below the threshold, interpolated between the
  // column centres (the wheal's edge, not the edge of the last cell that is raised)
  int last = -1;
  for (int i = 0; i < g.nx; ++i)
    if (e[i] >= threshold) last = i;
  if (last < 0) return 0.0;
  if (last == g.nx - 1) return 2.0 * g.xn.back();
  const double xa = g.xc(last), xb = g.xc(last + 1);
  const double r = xa + (e[last] - threshold) / (e[last] - e[last + 1]) * (xb - xa);
  return 2.0 * r * std::sqrt(mirror);
}

bool raised_at_edge(const Grid& g, const std::vector<double>& e, double threshold) {
  if (g.geometry == Geometry::OneD) return false;
  auto at = [&](int i, int j) { return e[static_cast<size_t>(j) * g.nx + i] >= threshold; };
  const bool x_edges = !g.periodic_x, y_edges = g.geometry == Geometry::ThreeD && !g.periodic_y;
  for (int j = 0; j < g.ny; ++j) {
    if (x_edges && at(g.nx - 1, j)) return true;
    // the axis r = 0 is not a boundary
    if (x_edges && g.geometry != Geometry::Axisymmetric && at(0, j)) return true;
  }
  if (y_edges)
    for (int i = 0; i < g.nx; ++i)
      if (at(i, 0) || at(i, g.ny - 1)) return true;
  return false;
}

DecayFit fit_decay(const std::vector<double>& t_in, const std::vector<double>& y_in) {
  std::vector<double> t, y;
  for (size_t i = 0; i < t_in.size(); ++i)
    if (y_in[i] > 0 && std::isfinite(y_in[i])) {
      t.push_back(t_in[i]);
      y.push_back(std::log(y_in[i]));
    }
  DecayFit f;
  f.points = static_cast<int>(t.size());
  if (t.size() < 3) return f;
  f.t_start = t.front();
  f.t_end = t.back();
  const size_t n = t.size();
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = 0.5 * (t[std::min(i + 1, n - 1)] - t[i > 0 ? i - 1 : 0]);
  double sw = 0, st = 0, sy = 0;
  for (size_t i = 0; i < n; ++i) {
    sw += w[i];
    st += w[i] * t[i];
    sy += w[i] * y[i];
  }
  if (!(sw > 0)) return f;
  const double tm = st / sw, ym = sy / sw;
  double stt = 0, sty = 0;
  for (size_t i = 0; i < n; ++i) {
    stt += w[i] * (t[i] - tm) * (t[i] - tm);
    sty += w[i] * (t[i] - tm) * (y[i] - ym);
  }
  if (!(stt > 0)) return f;
  const double slope = sty / stt;
  double r2 = 0;
  for (size_t i = 0; i < n; ++i) r2 += w[i] * std::pow(y[i] - ym - slope * (t[i] - tm), 2);
  f.k = -slope;
  f.y_start = std::exp(ym + slope * (f.t_start - tm));
  f.rms = std::sqrt(r2 / sw);
  if (f.k > 0) f.half_life = std::log(2.0) / f.k;
  return f;
}

HydrationSetup hydration_setup(const Case& c) {
  HydrationSetup s;
  s.papule_threshold = c.metrics.papule_threshold;
  s.unit_cell = c.unit_cell;
  if (c.unit_cell) s.mirror = c.geometry == Geometry::ThreeD ? 4 : c.geometry == Geometry::TwoD ? 2 : 1;
  for (const auto& l : c.layers) s.layer_water.push_back(tissue_water(l));  // the hydration model's water (models/hydration)
  // HA: the case's hydration species (by default the species of library HA grades, models/hydration)
  for (const auto& n : c.hydration.species) s.ha.push_back(c.species_index(n));
  s.session_starts = metrics_setup(c).session_starts;
  s.linear_fluid_law = c.fluid && !c.fluid_nonlinear;
  return s;
}

double HydrationMetrics::pct_of_baseline(size_t l, double excess_per_area) const {
  const double base = layer_water[l] * layer_thickness[l];
  return base > 0 ? 100.0 * excess_per_area / base : metrics_na;
}

// ------------------------------------------------------------------------------------------------
// Recording

HydrationRecorder::HydrationRecorder(const Simulation& sim, HydrationSetup setup) : setup_(std::move(setup)) {
  const Problem& p = sim.problem();
  const Grid& g = p.grid;
  fluid_ = excess_fluid_species(sim);
  setup_.layer_water.resize(g.layer_names.size(), 0.0);
  layer_cells_.resize(g.layer_names.size());
  layer_volumes_.resize(g.layer_names.size());
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        layer_cells_[g.cell_layer[k]].push_back(g.index(i, j, k));
        layer_volumes_[g.cell_layer[k]].push_back(g.volume(i, j, k));
      }
  if (fluid_ < 0) return;
  // Fluid placed at an instant: the elevation it adds per column (to know the height just before a
  // later injection) and, at t = 0, the state the run starts from (for a run without an output at 0).
  const size_t plane = static_cast<size_t>(g.nx) * g.ny;
  std::map<double, std::vector<double>> jumps;
  start_phi_ = p.species[fluid_].initial_c;
  start_phi_.resize(g.cells(), 0.0);
  // a crosslinked gel's water, placed with the gel (models/couplings/gel_phase.hpp), raises the surface too
  const GelPhaseCoupling* gel = gel_phase(sim);
  for (const auto& d : p.deposits) {
    const double per_amount = d.species == fluid_ ? 1.0 : gel ? gel->water_per_mass(d.species) : 0.0;
    if (!(per_amount > 0)) continue;
    auto& col = jumps[d.time];
    col.resize(plane, 0.0);
    for (const auto& [cell, amount] : d.mass) {
      const double vol = amount * per_amount;
      const size_t c = cell % plane, i = c % g.nx, j = c / g.nx;
      col[c] += vol / (g.gx[i] * g.gy[j]);
      if (d.time == 0) start_phi_[cell] += vol / g.volume(static_cast<int>(i), static_cast<int>(j), static_cast<int>(cell / plane));
    }
  }
  for (auto& [t, col] : jumps)
    if (t > 0) fluid_jumps_.emplace_back(t, std::move(col));
}

HydrationRecorder::Row HydrationRecorder::sample(const Simulation& sim, double t) const {
  Row r;
  if (fluid_ < 0) return r;
  const Grid& g = sim.grid();
  std::vector<double> phi = sim.concentration(fluid_);
  if (const GelPhaseCoupling* gel = gel_phase(sim)) {  // the excess water includes the gel's
    const auto w = gel->water(sim);
    for (size_t i = 0; i < phi.size(); ++i) phi[i] += w[i];
  }
  std::vector<double> e = surface_elevation(sim);
  const PapuleShape s = papule_shape(g, e, setup_.papule_threshold, setup_.mirror);
  r.height = s.height;
  r.diameter = s.diameter;
  r.volume = s.volume;
  r.visible_diameter = visible_diameter(g, e, kVisibleElevation, setup_.mirror);
  r.at_edge = !setup_.unit_cell && raised_at_edge(g, e, setup_.papule_threshold);
  const double top = g.top_area();
  for (size_t l = 0; l < layer_cells_.size(); ++l) {
    double v = 0;
    for (size_t n = 0; n < layer_cells_[l].size(); ++n) v += phi[layer_cells_[l][n]] * layer_volumes_[l][n];
    r.excess.push_back(v / top);
  }
  for (const auto& [tj, col] : fluid_jumps_)
    if (tj == t) {
      for (size_t c = 0; c < e.size(); ++c) e[c] -= col[c];
      r.height_before = papule_shape(g, e, setup_.papule_threshold, setup_.mirror).height;
    }
  return r;
}

// The state recorded at t = 0 when no output came at t = 0: the initial fluid plus what was
// injected at t = 0 (the same state the Simulation records after its events at t = 0).
HydrationRecorder::Row HydrationRecorder::start_row(const Simulation& sim) const {
  Row r;
  if (fluid_ < 0) return r;
  const Grid& g = sim.grid();
  std::vector<double> e(static_cast<size_t>(g.nx) * g.ny, 0.0);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) e[static_cast<size_t>(j) * g.nx + i] += start_phi_[g.index(i, j, k)] * g.dz[k];
  const PapuleShape s = papule_shape(g, e, setup_.papule_threshold, setup_.mirror);
  r.height = s.height;
  r.diameter = s.diameter;
  r.volume = s.volume;
  r.visible_diameter = visible_diameter(g, e, kVisibleElevation, setup_.mirror);
  r.at_edge = !setup_.unit_cell && raised_at_edge(g, e, setup_.papule_threshold);
  for (size_t l = 0; l < layer_cells_.size(); ++l) {
    double v = 0;
    for (size_t n = 0; n < layer_cells_[l].size(); ++n) v += start_phi_[layer_cells_[l][n]] * layer_volumes_[l][n];
    r.excess.push_back(v / g.top_area());
  }
  return r;
}

void HydrationRecorder::on_output(const Simulation& sim, double t, int) {
  // at t = 0 the output comes after the events at 0 and before the first record
  if (t == 0 && rows_.empty() && sim.history().time.empty()) rows_.push_back(sample(sim, t));
}

// Rows for every recorded step before the last one that has none yet (normally only t = 0), and
// for the last one from the current state when include_last.
void HydrationRecorder::catch_up(const Simulation& sim, bool include_last) {
  const size_t n = sim.history().time.size();
  if (n == 0) return;
  if (rows_.empty()) rows_.push_back(start_row(sim));
  while (rows_.size() + 1 < n) rows_.push_back(Row{});  // not seen (a recorder attached late)
  if (include_last && rows_.size() < n) rows_.push_back(sample(sim, sim.history().time.back()));
}

void HydrationRecorder::on_step(const Simulation& sim, double, double) { catch_up(sim, true); }

namespace {

// Whether a point at time t (just before an event there when `before`) lies in [a, b): a point
// just before an event at a belongs to the previous window; the last window includes its end.
bool in_window(double t, bool before, double a, double b, bool last) {
  const bool after_start = before ? t > a : t >= a;
  const bool before_end = before ? t <= b : (t < b || (last && t <= b));
  return after_start && before_end;
}

}  // namespace

HydrationMetrics HydrationRecorder::finish(const Simulation& sim) {
  catch_up(sim, rows_.size() < sim.history().time.size());
  const Problem& p = sim.problem();
  const Grid& g = p.grid;
  const auto& h = sim.history();
  HydrationMetrics m;
  m.geometry = g.geometry;
  m.fluid = fluid_ >= 0;
  m.threshold = setup_.papule_threshold;
  m.mirror = setup_.mirror;
  m.layers = g.layer_names;
  m.layer_water = setup_.layer_water;
  m.layer_thickness.assign(m.layers.size(), 0.0);
  for (int k = 0; k < g.nz; ++k) m.layer_thickness[g.cell_layer[k]] += g.dz[k];
  m.time = h.time;
  const size_t nt = m.time.size();
  if (m.fluid) {
    m.excess.assign(m.layers.size(), std::vector<double>(nt, metrics_na));
    for (size_t i = 0; i < nt; ++i) {
      m.height.push_back(rows_[i].height);
      m.diameter.push_back(rows_[i].diameter);
      m.volume.push_back(rows_[i].volume);
      m.visible_diameter.push_back(rows_[i].visible_diameter);
      if (rows_[i].at_edge && !std::isfinite(m.edge_time)) m.edge_time = m.time[i];
      for (size_t l = 0; l < rows_[i].excess.size(); ++l) m.excess[l][i] = rows_[i].excess[l];
    }
  }

  // HA: in tissue and applied, summed over the HA species, from the recorded balance
  std::vector<double> ha_tissue(nt, 0.0), ha_applied(nt, 0.0);
  std::map<double, double> ha_jump;  // mass placed at an instant t > 0
  double last_delivery = 0;
  for (int s : setup_.ha) {
    m.ha_names.push_back(p.species[s].name);
    const auto& hs = h.species[s];
    for (const auto& l : m.layers)
      for (size_t i = 0; i < nt; ++i) ha_tissue[i] += hs.at("layer/" + l)[i];
    for (size_t i = 0; i < nt; ++i) ha_applied[i] += hs.at("applied")[i];
    // HA converted from another HA species (a deposit releasing mobile chains) was applied once
    const bool fed_by_ha = std::any_of(p.transfers.begin(), p.transfers.end(), [&](const TransferSpec& t) {
      return t.to == s && std::find(setup_.ha.begin(), setup_.ha.end(), t.from) != setup_.ha.end();
    });
    if (fed_by_ha && hs.count("converted_in"))
      for (size_t i = 0; i < nt; ++i) ha_applied[i] -= hs.at("converted_in")[i];
    for (const auto& d : p.deposits)
      if (d.species == s) {
        double mass = 0;
        for (const auto& cm : d.mass) mass += cm.second;
        if (d.time > 0) ha_jump[d.time] += mass;
        last_delivery = std::max(last_delivery, d.time);
      }
    for (const auto& so : p.species[s].sources) last_delivery = std::max(last_delivery, so.t_end);
    for (const auto& v : p.reservoirs)
      if (v.species == s) last_delivery = std::max(last_delivery, v.t_off);  // infinite while on the skin
  }
  const bool ha = !setup_.ha.empty();
  auto pct = [](double tissue, double applied) { return applied > 0 ? 100.0 * tissue / applied : metrics_na; };
  if (ha) {
    for (size_t i = 0; i < nt; ++i) m.ha_remaining.push_back(pct(ha_tissue[i], ha_applied[i]));
    std::vector<double> ft, fy;
    for (size_t i = 0; i < nt; ++i)
      if (m.time[i] >= last_delivery) {
        ft.push_back(m.time[i]);
        fy.push_back(m.ha_remaining[i]);
      }
    m.ha_fit = fit_decay(ft, fy);
    // the water the HA holds: excess fluid in tissue per mass of HA in tissue, at the end
    if (m.fluid && ha_tissue[nt - 1] > 0) {
      double water = 0;
      for (const auto& l : m.layers) water += h.species[fluid_].at("layer/" + l)[nt - 1];
      for (int s : setup_.ha)  // the water a crosslinked gel holds in its own phase
        if (h.species[s].count("gel_water")) water += h.species[s].at("gel_water")[nt - 1];
      m.water_excess_end = water;
      m.ha_tissue_end = ha_tissue[nt - 1];
      m.water_per_gram_end = water / ha_tissue[nt - 1] * 1e3;  // m3/kg -> mL/g
    }
  }

  // The points the windows are measured on: every recorded step, and at an injection after t = 0
  // also the state just before it.
  struct Point {
    double t, height, ha;
    size_t row;
    bool before;
    double volume;  // NaN for the state just before an injection
  };
  std::vector<Point> pts;
  for (size_t i = 0; i < nt; ++i) {
    const double t = m.time[i];
    const double height = m.fluid ? m.height[i] : metrics_na;
    const double ha_now = ha ? m.ha_remaining[i] : metrics_na;
    const auto jump = ha_jump.find(t);
    const bool fluid_event = m.fluid && std::isfinite(rows_[i].height_before);
    if (t > 0 && (fluid_event || jump != ha_jump.end())) {
      const double dm = jump == ha_jump.end() ? 0.0 : jump->second;
      pts.push_back({t, fluid_event ? rows_[i].height_before : height, ha ? pct(ha_tissue[i] - dm, ha_applied[i] - dm) : metrics_na, i, true,
                     metrics_na});
    }
    pts.push_back({t, height, ha_now, i, false, m.fluid ? m.volume[i] : metrics_na});
  }
  const auto wins = metrics_windows(setup_.session_starts, p.time.end);
  for (size_t w = 0; w < wins.size(); ++w) {
    HydrationWindow win;
    win.session = static_cast<int>(w) - 1;
    win.t_start = wins[w].first;
    win.t_end = std::min(wins[w].second, nt ? m.time.back() : 0.0);
    std::vector<size_t> idx;
    for (size_t q = 0; q < pts.size(); ++q)
      if (w == 0 || in_window(pts[q].t, pts[q].before, wins[w].first, wins[w].second, w + 1 == wins.size())) idx.push_back(q);
    if (!idx.empty()) {
      if (ha) win.ha_remaining = pts[idx.back()].ha;
      if (m.fluid) {
        // The time from the first point at the highest value (to round-off: equal sessions peak at
        // the first) until the value is first at most half of it, interpolating ln(value) (exact for
        // an exponential decay), or linearly down to zero; NaN if it does not halve.
        auto halving = [&](auto value, double& peak_value, double& peak_t, size_t& peak_row) {
          double top = 0;
          for (size_t q : idx)
            if (std::isfinite(value(pts[q]))) top = std::max(top, value(pts[q]));
          size_t j = 0;
          while (j + 1 < idx.size() && !(value(pts[idx[j]]) >= top * (1 - 1e-9))) ++j;
          const Point& peak = pts[idx[j]];
          peak_value = value(peak);
          peak_t = peak.t;
          peak_row = peak.row;
          const double half = 0.5 * peak_value;
          for (size_t q = j + 1; q < idx.size() && peak_value > 0; ++q) {
            const Point &a = pts[idx[q - 1]], &b = pts[idx[q]];
            if (!(value(b) <= half) || !std::isfinite(value(a))) continue;
            double s = (value(a) > 0 && value(b) > 0) ? std::log(half / value(a)) / std::log(value(b) / value(a))
                                                      : (half - value(a)) / (value(b) - value(a));
            s = std::clamp(std::isfinite(s) ? s : 1.0, 0.0, 1.0);
            return a.t + s * (b.t - a.t) - peak.t;
          }
          return metrics_na;
        };
        size_t row = 0, vrow = 0;
        double vpeak = 0, vpeak_t = 0;
        win.halving_time = halving([](const Point& q) { return q.height; }, win.peak_height, win.peak_time, row);
        win.volume_halving_time = halving([](const Point& q) { return q.volume; }, vpeak, vpeak_t, vrow);
        if (w == 0) m.peak_row = row;
        // visible: height >= kVisibleElevation; crossings interpolated linearly between points
        for (size_t q = 0; q < idx.size(); ++q) {
          const Point& b = pts[idx[q]];
          if (b.height >= kVisibleElevation) win.visible_until = b.t;
          if (q == 0) continue;
          const Point& a = pts[idx[q - 1]];
          if (!std::isfinite(a.height) || !std::isfinite(b.height) || b.t <= a.t) continue;
          const bool va = a.height >= kVisibleElevation, vb = b.height >= kVisibleElevation;
          if (va && vb) {
            win.visible_duration += b.t - a.t;
          } else if (va != vb) {
            const double s = (kVisibleElevation - a.height) / (b.height - a.height);
            win.visible_duration += va ? s * (b.t - a.t) : (1 - s) * (b.t - a.t);
            if (va) win.visible_until = a.t + s * (b.t - a.t);
          }
        }
      }
    }
    m.windows.push_back(win);
  }
  if (std::isfinite(m.edge_time))
    m.warnings.push_back("the raised region (elevation >= " + format_quantity(m.threshold, dims::length) + ") reached a lateral boundary of the domain at t = " +
                         format_quantity(m.edge_time, dims::time) + ": the papule's size and duration then depend on the domain; widen it (geometry.width)");
  // the linear law's papule flattens far faster than the wheals observed (docs/validation.md)
  if (m.fluid && setup_.linear_fluid_law && !m.windows.empty() && std::isfinite(m.windows[0].halving_time) &&
      m.windows[0].halving_time < kCredibleHalving)
    m.warnings.push_back("with the fluid's linear law (fluid.law: linear, the default) the papule's height halves " +
                         format_quantity(m.windows[0].halving_time, dims::time, 3) +
                         " after its peak as it spreads, while an observed intradermal wheal (0.1 mL: 6-10 mm) stays raised for about "
                         "10 minutes (docs/validation.md, \"Injected fluid: wheals and blebs\"); to model the wheal itself set fluid.law: nonlinear");
  return m;
}

// ------------------------------------------------------------------------------------------------
// Display and output

namespace {

std::string len(double m) { return std::isfinite(m) ? format_quantity(m, dims::length, 3) : "n/a"; }
std::string when(double s) { return std::isfinite(s) ? format_quantity(s, dims::time, 3) : "n/a"; }
std::string g3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return std::isfinite(v) ? buf : "n/a";
}
// uL (axisymmetric, 3d), uL/cm2 (1d), uL/mm (2d): the amount units with ug -> uL (same factors)
AmountUnit volume_unit(Geometry g) {
  AmountUnit u = amount_unit_for(g);
  u.unit.replace(0, 2, "uL");
  return u;
}
std::string diameter_label(Geometry g) { return g == Geometry::TwoD ? "width" : "diameter"; }

}  // namespace

std::string hydration_text(const HydrationMetrics& m) {
  if (!m.fluid && m.ha_names.empty()) return "";
  std::ostringstream os;
  const AmountUnit vu = volume_unit(m.geometry);
  const HydrationWindow& all = m.windows.at(0);
  if (m.fluid && !m.time.empty()) {
    os << "\nPapule (the surface raised by the excess fluid; " << diameter_label(m.geometry) << " where raised by >= " << len(m.threshold)
       << "):\n";
    const size_t pk = m.peak_row, end = m.time.size() - 1;
    double vmax = 0;
    for (double v : m.volume) vmax = std::max(vmax, std::fabs(v));
    auto shape = [&](size_t i) {
      std::string s = m.geometry == Geometry::OneD ? "diameter n/a (1d)" : diameter_label(m.geometry) + " " + len(m.diameter[i]);
      const double v = std::fabs(m.volume[i]) < 1e-9 * vmax ? 0.0 : m.volume[i];  // round-off of an empty tissue
      return s + ", swollen volume " + g3(v / vu.factor) + " " + vu.unit;
    };
    os << "  peak height " << len(all.peak_height) << " at " << when(all.peak_time) << ": " << shape(pk) << "\n";
    if (std::isfinite(all.halving_time))
      os << "  height halves " << when(all.halving_time) << " after the peak (at " << when(all.peak_time + all.halving_time) << ")\n";
    else
      os << "  height halving time: n/a (" << (all.peak_height > 0 ? "not halved by the end of the run" : "no papule") << ")\n";
    os << "  swollen volume (the extra water, however spread) halves "
       << (std::isfinite(all.volume_halving_time) ? when(all.volume_halving_time) + " after its peak" : std::string("n/a (not by the end of the run)"))
       << "\n";
    os << "  at the end (" << when(m.time[end]) << "): height " << len(m.height[end]) << ", " << shape(end) << "\n";
    if (m.geometry != Geometry::OneD) {
      os << "  visible wheal (raised by >= " << len(kVisibleElevation) << "): ";
      if (std::isfinite(all.visible_until))
        os << "largest " << diameter_label(m.geometry) << " " << len(*std::max_element(m.visible_diameter.begin(), m.visible_diameter.end(), [](double a, double b) {
             return (std::isfinite(a) ? a : 0) < (std::isfinite(b) ? b : 0);
           })) << ", visible for " << when(all.visible_duration) << " (last at " << when(all.visible_until) << ")\n";
      else
        os << "never\n";
    }
    for (const auto& wmsg : m.warnings) os << "  WARNING: " << wmsg << "\n";
    os << "  excess water per layer at the peak, per area of skin (% of the layer's own water):\n";
    for (size_t l = 0; l < m.layers.size(); ++l) {
      const double ex = m.excess[l][pk];
      char row[160];
      std::snprintf(row, sizeof row, "    %-24s %10.3g uL/cm2  ", m.layers[l].c_str(), ex / 1e-5);  // m3/m2 -> uL/cm2
      os << row;
      if (m.layer_water[l] > 0)
        os << "(" << g3(m.pct_of_baseline(l, ex)) << " % of " << g3(m.layer_water[l]) << " x " << len(m.layer_thickness[l]) << ")\n";
      else
        os << "(% n/a: no water fraction given)\n";
    }
  }
  if (!m.ha_names.empty()) {
    std::string names;
    for (const auto& n : m.ha_names) names += (names.empty() ? "" : ", ") + n;
    os << "\nHA remaining in tissue (" << names << "): " << g3(all.ha_remaining) << " % of applied at the end (" << when(all.t_end) << ")\n";
    const DecayFit& f = m.ha_fit;
    if (std::isfinite(f.half_life))
      os << "  half-life " << when(f.half_life) << " (fit of ln remaining from " << when(f.t_start) << " to " << when(f.t_end) << ", "
         << f.points << " steps after the last delivery, rms " << g3(f.rms) << ")\n";
    else
      os << "  half-life: n/a (" << (f.points < 3 ? "fewer than 3 steps after the last delivery" : "no decay") << ")\n";
    if (std::isfinite(m.water_per_gram_end))
      os << "  water held: " << g3(m.water_per_gram_end) << " mL of excess water per g of HA in the tissue at the end (" << g3(m.water_excess_end * 1e9)
         << (m.geometry == Geometry::OneD ? " uL/m2" : m.geometry == Geometry::TwoD ? " uL/m" : " uL") << " over "
         << g3(m.ha_tissue_end * 1e9) << (m.geometry == Geometry::OneD ? " ug/m2" : m.geometry == Geometry::TwoD ? " ug/m" : " ug")
         << "; docs/ha.md compares it with '6 L per gram')\n";
  }
  for (size_t w = 1; w < m.windows.size(); ++w) {
    const HydrationWindow& s = m.windows[w];
    os << "  session " << s.session << " (" << when(s.t_start) << " to " << when(s.t_end) << "):";
    if (m.fluid)
      os << " peak height " << len(s.peak_height) << " at " << when(s.peak_time) << ", halves after " << when(s.halving_time)
         << (m.ha_names.empty() ? "" : ";");
    if (!m.ha_names.empty()) os << " HA remaining " << g3(s.ha_remaining) << " % at " << when(s.t_end);
    os << "\n";
  }
  return os.str();
}

void add_hydration_scalars(RunWriter& w, const HydrationMetrics& m) {
  const size_t nw = m.windows.size();
  auto per_session = [&](auto field) {
    std::vector<double> v;
    for (size_t k = 1; k < nw; ++k) v.push_back(field(m.windows[k]));
    return v;
  };
  auto add_sessions = [&](const std::string& path) {
    if (nw < 2) return;
    w.add_attribute(path, "session_start", per_session([](const HydrationWindow& s) { return s.t_start; }));
    w.add_attribute(path, "session_end", per_session([](const HydrationWindow& s) { return s.t_end; }));
  };
  const HydrationWindow& all = m.windows.at(0);
  if (m.fluid) {
    std::string vunit = m.geometry == Geometry::OneD ? "m3/m2" : m.geometry == Geometry::TwoD ? "m3/m" : "m3";
    w.add_series("papule/height", m.height, "m");
    if (m.geometry != Geometry::OneD) w.add_series("papule/diameter", m.diameter, "m");
    w.add_series("papule/volume", m.volume, vunit);
    if (m.geometry != Geometry::OneD) w.add_series("papule/visible_diameter", m.visible_diameter, "m");
    w.add_attribute("papule", "visible_threshold", kVisibleElevation);
    w.add_attribute("papule", "visible_duration", all.visible_duration);
    w.add_attribute("papule", "visible_until", all.visible_until);
    w.add_attribute("papule", "edge_time", m.edge_time);
    if (!m.warnings.empty()) w.add_attribute("papule", "warnings", m.warnings);
    w.add_attribute("papule", "threshold", m.threshold);
    w.add_attribute("papule", "diameter_definition",
                    m.geometry == Geometry::OneD   ? std::string("n/a in 1d")
                    : m.geometry == Geometry::TwoD ? std::string("width where elevation >= threshold")
                                                   : std::string("sqrt(4 A / pi), A the area where elevation >= threshold"));
    w.add_attribute("papule", "peak_height", all.peak_height);
    w.add_attribute("papule", "peak_time", all.peak_time);
    w.add_attribute("papule", "halving_time", all.halving_time);
    w.add_attribute("papule", "volume_halving_time", all.volume_halving_time);
    add_sessions("papule");
    if (nw > 1) {
      w.add_attribute("papule", "session_peak_height", per_session([](const HydrationWindow& s) { return s.peak_height; }));
      w.add_attribute("papule", "session_peak_time", per_session([](const HydrationWindow& s) { return s.peak_time; }));
      w.add_attribute("papule", "session_halving_time", per_session([](const HydrationWindow& s) { return s.halving_time; }));
      w.add_attribute("papule", "session_volume_halving_time", per_session([](const HydrationWindow& s) { return s.volume_halving_time; }));
    }
    for (size_t l = 0; l < m.layers.size(); ++l) {
      const std::string base = "hydration/" + m.layers[l];
      w.add_series(base + "/excess", m.excess[l], "m3/m2");
      w.add_attribute(base, "thickness", m.layer_thickness[l]);
      w.add_attribute(base, "excess_at_peak", m.excess[l][m.peak_row]);
      if (m.layer_water[l] > 0) {
        std::vector<double> pct;
        for (double v : m.excess[l]) pct.push_back(m.pct_of_baseline(l, v));
        w.add_series(base + "/pct_of_baseline", pct, "%");
        w.add_attribute(base, "water_fraction", m.layer_water[l]);
      }
    }
  }
  if (!m.ha_names.empty()) {
    w.add_series("ha_remaining", m.ha_remaining, "%");
    w.add_attribute("ha_remaining", "species", m.ha_names);
    w.add_attribute("ha_remaining", "half_life", m.ha_fit.half_life);
    w.add_attribute("ha_remaining", "decay_rate", m.ha_fit.k);
    w.add_attribute("ha_remaining", "fit_start", m.ha_fit.t_start);
    w.add_attribute("ha_remaining", "fit_end", m.ha_fit.t_end);
    w.add_attribute("ha_remaining", "fit_points", static_cast<double>(m.ha_fit.points));
    w.add_attribute("ha_remaining", "fit_rms", m.ha_fit.rms);
    w.add_attribute("ha_remaining", "fit_start_value", m.ha_fit.y_start);
    w.add_attribute("ha_remaining", "water_per_gram_end", m.water_per_gram_end);
    add_sessions("ha_remaining");
    if (nw > 1) w.add_attribute("ha_remaining", "session_remaining", per_session([](const HydrationWindow& s) { return s.ha_remaining; }));
  }
}

// ---- Checkpoint and restart: the rows sampled so far (one per recorded time), each as height,
// diameter, volume, height before an injection, then the excess water per layer.
void HydrationRecorder::save_state(SavedState& st, const std::string& prefix) const {
  std::vector<double> rows, sizes;
  for (const Row& r : rows_) {
    rows.insert(rows.end(), {r.height, r.diameter, r.volume, r.height_before, r.visible_diameter, r.at_edge ? 1.0 : 0.0});
    rows.insert(rows.end(), r.excess.begin(), r.excess.end());
    sizes.push_back(static_cast<double>(r.excess.size()));
  }
  st.put(prefix + "rows", rows);
  st.put(prefix + "excess_sizes", sizes);
}

void HydrationRecorder::restore_state(const SavedState& st, const std::string& prefix) {
  const auto& rows = st.get(prefix + "rows");
  const auto& sizes = st.get(prefix + "excess_sizes");
  std::vector<Row> out;
  constexpr size_t kFixed = 6;  // the fixed numbers of a row, as save_state writes them
  size_t at = 0;
  for (double n : sizes) {
    if (!(n >= 0 && n <= 1e6) || n != std::floor(n) || rows.size() - at < kFixed + static_cast<size_t>(n))
      throw CheckpointError("the checkpoint entry '" + prefix + "rows' does not match its sizes");
    Row r;
    r.height = rows[at];
    r.diameter = rows[at + 1];
    r.volume = rows[at + 2];
    r.height_before = rows[at + 3];
    r.visible_diameter = rows[at + 4];
    r.at_edge = rows[at + 5] != 0;
    r.excess.assign(rows.begin() + static_cast<long>(at + kFixed), rows.begin() + static_cast<long>(at + kFixed + static_cast<size_t>(n)));
    at += kFixed + static_cast<size_t>(n);
    out.push_back(std::move(r));
  }
  if (at != rows.size()) throw CheckpointError("the checkpoint entry '" + prefix + "rows' does not match its sizes");
  rows_ = std::move(out);
}

}  // namespace dermasim
