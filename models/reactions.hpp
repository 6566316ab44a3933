// SPDX-License-Identifier: BSD-3-Clause
// Reactions between species (case key `reactions:`), [Derived:ha-degradation], [Derived:hyaluronidase-law]:
//
//   conversion: first order, from -> to at `rate` (1/s) per cell, e.g. an entangled HA deposit
//               releasing mobile chains. Without `rate`, what `from` loses by its own degradation
//               becomes `to` (the two-pool HA model of [Derived:ha-degradation]).
//   enzymatic:  the substrate is degraded at k2 * c_enzyme ([Derived:hyaluronidase-law]: first order in HA with
//               k = k_cat,eff [E]); the enzyme is not consumed. k2 has no default: no Km or k_cat was found
//               ([Derived:hyaluronidase-law]), so the case must give `rate_constant` (e.g. "2 mL/mg/h").
//               Counted per enzyme as the substrate's `degraded_by_<enzyme>`.
//
// Each reaction type is a plug-in in models/reactions/<type>.cpp (ReactionType below), registered by
// name: it reads its keys, checks itself against the reactions read before it, writes its resolved
// form and lowers itself into the Problem. Adding one is one new file.
#pragma once
#include <string>
#include <vector>

#include "../solver/input.hpp"
#include "../solver/simulation.hpp"
#include "registry.hpp"

namespace dermasim {

struct Case;

struct ReactionDef {
  std::string type;  // conversion | enzymatic
  std::string from, to;               // conversion
  double rate = -1;                   // 1/s; < 0: the from-species' degradation
  std::string enzyme, substrate;      // enzymatic
  double rate_constant = 0;           // m3/(kg s)
};

class ReactionType {
 public:
  static const char* kind() { return "reaction"; }
  virtual ~ReactionType() = default;
  virtual const PluginInfo& info() const = 0;
  // Reads the entry's own keys (`type` already read; the caller calls finish()).
  virtual void read(MapReader& m, const Case& c, const Located& item, ReactionDef& r) const = 0;
  // Against the reactions read before it (duplicates, cycles): fails at `item`.
  virtual void check(const ReactionDef& r, const std::vector<ReactionDef>& before, const Located& item) const {}
  virtual void emit(YAML::Emitter& e, const ReactionDef& r) const = 0;
  virtual void lower(const Case& c, const ReactionDef& r, Problem& p) const = 0;
};
using ReactionRegistry = Registry<ReactionType>;

// A species named by a reaction key: it must be one of the case's species.
std::string reaction_species(const Located& l, const Case& c);

// Reads `reactions:` (a list) into c.reactions; species must exist.
void read_reactions(MapReader& root, Case& c);
// Adds the reactions to a built problem (species in case order).
void add_reactions(const Case& c, Problem& p);
// Writes c.reactions back (resolved case).
void dump_reactions(const Case& c, YAML::Emitter& e);

}  // namespace dermasim
