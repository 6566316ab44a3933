#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim describe --json` and `dermasim ingredients --json` are a documented, stable interface
# (docs/properties.md): parse the real binary's output and check the keys scripts rely on.
#   bash tests/cli/test_describe.sh <path-to-dermasim>
set -euo pipefail
DERMASIM=${1:?usage: test_describe.sh <path-to-dermasim>}
PY=/usr/bin/python3
"$DERMASIM" describe caffeine --skin forearm_invitro --json > /tmp/dermasim-describe-$$.json
"$DERMASIM" ingredients --json > /tmp/dermasim-ingredients-$$.json
"$DERMASIM" describe ha_oligo --skin face_cheek --json > /tmp/dermasim-describe-ha-$$.json
"$DERMASIM" describe glycolic_acid --ph 3.83 --json > /tmp/dermasim-describe-ga-$$.json
"$DERMASIM" describe glycolic_acid --ph 3.83 --sc-polar-route none --json > /tmp/dermasim-describe-ga0-$$.json
trap 'rm -f /tmp/dermasim-describe-$$.json /tmp/dermasim-ingredients-$$.json /tmp/dermasim-describe-ha-$$.json /tmp/dermasim-describe-ga-$$.json /tmp/dermasim-describe-ga0-$$.json' EXIT
# a pH outside 0-14 is a command-line error (exit code 2)
set +e
"$DERMASIM" describe glycolic_acid --ph 15 >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" -ne 2 ]; then echo "FAIL  --ph 15 gives exit code $rc, expected 2"; exit 1; fi
"$PY" - /tmp/dermasim-describe-$$.json /tmp/dermasim-ingredients-$$.json /tmp/dermasim-describe-ha-$$.json /tmp/dermasim-describe-ga-$$.json /tmp/dermasim-describe-ga0-$$.json <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
lib = json.load(open(sys.argv[2]))
ha = json.load(open(sys.argv[3]))
ga = json.load(open(sys.argv[4]))
ga0 = json.load(open(sys.argv[5]))
checks = []
def check(name, ok):
    checks.append(ok)
    print(("ok    " if ok else "FAIL  ") + name)
check("format tag", d["format"] == "dermasim-describe-1")
check("ingredient name", d["ingredient"]["name"] == "caffeine")
check("skin", d["skin"] == "forearm_invitro")
names = [l["name"] for l in d["layers"]]
check("layers of forearm_invitro", names == ["stratum_corneum", "viable_epidermis", "dermis"])
for l in d["layers"]:
    check("layer %s has D, K, clearance and a model" % l["name"],
          l["diffusivity_m2_s"] > 0 and l["partition"] > 0 and l["clearance_1_s"] >= 0 and bool(l.get("model")))
s = d["summary"]
check("Potts-Guy kp 1.16e-4 cm/h [Derived:caffeine-worked-numbers]", abs(s["kp_potts_guy_cm_h"] - 1.16e-4) / 1.16e-4 < 0.01)
check("dermal K 0.711 [Derived:caffeine-worked-numbers]", abs(s["K_de"] - 0.711) < 0.002)
st = d["stack"]
# kp of the stack = 1 / sum h/(K D) over the layers listed
R = sum(l["thickness_m"] / (l["partition"] * l["diffusivity_m2_s"]) for l in d["layers"])
check("stack kp is the series sum of the layers", abs(st["kp_m_s"] * R - 1) < 1e-6)
check("no warnings for caffeine", d["warnings"] == [])
entries = lib["ingredients"] if isinstance(lib, dict) else lib
check("library lists at least 13 ingredients", len(entries) >= 13)
check("HA oligosaccharide: aqueous-pore SC model by default",
      ha["stratum_corneum_macromolecule_model"] == "aqueous_pore" and ha["layers"][0]["model"] == "sc_aqueous_pore")
check("HA oligosaccharide: pore kp 5.89e-7 cm/h (docs/properties.md)", abs(ha["summary"]["kp_aqueous_pore_cm_h"] - 5.889e-7) / 5.889e-7 < 1e-3)
check("HA oligosaccharide: the SC layer's K D / h_ref is the pore kp",
      abs(ha["layers"][0]["partition"] * ha["layers"][0]["diffusivity_m2_s"] / 15e-6 / (ha["summary"]["kp_aqueous_pore_cm_h"] / 3.6e5) - 1) < 1e-6)
g = ga["summary"]
check("glycolic acid at pH = pKa: unionised fraction 0.5", ga["ph"] == 3.83 and abs(g["fraction_unionised"] - 0.5) < 1e-9)
check("glycolic acid: kp_SC = f_un kp_lipid + kp_polar",
      abs(g["kp_sc_cm_h"] - (0.5 * g["kp_sc_lipid_cm_h"] + g["kp_sc_polar_cm_h"])) < 1e-9 * g["kp_sc_cm_h"])
check("glycolic acid: the SC layer's K D / h_ref is kp_SC",
      abs(ga["layers"][0]["partition"] * ga["layers"][0]["diffusivity_m2_s"] / 15e-6 / (g["kp_sc_cm_h"] / 3.6e5) - 1) < 1e-6)
check("polar route off: no pore kp, model name without it",
      ga0["stratum_corneum_polar_route"] == "none" and ga0["summary"]["kp_sc_polar_cm_h"] == 0
      and ga0["layers"][0]["model"] == "sc_brick_mortar+mitragotri")
check("caffeine: no pH given, polar route on by default",
      d["ph"] is None and d["stratum_corneum_polar_route"] == "aqueous_pore" and d["summary"]["fraction_unionised"] == 1)
n_ok = sum(checks); n_bad = len(checks) - n_ok
print("%d passed, %d failed" % (n_ok, n_bad))
sys.exit(1 if n_bad else 0)
PYEOF
