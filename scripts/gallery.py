#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Builds the educator gallery: runs the cases, animates them and writes an offline index.html.

    /usr/bin/python3 scripts/gallery.py OUTDIR [--cases configs/educator/compare.yaml] [--pair A B]
                                        [--set key.path=value ...] [--dermasim build/dermasim] [--jobs 2]

(scripts/gallery.sh is the short way.) It runs `dermasim compare CASES --out OUTDIR/runs`, then writes
to OUTDIR, per scenario: an animation (MP4 and GIF), the static figures of scripts/plot_results.py and,
for 3d runs, the cut-away of scripts/render3d.py; one side-by-side animation of two scenarios (--pair,
default: the first topical and the first injected scenario of the same geometry); facts.json (every
number the page shows, from the .h5 files) and index.html, which shows them with a plain-words summary
per scenario. The page is static (relative links, no server, no network).
"""
import argparse
import html
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plot_results as pr  # noqa: E402

np = pr.np

# --------------------------------------------------------------------------------------------------
# Facts: the numbers of one run, from its .h5


def case_of(r):
    import yaml

    with pr.h5py.File(r.path, "r") as f:
        return yaml.safe_load(pr.resolved_case_text(f)) or {}


INJECTED = {"injection", "papule", "nappage", "micropapules", "point_by_point", "mesogun", "linear_threading", "custom"}


def route_of(case):
    kinds = [d.get("type", "") for d in case.get("delivery", []) or []]
    if any(k == "microneedle" for k in kinds):
        return "microneedled"
    if any(k in INJECTED for k in kinds):
        return "injected"
    if any(k == "topical" for k in kinds):
        return "topical"
    return "other"


def series_at(r, d, key, t):
    return float(np.interp(t, r.t, d[key])) if key in d else 0.0


def facts_of(r, species=None):
    """Numbers the page shows for one run (SI amounts in the file's amount_units; % of the final dose)."""
    case = case_of(r)
    ms = (case.get("metrics") or {}).get("species")
    ms = ms[0] if isinstance(ms, list) and ms else ms  # the resolved case writes a list
    s = species or (ms if ms in r.species else r.species[0])
    d = r.scalars[s]
    dose = float(np.max(d["applied"]))
    t_end = float(r.t[-1])
    target = (case.get("metrics") or {}).get("target", "papillary_dermis")
    pct = lambda v: 100.0 * v / dose  # noqa: E731
    in_skin = sum(series_at(r, d, "layer/" + nm, t_end) for nm in r.layer_names)
    blood = series_at(r, d, "cleared_blood", t_end)
    lymph = series_at(r, d, "cleared_lymph", t_end)
    on_skin = series_at(r, d, "vehicle", t_end)  # dissolved + deposited
    tgt = d.get("layer/" + target)
    i_peak = int(np.argmax(tgt)) if tgt is not None else 0
    one_h = min(3600.0, t_end)
    per_area = r.amount_units.startswith("kg/m2")
    ug = 1e5 if per_area else (1e6 if r.amount_units.startswith("kg/m") else 1e9)  # kg/m2 -> ug/cm2; kg/m -> ug/mm
    unit = "µg/cm²" if per_area else ("µg/mm" if r.amount_units.startswith("kg/m") else "µg")
    deepest = None
    for nm in r.layer_names:  # the deepest layer that ever held 1 % of the dose
        v = d.get("layer/" + nm)
        if v is not None and np.max(v) >= 0.01 * dose:
            deepest = nm
    return {
        "name": r.name, "species": s, "route": route_of(case), "geometry": r.geometry,
        "skin": (case.get("skin") or {}).get("preset"),
        "deliveries": [x.get("type") for x in case.get("delivery", [])],
        "t_end_h": t_end / 3600.0,
        "dose_ug": dose * ug, "amount_unit": unit,
        "end_in_skin_pct": pct(in_skin),
        "end_blood_pct": pct(blood), "end_lymph_pct": pct(lymph),
        "end_on_skin_pct": pct(on_skin),
        "end_washed_pct": pct(series_at(r, d, "washed", t_end)),
        "target": target,
        "target_peak_pct": pct(float(tgt[i_peak])) if tgt is not None else 0.0,
        "target_peak_ug": float(tgt[i_peak]) * ug if tgt is not None else 0.0,
        "target_peak_h": float(r.t[i_peak]) / 3600.0,
        "target_1h_ug": series_at(r, d, "layer/" + target, one_h) * ug,
        "target_1h_pct": pct(series_at(r, d, "layer/" + target, one_h)),
        "deepest_layer": deepest,
        "peak_conc_mg_ml": max(float(r.field(s, k).max()) for k in r.snap_keys),
    }


# --------------------------------------------------------------------------------------------------
# Plain words


def sig(v, n=2):
    """v with n significant digits, without exponent for the usual range (0.0012, 12, 1200)."""
    if v == 0 or not np.isfinite(v):
        return "0"
    mag = int(np.floor(np.log10(abs(v))))
    dec = max(0, n - 1 - mag)
    return f"{round(v, dec):.{dec}f}"


def fmt_h(h):
    if h < 1:
        return f"{sig(h * 60)} min"
    return f"{sig(h)} h"


def num(key, value, text):
    """A number shown on the page, with its exact value for the tests (data-value)."""
    return f'<span class="num" data-key="{html.escape(key)}" data-value="{value!r}">{html.escape(text)}</span>'


def pct_html(key, v):
    return num(key, v, f"{sig(v)} %")


ROUTE_WORDS = {
    "topical": "spread on the skin",
    "injected": "injected into the skin",
    "microneedled": "spread on the skin right after a derma roller opened small channels in it",
    "other": "given",
}


def summary_html(key, fx, other=None):
    """One paragraph in plain words from the run's numbers; other: the facts of the run to compare with."""
    sp = pr.pretty(fx["species"])
    per = " per cm² of skin" if fx["amount_unit"].endswith("cm²") else ""
    dose = num(f"{key}.dose_ug", fx["dose_ug"], f"{sig(fx['dose_ug'], 3)} µg")
    parts = [f"{dose} of {html.escape(sp)}{per} {ROUTE_WORDS[fx['route']]}."]
    end = fmt_h(fx["t_end_h"])
    gone = fx["end_blood_pct"] + fx["end_lymph_pct"]
    s = f"After {end}, {pct_html(key + '.end_in_skin_pct', fx['end_in_skin_pct'])} of it is in the skin"
    if fx["end_on_skin_pct"] >= 0.05:
        s += f", {pct_html(key + '.end_on_skin_pct', fx['end_on_skin_pct'])} is still on it"
    s += (f" and {pct_html(key + '.end_blood_pct', fx['end_blood_pct'])} has been carried away by the blood "
          f"({pct_html(key + '.end_lymph_pct', fx['end_lymph_pct'])} by the lymph)")
    if fx["end_washed_pct"] >= 0.05:
        s += f"; {pct_html(key + '.end_washed_pct', fx['end_washed_pct'])} was washed off"
    parts.append(s + ".")
    tg = pr.pretty(fx["target"])
    parts.append(
        f"The {html.escape(tg)}, where the active is meant to act, held at most "
        f"{pct_html(key + '.target_peak_pct', fx['target_peak_pct'])} of the dose "
        f"({num(key + '.target_peak_ug', fx['target_peak_ug'], sig(fx['target_peak_ug']) + ' ' + fx['amount_unit'])}), "
        + ("right at the start." if fx["target_peak_h"] == 0 else
           f"{num(key + '.target_peak_h', fx['target_peak_h'], fmt_h(fx['target_peak_h']))} after the start."))
    if gone > 50:
        parts.append("Most of it does not stay: the small blood vessels of the dermis take it away within hours.")
    if other is not None and other["amount_unit"] == fx["amount_unit"] and other["target_1h_ug"] > 0:
        ratio = fx["target_1h_ug"] / other["target_1h_ug"]
        more = "more" if ratio >= 1 else "less"
        val = ratio if ratio >= 1 else 1 / ratio
        parts.append(
            f"At 1 h the {html.escape(tg)} held {num(key + '.ratio_1h_vs_' + other['name'], ratio, sig(val) + ' times')} "
            f"{more} {html.escape(sp)} than with the {html.escape(pr.pretty(other['name']))} "
            f"({sig(fx['target_1h_ug'])} against {sig(other['target_1h_ug'])} {fx['amount_unit']}).")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------
# Work items (run in parallel; each writes its own files)


def job_plots(h5, outdir):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        rc = pr.main([h5, "--out", outdir])
    if rc != 0:
        raise RuntimeError(f"plot_results.py failed on {h5}")
    return sorted(os.path.basename(p) for p in os.listdir(outdir) if p.endswith(".png"))


def job_animate(results, species, stem, outdir, labels=None, title=None, fps=4, poster_at=None):
    import animate

    panels = animate.panels_from_args(results, species, labels)
    n, ts = animate.animate(panels, os.path.join(outdir, stem + ".mp4"), os.path.join(outdir, stem + ".gif"),
                            os.path.join(outdir, stem + ".png"), poster_at, fps, title)
    return {"frames": n, "times_s": [float(t) for t in ts]}


def job_render3d(h5, species, out):
    rc = subprocess.run([sys.executable, os.path.join(HERE, "render3d.py"), h5, "--species", species, "--out", out],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if rc.returncode != 0:
        return {"error": rc.stderr.strip().splitlines()[-1] if rc.stderr.strip() else f"exit {rc.returncode}"}
    return {"file": os.path.basename(out)}


def timed(fn, *args):
    t0 = time.time()
    return fn(*args), time.time() - t0


# --------------------------------------------------------------------------------------------------
# The page

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;max-width:1320px;margin:0 auto;padding:1em 1.5em;color:#222;line-height:1.45}
h1{font-size:1.8em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:2px solid #eee;padding-bottom:.2em}
.lead{color:#444;font-size:1.05em} .summary{background:#f7f5f0;border-left:4px solid #c8a27a;padding:.6em 1em;margin:.8em 0}
video,img{max-width:100%;height:auto;border:1px solid #ddd;background:#fff} figure{margin:1em 0} figcaption{color:#444;font-size:.95em;margin-top:.3em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:1em}
.num{font-weight:600} .small{color:#666;font-size:.9em} table{border-collapse:collapse;font-size:.9em} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right} th{background:#f3f3f3}
#media-status{font-size:.85em;color:#666} .missing{color:#a00;font-weight:bold}
"""

# Marks the page (body data-media) once every picture and movie has loaded or failed; tells the reader
# which files are missing (a gallery copied without its files). The gallery test reads the mark.
SCRIPT = """
(function(){
  function done(){
    var imgs=[].slice.call(document.images), vids=[].slice.call(document.querySelectorAll('video'));
    var bad=[];
    imgs.forEach(function(i){ if(!(i.complete && i.naturalWidth>0)) bad.push(i.getAttribute('src')); });
    vids.forEach(function(v){ if(v.readyState<2 || v.error) bad.push(v.getAttribute('src')); });
    var total=imgs.length+vids.length, ok=total-bad.length;
    document.body.setAttribute('data-media', ok+'/'+total);
    document.body.setAttribute('data-media-bad', bad.join(' '));
    var s=document.getElementById('media-status');
    if(s){ if(bad.length){ s.innerHTML='<span class="missing">Missing: '+bad.join(', ')+'</span> (run scripts/gallery.sh again)'; }
           else { s.textContent='All '+total+' pictures and movies loaded.'; } }
  }
  function wait(){
    var vids=[].slice.call(document.querySelectorAll('video'));
    var pending=vids.filter(function(v){return v.readyState<2 && !v.error;});
    if(!pending.length){ done(); return; }
    var left=pending.length, fin=function(){ if(--left===0) done(); };
    pending.forEach(function(v){ v.addEventListener('loadeddata',fin,{once:true}); v.addEventListener('error',fin,{once:true}); });
    setTimeout(done, 8000);
  }
  if(document.readyState==='complete') wait(); else window.addEventListener('load', wait);
})();
"""

DEPTH_NOTE = ("Depth is drawn on a square-root scale so that the very thin top layers (the stratum corneum is "
              "about 15 µm, a sixth of a hair) can be seen; the colours are on a log scale: each step of the colour "
              "bar is ten times more concentrated than the one below.")


def video_html(stem, caption, frames):
    return (f'<figure><video controls loop muted playsinline preload="auto" poster="{stem}.png" src="{stem}.mp4">'
            f'</video><figcaption>{caption} <span class="small">({frames} frames, one per output time; '
            f'<a href="{stem}.gif">GIF for slides</a>, <a href="{stem}.mp4">MP4</a>)</span></figcaption></figure>')


def img_html(src, caption):
    return f'<figure><img src="{src}" alt="{html.escape(caption, quote=True)}"><figcaption>{caption}</figcaption></figure>'


FIG_CAPTIONS = {
    "where": "Where the dose is over time, as % of the dose: on the skin, in each layer, taken away by blood and lymph.",
    "profiles": "How deep it goes: the concentration against depth at a few times.",
    "maps": "Cross-sections of the skin at four times (white: almost none).",
    "depth_time": "Concentration against depth (down) and time (across).",
    "hydration": "The papule: how high the skin is raised and how long the extra water stays.",
}


def write_page(outdir, title, scen, pair, facts, anims, figs, renders, compare_txt, build_s):
    e = html.escape
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
           f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>"]
    out.append(f"<h1>{e(title)}</h1>")
    sp = {pr.pretty(facts[s]["species"]) for s in scen}
    skins = sorted({pr.pretty(facts[s]["skin"]) for s in scen if facts[s]["skin"]})
    how = (f"in {len(scen)} ways: {e(', '.join(pr.pretty(s) for s in scen))}" if len(scen) > 1 else
           f"as {e(pr.pretty(scen[0]))}")
    where = f" on {e(' and '.join(skins))} skin" if skins else ""
    out.append(f"<p class='lead'>{e(', '.join(sorted(sp)).capitalize())}{where}, delivered "
               f"{how}. Each movie shows the skin in cross-section "
               f"(the surface at the top, layers named on the left) and, on the right, where the dose is so far. "
               f"{DEPTH_NOTE}</p>")
    out.append("<p id='media-status'>Loading pictures and movies…</p>")
    if pair:
        a, b = pair
        stem = f"side_by_side_{a}_vs_{b}"
        fa, fb = facts[a], facts[b]
        cap = (f"{e(pr.pretty(a))} (left) and {e(pr.pretty(b))} (right) on the same colour scale and the same clock. "
               + summary_html(f"{b}", fb, fa))
        out.append(f"<h2>Side by side: {e(pr.pretty(a))} and {e(pr.pretty(b))}</h2>")
        out.append(video_html(stem, cap, anims[stem]["frames"]))
    for s in scen:
        fx = facts[s]
        out.append(f"<h2 id='{e(s)}'>{e(pr.pretty(s))}</h2>")
        out.append(f"<p class='summary'>{summary_html(s, fx)}</p>")
        what = "a depth profile (the average over the skin surface)" if fx["geometry"] == "1d" else "a cross-section through the skin"
        out.append(video_html(s, f"{e(pr.pretty(s))}: {what}, with the clock at the top right.", anims[s]["frames"]))
        if s in renders:
            rr = renders[s]
            if "file" in rr:
                out.append(img_html(rr["file"], f"{e(pr.pretty(s))} in 3d: a block of skin with its front quarter cut away; "
                                    "the faces are coloured by the concentration and, in the notch, surfaces of equal "
                                    "concentration show the clouds of the injections."))
            else:
                out.append(f"<p class='small'>3d picture not drawn: {e(rr['error'])}</p>")
        out.append("<div class='grid'>")
        for fn in figs.get(s, []):
            kind = fn[len(s) + 1:-4]
            out.append(img_html(f"{s}/{fn}", FIG_CAPTIONS.get(kind, e(kind))))
        out.append("</div>")
    if compare_txt:
        out.append("<h2>All scenarios in one table</h2><p class='small'>Printed by <code>dermasim compare</code> "
                   "(definitions in docs/metrics.md): what reaches the target layer, with the ratio to the first scenario.</p>")
        out.append(f"<pre style='font-size:.72em;overflow-x:auto'>{e(compare_txt)}</pre>")
    out.append(f"<p class='small'>Made by scripts/gallery.sh in {build_s:.0f} s. Numbers come from the .h5 files in "
               f"runs/ (facts.json lists them); nothing here needs a network or a server.</p>")
    out.append(f"<script>{SCRIPT}</script></body></html>")
    tmp = os.path.join(outdir, "index.html.part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    os.replace(tmp, os.path.join(outdir, "index.html"))


# --------------------------------------------------------------------------------------------------


def pick_pair(facts, scen):
    top = [s for s in scen if facts[s]["route"] == "topical"]
    inj = [s for s in scen if facts[s]["route"] == "injected"]
    for a in top:
        for b in inj:
            if facts[a]["geometry"] == facts[b]["geometry"] and facts[a]["geometry"] != "1d":
                return a, b
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build the educator gallery (runs, animations, figures, index.html).")
    ap.add_argument("outdir", nargs="?", default="results/gallery")
    ap.add_argument("--cases", default=os.path.join(HERE, "..", "configs", "educator", "compare.yaml"),
                    help="scenarios file or case files for dermasim compare")
    ap.add_argument("--dermasim", default=os.path.join(HERE, "..", "build", "dermasim"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="passed to dermasim compare")
    ap.add_argument("--pair", nargs=2, metavar=("A", "B"), help="scenarios side by side (default: first topical, first injected)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--fps", type=float, default=4)
    ap.add_argument("--title", help="title of the page (default: 'N ways into the skin: a gallery for the classroom')")
    a = ap.parse_args(argv)
    t0 = time.time()
    out = os.path.abspath(a.outdir)
    runs = os.path.join(out, "runs")
    os.makedirs(runs, exist_ok=True)
    if not os.access(a.dermasim, os.X_OK):
        print(f"gallery.py: no dermasim program at {a.dermasim} (build it: bash scripts/build.sh)", file=sys.stderr)
        return 2
    cmd = [a.dermasim, "compare", a.cases, "--out", runs] + [x for kv in a.set for x in ("--set", kv)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        print(f"gallery.py: dermasim compare failed (exit {p.returncode})", file=sys.stderr)
        return p.returncode
    compare_txt = p.stdout.split("\n  table:")[0].strip()
    with open(os.path.join(runs, "compare.txt"), "w") as f:
        f.write(p.stdout)
    t_runs = time.time() - t0
    with open(os.path.join(runs, "compare.csv")) as f:
        scen = [line.split(",")[0] for line in f.read().splitlines()[1:] if line.strip()]
    results = {}
    for s in scen:
        r = pr.Result(os.path.join(runs, s + ".h5"))
        r.stem = s
        results[s] = r
    facts = {s: facts_of(results[s]) for s in scen}
    pair = tuple(a.pair) if a.pair else pick_pair(facts, scen)
    if pair and any(x not in scen for x in pair):
        print(f"gallery.py: --pair {' '.join(pair)}: the scenarios are {', '.join(scen)}", file=sys.stderr)
        return 2
    anims, figs, renders, job_s = {}, {}, {}, {}
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        fut = {}
        for s in scen:
            h5 = os.path.join(runs, s + ".h5")
            if results[s].geometry == "3d":
                fut[("render", s)] = ex.submit(timed, job_render3d, h5, facts[s]["species"], os.path.join(out, s + "_3d.png"))
        if pair:
            stem = f"side_by_side_{pair[0]}_vs_{pair[1]}"
            fut[("anim", stem)] = ex.submit(
                timed, job_animate, [os.path.join(runs, x + ".h5") for x in pair],
                [facts[x]["species"] for x in pair], stem, out,
                [f"{pr.pretty(x)} ({facts[x]['route']})" for x in pair],
                f"{pr.pretty(facts[pair[0]]['species']).capitalize()}: {pr.pretty(pair[0])} and {pr.pretty(pair[1])}",
                a.fps, 3600.0)
        for s in scen:
            h5 = os.path.join(runs, s + ".h5")
            fut[("anim", s)] = ex.submit(timed, job_animate, [h5], [facts[s]["species"]], s, out, [pr.pretty(s)], None, a.fps)
            os.makedirs(os.path.join(out, s), exist_ok=True)
            fut[("figs", s)] = ex.submit(timed, job_plots, h5, os.path.join(out, s))
        for (kind, k), f in fut.items():
            v, dt = f.result()
            {"anim": anims, "figs": figs, "render": renders}[kind][k] = v
            job_s[f"{kind} {k}"] = dt
    build_s = time.time() - t0
    doc = {"scenarios": scen, "pair": list(pair) if pair else None, "facts": facts,
           "animations": anims, "renders": renders, "seconds": {"runs": t_runs, "total": build_s, "jobs": job_s}}
    with open(os.path.join(out, "facts.json"), "w") as f:
        json.dump(doc, f, indent=1)
    words = {1: "One way", 2: "Two ways", 3: "Three ways", 4: "Four ways", 5: "Five ways", 6: "Six ways"}
    title = a.title or f"{words.get(len(scen), f'{len(scen)} ways')} into the skin: a gallery for the classroom"
    write_page(out, title, scen, pair, facts, anims, figs, renders, compare_txt, build_s)
    print(f"gallery: {os.path.join(out, 'index.html')} ({len(scen)} scenarios, {build_s:.0f} s: runs {t_runs:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
