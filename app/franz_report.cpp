// SPDX-License-Identifier: BSD-3-Clause
#include "franz_report.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermasim {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Value of a recorded series at a time the run landed on (outputs are hit exactly).
double at(const std::vector<double>& t, const std::vector<double>& v, double when) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] >= when) return v[i];
  return v.back();
}

}  // namespace

std::string tg428_report(const Case& c, const Simulation& sim) {
  const Grid& g = sim.grid();
  const double area = g.top_area();            // m2 (per m in 2d: a strip of 1 m)
  const double ug_cm2 = 1e-9 / 1e-4;           // kg/m2 per ug/cm2
  const auto& h = sim.history();
  std::ostringstream r;
  r << "# Skin absorption in vitro (OECD TG 428 terms): " << c.name << "\n\n"
    << "Simulated with dermasim " << DERMASIM_VERSION << ". One simulated cell, no replicate variability: "
    << "the figures are model predictions with the properties listed in the case, not measurements.\n\n";
  r << "Skin: " << (c.preset.empty() ? std::string("custom layers") : c.preset) << " (";
  for (size_t l = 0; l < c.layers.size(); ++l)
    r << (l ? ", " : "") << c.layers[l].name << " " << format_quantity(c.layers[l].thickness, dims::length);
  r << "); receptor: " << (c.bottom_sink ? "sink" : "none (closed below)") << ".\n\n";
  for (size_t di = 0; di < c.delivery.size(); ++di) {
    const DeliveryDef& d = c.delivery[di];
    if (d.type != "topical") continue;
    const int s = c.species_index(d.species);
    const auto& hs = h.species[s];
    const Balance b = sim.balance(s);
    const double dose = b.applied;
    r << "## " << d.species << " (delivery[" << di << "])\n\n";
    r << "- Application: " << (d.infinite ? "infinite dose" : "finite dose " + format_in(d.dose, "uL/cm2")) << " of "
      << format_in(d.concentration, "mg/mL") << (d.infinite ? "" : " = " + fmt("%.4g", d.dose * d.concentration / ug_cm2) + " ug/cm2")
      << ", " << (d.occluded ? "occluded" : (d.evaporation > 0 ? "open (evaporating vehicle)" : "non-volatile vehicle")) << ".\n";
    r << "- Exposure: from " << format_quantity(d.start, dims::time) << " to "
      << (std::isfinite(d.remove) ? format_quantity(d.remove, dims::time) + " (wash-off)" : std::string("the end (no wash-off)"))
      << "; sampling until " << format_quantity(c.end, dims::time) << ".\n";
    if (d.infinite) r << "- Infinite dose: percentages refer to the amount taken up from the donor (" << fmt("%.4g", dose / area / ug_cm2) << " ug/cm2).\n";
    r << "\n### Receptor fluid samples\n\n| time | cumulative (ug/cm2) | % of dose | flux since last sample (ug/cm2/h) |\n|---|---|---|---|\n";
    const auto& Q = hs.count("receptor") ? hs.at("receptor") : std::vector<double>(h.time.size(), 0.0);
    double prevQ = 0, prevT = 0, jmax = 0, tjmax = 0;
    for (double t : c.outputs) {
      const double q = at(h.time, Q, t);
      const double flux = t > prevT ? (q - prevQ) / area / ug_cm2 / ((t - prevT) / 3600) : 0.0;
      if (flux > jmax) {
        jmax = flux;
        tjmax = 0.5 * (t + prevT);
      }
      r << "| " << format_quantity(t, dims::time) << " | " << fmt("%.4g", q / area / ug_cm2) << " | " << fmt("%.3f", dose > 0 ? 100 * q / dose : 0.0)
        << " | " << (t > prevT ? fmt("%.4g", flux) : std::string("-")) << " |\n";
      prevQ = q;
      prevT = t;
    }
    // compartments (by layer kind)
    double sc = 0, viable = 0, other = 0;
    for (size_t l = 0; l < c.layers.size(); ++l) {
      const std::string& k = c.layers[l].kind;
      if (k == "stratum_corneum" || k == "membrane") sc += b.layer[l];
      else if (k == "other") other += b.layer[l];
      else viable += b.layer[l];
    }
    const double receptor = b.out.count("receptor") ? b.out.at("receptor") : 0.0;
    double cleared = 0;
    for (const auto& [k, v] : b.out)
      if (k != "receptor") cleared += v;
    const double surface = b.get("washed") + b.get("vehicle");
    auto pct = [&](double v) { return fmt("%.2f", dose > 0 ? 100 * v / dose : 0.0); };
    auto amt = [&](double v) { return fmt("%.4g", v / area / ug_cm2); };
    r << "\n### Distribution at " << format_quantity(sim.time(), dims::time) << "\n\n| compartment | ug/cm2 | % of dose |\n|---|---|---|\n";
    r << "| dislodgeable dose (surface wash + vehicle left" << (b.get("deposit") > 0 ? ", incl. deposit" : "") << ") | " << amt(surface) << " | " << pct(surface) << " |\n";
    r << "| stratum corneum (tape strips) | " << amt(sc) << " | " << pct(sc) << " |\n";
    r << "| viable epidermis and dermis | " << amt(viable) << " | " << pct(viable) << " |\n";
    if (other != 0) r << "| other layers | " << amt(other) << " | " << pct(other) << " |\n";
    r << "| receptor fluid | " << amt(receptor) << " | " << pct(receptor) << " |\n";
    if (cleared != 0) r << "| cleared or degraded | " << amt(cleared) << " | " << pct(cleared) << " |\n";
    r << "| **absorbed dose** (receptor + viable skin" << (cleared != 0 ? " + cleared" : "") << ") | " << amt(receptor + viable + cleared) << " | "
      << pct(receptor + viable + cleared) << " |\n";
    r << "| **mass balance** (total recovery) | " << amt(dose - b.error()) << " | " << fmt("%.6f", dose > 0 ? 100 * (dose - b.error()) / dose : 0.0)
      << " |\n";
    r << "\nTG 428 accepts 90-110 % recovery in experiments; here recovery is exact by construction (balance error "
      << fmt("%.2g", dose > 0 ? b.error() / dose : 0.0) << " of the dose).\n";
    r << "\n### Kinetics\n\n- Maximum flux between samples: " << fmt("%.4g", jmax) << " ug/cm2/h (around " << format_quantity(tjmax, dims::time) << ").\n";
    // lag time and kp from the last two samples while the donor is on (infinite dose: steady state)
    if (d.infinite && c.outputs.size() >= 3) {
      const double t2 = std::min(c.outputs.back(), std::isfinite(d.remove) ? d.remove : c.outputs.back());
      double t1 = c.outputs.front();
      for (double t : c.outputs)
        if (t < t2) t1 = t;
      const double q1 = at(h.time, Q, t1), q2 = at(h.time, Q, t2);
      if (t2 > t1 && q2 > q1) {
        const double J = (q2 - q1) / (t2 - t1) / area;  // kg/m2/s
        const double lag = t2 - (q2 / area) / J - d.start;
        r << "- Flux over the last sampling interval: " << fmt("%.4g", J / ug_cm2 * 3600) << " ug/cm2/h; permeability coefficient kp = J/C = "
          << fmt("%.4g", J / d.concentration / 2.7778e-6) << " cm/h; lag time " << format_quantity(lag, dims::time) << ".\n";
        if (t2 - d.start < 2.5 * lag)
          r << "- Not yet at steady state (the exposure is shorter than 2.5 lag times): this kp and lag time underestimate the "
               "steady-state values; run longer for those.\n";
      }
    }
    r << "\n";
  }
  return r.str();
}

}  // namespace dermasim
