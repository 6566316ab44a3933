// SPDX-License-Identifier: BSD-3-Clause
#include "case.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "injection.hpp"
#include "patterns.hpp"
#include "metrics.hpp"
#include "vehicle.hpp"
#include "couplings/excess_fluid.hpp"
#include "../solver/nonlinear_field.hpp"
#include "delivery/delivery_type.hpp"

namespace dermasim {

namespace fs = std::filesystem;

double Case::total_thickness() const {
  double s = 0;
  for (const auto& l : layers) s += l.thickness;
  return s;
}

int Case::species_index(const std::string& n) const {
  for (size_t i = 0; i < species.size(); ++i)
    if (species[i].name == n) return static_cast<int>(i);
  return -1;
}

void require_species(const std::string& name, const Located& where, const Case& c) {
  if (c.species_index(name) >= 0) return;
  std::string all;
  for (const auto& s : c.species) all += (all.empty() ? "" : ", ") + s.name;
  where.fail("no species named '" + name + "' in the species list; the species are: " + all);
}

std::vector<std::string> species_names(const Located& l, const Case& c) {
  std::vector<std::string> out;
  for (const auto& item : l.is_list() ? l.as_list() : std::vector<Located>{l}) {
    const std::string n = item.as_string();
    require_species(n, item, c);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

const Ingredient* Case::find_ingredient(const std::string& n) const {
  for (const auto& g : ingredients)
    if (g.name == n) return &g;
  return find_library_ingredient(n);
}

namespace {

template <class T>
std::string join(const std::vector<T>& v, const std::string& sep = ", ") {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? sep : "") << v[i];
  return os.str();
}




void read_time(MapReader& root, Case& c) {
  Located tl = root.at("time");
  MapReader t(tl);
  c.end = positive(t.at("end"), dims::time);
  if (auto e = t.maybe("output_every")) c.output_every = positive(*e, dims::time);
  if (auto o = t.maybe("outputs")) {
    if (c.output_every > 0) o->fail("give either output_every or outputs, not both");
    for (const auto& item : o->as_list()) {
      const double v = non_negative(item, dims::time);
      if (v > c.end) item.fail("output time after time.end (" + format_quantity(c.end, dims::time) + ")");
      c.outputs.push_back(v);
    }
  }
  if (auto d = t.maybe("dt")) {
    c.dt = positive(*d, dims::time);
    if (c.dt > c.end) d->fail("a fixed step longer than the whole run (time.end " + format_quantity(c.end, dims::time) + ")");
  }
  if (auto d = t.maybe("dt_initial")) c.dt_initial = positive(*d, dims::time);
  if (auto d = t.maybe("dt_max")) c.dt_max = positive(*d, dims::time);
  if (auto r = t.maybe("rtol")) {
    c.rtol = r->as_number();
    if (!(c.rtol > 0 && c.rtol < 1)) r->fail("must be between 0 and 1 (e.g. 1e-4)");
  }
  if (auto s = t.maybe("scheme")) c.scheme = one_of(*s, {"tr_bdf2", "backward_euler"}) == "tr_bdf2" ? Scheme::TrBdf2 : Scheme::BackwardEuler;
  if (auto m = t.maybe("multirate")) c.multirate = m->as_bool();
  t.finish();
  if (c.outputs.empty()) {
    if (c.output_every > 0) {
      const double count = std::floor(c.end / c.output_every + 1e-9);
      if (!(count <= 100000)) t.at("output_every").fail("gives more than 100000 outputs before time.end; choose a longer interval");
      const long n = static_cast<long>(count);
      for (long i = 0; i <= n; ++i) c.outputs.push_back(std::min(c.end, i * c.output_every));
    } else {
      c.outputs = {0.0};
    }
    if (c.outputs.back() < c.end * (1 - 1e-12)) c.outputs.push_back(c.end);
    c.outputs.back() = std::min(c.outputs.back(), c.end);
  }
  std::sort(c.outputs.begin(), c.outputs.end());
  c.outputs.erase(std::unique(c.outputs.begin(), c.outputs.end()), c.outputs.end());
}

void read_geometry(MapReader& root, Case& c) {
  auto gl = root.maybe("geometry");
  if (!gl) return;  // 1d
  MapReader g(*gl);
  const std::string kind = one_of(g.at("kind"), {"1d", "2d", "axisymmetric", "3d"});
  c.geometry = kind == "1d" ? Geometry::OneD : kind == "2d" ? Geometry::TwoD : kind == "axisymmetric" ? Geometry::Axisymmetric : Geometry::ThreeD;
  if (c.geometry == Geometry::OneD) {
    for (const auto& k : g.keys())
      if (k != "kind")
        g.at(k).fail("'" + k + "' is only used in 2d, axisymmetric and 3d geometry; a 1d column has no lateral extent");
    g.finish();
    return;
  }
  if (auto u = g.maybe("unit_cell")) read_unit_cell(*u, c);  // models/patterns
  if (c.unit_cell) {
    for (const char* k : {"width", "length"})
      if (g.has(k)) g.at(k).fail(std::string("a unit cell's ") + k + " is half the lattice spacing; leave out " + k);
  } else {
    c.width = positive(g.at("width"), dims::length);
    c.length = c.width;
    if (auto l = g.maybe("length")) {
      if (c.geometry != Geometry::ThreeD) l->fail("length (the y extent) is only used in 3d geometry");
      c.length = positive(*l, dims::length);
    }
  }
  c.nx = 40;
  c.ny = (c.geometry == Geometry::ThreeD) ? 40 : 1;
  if (auto n = g.maybe("lateral_cells")) {
    if (n->is_list()) {
      auto items = n->as_list();
      if (c.geometry != Geometry::ThreeD) n->fail("a list [nx, ny] is only for 3d; give one number here");
      if (items.size() != 2)
        n->fail("a list [nx, ny] needs two numbers (x and y), got " + std::to_string(items.size()) + "; or give one number for both");
      c.nx = static_cast<int>(items[0].as_int(1, 100000));
      c.ny = static_cast<int>(items[1].as_int(1, 100000));
    } else {
      c.nx = static_cast<int>(n->as_int(1, 100000));
      if (c.geometry == Geometry::ThreeD) c.ny = c.nx;
    }
  }
  if (auto r = g.maybe("lateral_grading")) {
    c.lateral_grading = r->as_number();
    if (!(c.lateral_grading >= 1 && c.lateral_grading <= 1000)) r->fail("must be a ratio between 1 (uniform) and 1000");
  }
  if (auto b = g.maybe("lateral_boundary")) {
    c.periodic = one_of(*b, {"no_flux", "periodic"}) == "periodic";
    if (c.periodic && c.geometry == Geometry::Axisymmetric) b->fail("periodic does not apply to an axisymmetric (radial) domain; use no_flux");
    if (c.periodic && c.lateral_grading > 1) b->fail("periodic boundaries need uniform lateral cells (lateral_grading: 1)");
    if (c.periodic && c.unit_cell) b->fail("a unit cell has mirror (no_flux) edges: leave out lateral_boundary");
  }
  g.finish();
}

LayerDef read_layer(const Located& l) {
  MapReader m(l);
  LayerDef d;
  d.name = m.at("name").as_string();
  if (d.name.empty() || d.name == "all") m.at("name").fail("a layer needs a name other than 'all'");
  d.thickness = positive(m.at("thickness"), dims::length);
  d.cells = static_cast<int>(m.at("cells").as_int(1, 100000));
  if (auto g = m.maybe("grading")) {
    d.grading = g->as_number();
    if (!(d.grading >= 1 && d.grading <= 1000)) g->fail("must be a ratio between 1 (uniform) and 1000");
  }
  if (auto t = m.maybe("toward")) d.toward = one_of(*t, {"both", "top", "bottom"});
  if (auto k = m.maybe("clearance")) d.clearance = non_negative(*k, dims::rate);
  if (auto k = m.maybe("lymph_clearance")) d.lymph_clearance = non_negative(*k, dims::rate);
  if (auto s = m.maybe("source")) d.source = s->as_string();
  const auto& kinds = layer_kinds();
  d.kind = std::find(kinds.begin(), kinds.end(), d.name) != kinds.end() ? d.name : "other";
  if (auto k = m.maybe("kind")) d.kind = one_of(*k, kinds);
  if (auto w = m.maybe("water")) {
    d.water = w->as_number();
    if (!(d.water >= 0 && d.water < 1)) w->fail("a water volume fraction between 0 and 1, e.g. 0.7");
  }
  m.finish();
  return d;
}

void read_skin(MapReader& root, Case& c) {
  Located sl = root.at("skin");
  MapReader s(sl);
  const SkinPreset* preset = nullptr;
  if (auto p = s.maybe("preset")) {
    c.preset = p->as_string();
    preset = find_skin_preset(c.preset);
    if (!preset) {
      std::vector<std::string> names;
      for (const auto& x : skin_presets()) names.push_back(x.name);
      p->fail("unknown skin preset '" + c.preset + "'; available: " + join(names));
    }
    c.layers = preset->layers;
    c.bottom_sink = preset->bottom_sink;
  }
  if (auto ls = s.maybe("layers")) {
    c.layers.clear();
    auto items = ls->as_list();
    if (items.empty()) ls->fail("at least one layer is needed");
    for (const auto& item : items) {
      LayerDef d = read_layer(item);
      for (const auto& prev : c.layers)
        if (prev.name == d.name) MapReader(item).at("name").fail("layer name '" + d.name + "' is used twice");
      c.layers.push_back(d);
    }
  }
  if (c.layers.empty()) {
    std::vector<std::string> names;
    for (const auto& x : skin_presets()) names.push_back(x.name);
    sl.fail("give a preset (" + join(names) + ") or a list of layers");
  }
  if (auto b = s.maybe("bottom")) c.bottom_sink = one_of(*b, {"sink", "no_flux"}) == "sink";
  s.finish();
}

// User ingredients (inline and from a file) and the choice of property models.
void read_ingredients(MapReader& root, Case& c) {
  auto add = [&](std::vector<Ingredient> list, const Located& where) {
    auto items = where.is_map() ? MapReader(where).at("ingredients").as_list() : where.as_list();
    for (size_t i = 0; i < list.size(); ++i) {
      auto& g = list[i];
      if (find_library_ingredient(g.name))
        MapReader(items[i]).at("name").fail("'" + g.name + "' is already in the ingredient library; give your entry another name");
      for (const auto& prev : c.ingredients)
        if (prev.name == g.name)
          MapReader(items[i]).at("name").fail("ingredient '" + g.name + "' is defined twice (first at " + prev.origin + ")");
      c.ingredients.push_back(std::move(g));
    }
  };
  if (auto f = root.maybe("ingredients_file")) {
    fs::path path = f->as_string();
    if (path.is_relative() && !c.file.empty()) path = fs::path(c.file).parent_path() / path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) f->fail("cannot open the ingredients file '" + path.string() + "'");
    Located froot = load_yaml_file(path.string(), {});
    add(read_ingredient_list(froot), froot);
  }
  if (auto l = root.maybe("ingredients")) {
    if (!l->is_list()) l->fail("expected a list of ingredients ('- name: ...' entries, or [{name: ..., mw: ...}])");
    add(read_ingredient_list(*l), *l);
  }
  if (auto pm = root.maybe("properties_model")) {
    MapReader m(*pm);
    auto& opt = c.property_options;
    if (auto sc = m.maybe("stratum_corneum"))
      opt.sc_model = one_of(*sc, {"mitragotri", "potts_guy"}) == "mitragotri" ? ScModel::Mitragotri : ScModel::PottsGuy;
    if (auto h = m.maybe("stratum_corneum_hydration"))
      opt.sc_hydration = one_of(*h, {"layer", "full"}) == "layer" ? ScHydration::Layer : ScHydration::Full;
    if (auto mm = m.maybe("stratum_corneum_macromolecule"))
      opt.sc_macromolecule = one_of(*mm, {"aqueous_pore", "impermeable"}) == "aqueous_pore" ? ScMacromoleculeModel::AqueousPore
                                                                                            : ScMacromoleculeModel::Impermeable;
    if (auto ap = m.maybe("aqueous_pore")) {
      MapReader a(*ap);
      if (auto r = a.maybe("radius")) {
        opt.pore_radius = positive(*r, dims::length);
        if (opt.pore_radius > 1e-6) r->fail("an effective pore radius of the stratum corneum must be at most 1 um (e.g. '2 nm')");
      }
      if (auto e = a.maybe("porosity_tortuosity")) {
        opt.pore_porosity_tortuosity = e->as_number();
        if (!(opt.pore_porosity_tortuosity > 0 && opt.pore_porosity_tortuosity <= 1))
          e->fail("must be a number in (0, 1] (porosity over tortuosity of the SC's aqueous pores, e.g. 1.9e-6)");
      }
      a.finish();
    }
    m.finish();
    c.property_options_given = true;
  }
}

void read_species(MapReader& root, Case& c) {
  Located list = root.at("species");
  auto items = list.as_list();
  if (items.empty()) list.fail("at least one species is needed");
  std::vector<std::string> layer_names;
  for (const auto& l : c.layers) layer_names.push_back(l.name);
  for (const auto& item : items) {
    MapReader m(item);
    SpeciesDef sd;
    sd.name = m.at("name").as_string();
    if (sd.name.empty() || sd.name.find_first_of("/ .") != std::string::npos)
      m.at("name").fail("a species name must be non-empty, without '/', '.' or spaces");
    // names the results file uses for other things under /scalars (docs/output.md)
    for (const char* reserved : {"time", "excess_fluid", "papule", "hydration", "ha_remaining"})
      if (sd.name == reserved) m.at("name").fail("'" + sd.name + "' names other results in the output file; choose another species name");
    if (c.species_index(sd.name) >= 0) m.at("name").fail("species '" + sd.name + "' is defined twice");
    // An ingredient fills every layer it has a model for (models/properties); `properties` then
    // overrides value by value.
    const Ingredient* ing = nullptr;
    std::optional<Located> ingl = m.maybe("ingredient");
    if (ingl) {
      sd.ingredient = ingl->as_string();
      ing = c.find_ingredient(sd.ingredient);
      if (!ing) {
        std::vector<std::string> names;
        for (const auto& g : c.ingredients) names.push_back(g.name);
        for (const auto& g : ingredient_library()) names.push_back(g.name);
        ingl->fail("unknown ingredient '" + sd.ingredient + "'; known: " + join(names) +
                   " (add your own under 'ingredients:' or in 'ingredients_file:')");
      }
    }
    std::optional<Located> plo = ing ? m.maybe("properties") : std::optional<Located>(m.at("properties"));
    Located pl = plo ? *plo : item;
    // defaults from the layer definitions (clearance); diffusivity and partition have none
    sd.props.resize(c.layers.size());
    sd.origin.assign(c.layers.size(), "");
    std::vector<bool> hasD(c.layers.size(), false), hasK(c.layers.size(), false);
    std::vector<PropertyEstimate> est(c.layers.size());
    for (size_t l = 0; l < c.layers.size(); ++l) {
      sd.props[l].clearance = c.layers[l].clearance;
      sd.props[l].lymph_clearance = c.layers[l].lymph_clearance;
      if (!ing) continue;
      est[l] = estimate_layer(*ing, c.layers[l], c.property_options);
      if (est[l].ok) {
        sd.props[l] = est[l].props;
        hasD[l] = hasK[l] = true;
      }
    }
    if (ing)
      for (const auto& w : validity_warnings(*ing, c.property_options)) c.warnings.push_back("species '" + sd.name + "': " + w);
    auto apply = [&](const Located& entry, size_t l) {
      MapReader e(entry);
      if (auto v = e.maybe("diffusivity")) { sd.props[l].diffusivity = positive(*v, dims::diffusivity); hasD[l] = true; }
      if (auto v = e.maybe("partition")) {
        sd.props[l].partition = v->as_number();
        if (!(sd.props[l].partition > 0)) v->fail("a partition coefficient must be positive");
        hasK[l] = true;
      }
      if (auto v = e.maybe("clearance")) sd.props[l].clearance = non_negative(*v, dims::rate);
      if (auto v = e.maybe("lymph_clearance")) sd.props[l].lymph_clearance = non_negative(*v, dims::rate);
      if (auto v = e.maybe("degradation")) sd.props[l].degradation = non_negative(*v, dims::rate);
      if (auto v = e.maybe("unbound_fraction")) {
        sd.props[l].unbound = v->as_number();
        if (!(sd.props[l].unbound > 0 && sd.props[l].unbound <= 1))
          v->fail("the unbound fraction is a number in (0, 1] (the part of the tissue content free in the tissue water; 1: no binding)");
      }
      e.finish();
    };
    if (plo) {
      MapReader pm(pl);
      if (auto all = pm.maybe("all"))
        for (size_t l = 0; l < c.layers.size(); ++l) apply(*all, l);
      for (const auto& key : pm.keys()) {
        if (key == "all") continue;
        auto it = std::find(layer_names.begin(), layer_names.end(), key);
        if (it == layer_names.end()) {
          Located bad = pm.at(key);
          bad.fail("no layer named '" + key + "' in this skin; layers: " + join(layer_names) + " (or 'all')");
        }
        apply(pm.at(key), static_cast<size_t>(it - layer_names.begin()));
      }
      pm.finish();
    }
    for (size_t l = 0; l < c.layers.size(); ++l) {
      if (!hasD[l] || !hasK[l]) {
        const std::string why = ing ? "; ingredient '" + ing->name + "' gives none here: " + est[l].reason : "";
        pl.fail("no " + std::string(!hasD[l] ? "diffusivity" : "partition") + " for layer '" + c.layers[l].name + "'" + why +
                "; every layer needs diffusivity and partition (give them under properties." + c.layers[l].name +
                " or properties.all)");
      }
      if (!ing) continue;
      // Which model produced the values; values given in `properties` that differ from the
      // estimate (beyond the 10 digits the resolved case prints) are named.
      auto same = [](double a, double b) { return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); };
      const LayerProps &p = sd.props[l], &q = est[l].props;
      std::vector<std::string> given;
      if (!est[l].ok) {
        sd.origin[l] = "given (" + est[l].reason + ")";
        continue;
      }
      if (!same(p.diffusivity, q.diffusivity)) given.push_back("diffusivity");
      if (!same(p.partition, q.partition)) given.push_back("partition");
      if (!same(p.clearance, q.clearance)) given.push_back("clearance");
      if (!same(p.lymph_clearance, q.lymph_clearance)) given.push_back("lymph_clearance");
      if (!same(p.degradation, q.degradation)) given.push_back("degradation");
      if (!same(p.unbound, q.unbound)) given.push_back("unbound_fraction");
      sd.origin[l] = "model " + est[l].model + (given.empty() ? "" : " (given in the case: " + join(given) + ")") + ": " + est[l].formula;
    }
    m.finish();
    c.species.push_back(sd);
  }
}

void read_delivery(MapReader& root, Case& c) {
  auto list = root.maybe("delivery");
  if (!list) return;
  const auto entries = list->as_list();
  std::vector<size_t> origin;  // the entry each delivery comes from (techniques and schedules expand)
  for (size_t entry = 0; entry < entries.size(); ++entry) {
    const Located& item = entries[entry];
    MapReader m(item);
    DeliveryDef d;
    d.type = one_of(m.at("type"), with_techniques(DeliveryRegistry::instance().names()));
    d.technique = d.type;
    const Schedule schedule = read_schedule(m);  // models/patterns
    if (is_technique(d.type)) {  // papule, nappage, ...: injection events (models/patterns)
      const PatternSpec ps = read_pattern(m, d.type, c);
      m.finish();
      std::vector<std::vector<DeliveryDef>> sessions;
      for (int k = 0; k < schedule.count; ++k) sessions.push_back(pattern_session(ps, k, c));
      add_sessions(c, sessions, schedule, entry, origin);
      continue;
    }
    delivery_type(d.type).read(m, c, d);  // models/delivery/<type>.cpp
    m.finish();
    add_sessions(c, std::vector<std::vector<DeliveryDef>>(schedule.count, {d}), schedule, entry, origin);
  }
  for (const DeliveryType* t : DeliveryRegistry::instance().all()) t->finish(c, entries, origin);
}

void read_output(MapReader& root, Case& c) {
  c.output_file = "results/" + c.name + ".h5";
  std::optional<Located> fileloc;
  if (auto ol = root.maybe("output")) {
    MapReader o(*ol);
    if (auto f = o.maybe("file")) {
      c.output_file = f->as_string();
      c.output_line = f->line();
      fileloc = f;
    }
    if (auto v = o.maybe("vtk")) {
      c.vtk = v->as_bool();
#ifndef DERMASIM_HAVE_VTK
      if (c.vtk) v->fail("this build of dermasim has no VTK support (install libvtk9-dev and rebuild); the HDF5 + XDMF output opens in ParaView");
#endif
    }
    if (auto v = o.maybe("report")) {
      c.report = one_of(*v, {"none", "tg428"});
      if (c.report == "none") c.report.clear();
    }
    o.finish();
  }
  if (c.output_file.size() < 4 || c.output_file.substr(c.output_file.size() - 3) != ".h5") {
    const std::string msg = "the output file must end in .h5, got '" + c.output_file + "'";
    if (fileloc) fileloc->fail(msg);
    root.self().fail(msg);
  }
}

// `metrics: {target: LAYER, threshold: 0.01 mg/mL, species: [a, b]}` (docs/metrics.md)
void read_metrics(MapReader& root, Case& c) {
  std::vector<std::string> names, kinds;
  for (const auto& l : c.layers) {
    names.push_back(l.name);
    kinds.push_back(l.kind);
  }
  c.metrics.target = names[default_target_layer(names, kinds)];
  auto ml = root.maybe("metrics");
  if (!ml) return;
  c.metrics.given = true;
  MapReader m(*ml);
  if (auto t = m.maybe("target")) {
    const std::string name = t->as_string();
    if (std::find(names.begin(), names.end(), name) == names.end())
      t->fail("no layer named '" + name + "'; the layers are: " + join(names));
    c.metrics.target = name;
  }
  if (auto t = m.maybe("threshold")) c.metrics.threshold = positive(*t, dims::concentration);
  if (auto t = m.maybe("papule_threshold")) c.metrics.papule_threshold = positive(*t, dims::length);
  if (auto sp = m.maybe("species")) c.metrics.species = species_names(*sp, c);
  read_metrics_region(m, c);  // area / radius (models/metrics)
  m.finish();
}

// fluid: {enabled, law, max_change, viscosity, layers: {<layer>|all: {permeability, stiffness, drainage,
// strain_exponent, compliant_stiffness, compliance_onset, stiffening_strain}}}
void read_fluid(MapReader& root, Case& c) {
  // Opt-in: with the sourced k and H ([WeirWeiss2023], [Thomsen2014]) the excess fluid equilibrates within about a second
  // (poroelastic time ~0.7 s over 1 mm, [Derived:poroelastic-time]), so on hour scales it changes solute
  // transport little while making the step much stiffer; cases that study the papule enable it.
  c.fluid = false;
  // linear by default for now: the HA osmotic coupling is linearised about a constant stiffness, and
  // the nonlinear law costs more (docs/validation.md "Injected fluid", docs/performance.md)
  c.fluid_nonlinear = false;
  c.hydraulics.clear();
  for (const auto& l : c.layers) c.hydraulics.push_back(default_hydraulics(l));
  auto fl = root.maybe("fluid");
  auto small_strain = [&c] {
    // the nonlinear law's small-strain stiffness H0 ([ReedWiig1981], models/fluid.cpp)
    if (!c.fluid_nonlinear) return;
    for (size_t l = 0; l < c.layers.size(); ++l) {
      if (c.layers[l].kind != "stratum_corneum") c.hydraulics[l].stiffness = 9.5e3;
      // the subcutaneous 3.2e-11 m2 of [Thomsen2014] is an effective value of tissue dilated by an
      // injection; the law's k0 is that of undeformed tissue: none found for fat, the skin's k0
      // [WeirWeiss2023] is used ([Assumed:fat-permeability])
      if (c.layers[l].kind == "hypodermis") c.hydraulics[l].permeability = 9.6e-15;
    }
  };
  if (!fl) {
    small_strain();
    return;
  }
  MapReader f(*fl);
  if (auto e = f.maybe("enabled")) c.fluid = e->as_bool();
  if (auto e = f.maybe("law")) {
    const std::string law = e->as_string();
    if (law != "linear" && law != "nonlinear") e->fail("unknown fluid law '" + law + "' (allowed: linear, nonlinear)");
    c.fluid_nonlinear = law == "nonlinear";
  }
  small_strain();
  if (auto v = f.maybe("max_change")) {
    c.fluid_max_change = v->as_number();
    if (!(c.fluid_max_change > 0 && c.fluid_max_change <= 1)) v->fail("max_change must be in (0, 1]");
  }
  if (auto v = f.maybe("viscosity")) c.fluid_viscosity = positive(*v, Dim(-1, 1, -1, 0));
  if (auto ls = f.maybe("layers")) {
    MapReader lm(*ls);
    auto apply = [&](const Located& entry, size_t l) {
      MapReader e(entry);
      HydraulicProps& h = c.hydraulics[l];
      if (auto v = e.maybe("permeability")) h.permeability = positive(*v, dims::area);
      if (auto v = e.maybe("stiffness")) h.stiffness = positive(*v, Dim(-1, 1, -2, 0));
      if (auto v = e.maybe("drainage")) h.drainage = non_negative(*v, dims::rate);
      if (auto v = e.maybe("strain_exponent")) {
        h.strain_exponent = v->as_number();
        if (!(h.strain_exponent >= 0 && h.strain_exponent <= 20)) v->fail("strain_exponent must be in [0, 20]");
      }
      if (auto v = e.maybe("absorption")) h.absorption = non_negative(*v, Dim(1, -1, 1, 0));
      if (auto v = e.maybe("compliant_stiffness")) h.compliant_stiffness = positive(*v, Dim(-1, 1, -2, 0));
      if (auto v = e.maybe("compliance_onset")) {
        h.compliance_onset = v->as_number();
        if (!(h.compliance_onset > 0 && h.compliance_onset < 1)) v->fail("compliance_onset must be in (0, 1) (a volume fraction)");
      }
      if (auto v = e.maybe("stiffening_strain")) {
        h.stiffening_strain = v->as_number();
        if (!(h.stiffening_strain > 0 && h.stiffening_strain <= 100)) v->fail("stiffening_strain must be in (0, 100]");
      }
      if (h.compliant_stiffness > h.stiffness) entry.fail("compliant_stiffness must not exceed stiffness (the small-strain stiffness)");
      h.source = "given in the case";
      e.finish();
    };
    if (auto all = lm.maybe("all"))
      for (size_t l = 0; l < c.layers.size(); ++l) apply(*all, l);
    for (const auto& key : lm.keys()) {
      if (key == "all") continue;
      size_t l = 0;
      while (l < c.layers.size() && c.layers[l].name != key) ++l;
      if (l == c.layers.size()) lm.at(key).fail("no layer named '" + key + "' in this skin (or 'all')");
      apply(lm.at(key), l);
    }
    lm.finish();
  }
  f.finish();
}

void read_solver(MapReader& root, Case& c) {
  auto sl = root.maybe("solver");
  if (!sl) return;
  MapReader s(*sl);
  if (auto l = s.maybe("linear")) c.solver.linear = one_of(*l, {"auto", "direct", "cg", "mg"});
  if (auto t = s.maybe("tolerance")) {
    // auto: 1e-3 time.rtol under error control, 1e-12 with fixed steps (SolverSpec::effective_tolerance);
    // a number: every iterative solve
    if (t->node.IsScalar() && t->node.Scalar() == "auto") {
      c.solver.tolerance = 0;
    } else {
      const std::string allowed = "must be auto or a number between 0 and 1e-2 (a relative residual)";
      try {
        c.solver.tolerance = t->as_number();
      } catch (const InputError&) {
        t->fail("'" + (t->node.IsScalar() ? t->node.Scalar() : std::string("(not a value)")) + "': " + allowed);
      }
      if (!(c.solver.tolerance > 0 && c.solver.tolerance < 1e-2)) t->fail(allowed);
    }
  }
  if (auto t = s.maybe("max_iterations")) c.solver.max_iterations = static_cast<int>(t->as_int(1, 100000000));
  s.finish();
}

}  // namespace

const DeliveryType& delivery_type(const std::string& name) { return DeliveryRegistry::instance().get(name); }

Case read_case(const Located& rootloc) {
  MapReader root(rootloc);
  Case c;
  c.file = rootloc.src ? rootloc.src->file : "";
  if (auto n = root.maybe("name")) {
    c.name = n->as_string();
    if (c.name.empty() || c.name.find('/') != std::string::npos) n->fail("a name must be non-empty and without '/'");
  } else {
    c.name = c.file.empty() ? "case" : fs::path(c.file).stem().string();
  }
  read_time(root, c);
  read_geometry(root, c);
  read_skin(root, c);
  {
    // A grid the machine cannot hold ends in std::bad_alloc deep inside the solver; say it here.
    double cells = static_cast<double>(c.nx) * c.ny;
    double rows = 0;
    for (const auto& l : c.layers) rows += l.cells;
    cells *= rows;
    if (cells > 1e8) {
      std::ostringstream os;
      os << "the grid would have " << cells << " cells (" << c.nx << " x " << c.ny << " x " << rows
         << "); at most 1e8 are supported: use fewer lateral_cells or layer cells";
      (root.has("geometry") ? root.at("geometry") : root.at("skin")).fail(os.str());
    }
  }
  read_ingredients(root, c);
  read_species(root, c);
  read_delivery(root, c);
  resolve_unit_cell(root, c);  // models/patterns
  read_output(root, c);
  read_fluid(root, c);
  read_hydration(root, c);   // models/hydration
  read_reactions(root, c);   // models/reactions
  read_solver(root, c);
  read_metrics(root, c);
  root.finish();
  return c;
}

// ------------------------------------------------------------------------------------------------
// The resolved case, written back as YAML

std::string q(double si, const std::string& unit) { return format_in(si, unit, 10); }
std::string time_q(double s) { return format_time_exact(s); }
std::string len_q(double m) { return format_length_exact(m); }

std::string dump_case(const Case& c) {
  YAML::Emitter e;
  e.SetIndent(2);
  e.SetDoublePrecision(15);  // "0.8", not "0.80000000000000004"; printing what was read back gives the same text
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << c.name;
  e << YAML::Key << "time" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "end" << YAML::Value << time_q(c.end);
  e << YAML::Key << "outputs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (double t : c.outputs) e << time_q(t);
  e << YAML::EndSeq;
  if (c.dt > 0) e << YAML::Key << "dt" << YAML::Value << time_q(c.dt);
  if (c.dt_initial > 0) e << YAML::Key << "dt_initial" << YAML::Value << time_q(c.dt_initial);
  if (c.dt_max > 0) e << YAML::Key << "dt_max" << YAML::Value << time_q(c.dt_max);
  e << YAML::Key << "scheme" << YAML::Value << (c.scheme == Scheme::TrBdf2 ? "tr_bdf2" : "backward_euler");
  e << YAML::Key << "rtol" << YAML::Value << c.rtol;
  e << YAML::Key << "multirate" << YAML::Value << c.multirate;
  e << YAML::EndMap;
  e << YAML::Key << "geometry" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "kind" << YAML::Value << to_string(c.geometry);
  if (c.geometry != Geometry::OneD) {
    if (c.unit_cell) {  // the width (and length) follow from the spacing (models/patterns)
      e << YAML::Key << "unit_cell" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "spacing" << YAML::Value << YAML::Flow
        << YAML::BeginSeq << len_q(c.cell_spacing_x) << len_q(c.cell_spacing_y) << YAML::EndSeq << YAML::EndMap << YAML::Comment(unit_cell_note(c));
    } else {
      e << YAML::Key << "width" << YAML::Value << len_q(c.width);
      if (c.geometry == Geometry::ThreeD) e << YAML::Key << "length" << YAML::Value << len_q(c.length);
    }
    if (c.geometry == Geometry::ThreeD)
      e << YAML::Key << "lateral_cells" << YAML::Value << YAML::Flow << YAML::BeginSeq << c.nx << c.ny << YAML::EndSeq;
    else
      e << YAML::Key << "lateral_cells" << YAML::Value << c.nx;
    e << YAML::Key << "lateral_grading" << YAML::Value << c.lateral_grading;
    if (!c.unit_cell) e << YAML::Key << "lateral_boundary" << YAML::Value << (c.periodic ? "periodic" : "no_flux");
  }
  e << YAML::EndMap;
  e << YAML::Key << "skin" << YAML::Value << YAML::BeginMap;
  // The preset is kept (so the resolved case reads back to the same text); the layer list after it
  // replaces the preset's layers and is what the run uses.
  if (!c.preset.empty()) e << YAML::Key << "preset" << YAML::Value << c.preset << YAML::Comment("layers written out below");
  e << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (const auto& l : c.layers) {
    e << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << l.name;
    e << YAML::Key << "thickness" << YAML::Value << len_q(l.thickness);
    e << YAML::Key << "cells" << YAML::Value << l.cells;
    e << YAML::Key << "grading" << YAML::Value << l.grading;
    e << YAML::Key << "toward" << YAML::Value << l.toward;
    e << YAML::Key << "clearance" << YAML::Value << q(l.clearance, "1/s");
    e << YAML::Key << "lymph_clearance" << YAML::Value << q(l.lymph_clearance, "1/s");
    e << YAML::Key << "kind" << YAML::Value << l.kind;
    if (l.water > 0) e << YAML::Key << "water" << YAML::Value << l.water;
    if (!l.source.empty()) e << YAML::Key << "source" << YAML::Value << l.source;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "bottom" << YAML::Value << (c.bottom_sink ? "sink" : "no_flux");
  e << YAML::EndMap;
  bool uses_ingredients = !c.ingredients.empty() || c.property_options_given;
  for (const auto& s : c.species) uses_ingredients = uses_ingredients || !s.ingredient.empty();
  if (uses_ingredients) {
    const auto& opt = c.property_options;
    e << YAML::Key << "properties_model" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "stratum_corneum" << YAML::Value << to_string(opt.sc_model);
    e << YAML::Key << "stratum_corneum_hydration" << YAML::Value << to_string(opt.sc_hydration);
    e << YAML::Key << "stratum_corneum_macromolecule" << YAML::Value << to_string(opt.sc_macromolecule);
    e << YAML::Key << "aqueous_pore" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "radius" << YAML::Value << format_in(opt.pore_radius, "nm", 10);
    e << YAML::Key << "porosity_tortuosity" << YAML::Value << opt.pore_porosity_tortuosity;
    e << YAML::EndMap;
    e << YAML::EndMap;
  }
  if (!c.ingredients.empty()) {  // the case's own ingredients, inline (an ingredients_file is written out here)
    e << YAML::Key << "ingredients" << YAML::Value << YAML::BeginSeq;
    for (const auto& g : c.ingredients) emit_ingredient(e, g);
    e << YAML::EndSeq;
  }
  e << YAML::Key << "species" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : c.species) {
    e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name;
    if (!s.ingredient.empty()) e << YAML::Key << "ingredient" << YAML::Value << s.ingredient;
    e << YAML::Key << "properties" << YAML::Value << YAML::BeginMap;
    for (size_t l = 0; l < c.layers.size(); ++l) {
      const auto& p = s.props[l];
      e << YAML::Key << c.layers[l].name << YAML::Value << YAML::Flow << YAML::BeginMap;
      e << YAML::Key << "diffusivity" << YAML::Value << q(p.diffusivity, "m2/s");
      e << YAML::Key << "partition" << YAML::Value << p.partition;
      e << YAML::Key << "clearance" << YAML::Value << q(p.clearance, "1/s");
      e << YAML::Key << "lymph_clearance" << YAML::Value << q(p.lymph_clearance, "1/s");
      e << YAML::Key << "degradation" << YAML::Value << q(p.degradation, "1/s");
      e << YAML::Key << "unbound_fraction" << YAML::Value << p.unbound;
      e << YAML::EndMap;
      if (l < s.origin.size() && !s.origin[l].empty()) e << YAML::Comment(s.origin[l]);
    }
    e << YAML::EndMap << YAML::EndMap;
  }
  e << YAML::EndSeq;
  if (!c.delivery.empty()) {
    e << YAML::Key << "delivery" << YAML::Value << YAML::BeginSeq;
    for (const auto& d : c.delivery) {
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << d.type;
      delivery_type(d.type).emit(e, d, c);  // models/delivery/<type>.cpp
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::Key << "fluid" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "enabled" << YAML::Value << c.fluid;
  if (c.fluid) {
    e << YAML::Key << "law" << YAML::Value << (c.fluid_nonlinear ? "nonlinear" : "linear");
    if (c.fluid_nonlinear) e << YAML::Key << "max_change" << YAML::Value << c.fluid_max_change;
    e << YAML::Key << "viscosity" << YAML::Value << q(c.fluid_viscosity, "mPa*s");
    e << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
    for (size_t l = 0; l < c.layers.size(); ++l) {
      const auto& h = c.hydraulics[l];
      e << YAML::Key << c.layers[l].name << YAML::Value << YAML::Flow << YAML::BeginMap;
      e << YAML::Key << "permeability" << YAML::Value << q(h.permeability, "m2");
      e << YAML::Key << "stiffness" << YAML::Value << q(h.stiffness, "kPa");
      e << YAML::Key << "drainage" << YAML::Value << q(h.drainage, "1/s");
      e << YAML::Key << "absorption" << YAML::Value << q(h.absorption, "m*s/kg");
      if (c.fluid_nonlinear) {
        e << YAML::Key << "strain_exponent" << YAML::Value << h.strain_exponent;
        e << YAML::Key << "compliant_stiffness" << YAML::Value << q(h.compliant_stiffness, "kPa");
        e << YAML::Key << "compliance_onset" << YAML::Value << h.compliance_onset;
        e << YAML::Key << "stiffening_strain" << YAML::Value << h.stiffening_strain;
      }
      e << YAML::EndMap;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  dump_hydration(c, e);
  dump_reactions(c, e);
  e << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "file" << YAML::Value << c.output_file;
  e << YAML::Key << "vtk" << YAML::Value << c.vtk;
  if (!c.report.empty()) e << YAML::Key << "report" << YAML::Value << c.report;
  e << YAML::EndMap;
  e << YAML::Key << "solver" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "linear" << YAML::Value << c.solver.linear;
  if (c.solver.tolerance > 0) e << YAML::Key << "tolerance" << YAML::Value << c.solver.tolerance;
  else e << YAML::Key << "tolerance" << YAML::Value << "auto";
  e << YAML::Key << "max_iterations" << YAML::Value << c.solver.max_iterations;
  e << YAML::EndMap;
  e << YAML::Key << "metrics" << YAML::Value << YAML::Flow << YAML::BeginMap;
  e << YAML::Key << "target" << YAML::Value << c.metrics.target;
  if (c.metrics.threshold > 0) e << YAML::Key << "threshold" << YAML::Value << q(c.metrics.threshold, "mg/mL");
  if (c.fluid || c.metrics.papule_threshold != MetricsDef::kDefaultPapuleThreshold)
    e << YAML::Key << "papule_threshold" << YAML::Value << len_q(c.metrics.papule_threshold);
  emit_metrics_region(e, c);  // area / radius (models/metrics)
  if (!c.metrics.species.empty()) {
    e << YAML::Key << "species" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& n : c.metrics.species) e << n;
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

// ------------------------------------------------------------------------------------------------

namespace {
// The excess-fluid field: the unknown is the potential p = H phi (capacity K = 1/H, D K = k / mu, so
// the Darcy flux is -(k/mu) grad p, also across layers of different stiffness), loss "drained" =
// drainage k_d phi to lymph; each injection adds its volume where its solutes go (instantly, or at a
// rate over its duration).
// The fluid is the solver's carrier; its stiffness and the baseline tissue water per cell go to the
// osmotic coupling (models/couplings/osmotic) when HA holds water.
int add_fluid(const Case& c, Problem& p, const std::vector<FluidInjection>& injections, std::vector<double>& stiffness,
              std::vector<double>& tissue_water_per_cell) {
  const Grid& g = p.grid;
  const size_t n = g.cells();
  SpeciesSpec f;
  f.name = "excess_fluid";
  f.unit = "1";  // a volume fraction; amounts are volumes
  f.amount_unit = "m3";
  f.K.resize(n);
  f.DK.resize(n);
  stiffness.resize(n);
  tissue_water_per_cell.resize(n);
  LossChannel drained{"drained", std::vector<double>(n)};
  // capillary absorption G P: with the linear law a first-order rate G H; with the nonlinear law
  // kept in step with the secant stiffness by the coupling below
  LossChannel absorbed{"absorbed", std::vector<double>(n)};
  std::vector<double> absorption(n, 0.0);
  for (int k = 0; k < g.nz; ++k) {
    const HydraulicProps& h = c.hydraulics[g.cell_layer[k]];
    const double water = tissue_water(c.layers[g.cell_layer[k]]);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t idx = g.index(i, j, k);
        f.K[idx] = 1.0 / h.stiffness;
        f.DK[idx] = h.permeability / c.fluid_viscosity;
        drained.k[idx] = h.drainage;
        absorption[idx] = h.absorption;
        if (c.fluid_nonlinear) absorbed.k[idx] = h.absorption * h.stiffness;
        stiffness[idx] = h.stiffness;
        tissue_water_per_cell[idx] = water;
      }
  }
  f.losses = {drained};
  // capillary absorption comes with the nonlinear law (the linear law keeps its lymph drainage alone)
  if (!c.fluid_nonlinear) absorption.assign(n, 0.0);
  const bool absorbs = std::any_of(absorption.begin(), absorption.end(), [](double x) { return x > 0; });
  if (absorbs) f.losses.push_back(absorbed);
  const int fluid = static_cast<int>(p.species.size());
  p.carrier = {fluid, "drained", "cleared_lymph"};
  p.couplings.push_back(std::make_shared<ExcessFluidCoupling>(fluid));
  for (const FluidInjection& fi : injections) {
    if (fi.duration > 0) {
      SourceSpec so;
      so.t_start = fi.time;
      so.t_end = fi.time + fi.duration;
      so.source = static_cast<int>(fi.delivery);
      for (const auto& [cell, w] : fi.weights) so.rate.emplace_back(cell, fi.volume * fi.fraction_inside * w / fi.duration);
      f.sources.push_back(std::move(so));
    } else {
      DepositSpec dep;
      dep.species = fluid;
      dep.time = fi.time;
      dep.source = static_cast<int>(fi.delivery);
      for (const auto& [cell, w] : fi.weights) dep.mass.emplace_back(cell, fi.volume * fi.fraction_inside * w);
      dep.clipped = fi.volume * (1.0 - fi.fraction_inside);
      p.deposits.push_back(std::move(dep));
    }
  }
  p.species.push_back(std::move(f));
  if (c.fluid_nonlinear) {
    // k = k0 exp(m phi) and the tissue pressure P(phi) (models/fluid.cpp) as lagged coefficients of
    // the carrier (solver/nonlinear_field.hpp). With HA hydration the osmotic coupling owns the
    // capacity (its linearisation about H): only the permeability follows the state then.
    std::vector<HydraulicProps> per_row;
    for (int k = 0; k < g.nz; ++k) per_row.push_back(c.hydraulics[g.cell_layer[k]]);
    const size_t plane = static_cast<size_t>(g.nx) * g.ny;
    StateLaw law;
    law.conductance = [per_row, plane](size_t i, double phi) { return permeability_factor(per_row[i / plane], phi); };
    // (a crosslinked gel holds its water in its own phase, models/couplings/gel_phase: only linear HA
    // enters the fluid's potential)
    const bool osmotic = c.hydration.enabled && std::any_of(c.hydration.species.begin(), c.hydration.species.end(), [&](const std::string& n) {
                           return std::none_of(c.hydration.gels.begin(), c.hydration.gels.end(), [&](const GelDef& g) { return g.species == n; });
                         });
    if (!osmotic) {
      law.potential = [per_row, plane](size_t i, double phi) { return tissue_pressure(per_row[i / plane], phi); };
      law.slope = [per_row, plane](size_t i, double phi) { return tissue_pressure_slope(per_row[i / plane], phi); };
      if (absorbs) {
        law.potential_loss = "absorbed";
        law.potential_loss_coeff = absorption;
      }
    }
    p.couplings.push_back(std::make_shared<NonlinearField>(fluid, std::move(law), c.fluid_max_change));
  }
  return fluid;
}
}  // namespace

Problem build_problem(const Case& c, std::vector<std::string>* warnings) {
  if (warnings) warnings->insert(warnings->end(), c.warnings.begin(), c.warnings.end());
  Problem p;
  Grid& g = p.grid;
  g.geometry = c.geometry;
  // depth: layers stacked, each graded on its own
  g.zn = {0.0};
  double z0 = 0;
  std::vector<int> row_layer;
  for (size_t l = 0; l < c.layers.size(); ++l) {
    const auto& L = c.layers[l];
    const std::string toward = L.toward == "top" ? "start" : L.toward == "bottom" ? "end" : "both";
    auto nodes = graded_nodes(z0, z0 + L.thickness, L.cells, L.grading, toward);
    for (int i = 1; i <= L.cells; ++i) g.zn.push_back(nodes[i]);
    for (int i = 0; i < L.cells; ++i) row_layer.push_back(static_cast<int>(l));
    z0 += L.thickness;
    g.layer_names.push_back(L.name);
  }
  g.cell_layer = row_layer;
  const double depth = z0;
  switch (c.geometry) {
    case Geometry::OneD:
      // A column of unit area: lateral coordinates are nominal (for viewing only).
      g.xn = {0.0, 0.1 * depth};
      g.yn = {0.0, 0.1 * depth};
      break;
    case Geometry::TwoD:
    case Geometry::Axisymmetric:
      g.xn = graded_nodes(0.0, c.width, c.nx, c.lateral_grading, "start");
      g.yn = {0.0, c.width / c.nx};  // nominal thickness for viewing; amounts are per metre
      break;
    case Geometry::ThreeD:
      g.xn = graded_nodes(0.0, c.width, c.nx, c.lateral_grading, "start");
      g.yn = graded_nodes(0.0, c.length, c.ny, c.lateral_grading, "start");
      break;
  }
  g.periodic_x = c.periodic && c.geometry != Geometry::Axisymmetric && c.geometry != Geometry::OneD;
  g.periodic_y = c.periodic && c.geometry == Geometry::ThreeD;
  g.finalize();
  p.bottom_sink = c.bottom_sink;
  p.reservoir_names = {"vehicle", "deposit", "vehicle_volume", "washed"};  // the topical vehicle (models/vehicle)

  const size_t n = g.cells();
  for (const auto& s : c.species) {
    SpeciesSpec ss;
    ss.name = s.name;
    ss.K.resize(n);
    ss.DK.resize(n);
    LossChannel blood{"cleared_blood", std::vector<double>(n)}, lymph{"cleared_lymph", std::vector<double>(n)},
        deg{"degraded", std::vector<double>(n)};
    for (int k = 0; k < g.nz; ++k) {
      const LayerProps& pr = s.props[g.cell_layer[k]];
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) {
          const size_t idx = g.index(i, j, k);
          ss.K[idx] = pr.partition;
          ss.DK[idx] = pr.diffusivity * pr.partition;
          // clearance acts on the unbound part of the tissue content (docs/properties.md)
          blood.k[idx] = pr.clearance * pr.unbound;
          lymph.k[idx] = pr.lymph_clearance * pr.unbound;
          deg.k[idx] = pr.degradation;
        }
    }
    ss.losses = {blood, lymph, deg};
    // HA chains (entangled in the matrix), a crosslinked network or a deposit are not carried by the
    // injected fluid: they move by their own diffusion ([Web:ha-lymph]: lymph removes < 1 % of
    // tissue HA a day)
    if (const Ingredient* ing = s.ingredient.empty() ? nullptr : c.find_ingredient(s.ingredient); ing && (immobile_form(*ing) || ing->kind == "polymer"))
      ss.advected = false;
    p.species.push_back(std::move(ss));
  }
  Lowering lw{p, warnings, {}};
  for (size_t di = 0; di < c.delivery.size(); ++di) {
    const auto& d = c.delivery[di];
    delivery_type(d.type).lower(c, di, d, lw);  // models/delivery/<type>.cpp
  }
  add_reactions(c, p);  // models/reactions
  if (c.fluid) {
    std::vector<double> stiffness, water;
    const int fluid = add_fluid(c, p, lw.fluid, stiffness, water);
    add_hydration(c, p, fluid, stiffness, water);  // models/hydration
  }
  finish_unit_cell(c, p, warnings);  // models/patterns: a unit cell's corner injections
  p.time.end = c.end;
  p.time.outputs = c.outputs;
  p.time.scheme = c.scheme;
  p.time.rtol = c.rtol;
  p.time.dt_fixed = c.dt;
  p.time.dt_initial = c.dt_initial;
  p.time.dt_max = c.dt_max;
  p.time.multirate = c.multirate;
  p.solver = c.solver;
  return p;
}

}  // namespace dermasim
