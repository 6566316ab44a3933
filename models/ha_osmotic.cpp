#include "ha_osmotic.hpp"

#include <cmath>
#include <stdexcept>

namespace dermasim {

double ha_osmotic_pressure(OsmoticLaw law, double c, double salt, double T) {
  if (c <= 0) return 0.0;
  const double molar = c / kHaDisaccharide;  // kg/m3 / (g/mol) = mol/L of disaccharide
  if (law == OsmoticLaw::Horkay) return 1.4e3 * std::pow(molar, 2.25) / std::pow(salt, 0.75) * 1e3;
  const double R = 8.314462618;
  const double cf = molar * 1e3, cs = salt * 1e3;  // mol/m3
  return R * T * (std::sqrt(cf * cf + 4 * cs * cs) - 2 * cs);
}

double ha_equilibrium_concentration(OsmoticLaw law, double P, double salt, double T) {
  if (!(P > 0)) throw std::invalid_argument("ha_equilibrium_concentration: the confining pressure must be positive");
  // Pi rises monotonically with c: bisect on log c between 1e-9 and 1e3 kg/m3
  double lo = std::log(1e-9), hi = std::log(1e3);
  if (ha_osmotic_pressure(law, std::exp(hi), salt, T) < P) return std::exp(hi);
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ha_osmotic_pressure(law, std::exp(mid), salt, T) < P ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

double ha_water_per_gram(OsmoticLaw law, double P, double salt, double T) {
  const double c = ha_equilibrium_concentration(law, P, salt, T);  // kg/m3 = g/L
  return 1.0 / c;                                                   // L of water per g
}

}  // namespace dermasim
