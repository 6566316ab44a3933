// SPDX-License-Identifier: BSD-3-Clause
#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace dermasim {

namespace fs = std::filesystem;

bool is_scenarios_file(const std::string& file) {
  Located root = load_yaml_file(file, {});
  return root.node.IsMap() && root.node["scenarios"];
}

namespace {

void check_name(const Located& where, const std::string& n) {
  if (n.empty() || n.find_first_of("/\\ \t") != std::string::npos || n[0] == '.')
    where.fail("a scenario name must be non-empty, without '/', '\\' or spaces, and not start with '.' (it names the output files)");
}

void add_unique(ScenarioSet& set, Scenario s, const std::optional<Located>& name_loc) {
  for (const auto& prev : set.scenarios)
    if (prev.name == s.name) {
      if (name_loc) name_loc->fail("scenario name '" + s.name + "' is used twice (first by " + prev.origin + ")");
      // a name taken from a case: number the copies
      int k = 2;
      std::string n;
      do n = s.name + "_" + std::to_string(k++);
      while (std::any_of(set.scenarios.begin(), set.scenarios.end(), [&](const Scenario& x) { return x.name == n; }));
      s.name = n;
      break;
    }
  set.scenarios.push_back(std::move(s));
}

void read_scenarios_file(const std::string& file, const std::vector<std::string>& sets, ScenarioSet& out, bool only_file) {
  Located root = load_yaml_file(file, {});
  MapReader m(root);
  if (auto n = m.maybe("name")) {
    const std::string name = n->as_string();
    check_name(*n, name);
    if (only_file) out.name = name;
  } else if (only_file) {
    out.name = fs::path(file).stem().string();
  }
  if (auto o = m.maybe("out")) {
    if (only_file) out.out = o->as_string();
  }
  Located list = m.at("scenarios");
  if (!list.is_list()) list.fail("expected a list of scenarios, e.g. [{name: serum, file: serum.yaml}, {name: papule, file: papule.yaml}]");
  auto items = list.as_list();
  if (items.empty()) list.fail("at least one scenario is needed");
  m.finish();
  for (size_t i = 0; i < items.size(); ++i) {
    const Located& item = items[i];
    if (!item.is_map()) item.fail("a scenario is a map: {name: ..., file: CASE.yaml} or {name: ..., case: {...}}, optionally with set: [KEY=VALUE, ...]");
    MapReader e(item);
    std::vector<std::string> own;
    if (auto s = e.maybe("set")) {
      auto entries = s->is_list() ? s->as_list() : std::vector<Located>{*s};
      for (const auto& x : entries) {
        const std::string v = x.as_string();
        if (v.find('=') == std::string::npos || v[0] == '=') x.fail("expected KEY.PATH=VALUE, e.g. \"delivery[0].depth=2 mm\"");
        own.push_back(v);
      }
    }
    std::optional<Located> name_loc = e.maybe("name");
    auto fl = e.maybe("file");
    auto cl = e.maybe("case");
    if (fl && cl) cl->fail("give either file or case, not both");
    if (!fl && !cl) item.fail("a scenario needs 'file' (a case file) or 'case' (the case written inline)");
    e.finish();
    Scenario s;
    s.origin = file + ": " + item.path;
    std::vector<std::string> all = own;
    all.insert(all.end(), sets.begin(), sets.end());
    if (fl) {
      fs::path p = fl->as_string();
      if (p.is_relative()) p = fs::path(file).parent_path() / p;
      std::error_code ec;
      if (!fs::is_regular_file(p, ec)) fl->fail("cannot open the case file '" + p.string() + "'");
      if (is_scenarios_file(p.string())) fl->fail("'" + p.string() + "' is a scenarios file; a scenario names one case");
      s.c = read_case(load_yaml_file(p.string(), all));
    } else {
      if (!cl->is_map()) cl->fail("the case written inline is a map of case keys (name, time, skin, species, delivery, ...)");
      // Overrides address the inline case, so the whole file is reloaded with them under its path.
      std::vector<std::string> prefixed;
      for (const auto& v : all) prefixed.push_back(cl->path + "." + v);
      Located froot = load_yaml_file(file, prefixed);
      Located croot{froot.node["scenarios"][i]["case"], cl->path, froot.src};
      s.c = read_case(croot);
      if (!croot.node["name"]) s.c.name = name_loc ? name_loc->as_string() : "scenario_" + std::to_string(i);
    }
    s.name = name_loc ? name_loc->as_string() : s.c.name;
    if (name_loc) check_name(*name_loc, s.name);
    add_unique(out, std::move(s), name_loc);
  }
}

}  // namespace

ScenarioSet load_scenarios(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  ScenarioSet out;
  if (files.empty()) throw InputError("compare", 0, "", "give at least one case file or a scenarios file");
  for (const auto& f : files) {
    if (is_scenarios_file(f)) {
      read_scenarios_file(f, sets, out, files.size() == 1);
    } else {
      Scenario s;
      s.origin = f;
      s.c = read_case(load_yaml_file(f, sets));
      s.name = s.c.name;
      add_unique(out, std::move(s), std::nullopt);
    }
  }
  return out;
}

std::vector<CompareRow> compare_rows(const std::string& scenario, const RunMetrics& m) {
  std::vector<CompareRow> rows;
  for (const auto& s : m.species) {
    CompareRow r;
    r.scenario = scenario;
    r.species = s.species;
    r.target = m.target;
    r.geometry = m.geometry;
    r.threshold = m.threshold;
    r.w = s.windows.front();
    r.region = m.region;
    r.basis = amount_basis(m);
    r.domain = m.domain;
    r.domain_area = m.domain_area;
    r.region_values = region_values(m, s);
    for (const auto& w : m.warnings)
      if (w.rfind(s.species + " ", 0) == 0) r.warnings.push_back(w);
    rows.push_back(r);
  }
  return rows;
}

std::vector<std::string> compare_csv_columns() {
  std::vector<std::string> c = {"scenario", "species", "target", "amount_basis", "threshold_mg_mL", "t_end_h"};
  const auto v = metric_value_columns();
  c.insert(c.end(), v.begin(), v.end());
  for (const auto& x : v) c.push_back("ratio_" + x);
  for (const auto& x : region_columns()) c.push_back(x);
  return c;
}

std::vector<double> compare_ratios(const std::vector<CompareRow>& rows, size_t i) {
  const auto a = metric_values(rows[i].w, rows[i].geometry);
  const auto b = metric_values(rows[0].w, rows[0].geometry);
  std::vector<double> r(a.size(), metrics_na);
  for (size_t k = 0; k < a.size(); ++k)
    if (std::isfinite(a[k]) && std::isfinite(b[k]) && b[k] != 0) r[k] = a[k] / b[k];
  return r;
}



std::string compare_csv(const std::vector<CompareRow>& rows) {
  std::ostringstream os;
  const auto cols = compare_csv_columns();
  for (size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << cols[i];
  os << "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    os << csv_field(r.scenario) << "," << csv_field(r.species) << "," << csv_field(r.target) << "," << (r.basis.empty() ? amount_unit_for(r.geometry).basis : r.basis) << ","
       << (r.threshold > 0 ? num(r.threshold) : "n/a") << "," << num(r.w.t_end / 3600);
    for (double v : metric_values(r.w, r.geometry)) os << "," << num(v);
    for (double v : compare_ratios(rows, i)) os << "," << num(v);
    for (const auto& v : r.region_values) os << "," << v;
    os << "\n";
  }
  return os.str();
}

std::string compare_table(const std::vector<CompareRow>& rows) {
  if (rows.empty()) return "";
  // printed metrics: index into metric_values(), header, unit
  struct Col {
    int k;
    const char* head;
    const char* unit;
  };
  const std::string au = amount_unit_for(rows[0].geometry).unit;
  bool any_threshold = false;
  for (const auto& r : rows) any_threshold = any_threshold || r.threshold > 0;
  std::vector<Col> cols = {{0, "dose", au.c_str()},       {1, "peak", au.c_str()},     {2, "peak", "% dose"},  {4, "mean", "% dose"},
                           {5, "AUC", "mg/mL h"},          {6, "Cmax", "mg/mL"},        {7, "tmax", "h"}};
  if (any_threshold) cols.push_back({8, "above thr", "h"});
  cols.push_back({9, "blood", "% dose"});
  cols.push_back({10, "lymph", "% dose"});
  cols.push_back({11, "degraded", "% dose"});
  cols.push_back({12, "CV@Cmax", "-"});
  std::vector<std::vector<std::string>> cells(rows.size());
  size_t name_w = 8;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto v = metric_values(rows[i].w, rows[i].geometry);
    const auto r = compare_ratios(rows, i);
    std::string label = rows[i].scenario;
    bool multi_species = false;
    for (const auto& x : rows) multi_species = multi_species || (x.scenario == rows[i].scenario && &x != &rows[i]);
    if (multi_species) label += "/" + rows[i].species;
    name_w = std::max(name_w, label.size());
    cells[i].push_back(label);
    for (const auto& c : cols) {
      std::string s = num(v[c.k], "%.3g");
      if (i > 0) {
        s += " (";
        if (std::isnan(r[c.k])) {
          s += "-";
        } else {
          s += "x";
          s += num(r[c.k], "%.3g");
        }
        s += ")";
      }
      cells[i].push_back(s);
    }
  }
  std::vector<size_t> width(cols.size() + 1, 0);
  width[0] = name_w;
  for (size_t c = 0; c < cols.size(); ++c) {
    width[c + 1] = std::max(std::string(cols[c].head).size(), std::string(cols[c].unit).size());
    for (const auto& row : cells) width[c + 1] = std::max(width[c + 1], row[c + 1].size());
  }
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& f) {
    os << "  ";
    for (size_t c = 0; c < f.size(); ++c) {
      std::string s = f[c];
      if (c == 0)
        s += std::string(width[c] - s.size(), ' ');
      else
        s = std::string(width[c] - s.size(), ' ') + s;
      os << s << (c + 1 < f.size() ? "  " : "");
    }
    os << "\n";
  };
  std::vector<std::string> h1 = {"scenario"}, h2 = {""}, rule = {std::string(width[0], '-')};
  for (size_t c = 0; c < cols.size(); ++c) {
    h1.push_back(cols[c].head);
    h2.push_back(cols[c].unit);
    rule.push_back(std::string(width[c + 1], '-'));
  }
  line(h1);
  line(h2);
  line(rule);
  for (const auto& row : cells) line(row);
  os << "\n  Target layer: " << rows[0].target << "; mean concentration over the layer in " << rows[0].region << "; (xN) = ratio to " << cells[0][0]
     << "; amounts in " << au << (rows[0].geometry == Geometry::OneD ? " of skin" : rows[0].geometry == Geometry::TwoD ? " of length" : "")
     << " (dose: the injected dose, or a laterally uniform delivery's dose on the region's area; peak: in the layer within the region).\n";
  if (any_threshold) os << "  above thr: time with the mean concentration at or above " << num(rows[0].threshold) << " mg/mL.\n";
  for (const auto& r : rows) {
    if (r.target != rows[0].target) os << "  note: " << r.scenario << " measures layer '" << r.target << "', not '" << rows[0].target << "'.\n";
    if (r.geometry != rows[0].geometry)
      os << "  note: " << r.scenario << " is in " << to_string(r.geometry) << " geometry (amounts in " << amount_unit_for(r.geometry).unit
         << "); compare its concentrations and % of dose, not its amounts.\n";
    if (r.threshold != rows[0].threshold) os << "  note: " << r.scenario << " uses another threshold (" << num(r.threshold) << " mg/mL).\n";
    if (r.region != rows[0].region && &r != &rows[0]) os << "  note: " << r.scenario << ": mean concentration over the layer in " << r.region << ".\n";
    for (const auto& w : r.warnings) os << "  warning: " << r.scenario << ": " << w << "\n";
  }
  // domains of different sizes: amounts over the whole domain, and anything that reached an edge,
  // differ for that reason alone
  bool sizes_differ = false;
  for (const auto& r : rows)
    sizes_differ = sizes_differ || (r.geometry == rows[0].geometry && std::fabs(r.domain_area - rows[0].domain_area) > 1e-9 * rows[0].domain_area);
  if (sizes_differ) {
    os << "  warning: the scenarios' domains differ in size (";
    std::string sep;
    std::vector<std::string> seen;
    for (const auto& r : rows) {
      if (std::find(seen.begin(), seen.end(), r.scenario) != seen.end()) continue;
      seen.push_back(r.scenario);
      os << sep << r.scenario << ": " << r.domain;
      sep = "; ";
    }
    os << "): amounts and concentrations over the whole domain compare only within one domain; the concentrations over a stated "
          "area (metrics.area) do while no solute reaches an edge.\n";
  }
  return os.str();
}

}  // namespace dermasim
