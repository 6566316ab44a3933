// SPDX-License-Identifier: BSD-3-Clause
// The water of a crosslinked HA gel, held in the gel phase (docs/ha.md, "Gels keep their volume").
//
// A gel bolus is a phase of its own: the tissue around it is pushed aside and presses on it with a
// stress sigma, and the gel takes up or gives up water until its swelling pressure (ionic minus
// elastic, Flory-Rehner: models/ha_osmotic.hpp) equals that stress, Pi_gel(c_eq) = sigma. Gel water
// exchanges with the interstitium in minutes (a gel particle is sub-mm), far faster than the gel
// degrades (months), so the gel is taken at that equilibrium at every instant: a gel of m kg/m3 of
// tissue occupies the volume fraction m / c_eq, and its swollen volume follows its mass, not the
// drainage of the interstitial fluid. The excess-fluid field phi holds only the free water.
//
// At the injection the gel's water comes out of the injectate: a cell that receives gel mass m and
// injectate volume v gets the free water v - m / c_eq in phi; where the gel swells beyond the
// injectate (c_eq below the injected concentration) the rest is drawn from the circulation (the
// series `gel_drawn_in`). When the gel degrades its water is released to the circulation with it.
#pragma once
#include <string>
#include <vector>

#include "../../solver/simulation.hpp"

namespace dermasim {

struct GelPhase {
  std::string name;        // the gel species
  int species = -1;
  double stress = 0;       // sigma (Pa)
  double concentration = 0;  // c_eq (kg/m3): Pi_gel(c_eq) = sigma
};

class GelPhaseCoupling : public Coupling {
 public:
  // fluid: the excess-fluid species (-1: none; the gel water is then only reported)
  GelPhaseCoupling(int fluid, std::vector<GelPhase> gels);
  std::string name() const override { return "gel phase"; }
  // Takes each gel's water out of the injectate placed with it (deposits and timed sources of the
  // same case entry), the rest of the gel's water being drawn in.
  void setup(Problem& p) override;
  void record(const Simulation& sim, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const override;
  void series_units(std::map<std::string, std::string>& units) const override;

  const std::vector<GelPhase>& gels() const { return gels_; }
  // Volume of gel water per volume of tissue, per cell (m3/m3) at the current state.
  std::vector<double> water(const Simulation& sim) const;
  // Gel water per mass of a species (m3/kg): 1 / c_eq for a gel, 0 otherwise.
  double water_per_mass(int species) const;
  // What setup() did (m3, or m3/m in 2d, m3/m2 in 1d): the gel water taken from the injectate and
  // the gel water drawn in beyond it.
  double from_injectate() const { return from_injectate_; }
  double drawn_in() const { return drawn_in_; }

 private:
  int fluid_;
  std::vector<GelPhase> gels_;
  double from_injectate_ = 0, drawn_in_ = 0;
};

// The gel phase of a simulation (nullptr without one).
const GelPhaseCoupling* gel_phase(const Simulation& sim);

}  // namespace dermasim
