// SPDX-License-Identifier: BSD-3-Clause
#include "hydration.hpp"

#include <algorithm>
#include <optional>

#include "case.hpp"
#include "couplings/gel_phase.hpp"
#include "couplings/osmotic.hpp"
#include "properties.hpp"

namespace dermasim {

double tissue_water(const LayerDef& l) {
  if (l.water > 0) return l.water;
  return l.kind == "hypodermis" ? kAdiposeWaterFraction : 0.0;
}

std::vector<int> ha_species(const Case& c) {
  std::vector<int> out;
  for (size_t s = 0; s < c.species.size(); ++s)
    if (c.species[s].ingredient.rfind("ha_", 0) == 0) out.push_back(static_cast<int>(s));
  return out;
}

void read_hydration(MapReader& root, Case& c) {
  HydrationDef& h = c.hydration;
  h = HydrationDef{};
  for (int s : ha_species(c)) h.species.push_back(c.species[s].name);
  auto hl = root.maybe("hydration");
  std::optional<bool> enabled;
  if (hl) {
    MapReader m(*hl);
    if (auto e = m.maybe("enabled")) enabled = e->as_bool();
    if (auto l = m.maybe("law")) h.law = one_of(*l, {"horkay", "donnan"}) == "horkay" ? OsmoticLaw::Horkay : OsmoticLaw::Donnan;
    if (auto s = m.maybe("ionic_strength")) h.salt = positive(*s, Dim(-3, 0, 0, 1)) / 1e3;
    if (auto sp = m.maybe("species")) h.species = species_names(*sp, c);
    if (auto g = m.maybe("gel")) {
      MapReader gm(*g);
      for (const auto& name : gm.keys()) {
        const Located entry = gm.at(name);
        if (std::find(h.species.begin(), h.species.end(), name) == h.species.end())
          entry.fail("'" + name + "' is not one of the hydration species");
        MapReader e(entry);
        GelDef d;
        d.species = name;
        d.modulus = positive(e.at("modulus"), Dim(-1, 1, -2, 0));
        d.reference = positive(e.at("reference_concentration"), dims::concentration);
        if (auto st = e.maybe("confining_stress")) d.stress = positive(*st, Dim(-1, 1, -2, 0));
        e.finish();
        h.gels.push_back(d);
      }
    }
    m.finish();
  }
  // on by default where there is HA to hold water and a fluid to hold
  h.enabled = enabled ? *enabled : (c.fluid && !h.species.empty());
  if (hl) {
    if (h.enabled && !c.fluid)
      hl->fail("HA holds water in the excess-fluid field: enable it with fluid: {enabled: true} (or set hydration.enabled: false)");
  }
  if (!h.enabled) return;
  // every crosslinked (gel) HA species needs its network parameters: no source gives a gel modulus
  for (const auto& n : h.species) {
    const Ingredient* ing = c.find_ingredient(c.species[c.species_index(n)].ingredient);
    const bool gel = ing && ing->form == "gel";
    const bool given = std::any_of(h.gels.begin(), h.gels.end(), [&](const GelDef& g) { return g.species == n; });
    if (gel && !given) {
      const std::string msg = "species '" + n + "' is a crosslinked gel: give its network under hydration.gel." + n +
                              " as {modulus: <Pa>, reference_concentration: <mg/mL>} (Flory-Rehner, [Web:flory-rehner]; no default: "
                              "no source gives a gel modulus)";
      if (hl) hl->fail(msg);
      root.self().fail(msg);
    }
  }
  for (const auto& l : c.layers)
    if (!(tissue_water(l) > 0)) {
      const std::string msg = "hydration needs the water fraction of every layer (HA dissolves in the tissue water); layer '" + l.name +
                              "' has none: give skin.layers[].water";
      if (hl) hl->fail(msg);
      root.self().fail(msg);
    }
}

void dump_hydration(const Case& c, YAML::Emitter& e) {
  const HydrationDef& h = c.hydration;
  if (!c.fluid) return;
  e << YAML::Key << "hydration" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "enabled" << YAML::Value << h.enabled;
  e << YAML::Key << "law" << YAML::Value << (h.law == OsmoticLaw::Horkay ? "horkay" : "donnan");
  e << YAML::Key << "ionic_strength" << YAML::Value << format_in(h.salt * 1e3, "mM", 10);
  e << YAML::Key << "species" << YAML::Value << YAML::Flow << h.species;
  if (!h.gels.empty()) {
    e << YAML::Key << "gel" << YAML::Value << YAML::BeginMap;
    for (const auto& g : h.gels)
      e << YAML::Key << g.species << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "modulus" << YAML::Value
        << format_in(g.modulus, "Pa", 10) << YAML::Key << "reference_concentration" << YAML::Value << format_in(g.reference, "mg/mL", 10)
        << YAML::Key << "confining_stress" << YAML::Value << format_in(g.stress, "kPa", 10) << YAML::EndMap;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

OsmoticModel osmotic_model(const Case& c, const std::string& species) {
  OsmoticModel m;
  m.law = c.hydration.law;
  m.salt = c.hydration.salt;
  for (const auto& g : c.hydration.gels)
    if (g.species == species) {
      m.modulus = g.modulus;
      m.reference = g.reference;
    }
  return m;
}

void add_hydration(const Case& c, Problem& p, int fluid, const std::vector<double>& stiffness, const std::vector<double>& water) {
  if (!c.hydration.enabled || fluid < 0) return;
  auto group = [](const std::string& name, const OsmoticModel& m) {
    return OsmoticGroup{name, {}, [m](double x) { return m.pressure(x); }, [m](double x) { return m.derivative(x); }};
  };
  // linear species act as one polymer (the case's law) whose osmotic pressure holds interstitial
  // water; each gel is a phase of its own that holds its water at its equilibrium swelling for the
  // tissue's stress (models/couplings/gel_phase.hpp)
  std::vector<OsmoticGroup> groups;
  std::vector<GelPhase> gels;
  OsmoticGroup linear = group("linear HA", osmotic_model(c, ""));
  for (const auto& n : c.hydration.species) {
    const OsmoticModel m = osmotic_model(c, n);
    const int s = c.species_index(n);
    // a polymer that holds water is entangled in the matrix: not carried by the fluid (and so solved
    // before it, its pressure known at every stage)
    p.species[s].advected = false;
    if (m.modulus > 0) {
      double stress = kGelConfiningStress;
      for (const auto& g : c.hydration.gels)
        if (g.species == n) stress = g.stress;
      gels.push_back({n, s, stress, m.equilibrium(stress)});
    } else {
      linear.species.push_back(s);
    }
  }
  if (!linear.species.empty()) groups.push_back(linear);
  if (!groups.empty()) p.couplings.push_back(std::make_shared<OsmoticCoupling>(fluid, std::move(groups), stiffness, water));
  if (!gels.empty()) p.couplings.push_back(std::make_shared<GelPhaseCoupling>(fluid, std::move(gels)));
}

}  // namespace dermasim
