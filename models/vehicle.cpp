// SPDX-License-Identifier: BSD-3-Clause
#include "vehicle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <cmath>

namespace dermasim {

const std::vector<Solvent>& solvents() {
  // Antoine constants (mmHg, degC) are standard handbook values [M] ([Assumed:antoine-constants]):
  // water 1-100 degC, ethanol -57-80 degC.
  static const std::vector<Solvent> s = {
      {"water", 0.018015, 997.0, 8.07131, 1730.63, 233.426, "Antoine constants for water 1-100 degC [M, handbook]"},
      {"ethanol", 0.04607, 789.0, 8.20417, 1642.89, 230.300, "Antoine constants for ethanol [M, handbook]"},
  };
  return s;
}

const Solvent* find_solvent(const std::string& name) {
  for (const auto& s : solvents())
    if (s.name == name) return &s;
  return nullptr;
}

double vapour_pressure(const Solvent& s, double t_celsius) {
  const double mmHg = std::pow(10.0, s.antoine_a - s.antoine_b / (s.antoine_c + t_celsius));
  return mmHg * 133.322387415;
}

double evaporation_rate(const Solvent& s, double t_celsius, double saturation_in_air, double mass_transfer) {
  const double R = 8.314462618, T = t_celsius + 273.15;
  const double vapour_density = s.molar_mass * vapour_pressure(s, t_celsius) * (1.0 - saturation_in_air) / (R * T);  // kg/m3
  return mass_transfer * vapour_density / s.density;
}

void set_film_law(ReservoirSpec& v, double evaporation, double residual) {
  if (!(evaporation > 0) || residual < 0) return;
  const double film = v.volume, t_on = v.t_on;
  auto film_at = [film, t_on, evaporation, residual](double t) {
    if (t <= t_on) return film;
    return std::max(residual, film - evaporation * (t - t_on));
  };
  const double dry = residual >= film ? std::numeric_limits<double>::infinity() : t_on + (film - residual) / evaporation;
  v.volume_at = film_at;
  v.max_step = [film_at, dry, evaporation](double t) {
    return t >= dry ? std::numeric_limits<double>::infinity() : 0.02 * film_at(t) / evaporation;
  };
  if (std::isfinite(dry) && dry < v.t_off) v.stops.push_back(dry);
}

}  // namespace dermasim
