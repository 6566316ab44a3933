#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The one fitted value of the nonlinear tissue law ([Derived:wheal-fit], docs/validation.md
# "Injected fluid: wheals and blebs"): the compliant stiffness H1 of dermis and fat, fitted so that
# the Mantoux injection (configs/validation/injection/mantoux.yaml, 0.1 mL intradermal saline in the
# forearm) shows a visible wheal (raised by >= 0.1 mm) of 8 mm, the middle of the observed 6-10 mm
# [Web:mantoux-label], 10 minutes after the injection. Bisection on log H1 within the bound of
# [ReedWiig1981] (H1 <= 2e3 Pa). Everything else the validation compares is a prediction.
#   /usr/bin/python3 scripts/fit_wheal.py [build/dermasim] [outdir]
import math
import os
import subprocess
import sys

import h5py
import numpy as np

dermasim = sys.argv[1] if len(sys.argv) > 1 else "build/dermasim"
out = sys.argv[2] if len(sys.argv) > 2 else "results/fit_wheal"
os.makedirs(out, exist_ok=True)
case = "configs/validation/injection/mantoux.yaml"
target_mm, when = 8.0, 600.0


def wheal(H1):
    h5 = os.path.join(out, f"H1_{H1:.4g}.h5")
    subprocess.run([dermasim, "run", case, "--quiet", "--output", h5, "--set", "time.end=10 min", "--set", "time.outputs=[10 min]",
                    "--set", f"fluid.layers.all.compliant_stiffness={H1} Pa", "--set", "fluid.law=nonlinear"], check=True, capture_output=True)
    s = h5py.File(h5, "r")["scalars"]
    d = float(np.interp(when, s["time"][:], np.nan_to_num(s["papule/visible_diameter"][:]))) * 1e3
    h = float(np.interp(when, s["time"][:], s["papule/height"][:])) * 1e3
    print(f"  H1 = {H1:8.4g} Pa: visible wheal {d:6.3f} mm, height {h:5.3f} mm at 10 min", flush=True)
    return d


lo, hi = math.log(5.0), math.log(2e3)  # the wheal widens as H1 grows
d_lo, d_hi = wheal(math.exp(lo)), wheal(math.exp(hi))
if target_mm < d_lo and d_lo <= 10.0 <= d_hi:
    # The whole dose fills a cavity around the tip (models/injection.cpp), whose footprint already
    # raises about 8.2 mm of surface as H1 -> 0: the 8 mm target is out of reach, but the observed
    # range 6-10 mm is not. Report the H1 interval consistent with the observation instead.
    for _ in range(7):
        mid = 0.5 * (lo + hi)
        (lo, hi) = (mid, hi) if wheal(math.exp(mid)) < 10.0 else (lo, mid)
    H1max = math.exp(0.5 * (lo + hi))
    print(f"\nthe {target_mm} mm target is below the smallest wheal the model gives ({d_lo:.3g} mm at H1 = 5 Pa):")
    print(f"  H1 consistent with the observed 6-10 mm: H1 <= {H1max:.3g} Pa (literature: <= 2e3 Pa, [ReedWiig1981])")
    print("  the validation cases keep H1 = 9.4 Pa, inside that interval ([Derived:wheal-fit])")
    sys.exit(0)
if not (d_lo <= target_mm <= d_hi):
    sys.exit(f"no H1 in [5, 2000] Pa gives {target_mm} mm (from {d_lo:.3g} to {d_hi:.3g} mm): the model misses the observation")
for _ in range(7):
    mid = 0.5 * (lo + hi)
    (lo, hi) = (mid, hi) if wheal(math.exp(mid)) < target_mm else (lo, mid)
H1 = math.exp(0.5 * (lo + hi))
print("\nfitted (observation: Mantoux wheal 6-10 mm, 10 min [Web:mantoux-label]; target 8 mm):")
print(f"  compliant_stiffness H1 = {H1:.3g} Pa     literature: <= 2e3 Pa (overhydrated interstitium, [ReedWiig1981])")
print("fixed (not fitted):")
print("  stiffness H0 = 9.5e3 Pa                 [ReedWiig1981] (low-compliance range 1.40 mL/100 g/mmHg)")
print("  compliance_onset phi_c = 0.014          [ReedWiig1981] (1 mmHg / H0)")
print("  stiffening_strain phi_s = 1             [Assumed:stiffening-strain]")
print("  strain_exponent m = 2.94, k0 = 9.6e-15 m2  [WeirWeiss2023] (fat: [Assumed:fat-permeability])")
print("  absorption G = 3.6e-9 1/(Pa s)          [Web:cfc-venous-congestion] (range 3.3e-9 - 7.3e-9 with [Web:guyton-ifp-iv])")
