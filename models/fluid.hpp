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
  double permeability = 0;  // m2
  double stiffness = 0;     // Pa
  double drainage = 0;      // 1/s
  std::string source;
};

// Interstitial fluid viscosity at 37 degC (Pa s): [Assumed:isf-viscosity] "mu(ISF, 37 C) ~ 0.7 mPa s" [M].
constexpr double kFluidViscosity = 0.7e-3;

// Defaults for a layer from its kind ([WeirWeiss2023], [Thomsen2014], [Derived:clearance-defaults]).
HydraulicProps default_hydraulics(const LayerDef& layer);

}  // namespace dermasim
