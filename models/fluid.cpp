// SPDX-License-Identifier: BSD-3-Clause
#include "fluid.hpp"

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
  return h;
}

}  // namespace dermasim
