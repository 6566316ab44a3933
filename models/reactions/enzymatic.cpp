// SPDX-License-Identifier: BSD-3-Clause
// `type: enzymatic` reaction: the substrate is degraded at k2 * c_enzyme; the enzyme is not consumed
// (docs/ha.md). No default k2: no Km or k_cat was found, so the case gives `rate_constant`. Lowered
// as the solver coupling of models/couplings/enzymes (one for all enzymatic reactions of a case).
#include "../case.hpp"
#include "../couplings/enzymes.hpp"
#include "../reactions.hpp"

namespace dermasim {
namespace {

const Dim kRateConstant{3, -1, -1, 0};  // m3/(kg s): 1/s per kg/m3

class Enzymatic : public ReactionType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"enzymatic", "degradation of a substrate by an enzyme at k2 * c_enzyme (e.g. hyaluronidase on HA)", {
        {"enzyme", "text", "", "required", "a name from `species`", "the enzyme (not consumed)"},
        {"substrate", "text", "", "required", "a name from `species`, not the enzyme", "the species degraded"},
        {"rate_constant", "1/s per concentration", "m3/kg/s", "required", "> 0", "k2, e.g. `2 mL/mg/h`"},
    }};
    return i;
  }
  void read(MapReader& m, const Case& c, const Located& item, ReactionDef& r) const override {
    const Located e = m.at("enzyme"), s = m.at("substrate");
    r.enzyme = reaction_species(e, c);
    r.substrate = reaction_species(s, c);
    if (r.enzyme == r.substrate) s.fail("the substrate must differ from the enzyme");
    if (!m.has("rate_constant"))
      item.fail("an enzymatic reaction needs rate_constant (1/s per concentration of enzyme, e.g. '2 mL/mg/h'): no Km or k_cat "
                "was found to default to [Derived:hyaluronidase-law]");
    r.rate_constant = positive(m.at("rate_constant"), kRateConstant);
  }
  void check(const ReactionDef& r, const std::vector<ReactionDef>& before, const Located& item) const override {
    for (const auto& o : before)
      if (o.type == "enzymatic" && o.enzyme == r.enzyme && o.substrate == r.substrate)
        item.fail("a second reaction of enzyme '" + r.enzyme + "' on '" + r.substrate + "': give one, with the total rate constant");
  }
  void emit(YAML::Emitter& e, const ReactionDef& r) const override {
    e << YAML::Key << "enzyme" << YAML::Value << r.enzyme << YAML::Key << "substrate" << YAML::Value << r.substrate;
    e << YAML::Key << "rate_constant" << YAML::Value << format_in(r.rate_constant, "m3/kg/s", 10);
  }
  void lower(const Case& c, const ReactionDef& r, Problem& p) const override {
    EnzymeSpec e;
    e.enzyme = c.species_index(r.enzyme);
    e.substrate = c.species_index(r.substrate);
    e.k2 = r.rate_constant;
    e.channel = "degraded_by_" + r.enzyme;  // one channel per enzyme
    for (auto& cp : p.couplings)
      if (auto* ec = dynamic_cast<EnzymeCoupling*>(cp.get())) {
        ec->add(e);
        return;
      }
    p.couplings.push_back(std::make_shared<EnzymeCoupling>(std::vector<EnzymeSpec>{e}));
  }
};

const Registration<ReactionType> reg(std::make_unique<Enzymatic>());

}  // namespace
}  // namespace dermasim
