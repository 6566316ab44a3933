// SPDX-License-Identifier: BSD-3-Clause
// Reading a fit file (docs/fit.md) and its data files. Fit-file errors name the file, line and key
// path (solver/input's readers); data-file errors name the file, row and column.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../models/case.hpp"
#include "../solver/input.hpp"
#include "../solver/units.hpp"
#include "fit.hpp"

namespace dermasim {

namespace fs = std::filesystem;

std::string to_string(Residuals r) {
  switch (r) {
    case Residuals::Auto: return "auto";
    case Residuals::Sd: return "sd";
    case Residuals::Relative: return "relative";
    case Residuals::Log: return "log";
    case Residuals::Absolute: return "absolute";
  }
  return "?";
}

double FitParameter::value(double u) const { return log ? lo * std::pow(hi / lo, u) : lo + u * (hi - lo); }
double FitParameter::coordinate(double v) const { return log ? std::log(v / lo) / std::log(hi / lo) : (v - lo) / (hi - lo); }
double FitParameter::natural_per_u() const { return log ? std::log(hi / lo) : hi - lo; }
std::string FitParameter::set_text(double v) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return key + "=" + buf + (unit.empty() ? "" : " " + unit);
}

namespace {

// Whether a path names a regular file; false (not an exception) for a name the system refuses, e.g.
// one too long (found by fuzz_fit: std::filesystem::status threw "File name too long").
bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

Residuals read_residuals(const Located& l) {
  const std::string s = one_of(l, {"auto", "sd", "relative", "log", "absolute"});
  if (s == "sd") return Residuals::Sd;
  if (s == "relative") return Residuals::Relative;
  if (s == "log") return Residuals::Log;
  if (s == "absolute") return Residuals::Absolute;
  return Residuals::Auto;
}

// "1e-15 m2/s" -> (value in its unit, unit text, SI value, dimension).
struct Bound {
  double value = 0, si = 0;
  std::string unit;
  Dim dim;
};
Bound read_bound(const Located& l) {
  const std::string text = l.as_string();
  Bound b;
  try {
    Quantity q = parse_quantity(text);
    b.si = q.si;
    b.dim = q.dim;
    size_t pos = 0;
    b.value = std::stod(text, &pos);
    b.unit = text.substr(pos);
    b.unit.erase(0, b.unit.find_first_not_of(" \t"));
    b.unit.erase(b.unit.find_last_not_of(" \t") + 1);
  } catch (const UnitError& e) {
    l.fail(std::string("not a number with a unit: ") + e.what());
  } catch (const std::exception&) {
    l.fail("not a number with a unit, e.g. '1e-13 m2/s' or '0.5'");
  }
  if (!std::isfinite(b.value)) l.fail("must be a finite number");
  return b;
}

// The quantities a data set can measure: the value column's name and the dimensions of its unit
// tokens (mass, area[, time]).
struct QuantityInfo {
  std::string name, column;
  std::vector<Dim> unit_dims;
};
const std::vector<QuantityInfo>& quantities() {
  static const std::vector<QuantityInfo> q = {
      {"receptor", "receptor", {dims::mass, dims::area}},
      {"flux", "flux", {dims::mass, dims::area, dims::time}},
      {"layer", "amount", {dims::mass, dims::area}},
      {"vehicle", "vehicle", {dims::mass, dims::area}},
      {"tape_strips", "amount", {dims::mass, dims::area}},
  };
  return q;
}
const QuantityInfo& quantity_info(const std::string& name) {
  for (const auto& q : quantities())
    if (q.name == name) return q;
  throw std::logic_error("unknown quantity " + name);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}
std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

// A header "<name>_<u1>_<u2>..." whose last tokens are units of the dimensions `d`: returns the name
// and the SI factor (product of u1 / u2 / u3 ...: the first unit over the rest), or "" when the
// tokens are not such units.
std::string split_header(const std::string& h, const std::vector<Dim>& d, double* factor, std::string* unit) {
  auto tok = split(h, '_');
  if (tok.size() < d.size() + 1) return "";
  const size_t first = tok.size() - d.size();
  double f = 1;
  std::string u;
  for (size_t i = 0; i < d.size(); ++i) {
    Quantity q;
    try {
      q = parse_unit(tok[first + i]);
    } catch (const std::exception&) {
      return "";
    }
    if (!(q.dim == d[i])) return "";
    f = i == 0 ? q.si : f / q.si;
    u += (i ? "_" : "") + tok[first + i];
  }
  std::string name;
  for (size_t i = 0; i < first; ++i) name += (i ? "_" : "") + tok[i];
  *factor = f;
  *unit = u;
  return name;
}

bool replicate_of(const std::string& name, const std::string& prefix) {
  if (name == prefix) return true;
  if (name.rfind(prefix, 0) != 0) return false;
  std::string rest = name.substr(prefix.size());
  if (!rest.empty() && rest[0] == '_') rest.erase(0, 1);
  return !rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

void read_data_file(DataSet& ds) {
  const QuantityInfo& qi = quantity_info(ds.quantity);
  const bool tape = ds.quantity == "tape_strips";
  std::ifstream in(ds.file);
  if (!in) throw InputError(ds.file, 0, "", std::string("cannot open the data file: ") + std::strerror(errno));
  std::string line;
  int row = 0;
  std::vector<std::string> header;
  int header_row = 0;
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  while (std::getline(in, line)) {
    ++row;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto cells = split(t, ',');
    for (auto& c : cells) c = trim(c);
    if (header.empty()) {
      header = cells;
      header_row = row;
    } else {
      rows.emplace_back(row, cells);
    }
  }
  const std::string expected = tape ? "depth_from_um, depth_to_um (or strip_mass_ug_cm2), amount_ug_cm2[, sd_ug_cm2]"
                                    : "time_h, " + qi.column + (ds.quantity == "flux" ? "_ug_cm2_h" : "_ug_cm2") +
                                          "[, sd_" + (ds.quantity == "flux" ? "ug_cm2_h" : "ug_cm2") + "]";
  if (header.empty()) throw InputError(ds.file, 0, "", "the data file is empty; expected a header (" + expected + ") and rows");
  // Columns: what each is and its SI factor.
  enum Kind { Time, Value, Sd, From, To, StripMass };
  std::vector<Kind> kind(header.size());
  std::vector<double> factor(header.size(), 1);
  int n_time = 0, n_value = 0, n_sd = 0, n_from = 0, n_to = 0, n_mass = 0;
  std::string time_col = "time", from_col = "depth_from", to_col = "depth_to";
  for (size_t j = 0; j < header.size(); ++j) {
    const std::string& h = header[j];
    double f = 1;
    std::string unit;
    const std::string col = "column " + std::to_string(j + 1) + " '" + h + "'";
    std::string name;
    if (!(name = split_header(h, {dims::time}, &f, &unit)).empty() && name == "time" && !tape) {
      kind[j] = Time, ++n_time;
      time_col = col;
    } else if (!(name = split_header(h, {dims::length}, &f, &unit)).empty() && tape && (name == "depth_from" || name == "depth_to")) {
      kind[j] = name == "depth_from" ? From : To;
      (name == "depth_from" ? from_col : to_col) = col;
      ++(name == "depth_from" ? n_from : n_to);
    } else if (tape && !(name = split_header(h, {dims::mass, dims::area}, &f, &unit)).empty() && name == "strip_mass") {
      kind[j] = StripMass, ++n_mass;
      to_col = col;
    } else if (!(name = split_header(h, qi.unit_dims, &f, &unit)).empty() && (replicate_of(name, qi.column) || name == "sd")) {
      if (name == "sd") {
        kind[j] = Sd, ++n_sd;
      } else {
        kind[j] = Value, ++n_value;
        ds.y_column = h;
        ds.y_unit = unit;
        ds.y_unit_si = f;
      }
    } else {
      auto tok = split(h, '_');
      const bool bare = tok.size() == 1 || h == "depth_from" || h == "depth_to" || h == "strip_mass";
      throw InputError(ds.file, header_row, col,
                       std::string(bare ? "has no unit" : "is not a column of a '" + ds.quantity + "' data set, or its unit is not one for it") +
                           "; the columns are " + expected + " (units after the name, e.g. time_h, time_min, receptor_ng_cm2" +
                           (tape ? "" : ", flux_ug_cm2_h") + ")");
    }
    factor[j] = f;
  }
  auto need = [&](int n, const std::string& what, bool once) {
    if (n == 0) throw InputError(ds.file, header_row, "", "no " + what + " column; the columns are " + expected);
    if (once && n > 1) throw InputError(ds.file, header_row, "", "more than one " + what + " column");
  };
  if (tape && n_mass) {
    // strips given by the mass of stratum corneum they removed: depths from the density
    need(n_mass, "strip_mass", true);
    if (n_from || n_to) throw InputError(ds.file, header_row, "", "give the strips by depth_from/depth_to or by strip_mass, not both");
    if (!(ds.strip_density > 0))
      throw InputError(ds.file, header_row, to_col, "strip masses need the stratum corneum's density: give `density` in the data set (e.g. 1 g/cm3)");
  } else if (tape) {
    need(n_from, "depth_from", true);
    need(n_to, "depth_to", true);
  } else {
    need(n_time, "time", true);
  }
  need(n_value, qi.column, false);
  if (n_sd > 1) throw InputError(ds.file, header_row, "", "more than one sd column");
  if (n_sd && n_value > 1)
    throw InputError(ds.file, header_row, "", "an sd column goes with one value column; with replicate columns the residuals are per replicate (no sd)");
  ds.has_sd = n_sd == 1;
  if (rows.empty()) throw InputError(ds.file, 0, "", "the data file has a header but no data rows");
  double last_t = -1, last_to = -1;
  for (const auto& [r, cells] : rows) {
    if (cells.size() != header.size())
      throw InputError(ds.file, r, "", std::to_string(cells.size()) + " values in this row, " + std::to_string(header.size()) + " columns in the header");
    DataPoint base;
    base.row = r;
    base.t = ds.strip_time;
    std::vector<double> values;
    double sd = 0;
    for (size_t j = 0; j < cells.size(); ++j) {
      const std::string col = "column " + std::to_string(j + 1) + " '" + header[j] + "'";
      if (cells[j].empty()) {
        if (kind[j] == Value && n_value > 1) continue;  // a missing replicate
        throw InputError(ds.file, r, col, "empty value");
      }
      char* end = nullptr;
      const double x = std::strtod(cells[j].c_str(), &end);
      if (end == cells[j].c_str() || *end != '\0' || !std::isfinite(x))
        throw InputError(ds.file, r, col, "'" + cells[j] + "' is not a number");
      if (x < 0) throw InputError(ds.file, r, col, "negative value " + cells[j] + "; amounts, fluxes, times, depths and sds are >= 0");
      const double si = x * factor[j];
      switch (kind[j]) {
        case Time: base.t = si; break;
        case From: base.z0 = si; break;
        case To: base.z1 = si; break;
        case StripMass:
          base.z0 = std::max(last_to, 0.0);
          base.z1 = base.z0 + si / ds.strip_density;
          break;
        case Sd: sd = si; break;
        case Value: values.push_back(si); break;
      }
    }
    if (values.empty()) throw InputError(ds.file, r, "", "no value in this row");
    if (tape) {
      if (!(base.z1 > base.z0)) throw InputError(ds.file, r, to_col, "the strip's lower depth must be greater than its upper depth");
      if (base.z0 < last_to * (1 - 1e-12)) throw InputError(ds.file, r, from_col, "strips must be in order from the surface and must not overlap");
      last_to = base.z1;
    } else {
      if (base.t < last_t)
        throw InputError(ds.file, r, time_col, "time decreases (" + std::to_string(base.t / 3600) + " h after " + std::to_string(last_t / 3600) +
                                                  " h); rows go in time order (equal times are replicates)");
      last_t = base.t;
    }
    if (ds.has_sd && ds.residuals != Residuals::Relative && ds.residuals != Residuals::Log && ds.residuals != Residuals::Absolute && !(sd > 0))
      throw InputError(ds.file, r, "sd", "sd must be > 0 to weight by it (or choose residuals: relative, log or absolute)");
    for (double v : values) {
      DataPoint p = base;
      p.y = v;
      p.sd = sd;
      ds.points.push_back(p);
    }
  }
}

FitSpec read_fit_file(const std::string& path) {
  FitSpec spec;
  spec.file = path;
  Located root = load_yaml_file(path, {});
  const fs::path dir = fs::path(path).parent_path();
  auto resolve = [&](const std::string& f) { return fs::path(f).is_relative() ? (dir / f).lexically_normal().string() : f; };
  MapReader top(root);
  Located base = top.at("base");
  spec.base = resolve(base.as_string());
  if (!is_file(spec.base)) base.fail("no case file '" + spec.base + "'");
  Residuals default_residuals = Residuals::Auto;
  if (auto r = top.maybe("residuals")) default_residuals = read_residuals(*r);
  if (auto s = top.maybe("starts")) spec.starts = static_cast<int>(s->as_int(1, 64));
  if (auto s = top.maybe("profile")) spec.profile = s->as_bool();
  if (auto s = top.maybe("max_evaluations")) spec.max_evaluations = static_cast<int>(s->as_int(10, 100000));
  // data sets first: parameters may name them
  Located data = top.at("data");
  auto dlist = data.as_list();
  if (dlist.empty()) data.fail("give at least one data set");
  for (const auto& dl : dlist) {
    MapReader m(dl);
    DataSet ds;
    ds.line = dl.line();
    Located f = m.at("file");
    ds.file = resolve(f.as_string());
    if (!is_file(ds.file)) f.fail("no data file '" + ds.file + "'");
    std::vector<std::string> qnames;
    for (const auto& q : quantities()) qnames.push_back(q.name);
    Located q = m.at("quantity");
    ds.quantity = one_of(q, qnames);
    ds.name = fs::path(ds.file).stem().string();
    if (auto n = m.maybe("name")) ds.name = n->as_string();
    if (auto s = m.maybe("species")) ds.species = s->as_string();
    if (ds.quantity == "layer") ds.layer = m.at("layer").as_string();
    else if (auto l = m.maybe("layer")) l->fail("only for quantity: layer");
    if (ds.quantity == "tape_strips") {
      ds.strip_time = positive(m.at("time"), dims::time);
      if (auto dn = m.maybe("density")) ds.strip_density = positive(*dn, dims::concentration);
    } else {
      if (auto l = m.maybe("time")) l->fail("only for quantity: tape_strips (the other data files have a time column)");
      if (auto l = m.maybe("density")) l->fail("only for quantity: tape_strips given by strip_mass");
    }
    ds.base = spec.base;
    if (auto b = m.maybe("base")) {
      ds.base = resolve(b->as_string());
      if (!is_file(ds.base)) b->fail("no case file '" + ds.base + "'");
    }
    if (auto s = m.maybe("set"))
      for (const auto& e : s->as_list()) {
        const std::string a = e.as_string();
        if (a.find('=') == std::string::npos || a.find('=') == 0) e.fail("expected KEY.PATH=VALUE, got '" + a + "'");
        ds.sets.push_back(a);
      }
    ds.residuals = default_residuals;
    if (auto r = m.maybe("residuals")) ds.residuals = read_residuals(*r);
    m.finish();
    for (const auto& o : spec.data)
      if (o.name == ds.name) dl.fail("two data sets named '" + ds.name + "'; give each a different `name`");
    read_data_file(ds);
    if (ds.residuals == Residuals::Auto) ds.residuals = ds.has_sd ? Residuals::Sd : Residuals::Absolute;
    if (ds.residuals == Residuals::Sd && !ds.has_sd)
      dl.fail("residuals: sd, but " + ds.file + " has no sd column (add sd_<unit>, or choose relative, log or absolute)");
    spec.data.push_back(std::move(ds));
  }
  Located params = top.at("parameters");
  auto plist = params.as_list();
  if (plist.empty()) params.fail("give at least one parameter to fit");
  for (const auto& pl : plist) {
    MapReader m(pl);
    FitParameter p;
    p.line = pl.line();
    Located k = m.at("key");
    p.key = k.as_string();
    if (p.key.empty() || p.key.find('=') != std::string::npos) k.fail("a key path, e.g. species[0].properties.membrane.diffusivity");
    Located bl = m.at("bounds");
    auto bounds = bl.as_list();
    if (bounds.size() != 2) bl.fail("two values: [lower, upper], e.g. [1e-15 m2/s, 1e-12 m2/s]");
    Bound lo = read_bound(bounds[0]), hi = read_bound(bounds[1]);
    if (!(lo.dim == hi.dim)) bl.fail("the bounds have different dimensions");
    p.unit = hi.unit;
    const double f = hi.unit.empty() ? 1.0 : parse_unit(hi.unit).si;
    p.lo = lo.si / f;
    p.hi = hi.si / f;
    if (!(p.lo < p.hi)) bl.fail("the lower bound must be below the upper");
    if (auto s = m.maybe("scale")) p.log = one_of(*s, {"linear", "log"}) == "log";
    if (p.log && !(p.lo > 0)) bl.fail("a log scale needs bounds > 0");
    p.initial = p.value(0.5);
    if (auto i = m.maybe("initial")) {
      Bound b = read_bound(*i);
      if (!(b.dim == hi.dim)) i->fail("not of the bounds' dimension");
      p.initial = b.si / f;
      if (!(p.initial >= p.lo && p.initial <= p.hi)) i->fail("outside the bounds");
    }
    p.label = p.key;
    if (auto d = m.maybe("data")) {
      std::string names;
      for (const auto& e : d->as_list()) {
        const std::string n = e.as_string();
        int idx = -1;
        for (size_t j = 0; j < spec.data.size(); ++j)
          if (spec.data[j].name == n) idx = static_cast<int>(j);
        if (idx < 0) {
          std::string all;
          for (const auto& ds : spec.data) all += (all.empty() ? "" : ", ") + ds.name;
          e.fail("no data set named '" + n + "'; the data sets are: " + all);
        }
        p.data.push_back(idx);
        names += (names.empty() ? "" : ",") + n;
      }
      if (p.data.empty()) d->fail("give data set names, or leave `data` out (the parameter applies to all)");
      p.label = p.key + "@" + names;
    }
    m.finish();
    for (const auto& o : spec.params)
      if (o.label == p.label) pl.fail("parameter '" + p.label + "' is given twice");
    spec.params.push_back(p);
  }
  top.finish();
  // Every data set's case must read with the initial values, and refer to what it measures.
  std::vector<double> v0;
  for (const auto& p : spec.params) v0.push_back(p.initial);
  for (size_t d = 0; d < spec.data.size(); ++d) {
    DataSet& ds = spec.data[d];
    Case c;
    try {
      c = read_case(load_yaml_file(ds.base, fit_sets(spec, static_cast<int>(d), v0)));
    } catch (const InputError& e) {
      // name the fit parameter when the key path is the problem
      for (size_t i = 0; i < spec.params.size() && !e.key_path().empty(); ++i)
        if (e.key_path() == spec.params[i].key || e.key_path().rfind(spec.params[i].key + ".", 0) == 0 ||
            spec.params[i].key.rfind(e.key_path(), 0) == 0)
          throw InputError(path, spec.params[i].line, "parameters[" + std::to_string(i) + "].key",
                           "'" + spec.params[i].key + "' in the base case " + ds.base + ": " + e.what());
      throw InputError(path, ds.line, "data", "data set '" + ds.name + "': its case " + ds.base + " with the initial values: " + e.what());
    }
    const std::string where = "data[" + std::to_string(d) + "]";
    if (ds.species.empty()) {
      if (c.species.size() != 1) throw InputError(path, ds.line, where + ".species", "the case has several species; say which one the data measure");
      ds.species = c.species[0].name;
    } else if (c.species_index(ds.species) < 0) {
      std::string all;
      for (const auto& s : c.species) all += (all.empty() ? "" : ", ") + s.name;
      throw InputError(path, ds.line, where + ".species", "no species '" + ds.species + "' in " + ds.base + "; it has: " + all);
    }
    if (!ds.layer.empty()) {
      bool found = false;
      std::string all;
      for (const auto& l : c.layers) found |= l.name == ds.layer, all += (all.empty() ? "" : ", ") + l.name;
      if (!found) throw InputError(path, ds.line, where + ".layer", "no layer '" + ds.layer + "' in " + ds.base + "; it has: " + all);
    }
    if (ds.quantity == "receptor" || ds.quantity == "flux")
      if (!c.bottom_sink) throw InputError(path, ds.line, where + ".quantity", "'" + ds.quantity + "' needs a receptor: the case's skin.bottom must be sink");
    if (ds.quantity == "tape_strips" && ds.strip_time > c.end * (1 + 1e-9))
      throw InputError(path, ds.line, where + ".time", "after the end of the case " + ds.base + " (" + format_quantity(c.end, dims::time) + "); extend its time.end");
    for (const auto& pt : ds.points)
      if (pt.t > c.end * (1 + 1e-9))
        throw InputError(ds.file, pt.row, "time", "after the end of the case " + ds.base + " (" + format_quantity(c.end, dims::time) + "); extend its time.end");
    for (const auto& pt : ds.points)
      if (ds.quantity == "tape_strips" && pt.z1 > c.total_thickness() * (1 + 1e-9))
        throw InputError(ds.file, pt.row, "depth_to", "deeper than the skin of " + ds.base + " (" + format_quantity(c.total_thickness(), dims::length) + ")");
  }
  return spec;
}

std::vector<std::string> fit_sets(const FitSpec& spec, int d, const std::vector<double>& v) {
  std::vector<std::string> sets = spec.data[d].sets;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const auto& pd = spec.params[i].data;
    if (pd.empty() || std::find(pd.begin(), pd.end(), d) != pd.end()) sets.push_back(spec.params[i].set_text(v[i]));
  }
  return sets;
}

}  // namespace dermasim
