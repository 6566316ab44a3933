// SPDX-License-Identifier: BSD-3-Clause
// Water held by hyaluronic acid (case key `hydration:`), [Horkay2009], [Derived:ha-osmotic-sanity], [Derived:ha-six-litres].
//
// HA in the tissue water exerts an osmotic (swelling) pressure Pi; the excess interstitial fluid
// moves with the Darcy flux -(k/mu) grad(p - Pi) and drains at k_d (p - Pi) / H (p = H phi), so the
// water the HA binds stays while the HA stays, and the surface stays raised. Pi is evaluated on the
// HA concentration in the tissue water (baseline water fraction of the layer + the excess fluid):
// Horkay's semidilute law (default) or ideal Donnan for linear HA; a crosslinked gel adds the
// Flory-Rehner elastic term (models/ha_osmotic.hpp) and so has a swelling limit. The species of one
// polymer (e.g. the mobile and deposit pools of linear HA) add their concentrations.
//
// On by default when the fluid is enabled and the case has HA species (ingredients named ha_*);
// `hydration: {enabled: false}` turns it off.
#pragma once
#include <string>
#include <vector>

#include "../solver/input.hpp"
#include "../solver/simulation.hpp"
#include "ha_osmotic.hpp"
#include "skin_presets.hpp"

namespace dermasim {

struct Case;

// The stress of the tissue on a gel bolus (Pa), [Derived:gel-confinement]: a cavity opened from a
// needle track in a neo-Hookean solid of shear modulus G is held open by 5G/2 whatever its size;
// G = 752 Pa, human subcutaneous fat in vivo by MR elastography ([Web:fat-shear-mre]) [D].
constexpr double kGelConfiningStress = 2.5 * 752.0;

struct GelDef {
  std::string species;
  double modulus = 0;    // Pa
  double reference = 0;  // kg/m3
  double stress = kGelConfiningStress;  // Pa: the tissue's stress on the gel (models/couplings/gel_phase.hpp)
};

struct HydrationDef {
  bool enabled = false;
  OsmoticLaw law = OsmoticLaw::Horkay;
  double salt = 0.15;  // mol/L; physiological ionic strength, [Derived:ha-osmotic-sanity] (J = 0.15 M)
  std::vector<std::string> species;  // the HA species
  std::vector<GelDef> gels;          // crosslinked species and their network parameters
};

// The water volume fraction HA dissolves in: the layer's, else the adipose assumption for a
// hypodermis (models/properties.hpp), else 0 (not known).
double tissue_water(const LayerDef& l);
// The species whose ingredient is a library HA grade (name starting with "ha_"), in case order.
std::vector<int> ha_species(const Case& c);
// Reads `hydration:` (after species and fluid) and fills the defaults.
void read_hydration(MapReader& root, Case& c);
void dump_hydration(const Case& c, YAML::Emitter& e);
// The osmotic model of one HA species of the case (its gel parameters, if any).
OsmoticModel osmotic_model(const Case& c, const std::string& species);
// Adds the osmotic groups to a problem that has its fluid.
void add_hydration(const Case& c, Problem& p, int fluid, const std::vector<double>& stiffness, const std::vector<double>& water);

}  // namespace dermasim
