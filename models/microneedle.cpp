// SPDX-License-Identifier: BSD-3-Clause
#include "microneedle.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "case.hpp"

namespace dermasim {

namespace md = microneedle_defaults;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kDepthSamples = 8;  // sub-samples per depth row for the cone's taper (same in 1d and resolved)

const Dim kPerArea = dims::none / dims::area;

std::string fmt(double si, const std::string& unit) { return format_in(si, unit, 10); }
std::string fmt_time(double s) { return format_time_exact(s); }
std::string fmt_len(double m) { return format_length_exact(m); }

// Radius of the channel's cross-section at depth z (0 below the channel).
double channel_radius(const MicroneedleDef& m, double z) {
  if (z < 0 || z >= m.depth) return 0.0;
  const double r0 = 0.5 * m.diameter;
  return m.shape == "cone" ? r0 * (1.0 - z / m.depth) : r0;
}

// Depth sub-samples of row [z0, z1]: midpoints of kDepthSamples equal parts (each of weight 1/n).
std::vector<double> row_samples(double z0, double z1) {
  std::vector<double> z(kDepthSamples);
  for (int i = 0; i < kDepthSamples; ++i) z[i] = z0 + (i + 0.5) * (z1 - z0) / kDepthSamples;
  return z;
}

// Length of [a0, a1] inside [b0, b1].
double overlap(double a0, double a1, double b0, double b1) { return std::max(0.0, std::min(a1, b1) - std::max(a0, b0)); }

// Area of the disc (cx, cy, r) inside the rectangle [x0, x1] x [y0, y1] (midpoint rule across x
// with the exact chord in y).
double disc_in_rect(double cx, double cy, double r, double x0, double x1, double y0, double y1) {
  const double a = std::max(x0, cx - r), b = std::min(x1, cx + r);
  if (!(b > a)) return 0.0;
  if (cy + r <= y0 || cy - r >= y1) return 0.0;
  constexpr int n = 32;
  const double h = (b - a) / n;
  double s = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a + (i + 0.5) * h;
    const double c = std::sqrt(std::max(0.0, r * r - (x - cx) * (x - cx)));
    s += overlap(cy - c, cy + c, y0, y1);
  }
  return s * h;
}

// Diffusivity of the channel fluid for one species: the species' viable-epidermis value (else the
// first dermis-like layer, else the second layer, else the first).
double channel_diffusivity(const Case& c, const SpeciesDef& sd, std::string* from) {
  auto find = [&](std::initializer_list<const char*> kinds) -> int {
    for (size_t l = 0; l < c.layers.size(); ++l)
      for (const char* k : kinds)
        if (c.layers[l].kind == k) return static_cast<int>(l);
    return -1;
  };
  int l = find({"viable_epidermis"});
  if (l < 0) l = find({"papillary_dermis", "dermis", "reticular_dermis"});
  if (l < 0) l = c.layers.size() > 1 ? 1 : 0;
  if (from) *from = c.layers[l].name;
  return sd.props[l].diffusivity;
}

}  // namespace

double roller_density_per_pass(int needles, double drum_diameter, double drum_width) {
  return needles / (kPi * drum_diameter * drum_width);
}

double channel_area_fraction(const MicroneedleDef& m, double z) {
  const double r = channel_radius(m, z);
  return m.density * kPi * r * r;
}

double constriction_factor(double eps) {
  eps = std::clamp(eps, 0.0, 1.0);
  return std::pow(1.0 - eps, 1.5);
}

void read_microneedle(MapReader& m, const Case& c, DeliveryDef& d) {
  MicroneedleDef& n = d.needling;
  const bool has_roller = m.has("roller");
  n.device = has_roller ? "roller" : "stamp";
  if (auto v = m.maybe("device")) n.device = one_of(*v, {"roller", "stamp", "laser", "rf"});
  d.technique = n.device == "roller" ? "derma_roller" : n.device == "stamp" ? "microneedle_stamp" : n.device + "_channels";
  if (has_roller) {
    Located rl = m.at("roller");
    if (n.device != "roller") rl.fail("'roller' describes a derma roller; remove it or set device: roller");
    if (m.has("density")) m.at("density").fail("give either roller (the density follows from the drum) or density, not both");
    if (m.has("needle_length")) m.at("needle_length").fail("for a roller give the needle length inside roller: {needle_length: ...}");
    MapReader r(rl);
    n.roller = true;
    n.needle_length = positive(r.at("needle_length"), dims::length);
    if (auto v = r.maybe("needles")) n.needles = static_cast<int>(v->as_int(1, 100000));
    if (auto v = r.maybe("drum_diameter")) n.drum_diameter = positive(*v, dims::length);
    if (auto v = r.maybe("drum_width")) n.drum_width = positive(*v, dims::length);
    n.passes = static_cast<int>(r.at("passes").as_int(1, 10000));
    r.finish();
    n.density = n.passes * roller_density_per_pass(n.needles, n.drum_diameter, n.drum_width);
  } else {
    if (n.device == "roller") m.self().fail("a derma roller needs roller: {needle_length: 0.5 mm, passes: 8} (needles 192, drum 2 x 2 cm by default); or use device: stamp with a density");
    n.density = positive(m.at("density"), kPerArea);
    if (auto v = m.maybe("needle_length")) {
      if (n.device != "stamp") v->fail("laser and RF channels have no needle: give their depth");
      n.needle_length = positive(*v, dims::length);
    }
  }
  const double total = c.total_thickness();
  if (auto v = m.maybe("depth")) {
    n.depth = positive(*v, dims::length);
    n.depth_given = true;
  } else if (n.needle_length > 0) {
    n.depth = md::kDepthFraction * n.needle_length;
  } else {
    m.at("depth");  // laser/RF or a stamp without needle_length: throws "missing required key"
  }
  if (n.depth > total)
    (m.has("depth") ? m.at("depth") : m.self())
        .fail("channels deeper than the skin: depth " + format_quantity(n.depth, dims::length) + " below the bottom (" +
              format_quantity(total, dims::length) + ")");
  if (auto v = m.maybe("diameter")) n.diameter = positive(*v, dims::length);
  if (auto v = m.maybe("shape")) n.shape = one_of(*v, {"cone", "cylinder"});
  if (n.density * kPi * n.diameter * n.diameter / 4 >= 1.0)
    (m.has("diameter") ? m.at("diameter") : m.self())
        .fail("channels of this diameter at this density cover the whole surface (area fraction >= 1)");
  if (auto v = m.maybe("time")) {
    n.time = v->as_quantity(dims::time);
    if (n.time < 0) v->fail("must not be negative");
    if (n.time >= c.end) v->fail("channels made at or after time.end; nothing would happen");
  }
  if (auto v = m.maybe("closure")) {
    n.closure = positive(*v, dims::time);
    n.closure_given = true;
  }
  if (auto v = m.maybe("occluded")) n.occluded = v->as_bool() ? 1 : 0;
  if (auto v = m.maybe("species")) {
    std::vector<Located> items = v->is_list() ? v->as_list() : std::vector<Located>{*v};
    if (items.empty()) v->fail("name at least one species, or leave 'species' out for all of them");
    n.species = species_names(*v, c);
  }
  if (auto v = m.maybe("diffusivity")) n.diffusivity = positive(*v, dims::diffusivity);
  if (auto v = m.maybe("at")) {
    if (c.geometry == Geometry::OneD || c.geometry == Geometry::Axisymmetric)
      v->fail("'at' places the channel lattice in 2d and 3d; in 1d the channels are averaged, in axisymmetric geometry one channel sits on the axis");
    auto xy = v->as_list();
    if (xy.empty() || xy.size() > 2) v->fail("give the lattice origin as [x] or [x, y]");
    n.at_x = xy[0].as_quantity(dims::length);
    if (xy.size() > 1) n.at_y = xy[1].as_quantity(dims::length);
    if (c.geometry == Geometry::TwoD && n.at_y != 0) v->fail("a 2d domain has no y position; give [x]");
  }
  if (auto v = m.maybe("access_resistance")) n.access_resistance = v->as_bool();
}

void resolve_microneedle_closure(Case& c) {
  for (auto& d : c.delivery) {
    if (d.type != "microneedle") continue;
    MicroneedleDef& n = d.needling;
    if (n.closure_given) {
      n.closure_from = "given";
      continue;
    }
    bool occluded = n.occluded == 1;
    std::string why = n.occluded == 1 ? "occluded: true" : "not occluded";
    if (n.occluded < 0)
      for (const auto& t : c.delivery)
        if (t.type == "topical" && t.occluded && t.start < n.time + md::kOcclusionWindow && t.remove > n.time) {
          occluded = true;
          why = "an occluded topical delivery of '" + t.species + "' within 2 h of needling";
        }
    n.closure = occluded ? md::kClosureOccluded : md::kClosureOpen;
    n.closure_from = why + " ([Derived:channel-closure] default)";
  }
}

void emit_microneedle(YAML::Emitter& e, const DeliveryDef& d) {
  const MicroneedleDef& n = d.needling;
  e << YAML::Key << "device" << YAML::Value << n.device;
  if (n.roller) {
    e << YAML::Key << "roller" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "needle_length" << YAML::Value << fmt_len(n.needle_length);
    e << YAML::Key << "needles" << YAML::Value << n.needles;
    e << YAML::Key << "drum_diameter" << YAML::Value << fmt(n.drum_diameter, "cm");
    e << YAML::Key << "drum_width" << YAML::Value << fmt(n.drum_width, "cm");
    e << YAML::Key << "passes" << YAML::Value << n.passes;
    e << YAML::EndMap;
  } else {
    e << YAML::Key << "density" << YAML::Value << fmt(n.density, "/cm2");
    if (n.needle_length > 0) e << YAML::Key << "needle_length" << YAML::Value << fmt_len(n.needle_length);
  }
  e << YAML::Key << "depth" << YAML::Value << fmt_len(n.depth);
  e << YAML::Key << "diameter" << YAML::Value << fmt_len(n.diameter);
  e << YAML::Key << "shape" << YAML::Value << n.shape;
  e << YAML::Key << "time" << YAML::Value << fmt_time(n.time);
  e << YAML::Key << "closure" << YAML::Value << fmt_time(n.closure);
  if (!n.species.empty()) {
    e << YAML::Key << "species" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : n.species) e << s;
    e << YAML::EndSeq;
  }
  if (n.diffusivity > 0) e << YAML::Key << "diffusivity" << YAML::Value << fmt(n.diffusivity, "m2/s");
  if (n.at_x != 0 || n.at_y != 0) e << YAML::Key << "at" << YAML::Value << YAML::BeginSeq << fmt(n.at_x, "mm") << fmt(n.at_y, "mm") << YAML::EndSeq;
  if (!n.access_resistance) e << YAML::Key << "access_resistance" << YAML::Value << false;
}

void add_microneedle_channels(const Case& c, size_t di, Problem& p, std::vector<std::string>* warnings) {
  const DeliveryDef& d = c.delivery[di];
  const MicroneedleDef& n = d.needling;
  const Grid& g = p.grid;
  const std::string tag = "delivery[" + std::to_string(di) + "] (microneedle): ";
  auto warn = [&](const std::string& w) {
    if (warnings) warnings->push_back(tag + w);
  };
  const double spacing = 1.0 / std::sqrt(n.density);  // square lattice

  // Bottom of the stratum corneum (the barrier the channels bypass): the last layer of kind
  // stratum_corneum from the top; without one, the first layer.
  int last_sc = -1;
  for (size_t l = 0; l < c.layers.size(); ++l)
    if (c.layers[l].kind == "stratum_corneum") last_sc = static_cast<int>(l);
  if (last_sc < 0) last_sc = 0;
  double z_barrier = 0;
  for (int l = 0; l <= last_sc; ++l) z_barrier += c.layers[l].thickness;
  if (n.depth < z_barrier * (1 - 1e-9))
    warn("the channels (depth " + format_quantity(n.depth, dims::length) + ") end inside the " + c.layers[last_sc].name + " (" +
         format_quantity(z_barrier, dims::length) + " deep): they do not bypass the barrier");

  // Rows the channels reach.
  int rows = 0;
  while (rows < g.nz && g.zn[rows] < n.depth) ++rows;

  // Lateral coverage (channel area fraction of each lateral cell) at depth z, into cov (nx*ny).
  std::vector<double> cov(static_cast<size_t>(g.nx) * g.ny);
  auto coverage = [&](double z) {
    std::fill(cov.begin(), cov.end(), 0.0);
    const double r = channel_radius(n, z);
    if (r <= 0) return;
    switch (g.geometry) {
      case Geometry::OneD:
        cov[0] = n.density * kPi * r * r;
        break;
      case Geometry::Axisymmetric:  // one channel on the axis
        for (int i = 0; i < g.nx; ++i) {
          const double r0 = g.xn[i], r1 = g.xn[i + 1];
          const double rr = std::min(r1, r);
          if (rr > r0) cov[i] = (rr * rr - r0 * r0) / (r1 * r1 - r0 * r0);
        }
        break;
      case Geometry::TwoD: {  // slits of the same area fraction: width f * spacing
        const double hw = 0.5 * n.density * kPi * r * r * spacing;
        const double w = g.xn.back();
        const long m0 = static_cast<long>(std::floor((0 - n.at_x) / spacing)) - 1;
        const long m1 = static_cast<long>(std::ceil((w - n.at_x) / spacing)) + 1;
        for (long mm = m0; mm <= m1; ++mm) {
          const double xc = n.at_x + mm * spacing;
          for (int i = 0; i < g.nx; ++i) cov[i] += overlap(xc - hw, xc + hw, g.xn[i], g.xn[i + 1]) / (g.xn[i + 1] - g.xn[i]);
        }
        break;
      }
      case Geometry::ThreeD: {
        const double wx = g.xn.back(), wy = g.yn.back();
        const long a0 = static_cast<long>(std::floor((0 - n.at_x) / spacing)) - 1, a1 = static_cast<long>(std::ceil((wx - n.at_x) / spacing)) + 1;
        const long b0 = static_cast<long>(std::floor((0 - n.at_y) / spacing)) - 1, b1 = static_cast<long>(std::ceil((wy - n.at_y) / spacing)) + 1;
        for (long a = a0; a <= a1; ++a)
          for (long b = b0; b <= b1; ++b) {
            const double cx = n.at_x + a * spacing, cy = n.at_y + b * spacing;
            if (cx + r <= 0 || cx - r >= wx || cy + r <= 0 || cy - r >= wy) continue;
            const int i0 = std::max(0, static_cast<int>(std::upper_bound(g.xn.begin(), g.xn.end(), cx - r) - g.xn.begin()) - 1);
            const int j0 = std::max(0, static_cast<int>(std::upper_bound(g.yn.begin(), g.yn.end(), cy - r) - g.yn.begin()) - 1);
            for (int j = j0; j < g.ny && g.yn[j] < cy + r; ++j)
              for (int i = i0; i < g.nx && g.xn[i] < cx + r; ++i) {
                const double area = (g.xn[i + 1] - g.xn[i]) * (g.yn[j + 1] - g.yn[j]);
                cov[static_cast<size_t>(j) * g.nx + i] += disc_in_rect(cx, cy, r, g.xn[i], g.xn[i + 1], g.yn[j], g.yn[j + 1]) / area;
              }
          }
        break;
      }
    }
    for (auto& v : cov) v = std::min(v, 1.0);
  };
  // Row-averaged coverage: phi[k][lateral] for the rows the channels reach.
  std::vector<std::vector<double>> phi(rows, std::vector<double>(cov.size(), 0.0));
  for (int k = 0; k < rows; ++k)
    for (double z : row_samples(g.zn[k], g.zn[k + 1])) {
      coverage(z);
      for (size_t q = 0; q < cov.size(); ++q) phi[k][q] += cov[q] / kDepthSamples;
    }

  // Resolution notes (resolved geometries).
  if (g.geometry != Geometry::OneD) {
    double smallest = g.xn[1] - g.xn[0];
    for (int i = 0; i < g.nx; ++i) smallest = std::min(smallest, g.xn[i + 1] - g.xn[i]);
    const double f0 = channel_area_fraction(n, 0);
    const double width = g.geometry == Geometry::TwoD ? f0 * spacing : 0.5 * n.diameter;  // slit width; hole radius
    if (smallest > width)
      warn("the channel (" + std::string(g.geometry == Geometry::TwoD ? "slit width " : "radius ") + format_quantity(width, dims::length) +
           ") is narrower than the smallest lateral cell (" + format_quantity(smallest, dims::length) +
           "): its conductance is spread over the cell by area fraction; refine (lateral_grading toward x = 0) to resolve it");
  }
  if (g.geometry == Geometry::Axisymmetric) {
    const double b = spacing / std::sqrt(kPi);
    if (std::fabs(g.xn.back() - b) > 0.01 * b) {
      std::ostringstream os;
      os << "one channel sits on the axis; the domain is that channel's unit cell (same area per channel as the lattice) "
            "when its width is "
         << format_quantity(b, dims::length) << " (width given: " << format_quantity(g.xn.back(), dims::length) << ")";
      warn(os.str());
    }
  }

  for (size_t s = 0; s < c.species.size(); ++s) {
    const SpeciesDef& sd = c.species[s];
    if (!n.species.empty() && std::find(n.species.begin(), n.species.end(), sd.name) == n.species.end()) continue;
    SpeciesSpec& ss = p.species[s];
    // The channel is filled with interstitial fluid: K = 1 (water-like), D = the species' value in the
    // viable epidermis unless given.
    const double DKch = n.diffusivity > 0 ? n.diffusivity : channel_diffusivity(c, sd, nullptr);
    // 1d: the equivalent parallel pathway. With the access (spreading) resistance at the channel's
    // exit from the barrier, the barrier rows carry A(o) * f * (DK_ch - DK) at openness o, where A
    // makes the rows' resistance equal to 1/(G_intact + 1/(R_channel/o + R_access)): what closes is
    // the hole, not the tissue around it (as in the resolved geometries). A(o) is fitted by
    // c1 o + c2 o^2 + c3 o^3 + c4 o^4, i.e. channels closing with tau, tau/2, tau/3, tau/4
    // (docs/case-format.md, "Microneedling").
    std::vector<double> coef = {1.0};
    std::vector<char> barrier(rows, 0);
    if (g.geometry == Geometry::OneD && n.access_resistance && n.depth >= z_barrier * (1 - 1e-9) && last_sc + 1 < static_cast<int>(c.layers.size())) {
      const LayerProps& below = sd.props[last_sc + 1];
      const double k_below = below.diffusivity * below.partition;
      const double a = channel_radius(n, std::min(z_barrier, n.depth * (1 - 1e-9)));
      const double b = spacing / std::sqrt(kPi);
      double R_int = 0, R_ch = 0;
      std::vector<int> bar;
      for (int k = 0; k < rows; ++k) {
        if (g.cell_layer[k] > last_sc) continue;
        const double dk = ss.DK[g.index(0, 0, k)];
        const double add = phi[k][0] * std::max(0.0, DKch - dk);
        R_int += g.dz[k] / dk;
        if (add > 0) R_ch += g.dz[k] / add;
        bar.push_back(k);
      }
      if (a > 0 && k_below > 0 && R_ch > 0) {
        const double R_acc = constriction_factor(a / b) / (4.0 * a * k_below * n.density);
        auto R = [&](double A) {
          double r = 0;
          for (int k : bar) {
            const double dk = ss.DK[g.index(0, 0, k)];
            r += g.dz[k] / (dk + A * phi[k][0] * std::max(0.0, DKch - dk));
          }
          return r;
        };
        auto A_of = [&](double o) {  // bisection: R(A) decreases with A; A in [0, o]
          const double target = 1.0 / (1.0 / R_int + 1.0 / (R_ch / o + R_acc));
          double lo = 0, hi = o;
          if (R(hi) >= target) return hi;
          for (int it = 0; it < 100; ++it) {
            const double mid = 0.5 * (lo + hi);
            (R(mid) > target ? lo : hi) = mid;
          }
          return 0.5 * (lo + hi);
        };
        // least squares on o = 1/40 ... 1
        constexpr int J = 4, M = 40;
        double N[J][J + 1] = {};
        for (int q = 1; q <= M; ++q) {
          const double o = static_cast<double>(q) / M, A = A_of(o);
          double phi_o[J];
          for (int r = 0; r < J; ++r) phi_o[r] = std::pow(o, r + 1);
          for (int r = 0; r < J; ++r) {
            for (int t = 0; t < J; ++t) N[r][t] += phi_o[r] * phi_o[t];
            N[r][J] += phi_o[r] * A;
          }
        }
        for (int r = 0; r < J; ++r)  // Gaussian elimination (symmetric positive definite)
          for (int t = r + 1; t < J; ++t) {
            const double m = N[t][r] / N[r][r];
            for (int u = r; u <= J; ++u) N[t][u] -= m * N[r][u];
          }
        coef.assign(J, 0.0);
        for (int r = J - 1; r >= 0; --r) {
          double v = N[r][J];
          for (int t = r + 1; t < J; ++t) v -= N[r][t] * coef[t];
          coef[r] = v / N[r][r];
        }
        for (int k : bar) barrier[k] = 1;
      }
    }
    for (size_t jx = 0; jx < coef.size(); ++jx) {
      ConductanceSpec ch;
      ch.t_open = n.time;
      ch.tau = n.closure / static_cast<double>(jx + 1);
      for (int k = 0; k < rows; ++k)
        for (int j = 0; j < g.ny; ++j)
          for (int i = 0; i < g.nx; ++i) {
            const double f = phi[k][static_cast<size_t>(j) * g.nx + i];
            if (f <= 0) continue;
            const size_t idx = g.index(i, j, k);
            const double w = barrier[k] ? coef[jx] : (jx == 0 ? 1.0 : 0.0);
            const double add = w * f * std::max(0.0, DKch - ss.DK[idx]);
            if (add != 0) ch.dDK.emplace_back(idx, add);
          }
      if (!ch.dDK.empty()) ss.conductances.push_back(std::move(ch));
    }
  }
}

}  // namespace dermasim
