// SPDX-License-Identifier: BSD-3-Clause
#include "patterns.hpp"

#include "delivery/delivery_type.hpp"
#include "delivery/technique.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "injection.hpp"

namespace dermasim {

namespace {

constexpr double mm = 1e-3;
constexpr double uL = 1e-9;



std::string len(double m) { return format_quantity(m, dims::length); }

Dim volume_dim(Geometry g) { return g == Geometry::OneD ? dims::length : g == Geometry::TwoD ? dims::area : dims::volume; }

// The lateral domain in words, for errors.
std::string domain_words(const Case& c) {
  std::string s = "x in [0, " + len(c.width) + "]";
  if (c.geometry == Geometry::ThreeD) s += ", y in [0, " + len(c.length) + "]";
  return s;
}

// Whether (x, y) lies in the lateral domain (a tolerance of 1e-12 of the width for round-off).
bool inside_laterally(const Case& c, double x, double y) {
  if (c.geometry == Geometry::OneD || c.geometry == Geometry::Axisymmetric) return x == 0 && y == 0;
  const double tx = 1e-12 * c.width, ty = 1e-12 * c.length;
  if (x < -tx || x > c.width + tx) return false;
  if (c.geometry == Geometry::ThreeD && (y < -ty || y > c.length + ty)) return false;
  return true;
}

std::string where(const Case& c, double x, double y) {
  std::string s = "x = " + len(x);
  if (c.geometry == Geometry::ThreeD) s += ", y = " + len(y);
  return s;
}


// [x] or [x, y]
std::pair<double, double> read_xy(const Located& l) {
  auto xy = l.as_list();
  if (xy.empty() || xy.size() > 2) l.fail("give a lateral position as [x, y]");
  const double x = xy[0].as_quantity(dims::length);
  const double y = xy.size() > 1 ? xy[1].as_quantity(dims::length) : 0.0;
  return {x, y};
}

// A length, or [Lx, Ly]
std::pair<double, double> read_spacing(const Located& l) {
  if (l.is_list()) {
    auto items = l.as_list();
    if (items.size() != 2) l.fail("give one spacing (e.g. 3 mm) or [spacing_x, spacing_y]");
    return {positive(items[0], dims::length), positive(items[1], dims::length)};
  }
  const double s = positive(l, dims::length);
  return {s, s};
}

// A technique's volume per point is a volume in every geometry.
double read_point_volume(const Located& l) {
  double v = 0;
  try {
    v = l.as_quantity(dims::volume);
  } catch (const InputError& e) {
    l.fail(e.reason() + " (a technique's volume is that of one point, of the whole line for linear_threading, e.g. '10 uL', in every geometry; 1d and 2d runs convert it)");
  }
  if (!(v > 0)) l.fail("must be positive, got '" + l.as_string() + "'");
  return v;
}

double read_depth(MapReader& m, const Case& c, double fallback) {
  double d = fallback;
  if (auto dl = m.maybe("depth")) {
    d = dl->as_quantity(dims::length);
    if (d < 0) dl->fail("the needle tip is above the skin surface (depth " + len(d) + "); give a depth from 0 to " + len(c.total_thickness()) + " (the skin's thickness)");
    if (d > c.total_thickness())
      dl->fail("injection outside the domain: depth " + len(d) + " is below the bottom of the skin (" + len(c.total_thickness()) + ")");
  } else if (d > c.total_thickness()) {
    m.self().fail("the default depth of this technique (" + len(d) + ") is below the bottom of the skin (" + len(c.total_thickness()) +
                  "); give `depth`");
  }
  return d;
}

Scatter read_scatter(const Located& l, const Case& c) {
  MapReader s(l);
  Scatter sc;
  if (auto d = s.maybe("depth")) sc.depth = non_negative(*d, dims::length);
  if (auto p = s.maybe("position")) {
    sc.position = non_negative(*p, dims::length);
    if (sc.position > 0 && (c.geometry == Geometry::OneD || c.geometry == Geometry::Axisymmetric))
      p->fail("position scatter needs a lateral direction (2d or 3d geometry); in 1d and axisymmetric geometry give only depth scatter");
  }
  if (auto r = s.maybe("seed")) sc.seed = static_cast<std::uint64_t>(r->as_int(0, 4294967295L));
  s.finish();
  if (c.unit_cell && sc.any())
    l.fail("a unit cell stands for identical points on a regular lattice, and scatter makes the points differ: leave out scatter, or simulate the field without geometry.unit_cell");
  return sc;
}

// Trimmed copy.
std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(line);
  while (std::getline(is, cur, ',')) out.push_back(trim(cur));
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

}  // namespace

// `species: {name: concentration, ...}`
void read_contents(MapReader& m, const Case& c, DeliveryDef& d) {
  Located sp = m.at("species");
  if (!sp.is_map())
    sp.fail("name the species with their concentrations in the injected fluid, e.g. {caffeine: 20 mg/mL}");
  MapReader sm(sp);
  for (const auto& name : sm.keys()) {
    Located v = sm.at(name);
    require_species(name, v, c);
    d.contents.emplace_back(name, positive(v, dims::concentration));
  }
  sm.finish();
  if (d.contents.empty()) sp.fail("name at least one species with its concentration, e.g. {caffeine: 20 mg/mL}");
}

// ------------------------------------------------------------------------------------------------
// Technique names and defaults

const std::vector<std::string>& technique_names() {
  static const std::vector<std::string> names = TechniqueRegistry::instance().names();
  return names;
}

bool is_technique(const std::string& type) { return TechniqueRegistry::instance().find(type) != nullptr; }

bool is_lattice_technique(const std::string& type) {
  const Technique* t = TechniqueRegistry::instance().find(type);
  return t && t->layout() == TechniqueLayout::Grid;
}

const TechniqueDefaults& technique_defaults(const std::string& name) { return TechniqueRegistry::instance().get(name).defaults(); }

// ------------------------------------------------------------------------------------------------
// Random numbers

double NormalStream::uniform() {
  // 53 random bits, shifted into (0, 1): never 0, so that log() is finite
  return (static_cast<double>(gen_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double NormalStream::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = uniform(), u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

// ------------------------------------------------------------------------------------------------
// CSV point lists

std::vector<CsvPoint> read_points_csv(const std::string& path, const Dim& volume_dim, const std::string& key_path) {
  // a regular file of bounded size (a folder, a FIFO or /dev/zero is refused: issue 14)
  std::string text;
  try {
    text = read_text_file(path, "the point file", kMaxPointFileBytes);
  } catch (const InputError& e) {
    throw InputError(e.file(), 0, key_path, e.reason());
  }
  std::istringstream in(text);
  auto fail = [&](int line, const std::string& what) -> void { throw InputError(path, line, key_path, what); };
  std::string raw;
  int line = 0;
  // column -> (quantity, unit factor)
  std::vector<std::pair<std::string, double>> cols;
  std::vector<CsvPoint> pts;
  bool header = false;
  const std::vector<std::string> known = {"x", "y", "depth", "volume", "time"};
  while (std::getline(in, raw)) {
    ++line;
    const std::string s = trim(raw);
    if (s.empty() || s[0] == '#') continue;
    auto fields = split_csv(s);
    if (!header) {
      header = true;
      for (const auto& f : fields) {
        const auto us = f.find('_');
        const std::string qn = f.substr(0, us);
        if (std::find(known.begin(), known.end(), qn) == known.end())
          fail(line, "header column '" + f + "': expected x, y, depth, volume and optionally time, each with its unit after '_', e.g. x_mm,y_mm,depth_mm,volume_uL,time_h");
        for (const auto& [q, u] : cols)
          if (q == qn) fail(line, "header: column '" + qn + "' given twice");
        if (us == std::string::npos || us + 1 >= f.size())
          fail(line, "header column '" + f + "' has no unit: write it after '_', e.g. '" + qn +
                         (qn == "volume" ? "_uL" : qn == "time" ? "_h" : "_mm") + "'");
        Quantity u;
        try {
          u = parse_unit(f.substr(us + 1));
        } catch (const UnitError& e) {
          fail(line, "header column '" + f + "': " + e.what());
        }
        const Dim want = qn == "volume" ? volume_dim : qn == "time" ? dims::time : dims::length;
        if (!(u.dim == want)) fail(line, "header column '" + f + "': the unit is not " + describe_dim(want));
        cols.emplace_back(qn, u.si);
      }
      for (const char* need : {"x", "depth", "volume"})
        if (std::none_of(cols.begin(), cols.end(), [&](const auto& c) { return c.first == need; }))
          fail(line, std::string("header: no '") + need + "' column (the header is e.g. x_mm,y_mm,depth_mm,volume_uL[,time_h])");
      continue;
    }
    if (fields.size() != cols.size()) {
      std::ostringstream os;
      os << "row has " << fields.size() << " values, the header has " << cols.size() << " columns";
      fail(line, os.str());
    }
    CsvPoint p;
    p.line = line;
    for (size_t i = 0; i < cols.size(); ++i) {
      const std::string& f = fields[i];
      char* end = nullptr;
      const double v = f.empty() ? NAN : std::strtod(f.c_str(), &end);
      if (f.empty() || end != f.c_str() + f.size() || !std::isfinite(v))
        fail(line, "column '" + cols[i].first + "': '" + f + "' is not a number (the unit is in the header)");
      try {  // decimal only, and a magnitude the engine computes with (as case values: issue 14)
        size_t used = 0;
        parse_decimal(f, &used);
        check_magnitude(v * cols[i].second, f);
      } catch (const UnitError& e) {
        fail(line, "column '" + cols[i].first + "': " + e.what());
      }
      const double si = v * cols[i].second;
      const std::string& q = cols[i].first;
      if (q == "x") p.x = si;
      if (q == "y") p.y = si;
      if (q == "depth") {
        if (si < 0) fail(line, "depth must not be negative, got " + f);
        p.depth = si;
      }
      if (q == "volume") {
        if (!(si > 0)) fail(line, "volume must be positive, got " + f);
        p.volume = si;
      }
      if (q == "time") {
        if (si < 0) fail(line, "time must not be negative, got " + f);
        p.time = si;
      }
    }
    if (pts.size() >= kMaxPoints) fail(line, "more than " + std::to_string(kMaxPoints) + " points; split the pattern or use a regular technique");
    pts.push_back(p);
  }
  if (!header) fail(0, "the point file is empty (expected a header such as x_mm,y_mm,depth_mm,volume_uL and one row per point)");
  if (pts.empty()) fail(line, "no points: the file has a header and no rows");
  return pts;
}

// ------------------------------------------------------------------------------------------------
// Reading a technique entry

PatternSpec read_pattern(MapReader& m, const std::string& type, Case& c) {
  PatternSpec ps;
  ps.technique = type;
  const TechniqueDefaults& def = technique_defaults(type);
  const double H = c.total_thickness();
  DeliveryDef base;
  base.type = "injection";
  base.technique = type;
  read_contents(m, c, base);
  if (auto t = m.maybe("time")) base.time = non_negative(*t, dims::time);
  if (base.time >= c.end) m.at("time").fail("injection at or after time.end; nothing would happen");
  if (auto du = m.maybe("duration")) base.duration = positive(*du, dims::time);
  if (auto s = m.maybe("scatter")) ps.scatter = read_scatter(*s, c);
  if (auto fl = m.maybe("fill_limit")) base.fill_limit = read_fill_limit(*fl);
  std::optional<Located> atl = m.maybe("at");
  std::pair<double, double> at{0.0, 0.0};
  if (TechniqueRegistry::instance().get(type).layout() != TechniqueLayout::Points) {  // default: the middle of the lateral domain (the axis in axisymmetric geometry)
    if (c.geometry == Geometry::TwoD) at = {0.5 * c.width, 0.0};
    if (c.geometry == Geometry::ThreeD) at = {0.5 * c.width, 0.5 * c.length};
  }
  if (atl) {
    at = read_xy(*atl);
    if ((c.geometry == Geometry::OneD || c.geometry == Geometry::Axisymmetric) && (at.first != 0 || at.second != 0))
      atl->fail(c.geometry == Geometry::OneD ? "a 1d column has no lateral position; leave 'at' out or give [0, 0]"
                                             : "in an axisymmetric domain the pattern is centred on the axis: give [0 mm, 0 mm] (or use 3d)");
    if (c.geometry == Geometry::TwoD && at.second != 0) atl->fail("a 2d domain has no y position; give [x] or [x, 0]");
  }
  const Located& here = atl ? *atl : m.self();

  if (is_lattice_technique(type)) {
    int rows = def.rows, cols = def.columns;
    double sx = def.spacing, sy = def.spacing;
    std::optional<Located> rl = m.maybe("rows"), cl = m.maybe("columns"), spl = m.maybe("spacing");
    if (rl) rows = static_cast<int>(rl->as_int(1, 100000));
    if (cl) cols = static_cast<int>(cl->as_int(1, 100000));
    if (static_cast<long>(rows) * cols > 100000) m.self().fail("more than 100000 points; use a unit cell (geometry.unit_cell) for a large regular field");
    if (spl) std::tie(sx, sy) = read_spacing(*spl);
    double V = def.volume;
    if (auto vl = m.maybe("volume")) V = read_point_volume(*vl);
    base.depth = read_depth(m, c, def.depth);
    ps.lattice = true;
    ps.sx = sx;
    ps.sy = sy;
    if (c.unit_cell) {
      // One lattice point at the corner; rows, columns and `at` do not matter in an infinite lattice.
      if (c.cell_spacing_x <= 0) {
        c.cell_spacing_x = sx;
        c.cell_spacing_y = sy;
      } else if (std::fabs(c.cell_spacing_x - sx) > 1e-12 * sx || std::fabs(c.cell_spacing_y - sy) > 1e-12 * sy) {
        (spl ? *spl : m.self()).fail("the unit cell is for one lattice: this spacing (" + len(sx) + " x " + len(sy) +
                                     ") differs from the unit cell's (" + len(c.cell_spacing_x) + " x " + len(c.cell_spacing_y) + ")");
      }
      DeliveryDef d = base;
      d.volume = c.geometry == Geometry::TwoD ? V / sy : V;
      d.x = d.y = 0;
      ps.points.push_back(d);
      ps.labels.push_back("the lattice point");
      return ps;
    }
    if (c.geometry == Geometry::Axisymmetric && rows * cols > 1) {
      std::ostringstream os;
      os << "a pattern of " << rows * cols << " points does not fit an axisymmetric domain (one point on its axis): use 3d geometry, "
         << "or one periodic unit cell of the lattice (geometry: {kind: 3d, unit_cell: true})";
      (rl ? *rl : cl ? *cl : m.self()).fail(os.str());
    }
    // In 1d the pattern is averaged over its area (rows * sy by columns * sx); in 2d over its
    // length along y (rows * sy): each point carries its share of the volume per area / length.
    double vol = V;
    if (c.geometry == Geometry::OneD) vol = V / (rows * sy * cols * sx);
    if (c.geometry == Geometry::TwoD) vol = V / (rows * sy);
    for (int r = 0; r < rows; ++r)
      for (int k = 0; k < cols; ++k) {
        DeliveryDef d = base;
        d.volume = vol;
        d.x = d.y = 0;
        if (c.geometry == Geometry::TwoD || c.geometry == Geometry::ThreeD) d.x = at.first + (k - 0.5 * (cols - 1)) * sx;
        if (c.geometry == Geometry::ThreeD) d.y = at.second + (r - 0.5 * (rows - 1)) * sy;
        std::ostringstream label;
        label << "point " << r * cols + k + 1 << " (row " << r + 1 << ", column " << k + 1 << ")";
        if (!inside_laterally(c, d.x, d.y))
          here.fail(label.str() + " at " + where(c, d.x, d.y) + " lies outside the lateral domain (" + domain_words(c) +
                    "): move the pattern (at), or use fewer rows/columns or a smaller spacing");
        ps.points.push_back(d);
        ps.labels.push_back(label.str());
      }
    return ps;
  }

  if (TechniqueRegistry::instance().get(type).layout() == TechniqueLayout::Line) {
    if (c.geometry == Geometry::OneD || c.geometry == Geometry::Axisymmetric)
      m.self().fail("linear threading lays a line: use 2d geometry (the line runs across the section, a line source) or 3d");
    if (c.unit_cell) m.self().fail("a unit cell needs a regular lattice technique (nappage, mesogun, micropapules, papule, point_by_point)");
    double V = def.volume;
    if (auto vl = m.maybe("volume")) V = read_point_volume(*vl);
    base.depth = read_depth(m, c, def.depth);
    double L = 0;
    std::pair<double, double> to = at;
    if (c.geometry == Geometry::ThreeD) {
      Located tl = m.at("to");
      to = read_xy(tl);
      L = std::hypot(to.first - at.first, to.second - at.second);
      if (!(L > 0)) tl.fail("the line has no length: `to` is where it starts (`at`)");
      if (!inside_laterally(c, to.first, to.second)) tl.fail("the end of the line at " + where(c, to.first, to.second) + " lies outside the lateral domain (" + domain_words(c) + ")");
      if (m.has("length")) m.at("length").fail("in 3d the line runs from `at` to `to`; leave out length");
    } else {
      L = positive(m.at("length"), dims::length);
      if (m.has("to")) m.at("to").fail("in 2d the line runs across the section (along y): give its length, not `to`");
    }
    if (!inside_laterally(c, at.first, at.second)) here.fail("the start of the line at " + where(c, at.first, at.second) + " lies outside the lateral domain (" + domain_words(c) + ")");
    int n = std::max(2, static_cast<int>(std::lround(L / mm)));
    if (auto pl = m.maybe("points")) n = static_cast<int>(pl->as_int(1, 100000));
    // Laid while withdrawing: the first deposit at the far end (`to`), the last at the entry (`at`);
    // each point is the centre of one of n equal pieces and carries V / n.
    for (int k = 0; k < n; ++k) {
      DeliveryDef d = base;
      const double f = (k + 0.5) / n;  // from `to` back toward `at`
      d.x = to.first + (at.first - to.first) * f;
      d.y = c.geometry == Geometry::ThreeD ? to.second + (at.second - to.second) * f : 0.0;
      d.volume = c.geometry == Geometry::TwoD ? V / (n * L) : V / n;
      if (base.duration > 0) {
        d.time = base.time + k * base.duration / n;
        d.duration = base.duration / n;
      }
      ps.points.push_back(d);
      ps.labels.push_back("point " + std::to_string(k + 1) + " of the line");
    }
    return ps;
  }

  // custom: points from a CSV file
  if (c.unit_cell) m.self().fail("a unit cell needs a regular lattice technique (nappage, mesogun, micropapules, papule, point_by_point)");
  Located fl = m.at("file");
  std::string path = fl.as_string();
  if (!path.empty() && path[0] != '/' && !c.file.empty()) {
    const auto slash = c.file.find_last_of('/');
    if (slash != std::string::npos) path = c.file.substr(0, slash + 1) + path;
  }
  const auto rows = read_points_csv(path, volume_dim(c.geometry), fl.path);
  for (const auto& r : rows) {
    auto fail = [&](const std::string& what) { throw InputError(path, r.line, fl.path, what); };
    DeliveryDef d = base;
    d.x = at.first + r.x;
    d.y = at.second + r.y;
    d.depth = r.depth;
    d.volume = r.volume;
    d.time = base.time + r.time;
    if (d.depth > H) fail("point below the bottom of the skin: depth " + len(d.depth) + " (the skin is " + len(H) + " thick)");
    if (c.geometry == Geometry::OneD && (d.x != 0 || d.y != 0)) fail("a 1d column has no lateral position: give x = y = 0");
    if (c.geometry == Geometry::Axisymmetric && (d.x != 0 || d.y != 0)) fail("in an axisymmetric domain every point sits on the axis: give x = y = 0 (or use 3d)");
    if (c.geometry == Geometry::TwoD && d.y != 0) fail("a 2d domain has no y position: give y = 0 or leave out the y column");
    if (!inside_laterally(c, d.x, d.y)) fail("point at " + where(c, d.x, d.y) + " lies outside the lateral domain (" + domain_words(c) + ")");
    if (d.time >= c.end) fail("point injected at or after time.end (" + format_quantity(c.end, dims::time) + ")");
    ps.points.push_back(d);
    ps.labels.push_back(path + ":" + std::to_string(r.line));
  }
  return ps;
}

std::vector<DeliveryDef> pattern_session(const PatternSpec& p, int session, const Case& c) {
  std::vector<DeliveryDef> out = p.points;
  for (auto& d : out) d.session = session;
  if (!p.scatter.any()) return out;
  NormalStream ns(p.scatter.seed + static_cast<std::uint64_t>(session));
  const double H = c.total_thickness();
  for (auto& d : out) {
    // three draws per point whatever is scattered, so that one setting does not reshuffle another
    const double zd = ns.next(), zx = ns.next(), zy = ns.next();
    d.depth = std::clamp(d.depth + p.scatter.depth * zd, 0.0, H);
    if (p.scatter.position > 0) {
      if (c.geometry == Geometry::TwoD || c.geometry == Geometry::ThreeD) d.x = std::clamp(d.x + p.scatter.position * zx, 0.0, c.width);
      if (c.geometry == Geometry::ThreeD) d.y = std::clamp(d.y + p.scatter.position * zy, 0.0, c.length);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Schedules

std::vector<std::string> with_techniques(std::vector<std::string> base) {
  for (const auto& t : technique_names()) base.push_back(t);
  return base;
}

Schedule read_schedule(MapReader& m) {
  Schedule s;
  auto l = m.maybe("schedule");
  if (!l) return s;
  s.where = *l;
  MapReader r(*l);
  s.count = static_cast<int>(r.at("count").as_int(1, 1000));
  if (auto i = r.maybe("interval")) {
    s.interval = positive(*i, dims::time);
  } else if (s.count > 1) {
    r.at("interval");  // required for more than one session: throws "missing required key"
  }
  r.finish();
  return s;
}

void shift_delivery(DeliveryDef& d, double dt) { delivery_type(d.type).shift(d, dt); }

double delivery_start(const DeliveryDef& d) { return delivery_type(d.type).start(d); }

void add_sessions(Case& c, const std::vector<std::vector<DeliveryDef>>& sessions, const Schedule& s, size_t entry,
                  std::vector<size_t>& origin) {
  int dropped = 0, first_dropped = -1;
  for (int k = 0; k < static_cast<int>(sessions.size()); ++k) {
    std::vector<DeliveryDef> kept;
    for (DeliveryDef d : sessions[k]) {
      shift_delivery(d, k * s.interval);
      if (s.where) d.session = k;  // else as read (a resolved case carries `session`)
      if (delivery_start(d) < c.end) kept.push_back(d);
    }
    if (kept.size() < sessions[k].size()) {
      ++dropped;
      if (first_dropped < 0) first_dropped = k;
    }
    for (auto& d : kept) {
      c.delivery.push_back(d);
      origin.push_back(entry);
    }
  }
  if (dropped > 0 && s.where) {
    std::ostringstream os;
    os << (s.where->src ? s.where->src->file : std::string()) << ":" << s.where->line() << ": " << s.where->path << ": " << dropped
       << " of " << sessions.size() << " sessions (from session " << first_dropped << ", "
       << format_quantity(first_dropped * s.interval, dims::time) << " after the first) start at or after time.end ("
       << format_quantity(c.end, dims::time) << ") and are left out (in part where a session spreads over time)";
    c.warnings.push_back(os.str());
  }
}

// ------------------------------------------------------------------------------------------------
// Unit cell

void read_unit_cell(const Located& l, Case& c) {
  if (l.is_map()) {
    MapReader m(l);
    std::tie(c.cell_spacing_x, c.cell_spacing_y) = read_spacing(m.at("spacing"));
    m.finish();
    c.unit_cell = true;
  } else {
    c.unit_cell = l.as_bool();
  }
  if (c.unit_cell && c.geometry != Geometry::TwoD && c.geometry != Geometry::ThreeD)
    l.fail("a unit cell is a 3d (or 2d) domain: a square lattice has no axis of symmetry, and 1d is already laterally uniform");
  if (c.unit_cell && c.cell_spacing_x > 0) {
    c.width = 0.5 * c.cell_spacing_x;
    c.length = c.geometry == Geometry::ThreeD ? 0.5 * c.cell_spacing_y : c.width;
  }
}

void resolve_unit_cell(MapReader& root, Case& c) {
  if (!c.unit_cell) return;
  if (!(c.cell_spacing_x > 0)) {
    MapReader g(root.at("geometry"));
    g.at("unit_cell").fail(
        "a unit cell needs the lattice spacing: add a regular technique to `delivery` (nappage, mesogun, micropapules, papule, "
        "point_by_point) or give unit_cell: {spacing: 3 mm}");
  }
  c.width = 0.5 * c.cell_spacing_x;
  c.length = c.geometry == Geometry::ThreeD ? 0.5 * c.cell_spacing_y : c.width;
}

std::string unit_cell_note(const Case& c) {
  std::ostringstream os;
  if (c.geometry == Geometry::ThreeD)
    os << "unit cell: one periodic cell of an infinite injection lattice (spacing " << len(c.cell_spacing_x) << " x " << len(c.cell_spacing_y)
       << ") is simulated: x in [0, " << len(c.width) << "], y in [0, " << len(c.length)
       << "], the injection at the corner x = y = 0, mirror (no-flux) edges; amounts are those of 1/4 of one injection point (x 4 for one point, x 4N for N points)";
  else
    os << "unit cell: one periodic cell of an infinite lattice of injection lines (spacing " << len(c.cell_spacing_x)
       << ") is simulated: x in [0, " << len(c.width)
       << "], the injection at x = 0, mirror (no-flux) edges; amounts per m are those of half a lattice line (x 2 for one line)";
  return os.str();
}


void finish_unit_cell(const Case& c, Problem&, std::vector<std::string>* warnings) {
  // The injections themselves fill their share of the lattice point from the corner
  // (models/delivery/injection.cpp); the mirror edges make that the folded fill of the lattice.
  if (!c.unit_cell) return;
  if (warnings) warnings->push_back(unit_cell_note(c));
}

}  // namespace dermasim
