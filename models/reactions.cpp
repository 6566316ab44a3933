#include "reactions.hpp"

#include <algorithm>

#include "case.hpp"
#include "couplings/enzymes.hpp"

namespace dermasim {

namespace {
const Dim kRateConstant{3, -1, -1, 0};  // m3/(kg s): 1/s per kg/m3

std::string species_name(const Located& l, const Case& c) {
  const std::string n = l.as_string();
  require_species(n, l, c);
  return n;
}
}  // namespace

void read_reactions(MapReader& root, Case& c) {
  c.reactions.clear();
  auto rl = root.maybe("reactions");
  if (!rl) return;
  if (!rl->is_list()) rl->fail("must be a list of reactions, e.g. [{type: conversion, from: ha_deposit, to: ha}]");
  for (const auto& item : rl->as_list()) {
    MapReader m(item);
    ReactionDef r;
    r.type = one_of(m.at("type"), {"conversion", "enzymatic"});
    if (r.type == "conversion") {
      const Located from = m.at("from"), to = m.at("to");
      r.from = species_name(from, c);
      r.to = species_name(to, c);
      if (r.from == r.to) to.fail("a species cannot convert into itself");
      if (auto k = m.maybe("rate")) r.rate = positive(*k, dims::rate);
    } else {
      const Located e = m.at("enzyme"), s = m.at("substrate");
      r.enzyme = species_name(e, c);
      r.substrate = species_name(s, c);
      if (r.enzyme == r.substrate) s.fail("the substrate must differ from the enzyme");
      if (!m.has("rate_constant"))
        item.fail("an enzymatic reaction needs rate_constant (1/s per concentration of enzyme, e.g. '2 mL/mg/h'): physics.md 4.3 "
                  "found no Km or k_cat to default to");
      r.rate_constant = positive(m.at("rate_constant"), kRateConstant);
    }
    m.finish();
    for (const auto& o : c.reactions) {
      if (r.type == "conversion" && o.type == "conversion" && o.from == r.from && o.to == r.to)
        item.fail("a second conversion from '" + r.from + "' to '" + r.to + "': give one, with the total rate");
      if (r.type == "conversion" && o.type == "conversion" && o.from == r.from && o.rate < 0 && r.rate < 0)
        item.fail("'" + r.from + "' already converts by its own degradation (no rate): give this conversion a rate");
      if (r.type == "enzymatic" && o.type == "enzymatic" && o.enzyme == r.enzyme && o.substrate == r.substrate)
        item.fail("a second reaction of enzyme '" + r.enzyme + "' on '" + r.substrate + "': give one, with the total rate constant");
    }
    if (r.type == "conversion") {
      // a cycle of conversions (a -> b -> ... -> a) has no order in which to solve the species
      std::vector<std::string> reach{r.to};
      for (size_t k = 0; k < reach.size(); ++k)
        for (const auto& o : c.reactions)
          if (o.type == "conversion" && o.from == reach[k] && std::find(reach.begin(), reach.end(), o.to) == reach.end()) reach.push_back(o.to);
      if (std::find(reach.begin(), reach.end(), r.from) != reach.end())
        item.fail("conversions form a cycle through '" + r.from + "' and '" + r.to + "' (a species would feed itself)");
    }
    c.reactions.push_back(r);
  }
}

void add_reactions(const Case& c, Problem& p) {
  std::vector<EnzymeSpec> enzymes;
  for (const auto& r : c.reactions) {
    if (r.type == "conversion") {
      const int from = c.species_index(r.from), to = c.species_index(r.to);
      SpeciesSpec& s = p.species[from];
      LossChannel conv{"converted_to_" + r.to, {}};
      for (auto& L : s.losses)
        if (L.name == "degraded") {
          if (r.rate < 0) {
            conv.k = L.k;  // the deposit's own degradation releases mobile chains
            std::fill(L.k.begin(), L.k.end(), 0.0);
          } else {
            conv.k.assign(L.k.size(), r.rate);
          }
        }
      s.losses.push_back(conv);
      p.transfers.push_back({from, to, conv.name});
    } else {
      EnzymeSpec e;
      e.enzyme = c.species_index(r.enzyme);
      e.substrate = c.species_index(r.substrate);
      e.k2 = r.rate_constant;
      e.channel = "degraded_by_" + r.enzyme;  // one channel per enzyme
      enzymes.push_back(e);
    }
  }
  if (!enzymes.empty()) p.couplings.push_back(std::make_shared<EnzymeCoupling>(std::move(enzymes)));
}

void dump_reactions(const Case& c, YAML::Emitter& e) {
  if (c.reactions.empty()) return;
  e << YAML::Key << "reactions" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : c.reactions) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << r.type;
    if (r.type == "conversion") {
      e << YAML::Key << "from" << YAML::Value << r.from << YAML::Key << "to" << YAML::Value << r.to;
      if (r.rate >= 0) e << YAML::Key << "rate" << YAML::Value << format_in(r.rate, "1/s", 10);
    } else {
      e << YAML::Key << "enzyme" << YAML::Value << r.enzyme << YAML::Key << "substrate" << YAML::Value << r.substrate;
      e << YAML::Key << "rate_constant" << YAML::Value << format_in(r.rate_constant, "m3/kg/s", 10);
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

}  // namespace dermasim
