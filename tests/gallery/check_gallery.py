#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks a gallery written by scripts/gallery.py against its .h5 files, independently of the gallery's code.

    /usr/bin/python3 tests/gallery/check_gallery.py GALLERY_DIR

- every animation (MP4 by ffprobe, GIF by Pillow) has one frame per output time: the number of
  /snapshots of its run (side by side: the distinct snapshot times of both, up to the shorter end);
- every number the page marks (<span class="num" data-key=... data-value=...>) equals the value computed
  here from the .h5 (relative 1e-9), and the text shown is that value rounded (2-3 significant digits);
- every scenario has a summary paragraph, and every picture/movie the page links exists.
Prints one line per check; exit 1 if any failed.
"""
import html.parser
import json
import os
import re
import subprocess
import sys

import h5py
import numpy as np
from PIL import Image

out = sys.argv[1]
fails = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        fails.append(what)


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def snap_times(h5):
    with h5py.File(h5, "r") as f:
        return sorted(float(g.attrs["time"]) for g in f["snapshots"].values())


def mp4_frames(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                        "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True)
    return int(p.stdout.strip() or -1)


doc = json.load(open(os.path.join(out, "facts.json")))
scen = doc["scenarios"]
runs = os.path.join(out, "runs")

# --- frames
movies = {x: [os.path.join(runs, x + ".h5")] for x in scen}
if doc["pair"]:
    a, b = doc["pair"]
    movies[f"side_by_side_{a}_vs_{b}"] = [os.path.join(runs, a + ".h5"), os.path.join(runs, b + ".h5")]
for stem, h5s in movies.items():
    ts = [snap_times(h) for h in h5s]
    end = min(t[-1] for t in ts)
    expected = len({round(t, 6) for tt in ts for t in tt if t <= end * (1 + 1e-12)})
    n_mp4 = mp4_frames(os.path.join(out, stem + ".mp4"))
    n_gif = Image.open(os.path.join(out, stem + ".gif")).n_frames
    check(n_mp4 == expected, f"{stem}.mp4 has {n_mp4} frames, expected {expected} (output times)")
    check(n_gif == expected, f"{stem}.gif has {n_gif} frames, expected {expected}")


# --- numbers, computed here from the .h5
def numbers(h5):
    import yaml

    with h5py.File(h5, "r") as f:
        metrics_target = (yaml.safe_load(s(f["case"][()] if "case" in f else f.attrs["case"])).get("metrics") or {}).get("target", "papillary_dermis")
        sp = s(f.attrs["species"][0])
        g = f["scalars"][sp]
        t = f["scalars/time"][()]
        au = s(f.attrs["amount_units"])
        to_ug = 1e5 if au == "kg/m2" else (1e6 if au == "kg/m" else 1e9)
        dose = g["applied"][()].max()
        last = lambda k: g[k][()][-1] if k in g else 0.0  # noqa: E731
        skin = sum(v[()][-1] for v in g["layer"].values())
        tgt = g["layer"][metrics_target][()]
        i = int(np.argmax(tgt))
        at1 = float(np.interp(min(3600.0, t[-1]), t, tgt))
        return {
            "dose_ug": dose * to_ug,
            "end_in_skin_pct": 100 * skin / dose,
            "end_on_skin_pct": 100 * last("vehicle") / dose,
            "end_blood_pct": 100 * last("cleared_blood") / dose,
            "end_lymph_pct": 100 * last("cleared_lymph") / dose,
            "end_washed_pct": 100 * last("washed") / dose,
            "target_peak_pct": 100 * tgt[i] / dose,
            "target_peak_ug": tgt[i] * to_ug,
            "target_peak_h": t[i] / 3600,
            "target_1h_ug": at1 * to_ug,
        }


ref = {x: numbers(os.path.join(runs, x + ".h5")) for x in scen}


class Spans(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.spans, self.cur, self.media, self.summaries = [], None, [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and a.get("class") == "num":
            self.cur = [a["data-key"], float(a["data-value"]), ""]
        if tag in ("img", "video") and a.get("src"):
            self.media.append(a["src"])
        if tag == "a" and a.get("href", "").endswith((".gif", ".mp4")):
            self.media.append(a["href"])
        if tag == "p" and a.get("class") == "summary":
            self.summaries += 1

    def handle_data(self, data):
        if self.cur is not None:
            self.cur[2] += data

    def handle_endtag(self, tag):
        if tag == "span" and self.cur is not None:
            self.spans.append(tuple(self.cur))
            self.cur = None


p = Spans()
p.feed(open(os.path.join(out, "index.html"), encoding="utf-8").read())
check(p.summaries == len(scen), f"{p.summaries} summary paragraphs for {len(scen)} scenarios")
check(len(p.spans) >= 6 * len(scen), f"{len(p.spans)} numbers marked on the page")
for m in p.media:
    check(os.path.isfile(os.path.join(out, m)), f"linked file {m} exists")
for key, val, text in p.spans:
    scen_name, what = key.split(".", 1)
    if what.startswith("ratio_1h_vs_"):
        other = what[len("ratio_1h_vs_"):]
        want = ref[scen_name]["target_1h_ug"] / ref[other]["target_1h_ug"]
    else:
        want = ref[scen_name][what]
    check(abs(val - want) <= 1e-9 * max(abs(want), 1e-300), f"{key} = {val:.6g} on the page, {want:.6g} from the .h5")
    m = re.match(r"\s*([0-9.]+)", text)
    shown = float(m.group(1)) if m else float("nan")
    if what.startswith("ratio") and want < 1:
        want = 1 / want  # shown as "N times less"
    if what == "target_peak_h" and "min" in text:
        want *= 60
    check(abs(shown - want) <= 0.051 * abs(want) + 1e-12, f"{key}: '{text}' shows {want:.4g} rounded")

print(f"{len(fails)} failed")
sys.exit(1 if fails else 0)
