#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Figure of docs/validation.md ("Injected fluid: wheals and blebs"): the visible wheal's diameter
# (surface raised by >= 0.1 mm) and the papule's height over time for the validation cases, beside
# the observations. Reads the results of tests/validation/check_injection.py.
#   /usr/bin/python3 scripts/plot_wheal.py RESULTS_DIR docs/img/wheal_validation.png
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

src, dst = sys.argv[1], sys.argv[2]
cases = [("mantoux", "Mantoux 0.1 mL saline (forearm)", "C0"), ("bleb_100uL", "100 uL bleb", "C1"), ("bleb_50uL", "50 uL bleb", "C2"),
         ("ha_booster_papule", "HA booster 20 uL (cheek)", "C3")]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
for name, label, col in cases:
    path = os.path.join(src, name + ".h5")
    if not os.path.exists(path):
        continue
    s = h5py.File(path, "r")["scalars"]
    t = s["time"][:] / 60.0
    keep = t > 0
    ax1.plot(t[keep], np.nan_to_num(s["papule/visible_diameter"][:][keep]) * 1e3, color=col, label=label)
    ax2.plot(t[keep], s["papule/height"][:][keep] * 1e3, color=col, label=label)
ax1.axhspan(6, 10, color="C0", alpha=0.15, label="Mantoux wheal 6-10 mm, ~10 min")
ax1.plot([10], [2 * np.sqrt(55.6 / np.pi)], "s", color="C1", label="rat 100 uL bleb (55.6 mm2) at 10 min")
ax1.plot([10], [2 * np.sqrt(41.0 / np.pi)], "s", color="C2", label="rat 50 uL bleb (41.0 mm2) at 10 min")
ax1.axvline(10, color="0.5", lw=0.8, ls=":")
ax2.axhline(0.5, color="C0", lw=0.8, ls="--", label="Mantoux acceptance: >= 0.5 mm at 10 min")
ax2.axhline(0.1, color="0.4", lw=0.8, ls=":", label="visible: raised by 0.1 mm")
for ax in (ax1, ax2):
    ax.set_xscale("log")
    ax.set_xlabel("time after the injection (min)")
    ax.grid(alpha=0.3)
ax1.set_ylabel("visible wheal diameter (mm)")
ax2.set_ylabel("papule height (mm)")
ax1.legend(fontsize=7)
ax2.legend(fontsize=7)
fig.suptitle("Injected fluid: model (lines) against observations", fontsize=10)
fig.tight_layout()
fig.savefig(dst, dpi=110)
print("wrote", dst)
