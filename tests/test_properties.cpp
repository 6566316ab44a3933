// SPDX-License-Identifier: BSD-3-Clause
// Ingredient library and property models (models/ingredients, models/properties, app/describe):
// the QSPRs against the dossier's worked numbers [Derived:caffeine-worked-numbers] and PG kp
// column [Derived:pg-kp-column], the validity-domain warnings, the case keys, the describe JSON,
// and the steady-state permeability of a full 1d simulation against the series-resistance kp.
#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <sstream>
#include <variant>

#include "helpers.hpp"
#include "app/describe.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

constexpr double kCmH = 1.0 / (100.0 * 3600.0);  // 1 cm/h in m/s

// A tiny JSON reader, enough for the describe output: objects, arrays, strings, numbers, literals.
struct Json {
  enum Type { Null, Bool, Number, String, Array, Object } type = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json& operator[](const std::string& k) const {
    auto it = obj.find(k);
    if (it == obj.end()) throw std::runtime_error("no key " + k);
    return it->second;
  }
  const Json& operator[](size_t i) const { return arr.at(i); }
};

struct JsonParser {
  const std::string& s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  void expect(char c) {
    ws();
    if (i >= s.size() || s[i] != c) throw std::runtime_error(std::string("expected ") + c + " at " + std::to_string(i));
    ++i;
  }
  std::string string() {
    expect('"');
    std::string o;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        ++i;
        const char c = s[i];
        if (c == 'n') o += '\n';
        else if (c == 'u') { o += '?'; i += 4; }
        else o += c;
        ++i;
      } else {
        o += s[i++];
      }
    }
    ++i;
    return o;
  }
  Json value() {
    ws();
    Json j;
    const char c = s.at(i);
    if (c == '{') {
      j.type = Json::Object;
      ++i;
      ws();
      if (s[i] == '}') { ++i; return j; }
      for (;;) {
        std::string k = string();
        expect(':');
        j.obj[k] = value();
        ws();
        if (s[i] == ',') { ++i; continue; }
        expect('}');
        return j;
      }
    }
    if (c == '[') {
      j.type = Json::Array;
      ++i;
      ws();
      if (s[i] == ']') { ++i; return j; }
      for (;;) {
        j.arr.push_back(value());
        ws();
        if (s[i] == ',') { ++i; continue; }
        expect(']');
        return j;
      }
    }
    if (c == '"') { j.type = Json::String; j.str = string(); return j; }
    if (s.compare(i, 4, "true") == 0) { j.type = Json::Bool; j.b = true; i += 4; return j; }
    if (s.compare(i, 5, "false") == 0) { j.type = Json::Bool; i += 5; return j; }
    if (s.compare(i, 4, "null") == 0) { i += 4; return j; }
    size_t used = 0;
    j.type = Json::Number;
    j.num = std::stod(s.substr(i), &used);
    i += used;
    return j;
  }
};

Json parse_json(const std::string& text) {
  JsonParser p{text};
  Json j = p.value();
  p.ws();
  if (p.i != text.size()) throw std::runtime_error("trailing text in JSON");
  return j;
}

}  // namespace

// [Derived:caffeine-worked-numbers]
TEST_CASE("caffeine: every QSPR against the worked numbers of the reference dossier", "[properties]") {
  const Ingredient& caf = lib("caffeine");
  const IngredientSummary s = summarize(caf);
  CHECK(s.r_s == Approx(3.48).margin(0.005));
  CHECK(s.K_lip == Approx(0.805).epsilon(1e-3));
  CHECK(s.D_lip == Approx(7.63e-12).epsilon(2e-3));
  CHECK(s.B == Approx(1.186).epsilon(5e-4));
  CHECK(s.K_de == Approx(0.711).epsilon(1e-3));
  CHECK(s.D_de == Approx(1.89e-10).epsilon(3e-3));
  CHECK(s.kp_potts_guy / kCmH == Approx(1.16e-4).epsilon(5e-3));
  CHECK(s.kp_potts_guy == Approx(3.23e-10).epsilon(5e-3));
  CHECK(s.kp_mitragotri / kCmH == Approx(6.9e-5).epsilon(7e-3));
  CHECK(kasting_free_diffusivity(194.19) == Approx(2.24e-10).epsilon(3e-3));  // [Dancik2013], [Derived:caffeine-worked-numbers]
  // The layer models use them: viable epidermis and dermis are Kasting's K and D.
  const auto* forearm = find_skin_preset("forearm_invitro");
  REQUIRE(forearm);
  auto ve = estimate_layer(caf, forearm->layers[1], {});
  REQUIRE(ve.ok);
  CHECK(ve.model == "kasting_albumin_binding");
  CHECK(ve.props.partition == Approx(s.K_de));
  CHECK(ve.props.diffusivity == Approx(s.D_de));
  // Stratum corneum: with the lipid route alone, K D / h_ref equals the selected QSPR's kp and K is the
  // brick-and-mortar mix; with the polar route (default) the pore kp and pore water are added.
  // By default the partition is at the layer's own water (forearm SC 0.46 by volume); with
  // stratum_corneum_hydration full, at full hydration (s.K_sc). Both are checked.
  const PoreTransport pore = sc_aqueous_pore(s.r_s * 1e-10, {});
  REQUIRE(forearm->layers[0].water == 0.46);
  CHECK(estimate_layer(caf, forearm->layers[0], {}).props.partition ==
        Approx(sc_brick_mortar_partition_at(caf.log_kow.value(), 0.46) + pore.partition).epsilon(1e-12));
  CHECK(sc_brick_mortar_partition_at(caf.log_kow.value(), 0.46) == Approx(2.874).margin(1e-3));  // 2.41 at full hydration
  for (ScModel m : {ScModel::Mitragotri, ScModel::PottsGuy}) {
    PropertyOptions lipid;
    lipid.sc_model = m;
    lipid.sc_polar_route = ScPolarRoute::None;
    lipid.sc_hydration = ScHydration::Full;
    PropertyOptions both;
    both.sc_model = m;
    both.sc_hydration = ScHydration::Full;
    const double kp = m == ScModel::Mitragotri ? s.kp_mitragotri : s.kp_potts_guy;
    auto sc = estimate_layer(caf, forearm->layers[0], lipid);
    REQUIRE(sc.ok);
    CHECK(sc.model == "sc_brick_mortar+" + to_string(m));
    CHECK(sc.props.partition * sc.props.diffusivity / kScReferenceThickness == Approx(kp).epsilon(1e-12));
    CHECK(sc.props.partition == Approx(s.K_sc).epsilon(1e-12));
    auto sc2 = estimate_layer(caf, forearm->layers[0], both);
    REQUIRE(sc2.ok);
    CHECK(sc2.model == "sc_brick_mortar+" + to_string(m) + "+aqueous_pore");
    CHECK(sc2.props.partition * sc2.props.diffusivity / kScReferenceThickness == Approx(kp + pore.kp).epsilon(1e-12));
    CHECK(sc2.props.partition == Approx(s.K_sc + pore.partition).epsilon(1e-12));
  }
  // caffeine's polar route [D]: r_s 3.48 A, lambda 0.174, Stokes-Einstein D_w 9.46e-10 m2/s at 37 C, Renkin H 0.440,
  // kp_pore = 1.9e-6 x 9.46e-10 x 0.440 / 15e-6 = 5.27e-11 m/s = 1.9e-5 cm/h (27 % of Mitragotri's 6.9e-5 cm/h)
  CHECK(pore.lambda == Approx(0.174).margin(5e-4));
  CHECK(pore.D_w == Approx(9.46e-10).epsilon(2e-3));
  CHECK(pore.hindrance == Approx(0.440).epsilon(3e-3));
  CHECK(pore.kp == Approx(5.27e-11).epsilon(5e-3));
  // Brick-and-mortar pieces ([Chen2015]): lipid fraction from the geometry, keratin partition.
  CHECK(sc_lipid_volume_fraction() == Approx(3.065625 / 35.065625).epsilon(1e-12));
  CHECK(keratin_partition(-0.07) == Approx(1.37 * 4.2 * std::pow(0.851, 0.31)).epsilon(1e-3));
  CHECK(s.K_cc == Approx((1 - corneocyte_water_fraction(0.55)) * s.K_kw + corneocyte_water_fraction(0.55)).epsilon(1e-12));
  CHECK(corneocyte_water_fraction(0.55) == Approx(0.650).margin(0.002));
}

// [Derived:pg-kp-column]
TEST_CASE("Potts-Guy kp of the library against the PG kp column of the reference dossier", "[properties]") {
  // The column gives 2-3 significant figures; tolerance: half a unit in the last figure.
  struct Row {
    const char* name;
    double kp_cm_h, eps;
  };
  for (const Row& r : {Row{"caffeine", 1.16e-4, 5e-3}, Row{"ascorbic_acid", 8.2e-6, 7e-3}, Row{"niacinamide", 1.96e-4, 3e-3},
                       Row{"retinol", 0.385, 2e-3}, Row{"glycolic_acid", 1.12e-4, 5e-3}, Row{"sodium_deoxycholate", 2.5e-3, 2e-2},
                       Row{"glycerol", 3.1e-5, 2e-2}}) {
    const Ingredient& g = lib(r.name);
    REQUIRE(g.log_kow);
    INFO(r.name);
    CHECK(kp_potts_guy(g.mw, *g.log_kow) / kCmH == Approx(r.kp_cm_h).epsilon(r.eps));
  }
  // alpha-tocopherol: "2e3" (one figure)
  const Ingredient& toc = lib("alpha_tocopherol");
  const double kp = kp_potts_guy(toc.mw, *toc.log_kow) / kCmH;
  CHECK(kp > 1.5e3);
  CHECK(kp < 2.5e3);
}

TEST_CASE("validity domains: tocopherol, the peptides and HA warn; caffeine does not", "[properties]") {
  for (const char* n : {"caffeine", "ascorbic_acid", "niacinamide", "retinol", "glycolic_acid", "glycerol", "sodium_deoxycholate"}) {
    INFO(n);
    CHECK(validity_warnings(lib(n), {}).empty());
  }
  for (const char* n : {"alpha_tocopherol", "palmitoyl_pentapeptide_4", "acetyl_hexapeptide_8", "ha_oligo", "ha_hydrolysed", "ha_low_mw",
                        "ha_high_mw", "ha_crosslinked"}) {
    INFO(n);
    auto w = validity_warnings(lib(n), {});
    REQUIRE_FALSE(w.empty());
    CHECK(w[0].find("validity domain") != std::string::npos);
    CHECK(w[0].find("[Assumed:qspr-domain]") != std::string::npos);
  }
  CHECK(validity_warnings(lib("alpha_tocopherol"), {})[0].find("log Kow 12") != std::string::npos);
  // short HA chains: the chain-radius relation is extrapolated; the oligosaccharide is past lambda 0.4
  auto has = [](const std::vector<std::string>& w, const std::string& text) {
    for (const auto& x : w)
      if (x.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(has(validity_warnings(lib("ha_hydrolysed"), {}), "extrapolated below its measured range"));
  CHECK_FALSE(has(validity_warnings(lib("ha_low_mw"), {}), "extrapolated below its measured range"));
  CHECK(has(validity_warnings(lib("ha_oligo"), {}), "above 0.4"));
  CHECK(has(validity_warnings(lib("ha_oligo"), {}), "aqueous pores"));
}

TEST_CASE("macromolecules, clearance factor and HA grades", "[properties]") {
  CHECK(blood_clearance_factor(194) == 1.0);
  CHECK(blood_clearance_factor(4000) == 1.0);
  CHECK(blood_clearance_factor(10000) == Approx(0.5));
  CHECK(blood_clearance_factor(20000) == Approx(0.2));
  CHECK(blood_clearance_factor(40000) == Approx(0.06));
  CHECK(blood_clearance_factor(std::sqrt(10000.0 * 20000.0)) == Approx(0.35));  // midway in log MW
  CHECK(blood_clearance_factor(50000) == 0.0);
  // HA: R_g = 0.025 M^0.6 nm, R_h = 0.65 R_g ([Derived:ha-chain-size]); about 5e-12 m2/s at 1 MDa there.
  const Ingredient& hmw = lib("ha_high_mw");
  CHECK(hydrodynamic_radius(hmw) == Approx(0.65 * 0.025 * std::pow(1.5e6, 0.6) * 1e-9).epsilon(1e-12));
  const auto* face = find_skin_preset("face_cheek");
  REQUIRE(face);
  auto pd = estimate_layer(hmw, face->layers[2], {});
  REQUIRE(pd.ok);
  CHECK(pd.model == "macromolecule_stokes_einstein");
  CHECK(pd.props.diffusivity > 2e-12);
  CHECK(pd.props.diffusivity < 8e-12);
  CHECK(pd.props.partition == 1.0);
  CHECK(pd.props.clearance == 0.0);                       // no capillary uptake above 40 kDa
  // HA chains: the rate of [Derived:ha-degradation] is their whole removal (no separate lymph clearance); a
  // protein macromolecule drains by lymph at the layer's rate
  CHECK(pd.props.lymph_clearance == 0.0);
  CHECK(estimate_layer(lib("hyaluronidase"), face->layers[2], {}).props.lymph_clearance == face->layers[2].lymph_clearance);
  CHECK(pd.props.degradation == Approx(1e-5));            // [Derived:ha-degradation]
  auto sc = estimate_layer(hmw, face->layers[0], {});
  REQUIRE(sc.ok);
  CHECK(sc.model == "sc_aqueous_pore");
  CHECK(sc.props.diffusivity <= 1e-20);                   // R_h 82 nm does not fit 2 nm pores: no transport
  auto gel = estimate_layer(lib("ha_crosslinked"), face->layers[2], {});
  CHECK(gel.model == "gel_immobile");
  CHECK(gel.props.degradation < 1e-7);
  // peptide: protein radius 4.75 N^0.29 A
  CHECK(hydrodynamic_radius(lib("palmitoyl_pentapeptide_4")) == Approx(4.75 * std::pow(802.07 / 110, 0.29) * 1e-10).epsilon(1e-12));
  // the small-molecule capillary clearance is the layer's default (factor 1 below 4 kDa)
  auto caf_pd = estimate_layer(lib("caffeine"), face->layers[2], {});
  CHECK(caf_pd.props.clearance == face->layers[2].clearance);
}

// [Derived:laminate-lag-time]
TEST_CASE("series lag time against the laminate solution", "[properties]") {
  CHECK(stack_lag_time({{15e-6, 1e-13, 1.0}, {100e-6, 3e-10, 0.7}}) == Approx(394.0).margin(0.1));
  CHECK(stack_lag_time({{1, 1, 1}, {1, 0.2, 3}}) == Approx(1.8333).margin(1e-4));
  CHECK(stack_lag_time({{20e-6, 1e-13, 2.0}}) == Approx(20e-6 * 20e-6 / 6e-13).epsilon(1e-12));
  CHECK(stack_kp({{1, 1, 1}, {1, 0.2, 3}}) == Approx(1.0 / (1.0 + 1.0 / 0.6)));
}

TEST_CASE("case keys: ingredient, properties overrides, user ingredients, the SC model option", "[properties][input]") {
  const std::string head = "time: {end: 1 h}\nskin: {preset: forearm_invitro}\n";
  SECTION("ingredient fills every layer; properties override per layer") {
    Case c = parse(head + "species:\n  - name: caf\n    ingredient: caffeine\n"
                          "    properties:\n      dermis: {diffusivity: 1e-10 m2/s}\n");
    REQUIRE(c.species.size() == 1);
    const auto& s = c.species[0];
    const auto sum = summarize(lib("caffeine"));
    CHECK(s.props[1].diffusivity == Approx(sum.D_de));
    CHECK(s.props[2].diffusivity == 1e-10);
    CHECK(s.props[2].partition == Approx(sum.K_de));
    CHECK(s.origin[0].find("sc_brick_mortar+mitragotri") != std::string::npos);
    CHECK(s.origin[2].find("given in the case: diffusivity") != std::string::npos);
    CHECK(c.warnings.empty());
    // the resolved case reads back to the same text
    const std::string once = dump_case(c);
    CHECK(dump_case(read_case(load_yaml_text(once, "resolved.yaml", {}))) == once);
  }
  SECTION("Potts-Guy option") {
    Case c = parse(head + "properties_model: {stratum_corneum: potts_guy}\nspecies:\n  - {name: caf, ingredient: caffeine}\n");
    const auto& p = c.species[0].props[0];
    const auto sum = summarize(lib("caffeine"));
    CHECK(p.partition * p.diffusivity / kScReferenceThickness == Approx(sum.kp_potts_guy + sc_aqueous_pore(sum.r_s * 1e-10, {}).kp));
  }
  SECTION("aqueous-pore options: defaults, values with units, the wall, read back") {
    const std::string sp = "species:\n  - {name: o, ingredient: ha_oligo}\n";
    Case d = parse(head + sp);
    CHECK(d.property_options.sc_macromolecule == ScMacromoleculeModel::AqueousPore);
    CHECK(d.property_options.pore_radius == kScPoreRadius);
    CHECK(d.property_options.pore_porosity_tortuosity == kScPorePorosityTortuosity);
    CHECK(d.species[0].origin[0].find("sc_aqueous_pore") != std::string::npos);
    Case c = parse(head + "properties_model:\n  aqueous_pore: {radius: 2.5 nm, porosity_tortuosity: 4e-6}\n" + sp);
    CHECK(c.property_options.pore_radius == Approx(2.5e-9));
    const auto& p = c.species[0].props[0];
    PropertyOptions o;
    o.pore_radius = 2.5e-9;
    o.pore_porosity_tortuosity = 4e-6;
    CHECK(p.partition * p.diffusivity / kScReferenceThickness == Approx(sc_aqueous_pore(hydrodynamic_radius(lib("ha_oligo")), o).kp));
    const std::string once = dump_case(c);
    CHECK(once.find("porosity_tortuosity: 4e-06") != std::string::npos);
    CHECK(once.find("radius: 2.5 nm") != std::string::npos);
    CHECK(dump_case(read_case(load_yaml_text(once, "resolved.yaml", {}))) == once);
    Case w = parse(head + "properties_model: {stratum_corneum_macromolecule: impermeable}\n" + sp);
    CHECK(w.species[0].props[0].diffusivity == kImmobileDiffusivity);
    CHECK(w.species[0].origin[0].find("sc_impermeable") != std::string::npos);
    CHECK(dump_case(w).find("stratum_corneum_macromolecule: impermeable") != std::string::npos);
  }
  SECTION("inline user ingredient, with warnings collected") {
    Case c = parse(head + "ingredients:\n  - {name: mydrug, mw: 1200 g/mol, log_kow: 1.5, sources: {mw: '[M] catalogue'}}\n"
                          "species:\n  - {name: d, ingredient: mydrug}\n");
    CHECK(c.species[0].props[0].diffusivity > 0);
    REQUIRE_FALSE(c.warnings.empty());
    CHECK(c.warnings[0].find("validity domain") != std::string::npos);
    std::vector<std::string> w;
    build_problem(c, &w);
    CHECK(w.size() == c.warnings.size());
  }
  SECTION("errors name file, line and key path") {
    auto msg = [&](const std::string& yaml) {
      try {
        parse(yaml);
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    CHECK_THAT(msg(head + "species:\n  - {name: d, ingredient: cafeine}\n"), Catch::Contains("test.yaml:4: species[0].ingredient: unknown ingredient 'cafeine'"));
    CHECK_THAT(msg(head + "ingredients:\n  - {name: x, mw: 100 g/mol, logkow: 1}\nspecies:\n  - {name: d, ingredient: x}\n"),
               Catch::Contains("ingredients[0].logkow: unknown key 'logkow'"));
    CHECK_THAT(msg(head + "ingredients:\n  - {name: x, mw: 100 mg}\nspecies:\n  - {name: d, ingredient: x}\n"),
               Catch::Contains("ingredients[0].mw:"));
    CHECK_THAT(msg(head + "ingredients:\n  - {name: caffeine, mw: 100 g/mol}\nspecies:\n  - {name: d, ingredient: caffeine}\n"),
               Catch::Contains("already in the ingredient library"));
    CHECK_THAT(msg(head + "species:\n  - {name: d}\n"), Catch::Contains("species[0].properties: required key 'properties' is missing"));
    const std::string sp = "species:\n  - {name: d, ingredient: ha_oligo}\n";
    CHECK_THAT(msg(head + "properties_model: {aqueous_pore: {radius: 2 nm, porosity: 0.1}}\n" + sp),
               Catch::Contains("properties_model.aqueous_pore.porosity: unknown key 'porosity'"));
    CHECK_THAT(msg(head + "properties_model: {aqueous_pore: {radius: 2 mg}}\n" + sp), Catch::Contains("properties_model.aqueous_pore.radius:"));
    CHECK_THAT(msg(head + "properties_model: {aqueous_pore: {radius: 2}}\n" + sp), Catch::Contains("must be at most 1 um"));
    CHECK_THAT(msg(head + "properties_model: {aqueous_pore: {porosity_tortuosity: 2}}\n" + sp),
               Catch::Contains("properties_model.aqueous_pore.porosity_tortuosity: must be a number in (0, 1]"));
    CHECK_THAT(msg(head + "properties_model: {stratum_corneum_macromolecule: wall}\n" + sp),
               Catch::Contains("'wall' is not allowed; choose one of: aqueous_pore, impermeable"));
    // a layer the models do not cover keeps the missing-property error, with the reason
    CHECK_THAT(msg("time: {end: 1 h}\nskin:\n  layers:\n    - {name: m, thickness: 20 um, cells: 4, kind: membrane}\n"
                   "species:\n  - {name: d, ingredient: caffeine}\n"),
               Catch::Contains("no diffusivity for layer 'm'; ingredient 'caffeine' gives none here: no property model"));
  }
}

TEST_CASE("the library: every value has its source, and the JSON outputs parse", "[properties]") {
  REQUIRE(ingredient_library().size() == 17);
  for (const auto& g : ingredient_library()) {
    INFO(g.name);
    CHECK(g.sources.count("mw") == 1);
    if (g.log_kow) CHECK(g.sources.count("log_kow") == 1);
    if (g.pka) CHECK(g.sources.count("pka") == 1);
    if (g.fu) CHECK(g.sources.count("fu") == 1);
    if (g.degradation > 0) CHECK(g.sources.count("degradation") == 1);
  }
  Json list = parse_json(ingredients_json(ingredient_library()));
  CHECK(list["format"].str == "dermasim-ingredients-1");
  CHECK(list["ingredients"].arr.size() == 17);
  CHECK(list["ingredients"][0]["name"].str == "caffeine");
  CHECK(list["ingredients"][0]["mw_g_mol"].num == Approx(194.19));
  CHECK(list["ingredients"][8]["log_kow"].type == Json::Null);

  const auto* forearm = find_skin_preset("forearm_invitro");
  Description d = describe_ingredient(lib("caffeine"), *forearm, {});
  Json j = parse_json(describe_json(d));
  CHECK(j["format"].str == "dermasim-describe-1");
  CHECK(j["ingredient"]["name"].str == "caffeine");
  CHECK(j["skin"].str == "forearm_invitro");
  CHECK(j["stratum_corneum_model"].str == "mitragotri");
  REQUIRE(j["layers"].arr.size() == 3);
  CHECK(j["layers"][0]["model"].str == "sc_brick_mortar+mitragotri+aqueous_pore");
  CHECK(j["stratum_corneum_polar_route"].str == "aqueous_pore");
  CHECK(j["ph"].type == Json::Null);
  CHECK(j["summary"]["fraction_unionised"].num == 1.0);
  CHECK(j["summary"]["kp_sc_cm_h"].num == Approx(j["summary"]["kp_sc_lipid_cm_h"].num + j["summary"]["kp_sc_polar_cm_h"].num).epsilon(1e-9));
  CHECK(j["layers"][0]["kp_m_s"].num * forearm->layers[0].thickness / kScReferenceThickness ==
        Approx(j["summary"]["kp_sc_cm_h"].num * kCmH).epsilon(1e-9));
  CHECK(j["layers"][1]["model"].str == "kasting_albumin_binding");
  CHECK(j["layers"][1]["partition"].num == Approx(0.711).epsilon(1e-3));
  CHECK(j["layers"][2]["diffusivity_m2_s"].num == Approx(1.89e-10).epsilon(3e-3));
  CHECK_FALSE(j["layers"][0]["formula"].str.empty());
  double R = 0;
  for (const auto& l : j["layers"].arr) R += l["thickness_m"].num / (l["partition"].num * l["diffusivity_m2_s"].num);
  CHECK(j["stack"]["complete"].b);
  CHECK(j["stack"]["kp_m_s"].num == Approx(1 / R).epsilon(1e-9));
  CHECK(j["stack"]["kp_cm_h"].num == Approx(1 / R / kCmH).epsilon(1e-9));
  CHECK(j["stack"]["lag_time_s"].num > 0);
  CHECK(j["summary"]["kp_potts_guy_cm_h"].num == Approx(1.16e-4).epsilon(5e-3));
  CHECK(j["warnings"].arr.empty());
  Json t = parse_json(describe_json(describe_ingredient(lib("alpha_tocopherol"), *forearm, {})));
  CHECK_FALSE(t["warnings"].arr.empty());
  Json h = parse_json(describe_json(describe_ingredient(lib("ha_high_mw"), *find_skin_preset("face_cheek"), {})));
  CHECK(h["summary"]["macromolecule"].b);
  CHECK(h["layers"][0]["model"].str == "sc_aqueous_pore");
  CHECK(h["stratum_corneum_macromolecule_model"].str == "aqueous_pore");
  CHECK(h["aqueous_pore"]["radius_m"].num == Approx(2e-9));
  CHECK(h["summary"]["kp_aqueous_pore_cm_h"].num == 0.0);
  CHECK(h["summary"]["K_lip"].type == Json::Null);
  // caffeine: its polar route (solute radius r_s in the pores)
  CHECK(j["summary"]["kp_aqueous_pore_cm_h"].num == Approx(sc_aqueous_pore(summarize(lib("caffeine")).r_s * 1e-10, {}).kp / kCmH).epsilon(1e-9));
  PropertyOptions wall;
  wall.sc_macromolecule = ScMacromoleculeModel::Impermeable;
  Json hw = parse_json(describe_json(describe_ingredient(lib("ha_high_mw"), *find_skin_preset("face_cheek"), wall)));
  CHECK(hw["layers"][0]["model"].str == "sc_impermeable");
  CHECK(hw["summary"]["kp_aqueous_pore_cm_h"].type == Json::Null);
}

TEST_CASE("steady-state kp of a 1d simulation equals the series-resistance kp to 1e-6", "[properties][verification]") {
  // Caffeine from the library on forearm_invitro: infinite dose, receptor sink; run to steady state
  // (about 40 times the slowest SC time constant h^2/(pi^2 D)).
  const double C = 1.0;  // kg/m3
  const std::string yaml =
      "time: {end: 400 h, rtol: 1e-6}\nskin: {preset: forearm_invitro}\n"
      "species:\n  - {name: caf, ingredient: caffeine}\n"
      "delivery:\n  - {type: topical, species: caf, concentration: 1 kg/m3, infinite: true}\n";
  Case c = parse(yaml);
  REQUIRE(c.bottom_sink);
  std::vector<StackLayer> stack;
  for (size_t l = 0; l < c.layers.size(); ++l)
    stack.push_back({c.layers[l].thickness, c.species[0].props[l].diffusivity, c.species[0].props[l].partition});
  const double kp_series = stack_kp(stack);
  std::vector<std::string> w;
  auto sim = std::make_unique<Simulation>(build_problem(c, &w));
  sim->run();
  const double kp_sim = sim->rates(0).at("receptor") / C;
  INFO("kp simulation " << kp_sim << " m/s, series " << kp_series << " m/s (" << kp_series / kCmH << " cm/h), relative difference "
                        << (kp_sim - kp_series) / kp_series);
  CHECK(std::fabs(kp_sim - kp_series) <= 1e-6 * kp_series);
}

TEST_CASE("ionisation: Henderson-Hasselbalch unionised fraction", "[properties]") {
  const Ingredient& ga = lib("glycolic_acid");  // acid, pKa 3.83
  REQUIRE(ga.pka);
  CHECK(fraction_unionised(ga, *ga.pka) == Approx(0.5).epsilon(1e-12));
  CHECK(fraction_unionised(ga, *ga.pka - 1) == Approx(1 / 1.1).epsilon(1e-12));
  CHECK(fraction_unionised(ga, *ga.pka + 2) == Approx(1 / 101.0).epsilon(1e-12));
  Ingredient base = ga;
  base.ionization = "base";
  CHECK(fraction_unionised(base, *ga.pka + 1) == Approx(1 / 1.1).epsilon(1e-12));
  CHECK(fraction_unionised(base, *ga.pka - 2) == Approx(1 / 101.0).epsilon(1e-12));
  CHECK(fraction_unionised(lib("caffeine"), 3.0) == 1.0);  // neutral
  // at pH 7.4 it is the f_non of the viable-tissue binding model ([YamazakiKanaoka2004])
  CHECK(fraction_unionised(ga, 7.4) == Approx(fraction_non_ionised(ga)).epsilon(1e-12));
}

TEST_CASE("stratum corneum with ionisation: the unionised species takes the lipid route, every species the pores", "[properties]") {
  const auto* forearm = find_skin_preset("forearm_invitro");
  REQUIRE(forearm);
  for (const char* n : {"glycolic_acid", "ascorbic_acid", "sodium_deoxycholate", "niacinamide", "caffeine"}) {
    const Ingredient& g = lib(n);
    INFO(n);
    const PropertyOptions none;
    const ScRoutes r0 = sc_routes(g, none);
    CHECK(r0.f_unionised == 1.0);  // no pH: no ionisation
    for (double ph : {2.0, 3.5, 5.5, 7.0, 9.0}) {
      PropertyOptions o;
      o.ph = ph;
      const ScRoutes r = sc_routes(g, o);
      const double f = fraction_unionised(g, ph);
      CHECK(r.f_unionised == Approx(f).epsilon(1e-12));
      CHECK(r.kp == Approx(f * r0.kp_lipid + r0.kp_pore).epsilon(1e-12));
      CHECK(r.kp_pore == r0.kp_pore);  // the pores do not see the charge (assumption, docs/properties.md)
      // the layer the simulation gets has this kp at h_ref
      auto e = estimate_layer(g, forearm->layers[0], o);
      REQUIRE(e.ok);
      CHECK(e.props.partition * e.props.diffusivity / kScReferenceThickness == Approx(r.kp).epsilon(1e-12));
      // the brick-and-mortar partition at the layer's water (0.46), of the unionised species
      CHECK(e.props.partition == Approx(f * sc_brick_mortar_partition_at(*g.log_kow, forearm->layers[0].water) + r0.pore.partition).epsilon(1e-12));
    }
  }
  // glycolic acid: fully ionised (pH 9, 5 units above its pKa) it crosses by the pores only
  PropertyOptions alk;
  alk.ph = 9.0;
  const ScRoutes ion = sc_routes(lib("glycolic_acid"), alk);
  CHECK(ion.kp == Approx(ion.kp_pore).epsilon(1e-4));
  CHECK(ion.kp_pore > 0);
}

TEST_CASE("polar route: very hydrophilic solutes keep a measurable kp (Peck 1994, within 0.5 log)", "[properties][validation]") {
  // [Peck1994] heat-separated human epidermis, PBS pH 7.5, 37 C: log10 kp (cm/s) urea -7.317, mannitol -7.81,
  // sucrose -8.075 (as compiled in [Stepanov2020]). log Kow [M] (Hansch-Leo): -2.11, -3.10, -3.70.
  struct Row {
    const char* name;
    double mw, log_kow, log_kp_cm_s;
  };
  for (const Row& r : {Row{"urea", 60.06, -2.11, -7.317}, Row{"mannitol", 182.17, -3.10, -7.81}, Row{"sucrose", 342.30, -3.70, -8.075}}) {
    INFO(r.name);
    Ingredient g;
    g.name = r.name;
    g.mw = r.mw;
    g.log_kow = r.log_kow;
    const ScRoutes both = sc_routes(g, {});
    PropertyOptions lipid;
    lipid.sc_polar_route = ScPolarRoute::None;
    const double kp_lipid_only = sc_routes(g, lipid).kp;
    const double pred = std::log10(both.kp * 100), pred_lipid = std::log10(kp_lipid_only * 100);
    INFO("log10 kp (cm/s): measured " << r.log_kp_cm_s << ", lipid + pores " << pred << ", lipid alone " << pred_lipid);
    CHECK(std::fabs(pred - r.log_kp_cm_s) <= 0.5);
    // the floor is the polar route's: it carries most of the flux of the sugars
    if (r.log_kow < -3) {
      CHECK(both.kp_pore > 0.9 * both.kp);
      CHECK(r.log_kp_cm_s - pred_lipid > 1.0);  // without the pores the sugars are predicted 10-1000 times too slow
    }
  }
}

TEST_CASE("polar route radius: r_s for small molecules, the macromolecule's R_h when it has a log Kow", "[properties]") {
  const Ingredient& caf = lib("caffeine");
  CHECK(sc_routes(caf, {}).pore.lambda == Approx(solute_radius_angstrom(caf.mw) * 1e-10 / kScPoreRadius).epsilon(1e-12));
  Ingredient pep = lib("palmitoyl_pentapeptide_4");
  pep.log_kow = 1.0;  // a user's peptide with a log Kow: brick-and-mortar lipid route plus pores of its protein radius
  const ScRoutes r = sc_routes(pep, {});
  CHECK(r.pore.lambda == Approx(hydrodynamic_radius(pep) / kScPoreRadius).epsilon(1e-12));
  CHECK(r.kp == Approx(r.kp_lipid + r.kp_pore).epsilon(1e-12));
  auto e = estimate_layer(pep, find_skin_preset("forearm_invitro")->layers[0], {});
  REQUIRE(e.ok);
  CHECK(e.model == "sc_brick_mortar+mitragotri+aqueous_pore");
  CHECK(e.props.partition * e.props.diffusivity / kScReferenceThickness == Approx(r.kp).epsilon(1e-12));
}

TEST_CASE("SC composition and partition at a hydration; dry deposit: what the SC surface's water and lipids dissolve", "[properties][unit]") {
  // Composition: lipid and keratin volumes of the fully hydrated geometry kept, water set; the three sum to 1.
  const ScComposition full = sc_composition(kScFullHydrationWater);
  CHECK(full.lipid == Approx(sc_lipid_volume_fraction()).epsilon(1e-12));
  CHECK(kScFullHydrationWater == Approx((1 - sc_lipid_volume_fraction()) * corneocyte_water_fraction(0.55)).epsilon(1e-12));
  for (double w : {0.0, 0.3, 0.46, 0.9}) {
    const ScComposition v = sc_composition(w);
    CHECK(v.lipid + v.keratin + v.water == Approx(1.0).epsilon(1e-12));
    CHECK(v.lipid / v.keratin == Approx(full.lipid / full.keratin).epsilon(1e-12));
  }
  // At full hydration the partition is the brick-and-mortar one of [Chen2015], for every log Kow.
  for (double lk : {-3.0, -0.07, 2.0, 5.68})
    CHECK(sc_brick_mortar_partition_at(lk, kScFullHydrationWater) == Approx(sc_brick_mortar_partition(lk)).epsilon(1e-12));
  // Surface water: 0.25 w/w ([Code:SurreyDPK]) by volume with 0.778 cm3 per g of dry SC.
  CHECK(kScSurfaceWater == Approx(0.25 / (0.25 + 0.75 * (0.125 / 0.9 + 0.875 / 1.37))).epsilon(1e-12));
  CHECK(kScSurfaceWater == Approx(0.300).margin(5e-4));

  // A pure hydrophile (log Kow -40: K_lip, K_kw ~ 0): the SC holds only its water, K_sc = phi_w, and a
  // deposit on a surface holding water phi_s gives f_dry = phi_s / phi_w; on a surface as wet as the layer,
  // the saturated activity (1); on a dry surface nothing (0).
  const double lk_h = -40;
  for (double w : {0.3, 0.46, kScFullHydrationWater}) {
    const double K = sc_brick_mortar_partition_at(lk_h, w);
    CHECK(K == Approx(w).epsilon(1e-9));
    CHECK(dry_deposit_factor(lk_h, K, kScSurfaceWater) == Approx(std::min(1.0, kScSurfaceWater / w)).epsilon(1e-9));
    CHECK(dry_deposit_factor(lk_h, K, w) == Approx(1.0).epsilon(1e-9));
    CHECK(dry_deposit_factor(lk_h, K, 0.0) == Approx(0.0).margin(1e-12));
  }
  // A pure lipophile (log Kow 8) on dry lipids: phi_lip(0) K_lip over K_sc, by hand, and capped at 1: the
  // surface lipids of a dry SC (a larger share of its volume than in the hydrated layer) saturate it.
  const double lk_l = 8, K_lip = sc_lipid_partition(lk_l);
  const ScComposition dry = sc_composition(0);
  CHECK(dry_deposit_factor(lk_l, 4 * dry.lipid * K_lip, 0.0) == Approx(0.25).epsilon(1e-12));
  CHECK(dry_deposit_factor(lk_l, sc_brick_mortar_partition_at(lk_l, 0.46), 0.0) == 1.0);
  CHECK(dry_deposit_factor(lk_l, sc_brick_mortar_partition_at(lk_l, 0.46), kScSurfaceWater) == 1.0);
  // The general law between the limits: (phi_lip K_lip + phi_w) / K_sc at the surface's composition;
  // caffeine on the forearm layer (water 0.46): (0.150 x 0.805 + 0.300) / 2.87 = 0.147.
  const double lk_c = -0.07, K_c = sc_brick_mortar_partition_at(lk_c, 0.46);
  const ScComposition s = sc_composition(kScSurfaceWater);
  CHECK(dry_deposit_factor(lk_c, K_c, kScSurfaceWater) == Approx((s.lipid * sc_lipid_partition(lk_c) + s.water) / K_c).epsilon(1e-12));
  CHECK(dry_deposit_factor(lk_c, K_c, kScSurfaceWater) == Approx(0.147).margin(1e-3));
  // Monotone in the surface water for a hydrophile, and no model without a positive K_sc.
  CHECK(dry_deposit_factor(lk_c, K_c, 0.2) < dry_deposit_factor(lk_c, K_c, 0.4));
  CHECK(dry_deposit_factor(lk_c, 0.0, kScSurfaceWater) == 1.0);
}
