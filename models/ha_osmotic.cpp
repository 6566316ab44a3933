// SPDX-License-Identifier: BSD-3-Clause
#include "ha_osmotic.hpp"

#include <algorithm>
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

double OsmoticModel::pressure(double c) const {
  if (c <= 0) return 0.0;
  double pi = ha_osmotic_pressure(law, c, salt, T);
  if (modulus > 0) pi -= modulus * (std::cbrt(c / reference) - 0.5 * c / reference);
  return pi;
}

double OsmoticModel::derivative(double c) const {
  if (c <= 0) return 0.0;
  double d;
  if (law == OsmoticLaw::Horkay) {
    d = 2.25 * ha_osmotic_pressure(law, c, salt, T) / c;
  } else {
    const double R = 8.314462618;
    const double cf = c / kHaDisaccharide * 1e3, cs = salt * 1e3;  // mol/m3
    d = R * T * cf / std::sqrt(cf * cf + 4 * cs * cs) * (1e3 / kHaDisaccharide);
  }
  if (modulus > 0) d -= modulus * (1.0 / (3.0 * reference * std::cbrt(c / reference) * std::cbrt(c / reference)) - 0.5 / reference);
  return d;
}

double OsmoticModel::swelling_limit() const {
  if (!(modulus > 0)) return 0.0;
  // Pi < 0 at very low c (elasticity wins), > 0 near c0 for a gel that swells: bisect on log c
  double lo = std::log(1e-6 * reference), hi = std::log(reference);
  if (pressure(std::exp(hi)) <= 0) return reference;  // it does not swell beyond as formed
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (pressure(std::exp(mid)) < 0 ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

double OsmoticModel::equilibrium(double sigma) const {
  if (!(sigma > 0)) throw std::invalid_argument("OsmoticModel::equilibrium: the confining stress must be positive");
  // Pi rises monotonically with c above the swelling limit (0 for a linear polymer): bisect on log c
  double lo = std::log(std::max(swelling_limit(), 1e-9)), hi = std::log(1e3);
  if (pressure(std::exp(hi)) < sigma) return std::exp(hi);
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (pressure(std::exp(mid)) < sigma ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

double osmotic_equilibrium_excess(const OsmoticModel& model, double m, double water, double H) {
  if (!(m > 0) || !(H > 0) || !(water > 0)) return 0.0;
  // f(phi) = H phi - Pi(m / (water + phi)) rises with phi where Pi falls as the water dilutes it:
  // bisect on [0, phi_max], or below 0 for a gel that gives water up
  auto f = [&](double phi) { return H * phi - model.pressure(m / (water + phi)); };
  if (f(0.0) == 0) return 0.0;
  double lo = 0.0, hi = 1.0;
  if (f(0.0) > 0) {  // Pi < 0: a gel diluted beyond its swelling limit gives water up
    lo = -0.5 * water;
    hi = 0.0;
  } else {
    while (f(hi) < 0) hi *= 2.0;
  }
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace dermasim
