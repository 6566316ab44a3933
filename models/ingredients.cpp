// SPDX-License-Identifier: BSD-3-Clause
#include "ingredients.hpp"

#include <algorithm>
#include <sstream>

namespace dermasim {

namespace {

const std::vector<std::string> kKinds = {"small_molecule", "peptide", "polymer"};
const std::vector<std::string> kForms = {"solution", "gel", "deposit"};
const std::vector<std::string> kIonization = {"acid", "base", "neutral"};
const std::vector<std::string> kSolubilityWords = {"miscible", "soluble", "insoluble"};
// The value keys an entry may carry, and so the keys allowed under `sources`.
const std::vector<std::string> kValueKeys = {"description", "kind", "form", "mw", "log_kow", "solubility", "solubility_oil",
                                             "pka", "ionization", "fu", "hydrodynamic_radius", "degradation"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}


const Dim kMolarMass{0, 1, 0, -1};  // kg/mol in SI

}  // namespace

Ingredient read_ingredient(const Located& entry) {
  if (!entry.is_map()) entry.fail("an ingredient is a map of keys (name, mw, log_kow, ...)");
  MapReader m(entry);
  Ingredient g;
  Located nl = m.at("name");
  g.name = nl.as_string();
  if (g.name.empty() || g.name.find_first_of("/ .") != std::string::npos)
    nl.fail("an ingredient name must be non-empty, without '/', '.' or spaces");
  g.origin = (entry.src ? entry.src->file : std::string()) + ":" + std::to_string(entry.line());
  if (auto d = m.maybe("description")) g.description = d->as_string();
  if (auto k = m.maybe("kind")) g.kind = one_of(*k, kKinds);
  if (auto f = m.maybe("form")) g.form = one_of(*f, kForms);
  {
    Located ml = m.at("mw");
    const double si = ml.as_quantity(kMolarMass);
    g.mw = si * 1000.0;  // g/mol
    if (!(g.mw >= 1 && g.mw <= 1e9)) ml.fail("a molar mass between 1 g/mol and 1000 MDa, e.g. '194.19 g/mol' or '50 kDa'");
  }
  if (auto l = m.maybe("log_kow")) {
    const double v = l->as_number();
    if (!(v >= -10 && v <= 20)) l->fail("log10 Kow must be between -10 and 20, got " + l->as_string());
    g.log_kow = v;
  }
  if (auto s = m.maybe("solubility")) {
    g.solubility_text = s->as_string();
    if (std::find(kSolubilityWords.begin(), kSolubilityWords.end(), g.solubility_text) == kSolubilityWords.end()) {
      Quantity q;
      try {
        q = parse_quantity(g.solubility_text);
      } catch (const UnitError&) {
        s->fail("give a concentration (e.g. '21.6 mg/mL') or one of: " + join(kSolubilityWords));
      }
      if (!(q.dim == dims::concentration))
        s->fail("give a concentration (e.g. '21.6 mg/mL') or one of: " + join(kSolubilityWords));
      if (!(q.si > 0)) s->fail("must be positive, got '" + g.solubility_text + "'");
      g.solubility = q.si;
    }
  }
  if (auto s = m.maybe("solubility_oil")) {
    const double v = positive(*s, dims::concentration);
    g.solubility_oil = v;
  }
  if (auto p = m.maybe("pka")) {
    const double v = p->as_number();
    if (!(v >= -5 && v <= 20)) p->fail("pKa must be between -5 and 20, got " + p->as_string());
    g.pka = v;
  }
  if (auto i = m.maybe("ionization")) g.ionization = one_of(*i, kIonization);
  if (g.ionization != "neutral" && !g.pka)
    (m.has("ionization") ? m.at("ionization") : entry).fail("an " + g.ionization + " needs its pka");
  if (g.ionization == "neutral" && g.pka)
    m.at("pka").fail("a pka is given but ionization is neutral (the default); say 'ionization: acid' or 'base'");
  if (auto f = m.maybe("fu")) {
    const double v = f->as_number();
    if (!(v > 0 && v <= 1)) f->fail("a fraction unbound between 0 (exclusive) and 1, got " + f->as_string());
    g.fu = v;
  }
  if (auto r = m.maybe("hydrodynamic_radius")) {
    const double v = r->as_quantity(dims::length);
    if (!(v > 0)) r->fail("must be positive, got '" + r->as_string() + "'");
    g.hydrodynamic_radius = v;
  }
  if (auto d = m.maybe("degradation")) {
    const double v = d->as_quantity(dims::rate);
    if (v < 0) d->fail("must not be negative, got '" + d->as_string() + "'");
    g.degradation = v;
  }
  if (auto s = m.maybe("sources")) {
    if (!s->is_map()) s->fail("a map: value key -> source, e.g. {mw: '[M] handbook'}");
    MapReader sm(*s);
    for (const auto& k : sm.keys()) {
      Located v = sm.at(k);
      if (std::find(kValueKeys.begin(), kValueKeys.end(), k) == kValueKeys.end())
        v.fail("'" + k + "' is not a value key; sources name the source of one of: " + join(kValueKeys));
      if (!m.has(k)) v.fail("a source for '" + k + "', which this ingredient does not give");
      g.sources[k] = v.as_string();
    }
    sm.finish();
  }
  m.finish();
  return g;
}

std::vector<Ingredient> read_ingredient_list(const Located& where) {
  // (No assignment between YAML nodes: yaml-cpp's Node::operator= rewrites the tree.)
  auto inner = [](const Located& w) {
    MapReader m(w);
    Located l = m.at("ingredients");
    m.finish();
    return l;
  };
  const Located list = where.is_map() ? inner(where) : where;
  if (!list.is_list()) list.fail("expected a list of ingredients ('- name: ...' entries)");
  std::vector<Ingredient> out;
  for (const auto& item : list.as_list()) {
    Ingredient g = read_ingredient(item);
    for (const auto& prev : out)
      if (prev.name == g.name) MapReader(item).at("name").fail("ingredient '" + g.name + "' is defined twice");
    out.push_back(std::move(g));
  }
  return out;
}

const std::vector<Ingredient>& ingredient_library() {
  static const std::vector<Ingredient> lib = [] {
    auto v = read_ingredient_list(load_yaml_text(kIngredientLibraryYaml, "models/data/ingredients.yaml", {}));
    for (auto& g : v) g.origin = "library";
    return v;
  }();
  return lib;
}

const Ingredient* find_library_ingredient(const std::string& name) {
  for (const auto& g : ingredient_library())
    if (g.name == name) return &g;
  return nullptr;
}

void emit_ingredient(YAML::Emitter& e, const Ingredient& g) {
  auto num = [](double v) {
    std::ostringstream os;
    os.precision(10);
    os << v;
    return os.str();
  };
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << g.name;
  if (!g.description.empty()) e << YAML::Key << "description" << YAML::Value << g.description;
  e << YAML::Key << "kind" << YAML::Value << g.kind;
  e << YAML::Key << "form" << YAML::Value << g.form;
  e << YAML::Key << "mw" << YAML::Value << num(g.mw) + " g/mol";
  if (g.log_kow) e << YAML::Key << "log_kow" << YAML::Value << num(*g.log_kow);
  if (!g.solubility_text.empty()) e << YAML::Key << "solubility" << YAML::Value << g.solubility_text;
  if (g.solubility_oil) e << YAML::Key << "solubility_oil" << YAML::Value << num(*g.solubility_oil) + " mg/mL";
  if (g.pka) e << YAML::Key << "pka" << YAML::Value << num(*g.pka);
  e << YAML::Key << "ionization" << YAML::Value << g.ionization;
  if (g.fu) e << YAML::Key << "fu" << YAML::Value << num(*g.fu);
  if (g.hydrodynamic_radius) e << YAML::Key << "hydrodynamic_radius" << YAML::Value << num(*g.hydrodynamic_radius * 1e9) + " nm";
  if (g.degradation > 0) e << YAML::Key << "degradation" << YAML::Value << num(g.degradation) + " 1/s";
  if (!g.sources.empty()) {
    e << YAML::Key << "sources" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : g.sources) e << YAML::Key << k << YAML::Value << v;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

}  // namespace dermasim
