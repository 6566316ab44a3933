// SPDX-License-Identifier: BSD-3-Clause
#include "fluid.hpp"

#include <algorithm>
#include <cmath>

namespace dermasim {

HydraulicProps default_hydraulics(const LayerDef& l) {
  HydraulicProps h;
  // Drainage of excess fluid: the lymphatic rate constant of the layer ([Derived:clearance-defaults], [Web:albumin-removal-rat]: lymph removes
  // interstitial macromolecules and fluid; default k_lymph 1.5e-5 1/s in dermis and fat; none in the
  // avascular epidermis or in excised skin).
  h.drainage = l.lymph_clearance;
  if (l.kind == "hypodermis") {
    // [Thomsen2014]: subcutaneous tissue k = 1e-11 - 1e-10 m2, bulk modulus ~1e5 Pa (Thomsen 2014,
    // insulin pen injections); geometric mean of the range [D].
    h.permeability = 3.2e-11;
    h.stiffness = 1e5;
    h.source = "[Thomsen2014]: subcutaneous k 1e-11 - 1e-10 m2 (geometric mean), H 1e5 Pa (Thomsen 2014)";
  } else if (l.kind == "stratum_corneum") {
    // The stratum corneum is not a porous fluid path: excess fluid does not flow through it
    // (assumption: tiny permeability; keeps the operator regular).
    h.permeability = 1e-21;
    h.stiffness = 1e5;
    h.source = "assumption: the stratum corneum is closed to bulk fluid flow";
  } else {
    // [WeirWeiss2023]: skin (epidermis + dermis), excised porcine, k0 = 9.6e-15 m2 (Weir Weiss 2023);
    // stiffness: the 1e5 Pa bulk modulus of [Thomsen2014] (measured for subcutis) assumed for skin.
    h.permeability = 9.6e-15;
    h.stiffness = 1e5;
    h.source = "[WeirWeiss2023]: skin k0 9.6e-15 m2; H 1e5 Pa assumed from subcutis ([Thomsen2014])";
  }
  // The nonlinear law (used with fluid.law: nonlinear; docs/case-format.md, docs/validation.md):
  // m = 2.94 [WeirWeiss2023] (skin; assumed for the subcutis too); the compliance curve of the
  // interstitium [ReedWiig1981] (rat, low-compliance range 1.40 mL/100 g/mmHg: H0 = 133 Pa / 0.014
  // = 9.5e3 Pa; in overhydration the pressure rose by no more than 1-1.5 mmHg while the volume grew
  // several-fold: H1 <= 2e3 Pa; the onset phi_c = 1 mmHg / H0 = 0.014), [Derived:tissue-compliance-law].
  // The stiffening strain phi_s and H1 are fitted to the wheal observations (scripts/fit_wheal.py,
  // docs/validation.md, [Derived:wheal-fit]).
  h.strain_exponent = l.kind == "stratum_corneum" ? 0.0 : 2.94;
  h.compliant_stiffness = 2e3;  // the bound of [ReedWiig1981]; the validation cases carry the fitted value
  h.compliance_onset = 0.014;
  h.stiffening_strain = 1.0;
  // Capillary absorption of excess fluid: the filtration coefficient per unit change of tissue
  // pressure. Human lower limb, venous congestion plethysmography: CFC 2.6-4.0e-3 mL/(100 mL min
  // mmHg) [Web:cfc-venous-congestion]; dog leg, per unit interstitial pressure: 0.058 uL/(min mmHg g)
  // [Web:guyton-ifp-iv]. 2.9e-3 mL/(100 mL min mmHg) = 2.9e-5 / 60 / 133.3 = 3.6e-9 1/(Pa s)
  // [Derived:tissue-compliance-law]. Only where the tissue is perfused (in vivo: it has lymph).
  h.absorption = l.lymph_clearance > 0 ? 3.6e-9 : 0.0;
  return h;
}

double tissue_pressure(const HydraulicProps& h, double phi) {
  const double H0 = h.stiffness, H1 = std::min(h.compliant_stiffness, H0);
  if (phi <= 0 || !(h.compliance_onset > 0)) return H0 * phi;
  return H1 * h.stiffening_strain * std::expm1(phi / h.stiffening_strain) - (H0 - H1) * h.compliance_onset * std::expm1(-phi / h.compliance_onset);
}

double tissue_pressure_slope(const HydraulicProps& h, double phi) {
  const double H0 = h.stiffness, H1 = std::min(h.compliant_stiffness, H0);
  if (phi <= 0 || !(h.compliance_onset > 0)) return H0;
  return H1 * std::exp(phi / h.stiffening_strain) + (H0 - H1) * std::exp(-phi / h.compliance_onset);
}

double permeability_factor(const HydraulicProps& h, double phi) { return std::exp(h.strain_exponent * std::min(phi, 10.0)); }

}  // namespace dermasim
