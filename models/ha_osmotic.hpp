// Osmotic (swelling) pressure of hyaluronic acid, physics.md 4.5, and the water HA holds against a
// confining pressure. Foundation for the HA hydration model (water held by HA opposes drainage).
//
//   Horkay 2009 semidilute law:  Pi = 1.4e3 * c^(9/4) / J^(3/4) kPa, c in mol/L of disaccharide,
//                                J ionic strength in mol/L (unit interpretation [M], physics.md 4.5)
//   ideal Donnan:                Pi = R T (sqrt(cf^2 + 4 cs^2) - 2 cs), cf = one COO- per
//                                disaccharide, cs the external salt (mol/m3)
#pragma once
#include <string>

namespace dermasim {

// Na-hyaluronate disaccharide repeat unit (g/mol), physics.md 3 [D].
constexpr double kHaDisaccharide = 401.3;

enum class OsmoticLaw { Horkay, Donnan };

// Osmotic pressure (Pa) of HA at mass concentration c (kg/m3 = mg/mL).
//   salt: ionic strength (Horkay) or external salt concentration (Donnan), mol/L; T in K (Donnan).
double ha_osmotic_pressure(OsmoticLaw law, double c, double salt = 0.15, double T = 310.15);

// The HA concentration (kg/m3) whose osmotic pressure balances a confining pressure P (Pa): the
// concentration a swelling HA deposit reaches at equilibrium. Water held per gram of HA = 1/c.
double ha_equilibrium_concentration(OsmoticLaw law, double P, double salt = 0.15, double T = 310.15);

// Water held at equilibrium against P, in litres per gram of HA.
double ha_water_per_gram(OsmoticLaw law, double P, double salt = 0.15, double T = 310.15);

}  // namespace dermasim
