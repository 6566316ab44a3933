// SPDX-License-Identifier: BSD-3-Clause
// `type: conversion` reaction: first order, `from` becomes `to` at `rate` per cell; without a rate,
// what `from` loses by its own degradation becomes `to` (the two-pool HA model, docs/ha.md).
// Lowered as a loss channel of `from` and a solver transfer into `to`.
#include <algorithm>

#include "../case.hpp"
#include "../reactions.hpp"

namespace dermasim {
namespace {

class Conversion : public ReactionType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"conversion", "first-order conversion of one species into another (e.g. an HA deposit releasing mobile chains)", {
        {"from", "text", "", "required", "a name from `species`", "the species converted"},
        {"to", "text", "", "required", "a name from `species`, not `from`", "the species it becomes"},
        {"rate", "rate", "1/s", "the `from` species' degradation", "> 0", "first-order rate; without it, `from`'s degradation becomes `to`"},
    }};
    return i;
  }
  void read(MapReader& m, const Case& c, const Located&, ReactionDef& r) const override {
    const Located from = m.at("from"), to = m.at("to");
    r.from = reaction_species(from, c);
    r.to = reaction_species(to, c);
    if (r.from == r.to) to.fail("a species cannot convert into itself");
    if (auto k = m.maybe("rate")) r.rate = positive(*k, dims::rate);
  }
  void check(const ReactionDef& r, const std::vector<ReactionDef>& before, const Located& item) const override {
    for (const auto& o : before) {
      if (o.type != "conversion") continue;
      if (o.from == r.from && o.to == r.to) item.fail("a second conversion from '" + r.from + "' to '" + r.to + "': give one, with the total rate");
      if (o.from == r.from && o.rate < 0 && r.rate < 0)
        item.fail("'" + r.from + "' already converts by its own degradation (no rate): give this conversion a rate");
    }
    // a cycle of conversions (a -> b -> ... -> a) has no order in which to solve the species
    std::vector<std::string> reach{r.to};
    for (size_t k = 0; k < reach.size(); ++k)
      for (const auto& o : before)
        if (o.type == "conversion" && o.from == reach[k] && std::find(reach.begin(), reach.end(), o.to) == reach.end()) reach.push_back(o.to);
    if (std::find(reach.begin(), reach.end(), r.from) != reach.end())
      item.fail("conversions form a cycle through '" + r.from + "' and '" + r.to + "' (a species would feed itself)");
  }
  void emit(YAML::Emitter& e, const ReactionDef& r) const override {
    e << YAML::Key << "from" << YAML::Value << r.from << YAML::Key << "to" << YAML::Value << r.to;
    if (r.rate >= 0) e << YAML::Key << "rate" << YAML::Value << format_in(r.rate, "1/s", 10);
  }
  void lower(const Case& c, const ReactionDef& r, Problem& p) const override {
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
  }
};

const Registration<ReactionType> reg(std::make_unique<Conversion>());

}  // namespace
}  // namespace dermasim
