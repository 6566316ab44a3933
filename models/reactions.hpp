// Reactions between species (case key `reactions:`), physics.md 4.2 and 4.3:
//
//   conversion: first order, from -> to at `rate` (1/s) per cell, e.g. an entangled HA deposit
//               releasing mobile chains. Without `rate`, what `from` loses by its own degradation
//               becomes `to` (the two-pool HA model of physics.md 4.2).
//   enzymatic:  the substrate is degraded at k2 * c_enzyme (physics.md 4.3: first order in HA with
//               k = k_cat,eff [E]); the enzyme is not consumed. k2 has no default: physics.md 4.3
//               found no Km or k_cat, so the case must give `rate_constant` (e.g. "2 mL/mg/h").
//               Counted per enzyme as the substrate's `degraded_by_<enzyme>`.
//
// Adding a reaction type touches this file only: its reader and what it adds to the Problem.
#pragma once
#include <string>
#include <vector>

#include "../solver/input.hpp"
#include "../solver/simulation.hpp"

namespace dermasim {

struct Case;

struct ReactionDef {
  std::string type;  // conversion | enzymatic
  std::string from, to;               // conversion
  double rate = -1;                   // 1/s; < 0: the from-species' degradation
  std::string enzyme, substrate;      // enzymatic
  double rate_constant = 0;           // m3/(kg s)
};

// Reads `reactions:` (a list) into c.reactions; species must exist.
void read_reactions(MapReader& root, Case& c);
// Adds the reactions to a built problem (species in case order).
void add_reactions(const Case& c, Problem& p);
// Writes c.reactions back (resolved case).
void dump_reactions(const Case& c, YAML::Emitter& e);

}  // namespace dermasim
