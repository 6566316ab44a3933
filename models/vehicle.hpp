// SPDX-License-Identifier: BSD-3-Clause
// The topical vehicle on open skin: how fast its volatile part evaporates. Either given as a rate
// (film volume per area per time) or from the solvent's vapour pressure and the air conditions:
//
//   E = k_m * M_s * p_sat(T) * (1 - RH_s) / (R * T) / rho_s        (m of film per second)
//
// p_sat from the Antoine equation, k_m the mass-transfer coefficient from the film to the air, RH_s
// the solvent's relative saturation in the air (the room humidity for water, 0 for ethanol).
// Occlusion sets E = 0.
#pragma once
#include <string>
#include <vector>

#include "../solver/simulation.hpp"

namespace dermasim {

struct Solvent {
  std::string name;
  double molar_mass;   // kg/mol
  double density;      // kg/m3
  double antoine_a, antoine_b, antoine_c;  // log10(p/mmHg) = A - B/(C + T/degC)
  std::string source;
};

const std::vector<Solvent>& solvents();
const Solvent* find_solvent(const std::string& name);

// Vapour pressure (Pa) at temperature T (degrees C).
double vapour_pressure(const Solvent& s, double t_celsius);
// Evaporation rate as film thickness per second (m/s).
double evaporation_rate(const Solvent& s, double t_celsius, double saturation_in_air, double mass_transfer);

// The film as the solver's boundary reservoir sees it: from t_on its volatile part evaporates at
// `evaporation` (film thickness per second) down to `residual` (m per area); while it is dissolved a
// step may change its volume by at most 2 %, and the loop lands on the instant it stops drying.
// evaporation <= 0: a film of constant thickness.
void set_film_law(ReservoirSpec& v, double evaporation, double residual);

}  // namespace dermasim
