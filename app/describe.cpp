// SPDX-License-Identifier: BSD-3-Clause
#include "describe.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermasim {

namespace {

constexpr double kMsToCmH = 100.0 * 3600.0;  // m/s -> cm/h

std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else o += ch;
  }
  return o + "\"";
}
std::string jnum(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
std::string jopt(const std::optional<double>& v) { return v ? jnum(*v) : "null"; }
std::string g4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string ingredient_json(const Ingredient& g, bool with_sources) {
  std::ostringstream o;
  o << "{\"name\": " << jstr(g.name) << ", \"description\": " << jstr(g.description) << ", \"kind\": " << jstr(g.kind)
    << ", \"form\": " << jstr(g.form) << ", \"mw_g_mol\": " << jnum(g.mw) << ", \"log_kow\": " << jopt(g.log_kow)
    << ", \"solubility\": " << (g.solubility_text.empty() ? "null" : jstr(g.solubility_text))
    << ", \"solubility_kg_m3\": " << jopt(g.solubility) << ", \"pka\": " << jopt(g.pka) << ", \"ionization\": " << jstr(g.ionization)
    << ", \"fu\": " << jopt(g.fu) << ", \"hydrodynamic_radius_m\": " << jopt(g.hydrodynamic_radius)
    << ", \"degradation_1_s\": " << jnum(g.degradation) << ", \"origin\": " << jstr(g.origin);
  if (with_sources) {
    o << ", \"sources\": {";
    bool first = true;
    for (const auto& [k, v] : g.sources) {
      o << (first ? "" : ", ") << jstr(k) << ": " << jstr(v);
      first = false;
    }
    o << "}";
  }
  o << "}";
  return o.str();
}

// "[V] ..." -> "V"; the tags of the sources, compactly: "mw V, log_kow M".
std::string source_tags(const Ingredient& g) {
  std::string out;
  for (const auto& [k, v] : g.sources) {
    std::string tag = "-";
    if (!v.empty() && v[0] == '[') {
      const auto e = v.find(']');
      if (e != std::string::npos) tag = v.substr(1, e - 1);
    } else if (v.rfind("assumption", 0) == 0) {
      tag = "assumption";
    }
    out += (out.empty() ? "" : ", ") + k + " " + tag;
  }
  return out;
}

// The aqueous-pore SC pathway is what the SC model uses for this ingredient: a macromolecule in solution
// without log Kow (with the aqueous-pore option), whose pore radius is R_h.
bool pore_applies(const Description& d) {
  return d.summary.macromolecule && d.ingredient.form != "gel" && !d.ingredient.log_kow &&
         d.options.sc_macromolecule == ScMacromoleculeModel::AqueousPore;
}

// The two SC routes apply to a solute with a log Kow in solution.
bool routes_apply(const Description& d) { return d.summary.has_kow && d.ingredient.form != "gel" && d.ingredient.form != "deposit"; }

}  // namespace

Description describe_ingredient(const Ingredient& g, const SkinPreset& skin, const PropertyOptions& opt) {
  Description d;
  d.ingredient = g;
  d.skin = skin.name;
  d.options = opt;
  d.summary = summarize(g);
  d.layers = skin.layers;
  d.warnings = validity_warnings(g, opt);
  std::vector<StackLayer> stack;
  d.complete = true;
  for (const auto& l : skin.layers) {
    d.estimates.push_back(estimate_layer(g, l, opt));
    const auto& e = d.estimates.back();
    if (!e.ok) {
      d.complete = false;
      d.warnings.push_back("layer '" + l.name + "': " + e.reason);
    } else {
      stack.push_back({l.thickness, e.props.diffusivity, e.props.partition});
    }
  }
  if (d.complete && !stack.empty()) {
    d.kp = stack_kp(stack);
    d.lag_time = stack_lag_time(stack);
  }
  return d;
}

std::string describe_text(const Description& d) {
  const auto& g = d.ingredient;
  const auto& s = d.summary;
  std::ostringstream o;
  o << g.name << (g.description.empty() ? "" : " (" + g.description + ")") << "\n";
  o << "  kind " << g.kind << (g.form != "solution" ? ", " + g.form : std::string()) << ", MW " << g4(g.mw) << " g/mol, log Kow "
    << (g.log_kow ? g4(*g.log_kow) : std::string("n/a")) << ", " << g.ionization << (g.pka ? " pKa " + g4(*g.pka) : "") << "\n";
  o << "  r_s " << g4(s.r_s) << " A";
  if (s.has_kow)
    o << ", K_lip " << g4(s.K_lip) << ", K_sc (full hydration) " << g4(s.K_sc) << ", f_u " << g4(s.f_u) << ", f_non " << g4(s.f_non) << ", B " << g4(s.B)
      << "\n  kp (SC alone, QSPR): Potts-Guy " << g4(s.kp_potts_guy * kMsToCmH) << " cm/h, Mitragotri " << g4(s.kp_mitragotri * kMsToCmH)
      << " cm/h";
  if (s.macromolecule) o << "\n  macromolecule: R_h " << g4(s.R_h * 1e9) << " nm, Stokes-Einstein D " << g4(s.D_se) << " m2/s";
  if (routes_apply(d)) {
    const ScRoutes r = sc_routes(g, d.options);
    o << "\n  stratum corneum (at h_ref " << g4(kScReferenceThickness * 1e6) << " um): lipid route " << g4(r.kp_lipid * kMsToCmH)
      << " cm/h x unionised fraction " << g4(r.f_unionised)
      << (d.options.ph ? " (pH " + g4(*d.options.ph) + ")" : std::string(" (no pH given)"));
    if (d.options.sc_polar_route == ScPolarRoute::AqueousPore)
      o << " + polar route " << g4(r.kp_pore * kMsToCmH) << " cm/h (pores, radius/r_pore " << g4(r.pore.lambda) << ")";
    o << " = kp " << g4(r.kp * kMsToCmH) << " cm/h (" << g4(r.kp) << " m/s)";
  }
  if (pore_applies(d)) {
    const PoreTransport p = sc_aqueous_pore(s.R_h, d.options);
    o << "\n  aqueous-pore SC pathway: R_h/r_pore " << g4(p.lambda) << ", Renkin H " << g4(p.hindrance) << ", kp " << g4(p.kp * kMsToCmH)
      << " cm/h (" << g4(p.kp) << " m/s) at h_ref " << g4(kScReferenceThickness * 1e6) << " um";
  }
  const auto& opt = d.options;
  o << "\n\nskin " << d.skin << ", stratum-corneum model " << to_string(opt.sc_model) << ", polar route " << to_string(opt.sc_polar_route)
    << (opt.ph ? ", pH " + g4(*opt.ph) : std::string()) << "; macromolecules without log Kow: " << to_string(opt.sc_macromolecule);
  if (opt.sc_macromolecule == ScMacromoleculeModel::AqueousPore)
    o << " (r_pore " << g4(opt.pore_radius * 1e9) << " nm, eps/tau " << g4(opt.pore_porosity_tortuosity) << ")";
  o << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-18s %10s %12s %11s %11s %11s %11s %9s  %s\n", "layer", "thickness", "D (m2/s)", "K", "blood (1/s)",
                "lymph (1/s)", "degr (1/s)", "unbound", "model");
  o << line;
  for (size_t i = 0; i < d.layers.size(); ++i) {
    const auto& l = d.layers[i];
    const auto& e = d.estimates[i];
    if (!e.ok) {
      std::snprintf(line, sizeof line, "  %-18s %7.4g um  (no model: %s)\n", l.name.c_str(), l.thickness * 1e6, e.reason.c_str());
      o << line;
      continue;
    }
    std::snprintf(line, sizeof line, "  %-18s %7.4g um %12.4g %11.4g %11.3g %11.3g %11.3g %9.3g  %s\n", l.name.c_str(), l.thickness * 1e6,
                  e.props.diffusivity, e.props.partition, e.props.clearance, e.props.lymph_clearance, e.props.degradation, e.props.unbound,
                  e.model.c_str());
    o << line;
  }
  o << "\nformulas:\n";
  for (size_t i = 0; i < d.layers.size(); ++i)
    if (d.estimates[i].ok) o << "  " << d.layers[i].name << ": " << d.estimates[i].formula << "\n";
  if (d.complete)
    o << "\nwhole stack (series resistances, [Derived:laminate-lag-time]; clearance not included):\n  kp = 1/sum(h/(K D)) = "
      << g4(d.kp * kMsToCmH) << " cm/h (" << g4(d.kp) << " m/s), lag time " << g4(d.lag_time) << " s (" << g4(d.lag_time / 3600) << " h)\n";
  if (!d.warnings.empty()) {
    o << "\nwarnings:\n";
    for (const auto& w : d.warnings) o << "  " << w << "\n";
  }
  return o.str();
}

std::string describe_json(const Description& d) {
  const auto& s = d.summary;
  std::ostringstream o;
  o << "{\n  \"format\": \"dermasim-describe-1\",\n";
  o << "  \"ingredient\": " << ingredient_json(d.ingredient, true) << ",\n";
  o << "  \"skin\": " << jstr(d.skin) << ",\n";
  o << "  \"stratum_corneum_model\": " << jstr(to_string(d.options.sc_model)) << ",\n";
  o << "  \"stratum_corneum_macromolecule_model\": " << jstr(to_string(d.options.sc_macromolecule)) << ",\n";
  o << "  \"stratum_corneum_polar_route\": " << jstr(to_string(d.options.sc_polar_route)) << ",\n";
  o << "  \"ph\": " << jopt(d.options.ph) << ",\n";
  o << "  \"aqueous_pore\": {\"radius_m\": " << jnum(d.options.pore_radius) << ", \"porosity_tortuosity\": "
    << jnum(d.options.pore_porosity_tortuosity) << "},\n";
  auto opt = [&](bool have, double v) { return have ? jnum(v) : std::string("null"); };
  const bool pore = pore_applies(d);
  const bool routes = routes_apply(d);
  const ScRoutes r = routes ? sc_routes(d.ingredient, d.options) : ScRoutes{};
  const bool small_pore = routes && d.options.sc_polar_route == ScPolarRoute::AqueousPore;
  const PoreTransport p = pore ? sc_aqueous_pore(s.R_h, d.options) : small_pore ? r.pore : PoreTransport{};
  o << "  \"summary\": {\"r_s_angstrom\": " << jnum(s.r_s) << ", \"K_lip\": " << opt(s.has_kow, s.K_lip)
    << ", \"D_lip_m2_s\": " << jnum(s.D_lip) << ", \"K_keratin\": " << opt(s.has_kow, s.K_kw) << ", \"K_corneocyte\": " << opt(s.has_kow, s.K_cc)
    << ", \"K_sc\": " << opt(s.has_kow, s.K_sc) << ", \"f_u\": " << opt(s.has_kow, s.f_u) << ", \"f_non\": " << opt(s.has_kow, s.f_non)
    << ", \"B\": " << opt(s.has_kow, s.B) << ", \"D_free_m2_s\": " << jnum(s.D_free) << ", \"K_de\": " << opt(s.has_kow, s.K_de)
    << ", \"D_de_m2_s\": " << opt(s.has_kow, s.D_de) << ", \"kp_potts_guy_cm_h\": " << opt(s.has_kow, s.kp_potts_guy * kMsToCmH)
    << ", \"kp_mitragotri_cm_h\": " << opt(s.has_kow, s.kp_mitragotri * kMsToCmH)
    << ", \"macromolecule\": " << (s.macromolecule ? "true" : "false") << ", \"R_h_m\": " << opt(s.macromolecule, s.R_h)
    << ", \"D_stokes_einstein_m2_s\": " << opt(s.macromolecule, s.D_se) << ", \"pore_lambda\": " << opt(pore || small_pore, p.lambda)
    << ", \"pore_hindrance\": " << opt(pore || small_pore, p.hindrance)
    << ", \"kp_aqueous_pore_cm_h\": " << opt(pore || small_pore, p.kp * kMsToCmH)
    << ", \"fraction_unionised\": " << opt(routes, r.f_unionised) << ", \"kp_sc_lipid_cm_h\": " << opt(routes, r.kp_lipid * kMsToCmH)
    << ", \"kp_sc_polar_cm_h\": " << opt(routes, r.kp_pore * kMsToCmH) << ", \"kp_sc_cm_h\": " << opt(routes, r.kp * kMsToCmH)
    << ", \"blood_clearance_factor\": " << jnum(s.blood_factor) << "},\n";
  o << "  \"layers\": [";
  for (size_t i = 0; i < d.layers.size(); ++i) {
    const auto& l = d.layers[i];
    const auto& e = d.estimates[i];
    o << (i ? "," : "") << "\n    {\"name\": " << jstr(l.name) << ", \"kind\": " << jstr(l.kind) << ", \"thickness_m\": " << jnum(l.thickness)
      << ", \"estimated\": " << (e.ok ? "true" : "false");
    if (e.ok)
      o << ", \"diffusivity_m2_s\": " << jnum(e.props.diffusivity) << ", \"partition\": " << jnum(e.props.partition)
        << ", \"clearance_1_s\": " << jnum(e.props.clearance) << ", \"lymph_clearance_1_s\": " << jnum(e.props.lymph_clearance)
        << ", \"degradation_1_s\": " << jnum(e.props.degradation) << ", \"unbound_fraction\": " << jnum(e.props.unbound)
        << ", \"kp_m_s\": " << jnum(e.props.partition * e.props.diffusivity / l.thickness) << ", \"model\": " << jstr(e.model)
        << ", \"formula\": " << jstr(e.formula);
    else
      o << ", \"reason\": " << jstr(e.reason);
    o << "}";
  }
  o << "\n  ],\n";
  o << "  \"stack\": {\"complete\": " << (d.complete ? "true" : "false") << ", \"kp_m_s\": " << opt(d.complete, d.kp)
    << ", \"kp_cm_h\": " << opt(d.complete, d.kp * kMsToCmH) << ", \"lag_time_s\": " << opt(d.complete, d.lag_time)
    << ", \"lag_time_h\": " << opt(d.complete, d.lag_time / 3600) << "},\n";
  o << "  \"warnings\": [";
  for (size_t i = 0; i < d.warnings.size(); ++i) o << (i ? ", " : "") << jstr(d.warnings[i]);
  o << "]\n}\n";
  return o.str();
}

std::string ingredients_text(const std::vector<Ingredient>& list) {
  std::ostringstream o;
  char line[512];
  std::snprintf(line, sizeof line, "%-26s %12s %8s %-12s %-15s %s\n", "name", "MW (g/mol)", "logKow", "solubility", "kind", "sources (tags)");
  o << line;
  for (const auto& g : list) {
    std::snprintf(line, sizeof line, "%-26s %12.6g %8s %-12s %-15s %s\n", g.name.c_str(), g.mw,
                  g.log_kow ? g4(*g.log_kow).c_str() : "n/a", g.solubility_text.empty() ? "-" : g.solubility_text.c_str(),
                  (g.kind + (g.form != "solution" ? " " + g.form : std::string())).c_str(), source_tags(g).c_str());
    o << line;
  }
  o << "\nTags: V read in the source, D derived, M handbook value not re-verified, C low-grade source.\n"
       "Full sources: dermasim ingredients --json (keys in docs/references.md); properties per layer: dermasim describe NAME.\n";
  return o.str();
}

std::string ingredients_json(const std::vector<Ingredient>& list) {
  std::ostringstream o;
  o << "{\n  \"format\": \"dermasim-ingredients-1\",\n  \"ingredients\": [";
  for (size_t i = 0; i < list.size(); ++i) o << (i ? "," : "") << "\n    " << ingredient_json(list[i], true);
  o << "\n  ]\n}\n";
  return o.str();
}

}  // namespace dermasim
