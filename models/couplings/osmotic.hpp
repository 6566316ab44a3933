// SPDX-License-Identifier: BSD-3-Clause
// Water held by polymers (HA): the osmotic (swelling) pressure Pi of groups of species in the
// tissue water enters the excess fluid's potential, p - Pi, so the fluid's flux is
// -(k/mu) grad(p - Pi) and its drainage k_d (p - Pi)/H: water stays (or is drawn) where the polymer
// is (docs/ha.md). A coupling of the solver (solver/coupling.hpp): a stage source of the fluid that
// depends on its own solution, linearised and iterated at every stage.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "../../solver/simulation.hpp"

namespace dermasim {

// Species that act as one polymer (e.g. the mobile and deposit pools of linear HA), with the law of
// their summed concentration in the tissue water (kg/m3).
struct OsmoticGroup {
  std::string name;
  std::vector<int> species;
  std::function<double(double)> pressure;    // Pa
  std::function<double(double)> derivative;  // Pa m3/kg
};

class OsmoticCoupling : public Coupling {
 public:
  // fluid: the excess fluid's species (the solver's carrier; its first loss channel is its
  // drainage); stiffness H and baseline tissue water fraction per cell.
  OsmoticCoupling(int fluid, std::vector<OsmoticGroup> groups, std::vector<double> stiffness, std::vector<double> water);
  std::string name() const override { return "osmotic pressure of HA"; }
  void setup(Problem& p) override;
  void init(Simulation& sim) override;
  void before_step(Simulation& sim) override;
  bool has_stage_source(int s) const override { return s == fluid_; }
  std::string stage_counter(int) const override { return "osmotic_source"; }
  void stage_source(Simulation& sim, int s, int stage, std::vector<double>& b, double& total) override;
  bool iterate_stage(Simulation& sim, int s, int stage, std::vector<double>& x, std::vector<double>& b, double& total,
                     const std::function<void()>& resolve) override;
  void balance(const Simulation& sim, int s, Balance& b) const override;
  void record(const Simulation& sim, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const override;
  // checkpoint: the slope the fluid's operator was built with (and the potential's offset)
  void save_state(SavedState& st, const std::string& prefix) const override;
  void restore_state(const SavedState& st, const std::string& prefix) override;

  const std::vector<OsmoticGroup>& groups() const { return groups_; }
  // Osmotic pressure per cell (Pa) for the fluid field phi; polymer species solved before the fluid
  // are taken at `stage` (0 start, 1 intermediate, 2 end of the step), the others at the start;
  // optionally its slope dPi/dphi <= 0 (more water dilutes the polymer).
  std::vector<double> pressure(const Simulation& sim, const std::vector<double>& phi, int stage, std::vector<double>* slope) const;

 private:
  void sources(Simulation& sim, int stage, const std::vector<double>& phi, std::vector<double>& b, double& drawn);
  int fluid_;
  std::vector<OsmoticGroup> groups_;
  std::vector<double> H_, water_;
  std::vector<double> drained_;   // the fluid's drainage rate per cell (1/s)
  std::vector<double> built_a_;   // the slope a = H - dPi/dphi the fluid's operator holds (its capacity is 1/a)
  std::vector<double> g_;         // the constant part g of the linearised potential p - Pi = a phi - g
  std::vector<double> phi_n_;     // phi at the start of the step (the linearisation point)
};

// Osmotic pressure per cell (Pa) at the current state of a simulation (zeros without HA hydration).
std::vector<double> osmotic_pressure(const Simulation& sim);

}  // namespace dermasim
