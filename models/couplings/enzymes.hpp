// SPDX-License-Identifier: BSD-3-Clause
// Degradation of a substrate by an enzyme at the local rate k2 * c_enzyme (1/s; k2 in m3/(kg s)),
// counted in the substrate's loss channel `channel`. The enzyme is not consumed (first order in the
// substrate with k = k_cat,eff [E], docs/ha.md). A coupling of the solver: it refreshes the
// substrate's loss rate from the enzyme's field before the substrate is solved.
#pragma once
#include <string>
#include <vector>

#include "../../solver/simulation.hpp"

namespace dermasim {

struct EnzymeSpec {
  int enzyme = -1, substrate = -1;
  double k2 = 0;
  std::string channel = "degraded_by_enzyme";  // one per enzyme and substrate (models name it)
};

class EnzymeCoupling : public Coupling {
 public:
  explicit EnzymeCoupling(std::vector<EnzymeSpec> reactions) : reactions_(std::move(reactions)) {}
  std::string name() const override { return "enzymatic degradation"; }
  void setup(Problem& p) override;
  void order(std::vector<std::vector<int>>& soft) const override;
  bool needs_previous_state() const override { return true; }
  // (checkpoint: no save_state of its own; the rates it sets are the substrate's losses, which the
  // Simulation saves with the operator, and the enzyme's previous state is SpeciesState::u_prev)
  void before_solve(Simulation& sim, int s) override;
  const std::vector<EnzymeSpec>& reactions() const { return reactions_; }
  void add(const EnzymeSpec& e) { reactions_.push_back(e); }

 private:
  std::vector<EnzymeSpec> reactions_;
};

}  // namespace dermasim
