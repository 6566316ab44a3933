#include "fluid.hpp"

namespace dermasim {

HydraulicProps default_hydraulics(const LayerDef& l) {
  HydraulicProps h;
  // Drainage of excess fluid: the lymphatic rate constant of the layer (physics.md 1.5: lymph removes
  // interstitial macromolecules and fluid; default k_lymph 1.5e-5 1/s in dermis and fat; none in the
  // avascular epidermis or in excised skin).
  h.drainage = l.lymph_clearance;
  if (l.kind == "hypodermis") {
    // physics.md 1.4: subcutaneous tissue k = 1e-11 - 1e-10 m2, bulk modulus ~1e5 Pa (Thomsen 2014,
    // insulin pen injections); geometric mean of the range [D].
    h.permeability = 3.2e-11;
    h.stiffness = 1e5;
    h.source = "physics.md 1.4: subcutaneous k 1e-11 - 1e-10 m2 (geometric mean), H 1e5 Pa (Thomsen 2014)";
  } else if (l.kind == "stratum_corneum") {
    // The stratum corneum is not a porous fluid path: excess fluid does not flow through it
    // (assumption: tiny permeability; keeps the operator regular).
    h.permeability = 1e-21;
    h.stiffness = 1e5;
    h.source = "assumption: the stratum corneum is closed to bulk fluid flow";
  } else {
    // physics.md 1.4: skin (epidermis + dermis), excised porcine, k0 = 9.6e-15 m2 (Weir Weiss 2023);
    // stiffness: the 1e5 Pa bulk modulus of physics.md 1.4 (measured for subcutis) assumed for skin.
    h.permeability = 9.6e-15;
    h.stiffness = 1e5;
    h.source = "physics.md 1.4: skin k0 9.6e-15 m2 (Weir Weiss 2023); H 1e5 Pa assumed from subcutis (Thomsen 2014)";
  }
  return h;
}

}  // namespace dermasim
