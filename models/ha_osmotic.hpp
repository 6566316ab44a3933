// SPDX-License-Identifier: BSD-3-Clause
// Osmotic (swelling) pressure of hyaluronic acid ([Horkay2009], [Derived:ha-osmotic-sanity]), and
// the water HA holds against a confining pressure. Foundation for the HA hydration model (water held by HA opposes drainage).
//
//   Horkay 2009 [Horkay2009] semidilute law:  Pi = 1.4e3 * c^(9/4) / J^(3/4) kPa, c in mol/L of disaccharide,
//                                J ionic strength in mol/L (unit interpretation [M], [Assumed:horkay-units])
//   ideal Donnan:                Pi = R T (sqrt(cf^2 + 4 cs^2) - 2 cs), cf = one COO- per
//                                disaccharide, cs the external salt (mol/m3)
#pragma once
#include <string>

namespace dermasim {

// Na-hyaluronate disaccharide repeat unit (g/mol), [Derived:ha-repeat-unit] [D].
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

// The swelling pressure the engine uses for one polymer ([Derived:ha-osmotic-sanity]): the Horkay or Donnan law
// for linear HA; for a crosslinked gel plus the Flory-Rehner elastic term of an affine network,
//   Pi_el = -G0 [ (c/c0)^(1/3) - c/(2 c0) ],
// G0 the network modulus and c0 the concentration at which the network was formed (Flory-Rehner,
// [Web:flory-rehner], with phi/phi0 = c/c0 and G0 = R T rho phi0 / M_c). The gel then swells only until the ionic
// pressure meets the elastic one: its swelling limit.
struct OsmoticModel {
  OsmoticLaw law = OsmoticLaw::Horkay;
  double salt = 0.15;      // mol/L: ionic strength (Horkay), external salt (Donnan)
  double T = 310.15;       // K
  double modulus = 0;      // G0 (Pa); 0: a linear polymer, no network
  double reference = 0;    // c0 (kg/m3)
  double pressure(double c) const;    // Pa at concentration c (kg/m3) in the water
  double derivative(double c) const;  // dPi/dc (Pa m3/kg)
  // Free swelling limit of a gel in saline (kg/m3): where Pi = 0; 0 for a linear polymer.
  double swelling_limit() const;
  // The concentration (kg/m3) at which the polymer's swelling pressure balances a confining stress
  // sigma > 0 (Pa): Pi(c) = sigma. A gel at this concentration neither takes up nor gives up water;
  // its swollen volume per mass is 1/c (docs/ha.md, "Gels keep their volume").
  double equilibrium(double sigma) const;
};

// Excess water a tissue holds at equilibrium (volume fraction phi) when m kg/m3 of polymer sit in
// tissue of water fraction `water` and stiffness H: H phi = Pi(m / (water + phi)). Water held per
// gram of polymer = phi / m (m3/kg; x 1000 for mL/g). Negative for a gel diluted beyond its swelling
// limit (Pi < 0).
double osmotic_equilibrium_excess(const OsmoticModel& model, double m, double water, double H);

}  // namespace dermasim
