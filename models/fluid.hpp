// SPDX-License-Identifier: BSD-3-Clause
// Injected fluid: the excess interstitial fluid volume fraction phi (m3 of extra fluid per m3 of
// tissue) in a linear poroelastic (consolidation) approximation:
//
//   d(phi)/dt = div( (k/mu) grad p ) - k_d phi + injection,   p = H phi
//
// k hydraulic permeability (m2), mu fluid viscosity, H the tissue's stiffness against swelling
// (Pa), k_d drainage of excess fluid to lymph (1/s). The Darcy flux q = -(k/mu) grad p carries
// dissolved species (advection), and fluid drained to lymph takes its solutes with it.
#pragma once
#include <string>

#include "skin_presets.hpp"

namespace dermasim {

struct HydraulicProps {
  double permeability = 0;  // m2 (k0: at zero dilatation)
  double stiffness = 0;     // Pa (the linear law's H; the nonlinear law's small-strain stiffness H0)
  double drainage = 0;      // 1/s
  // The nonlinear law (fluid.law: nonlinear, docs/case-format.md): k = k0 exp(m phi), and the
  // tissue pressure P(phi) with dP/dphi = H1 exp(phi/phi_s) + (H0 - H1) exp(-phi/phi_c) for phi >= 0
  // (H0 phi below 0): stiff (low compliance) at small dilatation, compliant beyond phi_c, stiffening
  // again at phi ~ phi_s.
  double strain_exponent = 0;      // m
  double compliant_stiffness = 0;  // H1 (Pa)
  double compliance_onset = 0;     // phi_c
  double stiffening_strain = 0;    // phi_s
  // Absorption into the blood capillaries (Starling): G P(phi) per volume, G the capillary filtration
  // coefficient per unit of tissue pressure (1/(Pa s)); 0 in avascular layers and excised skin.
  double absorption = 0;
  std::string source;
};

// The nonlinear tissue law of one layer: pressure P(phi) (Pa), its slope, and the permeability
// factor exp(m phi).
double tissue_pressure(const HydraulicProps& h, double phi);
double tissue_pressure_slope(const HydraulicProps& h, double phi);
double permeability_factor(const HydraulicProps& h, double phi);

// Interstitial fluid viscosity at 37 degC (Pa s): [Assumed:isf-viscosity] "mu(ISF, 37 C) ~ 0.7 mPa s" [M].
constexpr double kFluidViscosity = 0.7e-3;

// Defaults for a layer from its kind ([WeirWeiss2023], [Thomsen2014], [Derived:clearance-defaults]).
HydraulicProps default_hydraulics(const LayerDef& layer);

}  // namespace dermasim
