// SPDX-License-Identifier: BSD-3-Clause
// The injected fluid held in the tissue (docs/case-format.md, `fluid:`): a volume-fraction field phi
// lowered as the solver's carrier (its flux advects the solutes, its drainage takes them to lymph).
// This coupling adds what the solver does not know: the surface raised by the fluid the tissue
// holds (the papule seen from above), its largest height as a series, and the units of a volume.
#pragma once
#include "../../solver/simulation.hpp"

namespace dermasim {

class ExcessFluidCoupling : public Coupling {
 public:
  explicit ExcessFluidCoupling(int species) : species_(species) {}
  std::string name() const override { return "excess fluid"; }
  void record(const Simulation& sim, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const override;
  void series_units(std::map<std::string, std::string>& units) const override;
  void surface_fields(const Simulation& sim, std::vector<SurfaceField>& f) const override;
  int species() const { return species_; }

 private:
  int species_;
};

// The excess fluid's species in a simulation (-1 without one).
int excess_fluid_species(const Simulation& sim);
// Surface elevation per column (nx * ny, m): the excess fluid, and the water of a crosslinked gel
// (gel_phase.hpp), integrated over depth (zeros without the fluid). The tissue swells by the volume
// of water it holds.
std::vector<double> surface_elevation(const Simulation& sim);

}  // namespace dermasim
