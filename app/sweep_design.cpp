// SPDX-License-Identifier: BSD-3-Clause
#include "sweep_design.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>

#include "../models/case.hpp"
#include "../models/metrics.hpp"
#include "../models/skin_population.hpp"
#include "../models/skin_presets.hpp"
#include "../solver/units.hpp"

namespace dermasim {

// ---------------------------------------------------------------------------------------------
// Random numbers: splitmix64 (Steele, Lea & Flood 2014), fixed here so that a seed gives the same
// table with every compiler and library.
namespace {
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  uint64_t below(uint64_t n) { return next() % n; }  // bias < n / 2^64: negligible for designs
};
}  // namespace

std::vector<double> sample_random(long n, int d, uint64_t seed) {
  Rng r(seed);
  std::vector<double> u(static_cast<size_t>(n) * d);
  for (auto& x : u) x = r.uniform();
  return u;
}

// Latin hypercube (McKay, Beckman & Conover 1979): each column has exactly one point in each of the
// n strata [k/n, (k+1)/n), at a uniform position inside it; strata are permuted independently per column.
std::vector<double> sample_lhs(long n, int d, uint64_t seed) {
  Rng r(seed);
  std::vector<double> u(static_cast<size_t>(n) * d);
  std::vector<long> perm(n);
  for (int j = 0; j < d; ++j) {
    std::iota(perm.begin(), perm.end(), 0L);
    for (long i = n - 1; i > 0; --i) std::swap(perm[i], perm[r.below(i + 1)]);  // Fisher-Yates
    for (long i = 0; i < n; ++i) u[i * d + j] = (perm[i] + r.uniform()) / static_cast<double>(n);
  }
  return u;
}

// Sobol' sequence (Sobol' 1967) with the primitive polynomials and initial direction numbers of
// Joe & Kuo (2008), file new-joe-kuo-6.21201, dimensions 2..21 (dimension 1 is van der Corput).
// Each row: degree s, polynomial coefficient a, initial numbers m_1..m_s.
namespace {
struct JoeKuo {
  int s;
  unsigned a;
  unsigned m[8];
};
const JoeKuo joe_kuo[] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
};
constexpr int sobol_bits = 32;
}  // namespace

int sobol_max_dims() { return 1 + static_cast<int>(sizeof joe_kuo / sizeof joe_kuo[0]); }

std::vector<double> sample_sobol(long n, int d) {
  if (d > sobol_max_dims()) throw std::runtime_error("Sobol sequence: at most " + std::to_string(sobol_max_dims()) + " dimensions");
  // direction numbers v[j][k] = m_k 2^(32-k)
  std::vector<std::array<uint32_t, sobol_bits + 1>> v(d);
  for (int j = 0; j < d; ++j) {
    auto& vj = v[j];
    if (j == 0) {
      for (int k = 1; k <= sobol_bits; ++k) vj[k] = 1u << (sobol_bits - k);
      continue;
    }
    const JoeKuo& jk = joe_kuo[j - 1];
    const int s = jk.s;
    for (int k = 1; k <= std::min(s, sobol_bits); ++k) vj[k] = jk.m[k - 1] << (sobol_bits - k);
    for (int k = s + 1; k <= sobol_bits; ++k) {
      vj[k] = vj[k - s] ^ (vj[k - s] >> s);
      for (int i = 1; i < s; ++i) vj[k] ^= ((jk.a >> (s - 1 - i)) & 1u) * vj[k - i];
    }
  }
  // Gray-code order (Antonov & Saleev 1979): point i differs from i-1 by one direction number.
  std::vector<double> u(static_cast<size_t>(n) * d);
  std::vector<uint32_t> x(d, 0);
  for (long i = 1; i <= n; ++i) {
    long c = 1, value = i - 1;
    while (value & 1) {
      value >>= 1;
      ++c;
    }
    for (int j = 0; j < d; ++j) {
      x[j] ^= v[j][c];
      u[(i - 1) * d + j] = static_cast<double>(x[j]) * 0x1.0p-32;
    }
  }
  return u;
}

// ---------------------------------------------------------------------------------------------
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Acklam's rational approximation (relative error 1.15e-9), refined by one Halley step on erfc.
double normal_quantile(double p) {
  if (p <= 0) return -INFINITY;
  if (p >= 1) return INFINITY;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double dd[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  const double pl = 0.02425;
  double x;
  if (p < pl) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((dd[0] * q + dd[1]) * q + dd[2]) * q + dd[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((dd[0] * q + dd[1]) * q + dd[2]) * q + dd[3]) * q + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double SweepDistribution::value(double u) const {
  if (kind == "uniform") return a + (b - a) * u;
  if (kind == "log_uniform") return std::exp(std::log(a) + (std::log(b) - std::log(a)) * u);
  if (kind == "normal" || kind == "log_normal") {
    const bool lg = kind == "log_normal";
    const double mu = lg ? std::log(a) : a, sigma = lg ? std::log(b) : b;
    auto z_of = [&](double v) {
      if (lg) return v <= 0 ? -INFINITY : (std::log(v) - mu) / sigma;
      return (v - mu) / sigma;
    };
    const double plo = lo > -1e308 ? normal_cdf(z_of(lo)) : 0.0, phi = hi < 1e308 ? normal_cdf(z_of(hi)) : 1.0;
    const double z = normal_quantile(plo + (phi - plo) * u);
    const double v = lg ? std::exp(mu + sigma * z) : mu + sigma * z;
    return std::clamp(v, lo, hi);
  }
  if (kind == "choice") return std::min(std::floor(u * choices.size()), static_cast<double>(choices.size() - 1));
  throw std::logic_error("unknown distribution " + kind);
}

std::string SweepDistribution::text(double u) const {
  const double v = value(u);
  if (kind == "choice") return choices[static_cast<size_t>(v)];
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v / unit_si);
  return unit.empty() ? std::string(buf) : std::string(buf) + " " + unit;
}

// ---------------------------------------------------------------------------------------------
namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// A YAML value as text that --set reads back to the same value.
std::string value_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// "10 um" -> unit "um" (the text after the number); "" for a plain number.
std::string unit_of(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || std::strchr("+-.eE", text[i]))) {
    // an 'e' followed by a letter starts a unit, not an exponent
    if ((text[i] == 'e' || text[i] == 'E') && (i + 1 >= text.size() || !(std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+'))) break;
    ++i;
  }
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return text.substr(i);
}

Quantity quantity_at(const Located& l) {
  try {
    return parse_quantity(l.as_string());
  } catch (const UnitError& e) {
    l.fail(e.what());
  }
}

// A quantity and the unit it was written in.
struct Given {
  Quantity q;
  std::string unit;
  double unit_si = 1;
};
Given given_at(const Located& l) {
  Given g;
  g.q = quantity_at(l);
  g.unit = unit_of(l.as_string());
  g.unit_si = g.unit.empty() ? 1.0 : parse_unit(g.unit).si;
  return g;
}

std::string format_value(double si, const Given& g) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", si / g.unit_si);
  return g.unit.empty() ? std::string(buf) : std::string(buf) + " " + g.unit;
}

// The key path of an axis: the --set syntax, checked for its form here (whether the base has it is
// checked by reading every case).
std::string read_key(const Located& l) {
  const std::string k = l.as_string();
  if (k.empty()) l.fail("an empty key path; write it as for --set, e.g. delivery[0].concentration");
  if (k.find('=') != std::string::npos) l.fail("a key path has no '=' (the values go in `values`, `range` or `distribution`)");
  int depth = 0;
  for (char ch : k) {
    if (ch == '[') ++depth;
    if (ch == ']') --depth;
    if (depth < 0 || depth > 1) l.fail("unbalanced brackets in the key path '" + k + "'");
  }
  if (depth != 0) l.fail("unclosed '[' in the key path '" + k + "'");
  return k;
}

std::vector<std::string> range_values(const Located& rl, Given* unit_out) {
  MapReader r(rl);
  const Located from = r.at("from"), to = r.at("to"), steps_l = r.at("steps");
  const Given f = given_at(from), t = given_at(to);
  if (!(f.q.dim == t.q.dim)) to.fail("'to' is " + describe_dim(t.q.dim) + " but 'from' is " + describe_dim(f.q.dim) + ": give both in the same kind of unit");
  const long steps = steps_l.as_int(1, 1000000);
  std::string scale = "linear";
  if (auto s = r.maybe("scale")) scale = one_of(*s, {"linear", "log"});
  r.finish();
  if (scale == "log") {
    if (!(f.q.si > 0) || !(t.q.si > 0)) rl.fail("a log range needs from > 0 and to > 0");
    if (!(f.q.si < t.q.si)) rl.fail("a log range needs from < to, got from '" + from.as_string() + "' > to '" + to.as_string() + "'");
  }
  if (steps == 1 && f.q.si != t.q.si) steps_l.fail("one step covers one value: set from = to, or steps >= 2");
  std::vector<std::string> v;
  for (long i = 0; i < steps; ++i) {
    const double x = steps == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(steps - 1);
    const double si = scale == "log" ? std::exp(std::log(f.q.si) + x * (std::log(t.q.si) - std::log(f.q.si))) : f.q.si + x * (t.q.si - f.q.si);
    v.push_back(format_value(i == steps - 1 ? t.q.si : si, f));
  }
  if (unit_out) *unit_out = f;
  return v;
}

// A population's value as a distribution of a model parameter v = scale X + offset, X normal with
// the published mean and SD, truncated at mean +- 3 SD (and at 10 % of the mean); v is kept above
// 10 % of its own mean. Written in `unit` (SI value unit_si).
SweepDistribution population_distribution(const PopulationEntry& e, double scale, double offset, const std::string& unit, double unit_si) {
  SweepDistribution x;
  x.kind = "normal";
  x.a = scale * e.mean + offset;
  x.b = scale * e.sd;
  x.lo = std::max(scale * std::max(e.mean - 3 * e.sd, 0.1 * e.mean) + offset, 0.1 * x.a);
  x.hi = scale * (e.mean + 3 * e.sd) + offset;
  x.unit = unit;
  x.unit_si = unit_si;
  return x;
}
SweepDistribution thickness_distribution(const PopulationEntry& e, double offset = 0) {
  const bool small = e.mean + offset < 1e-4;
  return population_distribution(e, 1.0, offset, small ? "um" : "mm", small ? 1e-6 : 1e-3);
}

struct PopulationQuery {
  std::string site, sex = "any";
  AgeQuery age;
};
PopulationQuery read_population_query(MapReader& d) {
  PopulationQuery q;
  q.site = one_of(d.at("site"), population_sites());
  if (auto s = d.maybe("sex")) q.sex = one_of(*s, {"any", "female", "male"});
  if (auto a = d.maybe("age")) {
    try {
      q.age = parse_age_query(a->as_string());
    } catch (const std::invalid_argument& e) {
      a->fail(e.what());
    }
  }
  return q;
}

// What the data hold for a site, for messages.
std::string population_at(const std::string& site) {
  std::vector<std::string> have;
  for (const auto& e : skin_population())
    if (e.site == site) have.push_back(describe_population_entry(e));
  return join(have);
}

bool dermal_kind(const std::string& k) { return k == "dermis" || k == "papillary_dermis" || k == "reticular_dermis"; }

// A `population` axis: every property the data hold for the site, sex and age, mapped onto the base
// case's layers (docs/sweep.md, "Skin populations"): layer thicknesses by layer name or kind; a
// dermis thickness onto a layer `dermis`, else the deepest dermal layer as the rest of the dermis;
// full skin (epidermis + dermis) onto the deepest dermal layer as the rest of the skin above it;
// blood flow onto the clearance of every dermal layer with one, scaled from the layer's value by
// flow / the study's reference (one draw for all of them: one person's perfusion).
// A property recorded per age group where no group holds the age asked is not sampled: the other
// properties are, with a note saying so; when none is left the population is refused, naming the
// groups recorded.
void population_axes(const Located& pl, const PopulationQuery& q, const std::vector<std::string>& properties, const std::vector<LayerDef>& layers,
                     std::vector<SweepAxis>& out, std::vector<int>& draw_of_axis, std::vector<std::string>& notes) {
  struct Target {
    size_t layer;
    std::string what;  // thickness, clearance
    const PopulationEntry* e;
    SweepDistribution dist;
    int draw;
  };
  std::vector<Target> targets;
  std::vector<std::string> unresolved;  // a property the query does not choose (per sex, per age)
  std::vector<std::string> outside;     // a property recorded for other age groups only
  int draws = 0;
  auto want = [&](const std::string& p) { return properties.empty() || std::find(properties.begin(), properties.end(), p) != properties.end(); };
  auto find = [&](const std::string& property, const std::string& layer) -> const PopulationEntry* {
    try {
      const PopulationEntry* e = find_population_entry(q.site, property, layer, q.sex, q.age);
      if (!e && !q.age.any) {
        const std::vector<std::string> groups = population_age_groups(q.site, property, layer, q.sex);
        if (!groups.empty())
          outside.push_back(property + (layer.empty() ? "" : "/" + layer) + " (" + q.sex + ") is recorded for ages " + join(groups) + " only");
      }
      return e;
    } catch (const std::invalid_argument& e) {
      unresolved.push_back(e.what());
      return nullptr;
    }
  };
  auto put = [&](Target t) {
    for (auto& o : targets)
      if (o.layer == t.layer && o.what == t.what) {
        // two sources for one parameter: an age group asked for beats the adult value
        if (!q.age.any && o.e->age == "adult" && t.e->age != "adult") o = t;
        return;
      }
    targets.push_back(t);
  };
  int deepest_dermal = -1;
  for (size_t i = 0; i < layers.size(); ++i)
    if (dermal_kind(layers[i].kind)) deepest_dermal = static_cast<int>(i);
  if (want("thickness")) {
    for (const char* lname : {"stratum_corneum", "viable_epidermis"}) {
      const PopulationEntry* e = find("thickness", lname);
      if (!e) continue;
      for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].name == lname || layers[i].kind == lname) put({i, "thickness", e, thickness_distribution(*e), draws++});
    }
    if (const PopulationEntry* e = find("thickness", "dermis")) {
      int target = -1;
      for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].name == "dermis" || layers[i].kind == "dermis") target = static_cast<int>(i);
      double others = 0;
      if (target < 0 && deepest_dermal >= 0) {
        target = deepest_dermal;
        for (int i = 0; i < target; ++i)
          if (dermal_kind(layers[i].kind)) others += layers[i].thickness;
      }
      if (target >= 0) {
        if (!(e->mean - others > 0.2 * e->mean))
          pl.fail("the population's dermis (" + describe_population_entry(*e) + ") is barely thicker than the base case's other dermal layers");
        put({static_cast<size_t>(target), "thickness", e, thickness_distribution(*e, -others), draws++});
      }
    }
  }
  if (want("full_skin") || want("thickness")) {
    if (const PopulationEntry* e = find("full_skin", ""); e && deepest_dermal >= 0) {
      double above = 0;
      for (int i = 0; i < deepest_dermal; ++i) above += layers[i].thickness;
      if (!(e->mean - above > 0.2 * e->mean))
        pl.fail("the population's full skin thickness (" + describe_population_entry(*e) + ") is barely thicker than the base case's layers above " +
                layers[deepest_dermal].name);
      put({static_cast<size_t>(deepest_dermal), "thickness", e, thickness_distribution(*e, -above), draws++});
    }
  }
  if (want("blood_flow")) {
    if (const PopulationEntry* e = find("blood_flow", "")) {
      const int draw = draws++;
      for (size_t i = 0; i < layers.size(); ++i)
        if (dermal_kind(layers[i].kind) && layers[i].clearance > 0)
          put({i, "clearance", e, population_distribution(*e, layers[i].clearance / e->reference, 0, "1/s", 1.0), draw});
    }
  }
  if (want("water")) {
    // a tissue-water index (tissue dielectric constant) onto the water fraction of every dermal
    // layer that has one, scaled from the layer's value by index / the group's mean: the spread
    // only, the base value standing for the group's average person (one draw: one person's tissue
    // water; [Assumed:tdc-water])
    if (const PopulationEntry* e = find("water", "")) {
      const int draw = draws++;
      for (size_t i = 0; i < layers.size(); ++i)
        if (dermal_kind(layers[i].kind) && layers[i].water > 0) {
          SweepDistribution d = population_distribution(*e, layers[i].water / e->reference, 0, "", 1.0);
          auto num = [](double v) {
            char b[32];
            std::snprintf(b, sizeof b, "%.3g", v);
            return std::string(b);
          };
          if (!(d.hi < 1))
            pl.fail("the population's water index (" + describe_population_entry(*e) + ") scales the water fraction of layer '" + layers[i].name +
                    "' (" + num(layers[i].water) + ") to " + num(d.hi) + " at mean + 3 SD: a water fraction must stay below 1");
          put({i, "water", e, d, draw});
        }
    }
  }
  if (targets.empty()) {
    std::vector<std::string> layer_names;
    for (const auto& l : layers) layer_names.push_back(l.name + " (" + l.kind + ")");
    if (!unresolved.empty()) pl.fail(unresolved.front());
    if (!outside.empty()) {
      std::string o;
      for (const auto& x : outside) o += (o.empty() ? "" : "; ") + x;
      pl.fail("no population data at site '" + q.site + "' for age " + q.age.text + ": " + o + " (no source found for other ages); the site has: " +
              population_at(q.site));
    }
    pl.fail("no layer of the base case (" + join(layer_names) + ") has population data at site '" + q.site + "' for sex " + q.sex + ", age " +
            q.age.text + "; the site has: " + population_at(q.site));
  }
  for (const auto& x : outside)
    notes.push_back((pl.src ? pl.src->file : std::string("?")) + ":" + std::to_string(pl.line()) + ": " + pl.path + ": age " + q.age.text + " at site '" + q.site + "': " + x +
                    ", not sampled (the other properties are)");
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.layer != b.layer ? a.layer < b.layer : a.what > b.what; });
  for (const auto& t : targets) {
    SweepAxis ax;
    ax.key = "skin.layers[" + std::to_string(t.layer) + "]." + t.what;
    ax.dist = t.dist;
    out.push_back(std::move(ax));
    draw_of_axis.push_back(t.draw);
  }
}

SweepDistribution read_distribution(const Located& dl) {
  MapReader d(dl);
  SweepDistribution x;
  x.kind = one_of(d.at("kind"), {"uniform", "log_uniform", "normal", "log_normal", "truncated_normal", "population"});
  auto set_unit = [&](const Given& g) {
    x.unit = g.unit;
    x.unit_si = g.unit_si;
  };
  Dim dim;
  if (x.kind == "uniform" || x.kind == "log_uniform") {
    const Located mn = d.at("min"), mx = d.at("max");
    const Given a = given_at(mn), b = given_at(mx);
    if (!(a.q.dim == b.q.dim)) mx.fail("'max' is " + describe_dim(b.q.dim) + " but 'min' is " + describe_dim(a.q.dim));
    if (!(a.q.si < b.q.si)) dl.fail("needs min < max, got min '" + mn.as_string() + "', max '" + mx.as_string() + "'");
    if (x.kind == "log_uniform" && !(a.q.si > 0)) mn.fail("a log_uniform distribution needs min > 0");
    x.a = a.q.si;
    x.b = b.q.si;
    dim = a.q.dim;
    set_unit(a);
  } else if (x.kind == "normal" || x.kind == "truncated_normal") {
    const Located m = d.at("mean"), s = d.at("sd");
    const Given a = given_at(m), b = given_at(s);
    if (!(a.q.dim == b.q.dim) && b.q.si != 0) s.fail("'sd' is " + describe_dim(b.q.dim) + " but 'mean' is " + describe_dim(a.q.dim));
    if (!(b.q.si > 0)) s.fail("the standard deviation must be positive");
    x.a = a.q.si;
    x.b = b.q.si;
    dim = a.q.dim;
    set_unit(a);
    if (x.kind == "truncated_normal") {
      d.at("min");
      d.at("max");
    }
    x.kind = "normal";
  } else if (x.kind == "log_normal") {
    const Located m = d.at("median"), s = d.at("gsd");
    const Given a = given_at(m);
    if (!(a.q.si > 0)) m.fail("the median of a log-normal distribution must be positive");
    const double gsd = s.as_number();
    if (!(gsd > 1)) s.fail("the geometric standard deviation must be > 1 (e.g. 1.3 for about +-30 %)");
    x.a = a.q.si;
    x.b = gsd;
    dim = a.q.dim;
    set_unit(a);
  } else {  // population: one layer's thickness
    const std::string layer = one_of(d.at("layer"), {"stratum_corneum", "viable_epidermis", "dermis"});
    const PopulationQuery q = read_population_query(d);
    const PopulationEntry* e = nullptr;
    try {
      e = find_population_entry(q.site, "thickness", layer, q.sex, q.age);
    } catch (const std::invalid_argument& err) {
      dl.fail(err.what());
    }
    if (!e) dl.fail("no population data for the " + layer + " thickness at site '" + q.site + "' for sex " + q.sex + ", age " + q.age.text +
                    "; the site has: " + population_at(q.site));
    x = thickness_distribution(*e);
    d.finish();
    return x;
  }
  if (x.kind == "normal" || x.kind == "log_normal") {
    for (const char* key : {"min", "max"})
      if (auto l = d.maybe(key)) {
        const Given g = given_at(*l);
        if (!(g.q.dim == dim)) l->fail("'" + std::string(key) + "' is " + describe_dim(g.q.dim) + " but the distribution is " + describe_dim(dim));
        (key[1] == 'i' ? x.lo : x.hi) = g.q.si;
      }
    if (!(x.lo < x.hi)) dl.fail("needs min < max");
    if (x.kind == "log_normal" && x.hi <= 0) dl.fail("a log-normal distribution needs max > 0");
    const double mid = x.kind == "log_normal" ? std::log(x.a) : x.a, sc = x.kind == "log_normal" ? std::log(x.b) : x.b;
    auto z = [&](double v) { return x.kind == "log_normal" ? (v <= 0 ? -INFINITY : (std::log(v) - mid) / sc) : (v - mid) / sc; };
    if (normal_cdf(z(x.hi)) - normal_cdf(z(x.lo)) < 1e-6) dl.fail("min..max holds almost none of the distribution");
  }
  d.finish();
  return x;
}

// Derived values: an arithmetic expression over {key.path} references and plain numbers.
class Expr {
 public:
  Expr(std::string text, std::function<Quantity(const std::string&)> ref) : s_(std::move(text)), ref_(std::move(ref)) {}
  Quantity parse() {
    Quantity q = sum();
    skip();
    if (i_ != s_.size()) throw std::runtime_error("unexpected '" + s_.substr(i_) + "'");
    return q;
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  Quantity sum() {
    Quantity q = product();
    for (;;) {
      skip();
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
        const char op = s_[i_++];
        Quantity r = product();
        if (!(r.dim == q.dim) && !(r.si == 0 || q.si == 0)) throw std::runtime_error("adding " + describe_dim(r.dim) + " to " + describe_dim(q.dim));
        q.si = op == '+' ? q.si + r.si : q.si - r.si;
        if (q.dim == Dim{}) q.dim = r.dim;
      } else {
        return q;
      }
    }
  }
  Quantity product() {
    Quantity q = atom();
    for (;;) {
      skip();
      if (i_ < s_.size() && (s_[i_] == '*' || s_[i_] == '/')) {
        const char op = s_[i_++];
        Quantity r = atom();
        if (op == '*') {
          q.si *= r.si;
          q.dim = q.dim * r.dim;
        } else {
          q.si /= r.si;
          q.dim = q.dim / r.dim;
        }
      } else {
        return q;
      }
    }
  }
  Quantity atom() {
    skip();
    if (i_ >= s_.size()) throw std::runtime_error("the expression ends too early");
    if (s_[i_] == '(') {
      ++i_;
      Quantity q = sum();
      skip();
      if (i_ >= s_.size() || s_[i_] != ')') throw std::runtime_error("missing ')'");
      ++i_;
      return q;
    }
    if (s_[i_] == '-') {
      ++i_;
      Quantity q = atom();
      q.si = -q.si;
      return q;
    }
    if (s_[i_] == '[') {  // a quantity with its unit: [200 uL]
      const size_t j = s_.find(']', i_);
      if (j == std::string::npos) throw std::runtime_error("missing ']'");
      const std::string q = s_.substr(i_ + 1, j - i_ - 1);
      i_ = j + 1;
      try {
        return parse_quantity(q);
      } catch (const UnitError& e) {
        throw std::runtime_error("[" + q + "]: " + e.what());
      }
    }
    if (s_[i_] == '{') {
      const size_t j = s_.find('}', i_);
      if (j == std::string::npos) throw std::runtime_error("missing '}'");
      const std::string key = s_.substr(i_ + 1, j - i_ - 1);
      i_ = j + 1;
      return ref_(key);
    }
    size_t used = 0;
    double v;
    try {
      v = std::stod(s_.substr(i_), &used);
    } catch (...) {
      throw std::runtime_error("expected a number, a [quantity], a {key.path} or '(' at '" + s_.substr(i_) + "'");
    }
    i_ += used;
    return Quantity{v, Dim{}};
  }
  std::string s_;
  size_t i_ = 0;
  std::function<Quantity(const std::string&)> ref_;
};

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

bool under_layers(const std::string& key) { return key.rfind("skin.layers", 0) == 0; }

// "skin.layers=[{...}, ...]": the preset's layers as a --set value.
std::string preset_layers_set(const SkinPreset& p) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  char buf[64];
  for (const auto& l : p.layers) {
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << l.name;
    std::snprintf(buf, sizeof buf, "%.12g m", l.thickness);
    e << YAML::Key << "thickness" << YAML::Value << buf;
    e << YAML::Key << "cells" << YAML::Value << l.cells;
    e << YAML::Key << "grading" << YAML::Value << l.grading;
    e << YAML::Key << "toward" << YAML::Value << l.toward;
    std::snprintf(buf, sizeof buf, "%.12g 1/s", l.clearance);
    e << YAML::Key << "clearance" << YAML::Value << buf;
    std::snprintf(buf, sizeof buf, "%.12g 1/s", l.lymph_clearance);
    e << YAML::Key << "lymph_clearance" << YAML::Value << buf;
    e << YAML::Key << "kind" << YAML::Value << l.kind;
    if (l.water > 0) e << YAML::Key << "water" << YAML::Value << l.water;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  return std::string("skin.layers=") + e.c_str();
}

}  // namespace

std::string lookup_value(const Located& root, const std::string& key) {
  // Node::reset rebinds; operator= would assign into the tree (yaml-cpp semantics)
  YAML::Node cur;
  cur.reset(root.node);
  bool ok = true;
  std::string seg;
  auto step = [&](const std::string& s) {
    if (s.empty() || !ok) return;
    const YAML::Node& c = cur;
    if (s[0] == '[') {
      const size_t idx = std::stoul(s.substr(1, s.size() - 2));
      if (c.IsSequence() && idx < c.size()) cur.reset(c[idx]);
      else ok = false;
    } else {
      if (c.IsMap() && c[s]) cur.reset(c[s]);
      else ok = false;
    }
  };
  for (size_t i = 0; i < key.size(); ++i) {
    const char ch = key[i];
    if (ch == '.') {
      step(seg);
      seg.clear();
    } else if (ch == '[') {
      step(seg);
      const size_t j = key.find(']', i);
      if (j == std::string::npos) return "";
      step(key.substr(i, j - i + 1));
      seg.clear();
      i = j;
    } else {
      seg += ch;
    }
  }
  step(seg);
  if (!ok || !cur || !cur.IsScalar()) return "";
  return cur.Scalar();
}

std::vector<std::string> SweepSpec::case_sets(const SweepCase& c) const {
  std::vector<std::string> s = sets;
  for (size_t i = 0; i < axes.size(); ++i) s.push_back(axes[i].key + "=" + c.values[i]);
  return s;
}

std::string SweepSpec::axis_where(size_t i) const { return file + ":" + std::to_string(axes[i].line) + ": " + axes[i].location; }

SweepSpec read_sweep(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, 0, "", "this is a folder; give a sweep file (.yaml)");
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", std::string("cannot open the sweep file: ") + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return read_sweep_text(ss.str(), path);
}

SweepSpec read_sweep_text(const std::string& text, const std::string& name) {
  SweepSpec sp;
  sp.file = name;
  Located root = load_yaml_text(text, name, {});
  MapReader r(root);
  // base: relative to the sweep file
  const Located base_l = r.at("base");
  {
    std::filesystem::path b(base_l.as_string());
    if (b.is_relative()) b = std::filesystem::path(name).parent_path() / b;
    sp.base_file = b.lexically_normal().string();
    std::ifstream bin(sp.base_file);
    if (!bin) base_l.fail("cannot open the base case '" + sp.base_file + "': " + std::strerror(errno));
    std::stringstream bs;
    bs << bin.rdbuf();
    sp.base_text = bs.str();
  }
  if (auto s = r.maybe("set")) {
    if (!s->is_map()) s->fail("a map of KEY.PATH: value entries applied to every case, e.g. {time.end: 6 h}");
    MapReader sm(*s);
    for (const auto& k : sm.keys()) sp.sets.push_back(k + "=" + value_text(sm.at(k).node));
  }
  // design
  int design_line = 0;
  if (auto d = r.maybe("design")) {
    design_line = d->line();
    const std::vector<std::string> kinds = {"factorial", "random", "lhs", "sobol", "saltelli", "morris"};
    if (d->is_scalar()) {
      sp.design = one_of(*d, kinds);
    } else {
      MapReader dm(*d);
      sp.design = one_of(dm.at("kind"), kinds);
      if (auto n = dm.maybe("samples")) sp.samples = n->as_int(1, 10000000);
      if (auto s = dm.maybe("seed")) sp.seed = static_cast<uint64_t>(s->as_int(0, 9007199254740991L));
      if (auto l = dm.maybe("levels")) {
        if (sp.design != "morris") l->fail("`levels` is for a morris design");
        sp.levels = static_cast<int>(l->as_int(2, 1000));
        if (sp.levels % 2) l->fail("an even number of levels (e.g. 4), so that every step is half the levels");
      }
      dm.finish();
    }
    if (sp.design != "factorial" && sp.samples == 0) d->fail("a " + sp.design + " design needs `samples` (e.g. {kind: " + sp.design + ", samples: 64, seed: 1})");
    if (sp.design == "factorial" && sp.samples != 0) d->fail("a factorial design takes every combination: leave out `samples`");
  }
  const bool sampled = sp.design != "factorial";
  if (auto s = r.maybe("species")) sp.species = s->as_string();
  if (auto c = r.maybe("curves")) sp.curves = c->as_bool();
  if (auto f = r.maybe("fields")) sp.fields = f->as_bool();

  // axes
  const Located vary = r.at("vary");
  if (!vary.is_list()) vary.fail("a list of axes, e.g. - {key: delivery[0].concentration, values: [1 mg/mL, 2 mg/mL]}");
  const auto vlist = vary.as_list();
  if (vlist.empty()) vary.fail("no axes: give at least one");
  int groups = 0;
  std::vector<size_t> group_size;  // factorial: values per group
  auto read_axis = [&](const Located& al, int group, bool in_zip) -> SweepAxis {
    if (!al.is_map()) al.fail("an axis is a map: {key: ..., values: [...]} or {key: ..., range: {...}} or {key: ..., distribution: {...}}");
    MapReader a(al);
    SweepAxis ax;
    ax.key = read_key(a.at("key"));
    ax.line = al.line();
    ax.location = al.path;
    ax.group = group;
    const bool has_values = a.has("values"), has_range = a.has("range"), has_dist = a.has("distribution"), has_derived = a.has("derived");
    if (has_values + has_range + has_dist + has_derived != 1)
      al.fail("give exactly one of values, range, distribution or derived for '" + ax.key + "'");
    if (has_values) {
      const Located vl = a.at("values");
      if (!vl.is_list()) vl.fail("a list of values, e.g. [1 mg/mL, 2 mg/mL]");
      for (const auto& v : vl.as_list()) ax.values.push_back(value_text(v.node));
      if (ax.values.empty()) vl.fail("an empty axis: give at least one value");
      if (sampled) {
        ax.dist.kind = "choice";
        ax.dist.choices = ax.values;
      }
    } else if (has_range) {
      Given g;
      const Located rl = a.at("range");
      ax.values = range_values(rl, &g);
      if (sampled) {
        MapReader rr(rl);
        const bool lg = rr.maybe("scale") && rr.at("scale").as_string() == "log";
        ax.dist.kind = lg ? "log_uniform" : "uniform";
        ax.dist.a = parse_quantity(rr.at("from").as_string()).si;
        ax.dist.b = parse_quantity(rr.at("to").as_string()).si;
        ax.dist.unit = g.unit;
        ax.dist.unit_si = g.unit_si;
        ax.values.clear();
      }
    } else if (has_dist) {
      const Located dl = a.at("distribution");
      if (!sampled) dl.fail("a distribution needs a sampled design: design: {kind: lhs (or random, sobol, saltelli), samples: N, seed: S}");
      ax.dist = read_distribution(dl);
    } else {
      const Located dl = a.at("derived");
      ax.derived = dl.as_string();
      if (auto u = a.maybe("unit")) {
        ax.derived_unit = u->as_string();
        try {
          parse_unit(ax.derived_unit);
        } catch (const UnitError& e) {
          u->fail(e.what());
        }
      }
      if (in_zip) dl.fail("a derived value is computed per case: list it as its own axis, not in a zip group");
      ax.group = -1;
    }
    a.finish();
    return ax;
  };
  for (const auto& al : vlist) {
    if (al.is_map() && MapReader(al).has("population")) {
      // the properties the data hold for a site, sex and age, mapped onto the base case's layers
      MapReader pm(al);
      const Located pl = pm.at("population");
      pm.finish();
      if (!sampled) pl.fail("a population needs a sampled design: design: {kind: lhs (or random, sobol, saltelli), samples: N, seed: S}");
      MapReader pq(pl);
      const PopulationQuery q = read_population_query(pq);
      std::vector<std::string> properties;
      if (auto pp = pq.maybe("properties")) {
        if (!pp->is_list() || pp->as_list().empty()) pp->fail("a list of properties: thickness, full_skin, blood_flow, water");
        for (const auto& x : pp->as_list()) properties.push_back(one_of(x, {"thickness", "full_skin", "blood_flow", "water"}));
      }
      pq.finish();
      Case base;
      try {
        base = read_case(load_yaml_text(sp.base_text, sp.base_file, sp.sets));
      } catch (const InputError& e) {
        throw InputError(e.file(), e.line(), e.key_path(), "the base case of " + name + ": " + e.reason());
      }
      std::vector<SweepAxis> axes;
      std::vector<int> draw;
      population_axes(pl, q, properties, base.layers, axes, draw, sp.notes);
      std::map<int, int> group_of_draw;  // axes of one draw (one person's perfusion) share its input
      for (size_t k = 0; k < axes.size(); ++k) {
        SweepAxis ax = std::move(axes[k]);
        ax.line = al.line();
        ax.location = al.path;
        auto it = group_of_draw.find(draw[k]);
        if (it == group_of_draw.end()) {
          it = group_of_draw.emplace(draw[k], groups++).first;
          group_size.push_back(0);
        }
        ax.group = it->second;
        sp.axes.push_back(std::move(ax));
      }
      continue;
    }
    if (al.is_map() && MapReader(al).has("zip")) {
      MapReader z(al);
      const Located zl = z.at("zip");
      z.finish();
      if (!zl.is_list() || zl.as_list().empty()) zl.fail("a zip group is a list of axes varied together");
      size_t n = 0;
      for (const auto& m : zl.as_list()) {
        SweepAxis ax = read_axis(m, groups, true);
        if (!sampled) {
          if (n && ax.values.size() != n)
            m.fail("the axes of a zip group vary together and need the same number of values: " + std::to_string(ax.values.size()) + " here, " +
                   std::to_string(n) + " in the first");
          n = ax.values.size();
        }
        sp.axes.push_back(std::move(ax));
      }
      group_size.push_back(n);
      ++groups;
    } else {
      SweepAxis ax = read_axis(al, groups, false);
      if (!ax.derived.empty()) {
        sp.axes.push_back(std::move(ax));
        continue;
      }
      group_size.push_back(ax.values.size());
      sp.axes.push_back(std::move(ax));
      ++groups;
    }
  }
  for (size_t i = 0; i < sp.axes.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (sp.axes[i].key == sp.axes[j].key)
        throw InputError(name, sp.axes[i].line, sp.axes[i].location + ".key", "'" + sp.axes[i].key + "' is varied twice (also at line " + std::to_string(sp.axes[j].line) + ")");

  // metrics
  {
    std::vector<std::string> names = metric_value_columns();
    for (const char* x : {"receptor_pct_dose", "receptor_amount", "papule_height_mm", "papule_volume_halving_h", "ha_remaining_pct"}) names.push_back(x);
    if (auto ml = r.maybe("metrics")) {
      if (!ml->is_list()) ml->fail("a list of metric names (" + join(names) + ") or {layer: NAME, at: TIME}");
      for (const auto& m : ml->as_list()) {
        SweepMetric sm;
        sm.line = m.line();
        if (m.is_map()) {
          MapReader mm(m);
          sm.kind = "layer_pct_dose";
          sm.layer = mm.at("layer").as_string();
          const Located at = mm.at("at");
          sm.at = at.as_quantity(dims::time);
          if (sm.at < 0) at.fail("a time >= 0");
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.6g", sm.at / 3600.0);
          sm.name = sm.layer + "_pct_dose_at_" + buf + "h";
          mm.finish();
        } else {
          sm.name = sm.kind = m.as_string();
          if (std::find(names.begin(), names.end(), sm.name) == names.end())
            m.fail("unknown metric '" + sm.name + "'; known: " + join(names) + ", or {layer: NAME, at: TIME} for % of the dose in a layer at a time");
        }
        for (const auto& o : sp.metrics)
          if (o.name == sm.name) m.fail("metric '" + sm.name + "' is listed twice");
        sp.metrics.push_back(sm);
      }
      if (sp.metrics.empty()) ml->fail("no metrics: list at least one, or leave out `metrics` for the default set");
    } else {
      for (const char* x : {"peak_pct_dose", "auc_mg_mL_h", "cmax_mg_mL", "tmax_h", "receptor_pct_dose"}) sp.metrics.push_back({x, x, "", -1, 0});
    }
  }
  r.finish();

  // cases
  std::vector<size_t> indep;  // axes that are not derived
  for (size_t i = 0; i < sp.axes.size(); ++i)
    if (sp.axes[i].derived.empty()) indep.push_back(i);
  if (indep.empty()) vary.fail("only derived values: vary at least one key");
  if (!sampled) {
    long total = 1;
    for (size_t n : group_size) {
      total *= static_cast<long>(n);
      if (total > 10000000) vary.fail("more than 10 million cases in the factorial design");
    }
    for (long id = 0; id < total; ++id) {
      SweepCase c;
      c.id = id;
      c.values.resize(sp.axes.size());
      // the last group varies fastest
      std::vector<size_t> idx(groups);
      long rem = id;
      for (int g = groups - 1; g >= 0; --g) {
        idx[g] = static_cast<size_t>(rem % static_cast<long>(group_size[g]));
        rem /= static_cast<long>(group_size[g]);
      }
      for (size_t i : indep) c.values[i] = sp.axes[i].values[idx[sp.axes[i].group]];
      sp.cases.push_back(std::move(c));
    }
  } else {
    sp.dims = groups;
    const int d = groups;
    std::vector<double> u;
    long rows = sp.samples;
    if (sp.design == "random") u = sample_random(rows, d, sp.seed);
    if (sp.design == "lhs") u = sample_lhs(rows, d, sp.seed);
    if (sp.design == "sobol" || sp.design == "saltelli") {
      const int need = sp.design == "saltelli" ? 2 * d : d;
      if (need > sobol_max_dims())
        throw InputError(name, design_line, "design", "a " + sp.design + " design of " + std::to_string(d) + " inputs needs " + std::to_string(need) +
                                                          " Sobol dimensions; this build has " + std::to_string(sobol_max_dims()) + " (use lhs or random)");
      u = sample_sobol(rows, need);
    }
    auto make = [&](long id, const double* uu, int stride) {
      for (int k = 0; k < d; ++k) sp.unit_points.push_back(uu[k * stride]);
      SweepCase c;
      c.id = id;
      c.values.resize(sp.axes.size());
      for (size_t i : indep) c.values[i] = sp.axes[i].dist.text(uu[sp.axes[i].group * stride]);
      return c;
    };
    if (sp.design == "morris") {
      // r trajectories of d + 1 points (Morris 1991): a start on the grid of `levels` levels
      // (j + 1/2) / p, then each input in a random order moves by half the levels (0.5 in u),
      // up if it can, else down; elementary effect of input i: the change of f over that step.
      Rng rng(sp.seed);
      const int p = sp.levels;
      std::vector<double> x(d);
      std::vector<int> order(d);
      for (long t = 0; t < rows; ++t) {
        for (int k = 0; k < d; ++k) x[k] = (static_cast<double>(rng.below(static_cast<uint64_t>(p))) + 0.5) / p;
        std::iota(order.begin(), order.end(), 0);
        for (int k = d - 1; k > 0; --k) std::swap(order[k], order[rng.below(static_cast<uint64_t>(k + 1))]);
        sp.cases.push_back(make(static_cast<long>(sp.cases.size()), x.data(), 1));
        for (int k : order) {
          x[k] += x[k] + 0.5 < 1 ? 0.5 : -0.5;
          sp.cases.push_back(make(static_cast<long>(sp.cases.size()), x.data(), 1));
        }
      }
    } else if (sp.design == "saltelli") {
      // per base point j: A_j, B_j, then AB^(i)_j = A_j with input i from B_j (Saltelli 2002; 2010)
      for (long j = 0; j < rows; ++j) {
        const double* row = &u[j * 2 * d];
        std::vector<double> ab(d);
        sp.cases.push_back(make(static_cast<long>(sp.cases.size()), row, 1));
        sp.cases.push_back(make(static_cast<long>(sp.cases.size()), row + d, 1));
        for (int i = 0; i < d; ++i) {
          for (int k = 0; k < d; ++k) ab[k] = k == i ? row[d + k] : row[k];
          sp.cases.push_back(make(static_cast<long>(sp.cases.size()), ab.data(), 1));
        }
      }
    } else {
      for (long j = 0; j < rows; ++j) sp.cases.push_back(make(j, &u[j * d], 1));
    }
  }

  // presets written out when an axis varies the layers
  bool layers_varied = false;
  for (const auto& ax : sp.axes) layers_varied = layers_varied || under_layers(ax.key);
  if (layers_varied) {
    Located base = load_yaml_text(sp.base_text, sp.base_file, sp.sets);
    const std::string preset = lookup_value(base, "skin.preset");
    const YAML::Node skin = base.node["skin"];
    if (!preset.empty() && !(skin && skin.IsMap() && skin["layers"])) {
      if (const SkinPreset* p = find_skin_preset(preset)) sp.sets.insert(sp.sets.begin(), preset_layers_set(*p));
    }
  }

  // derived values, per case, from the case's other values
  for (size_t i = 0; i < sp.axes.size(); ++i) {
    if (sp.axes[i].derived.empty()) continue;
    const SweepAxis& ax = sp.axes[i];
    Quantity unit{1.0, Dim{}};
    if (!ax.derived_unit.empty()) unit = parse_unit(ax.derived_unit);
    for (auto& c : sp.cases) {
      std::vector<std::string> sets = sp.sets;
      for (size_t k = 0; k < sp.axes.size(); ++k)
        if (sp.axes[k].derived.empty()) sets.push_back(sp.axes[k].key + "=" + c.values[k]);
      Located cl;
      try {
        cl = load_yaml_text(sp.base_text, sp.base_file, sets);
      } catch (const InputError& e) {
        throw InputError(name, ax.line, ax.key, "case " + std::to_string(c.id) + ": " + e.what());
      }
      Quantity q;
      try {
        q = Expr(ax.derived, [&](const std::string& key) {
              const std::string v = lookup_value(cl, key);
              if (v.empty()) throw std::runtime_error("{" + key + "} has no single value in the case");
              try {
                return parse_quantity(v);
              } catch (const UnitError& e) {
                throw std::runtime_error("{" + key + "} = '" + v + "': " + e.what());
              }
            }).parse();
      } catch (const std::runtime_error& e) {
        throw InputError(name, ax.line, ax.key, "derived '" + ax.derived + "': " + e.what());
      }
      if (!(q.dim == unit.dim))
        throw InputError(name, ax.line, ax.key, "derived '" + ax.derived + "' is " + describe_dim(q.dim) + (ax.derived_unit.empty() ? std::string(" (give its `unit`)") : ", but the unit '" + ax.derived_unit + "' is " + describe_dim(unit.dim)));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.9g", q.si / unit.si);
      c.values[i] = ax.derived_unit.empty() ? std::string(buf) : std::string(buf) + " " + ax.derived_unit;
    }
  }

  // what defines the table
  std::string fp = text + "\n--base--\n" + sp.base_text;
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(fp)));
  sp.fingerprint = hex;
  return sp;
}

}  // namespace dermasim
