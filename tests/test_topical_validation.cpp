// SPDX-License-Identifier: BSD-3-Clause
// Topical validation cases (configs/validation/topical/*.yaml) against published measurements, with the
// protocol reproduced in each case file and the tolerance stated here (docs/validation.md). Tagged
// [validation]: `ctest -L validation` runs them (validation_catch), and they are part of the fast suite.
// Library defaults only: no per-compound value is set in these cases.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "helpers.hpp"
#include "models/vehicles.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

struct Run {
  Case c;
  std::unique_ptr<Simulation> sim;
};

// Loads a case of configs/validation/topical/ (with `overrides` in the `--set` syntax) and runs it.
Run run_validation_case(const std::string& file, const std::vector<std::string>& overrides = {}) {
  const std::string path = std::string(DERMASIM_SOURCE_DIR) + "/configs/validation/topical/" + file;
  Run r{read_case(load_yaml_file(path, overrides)), nullptr};
  std::vector<std::string> w;
  r.sim = std::make_unique<Simulation>(build_problem(r.c, &w));
  r.sim->run();
  return r;
}

// Where the applied amount of species 0 is at the end, in fractions of the dose.
struct Distribution {
  double sc = 0, epidermis = 0, dermis_and_below = 0, blood = 0, lymph = 0, degraded = 0, receptor = 0, absorbed = 0, balance = 0;
};
Distribution distribution(const Simulation& sim) {
  const Balance b = sim.balance(0);
  const auto& names = sim.problem().grid.layer_names;
  Distribution d;
  REQUIRE(b.applied > 0);
  for (size_t l = 0; l < b.layer.size(); ++l) {
    const double f = b.layer[l] / b.applied;
    if (names[l] == "stratum_corneum") d.sc += f;
    else if (names[l] == "viable_epidermis") d.epidermis += f;
    else d.dermis_and_below += f;
  }
  d.blood = b.get("cleared_blood") / b.applied;
  d.lymph = b.get("cleared_lymph") / b.applied;
  d.degraded = b.get("degraded") / b.applied;
  d.receptor = b.get("receptor") / b.applied;
  d.absorbed = d.sc + d.epidermis + d.dermis_and_below + d.blood + d.lymph + d.degraded + d.receptor;
  d.balance = std::fabs(b.error()) / b.applied;
  return d;
}

}  // namespace

TEST_CASE("retinol 0.3 % serum on the cheek: mass balance, little to blood and lymph", "[validation][retinol]") {
  // Measured ([Web:retinol-semisolid-2024], [Web:retinoid-penetration-human-franz]): retinol from cosmetic
  // creams stays mainly in the stratum corneum and epidermis; it does not cross to the receptor of a Franz
  // cell in 24 h nor reach the plasma of rats and mice. Acceptance (issue 11): < 5 % of the dose to blood and
  // lymph (here), > 50 % of the absorbed amount in SC + epidermis at 24 h (below).
  Run r = run_validation_case("retinol_serum_cheek.yaml");
  const Distribution d = distribution(*r.sim);
  INFO("SC " << d.sc << ", epidermis " << d.epidermis << ", deeper " << d.dermis_and_below << ", blood " << d.blood << ", lymph "
             << d.lymph << ", absorbed " << d.absorbed);
  CHECK(d.balance < 1e-10);
  REQUIRE(d.absorbed > 0);
  CHECK(d.blood + d.lymph < 0.05);
}

namespace {
// Share of the absorbed amount still in SC + viable epidermis at 24 h.
double retention_share(const std::vector<std::string>& overrides = {}) {
  Run r = run_validation_case("retinol_serum_cheek.yaml", overrides);
  const Distribution d = distribution(*r.sim);
  INFO("SC " << d.sc << ", epidermis " << d.epidermis << ", deeper " << d.dermis_and_below << ", absorbed " << d.absorbed);
  CHECK(d.balance < 1e-10);
  REQUIRE(d.absorbed > 0);
  return (d.sc + d.epidermis) / d.absorbed;
}
}  // namespace

TEST_CASE("retinol 0.3 % serum on the cheek: over half of the absorbed amount in SC + epidermis at 24 h", "[validation][retinol]") {
  // Tolerance (issue 11): > 50 %. The model gives 50.2 % (grid and time step converged to 0.01 %): a pass
  // by 0.2 points, set by the SC's capacity at the skin's own hydration (docs/validation.md).
  const double share = retention_share();
  INFO("SC + epidermis / absorbed " << 100 * share << " %");
  CHECK(share > 0.5);
}

TEST_CASE("retinol retention: with the SC partition at full hydration the share falls below half (the check can fail)", "[validation][retinol]") {
  // properties_model.stratum_corneum_hydration: full (the model before: the SC's partition at water 0.593
  // by volume, not the layer's 0.46) gives 44 %: the tolerance above catches it.
  const double share = retention_share({"properties_model.stratum_corneum_hydration=full"});
  INFO("SC + epidermis / absorbed " << 100 * share << " %");
  CHECK(share < 0.5);
}

TEST_CASE("unbound kinetics: clearance acts on the unbound part only (the check can fail)", "[validation][retinol][binding]") {
  // With every layer's unbound fraction forced to 1 (clearance on the total, the model before binding was
  // used) and the retinol held in an aqueous film (vehicle water: no lipophilic phase keeps it), most of the
  // dose goes to the blood: the acceptance check above fails.
  // The film is held dissolved at 3 mg/mL (`solubility`: a fiction, retinol's water solubility is 1.7e-5 mg/mL,
  // [Web:iarc-retinol-properties]) so that enough crosses for the clearance to show.
  std::vector<std::string> all_free = {"delivery[0].vehicle=water", "delivery[0].solubility=3 mg/mL"};
  for (const char* l : {"stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"})
    all_free.push_back(std::string("species[0].properties.") + l + ".unbound_fraction=1");
  Run r = run_validation_case("retinol_serum_cheek.yaml", all_free);
  const Distribution d = distribution(*r.sim);
  INFO("SC " << d.sc << ", epidermis " << d.epidermis << ", blood " << d.blood << ", lymph " << d.lymph);
  CHECK(d.balance < 1e-10);
  CHECK(d.blood + d.lymph > 0.05);
  // The same aqueous film with binding: clearance on the unbound part (f = 1/B = 0.0042) cuts the blood share
  // several-fold (96.7 % -> 12.4 %).
  Run b = run_validation_case("retinol_serum_cheek.yaml", {"delivery[0].vehicle=water", "delivery[0].solubility=3 mg/mL"});
  const Distribution db = distribution(*b.sim);
  CHECK(db.balance < 1e-10);
  CHECK(db.blood < d.blood / 5);
}

namespace {
// Measured ([Kluxen2022]): 4 mg/mL, 10 uL/cm2, split-thickness human skin, six laboratories: receptor 6.99 % of
// the dose (3.87 % without the one laboratory 5x higher). Tolerance: 2-14 % (issue 11).
void check_tg428_receptor(const char* file) {
  Run r = run_validation_case(file);
  const Distribution d = distribution(*r.sim);
  INFO(file << ": receptor " << 100 * d.receptor << " %, SC " << 100 * d.sc << " %, epidermis " << 100 * d.epidermis << " %");
  CHECK(d.balance < 1e-10);
  CHECK(d.receptor >= 0.02);
  CHECK(d.receptor <= 0.14);
}
}  // namespace

TEST_CASE("caffeine OECD TG 428 ring trial, finite dose, occluded: receptor at 24 h", "[validation][caffeine][tg428]") {
  check_tg428_receptor("caffeine_tg428_occluded.yaml");
}

TEST_CASE("caffeine OECD TG 428 ring trial, finite dose, open: receptor at 24 h", "[validation][caffeine][tg428]") {
  check_tg428_receptor("caffeine_tg428_open.yaml");
}

TEST_CASE("caffeine TG 428 open: a dry deposit fed through the SC lipids alone undershoots (the check can fail)", "[validation][caffeine][tg428]") {
  // dry_deposit: lipid_solubility (the model before: the dried caffeine touches the SC's lipids only, not its
  // surface water) sends less than 2 % to the receptor: the tolerance above catches it.
  Run r = run_validation_case("caffeine_tg428_open.yaml", {"delivery[0].dry_deposit=lipid_solubility"});
  const Distribution d = distribution(*r.sim);
  INFO("receptor " << 100 * d.receptor << " %");
  CHECK(d.balance < 1e-10);
  CHECK(d.receptor < 0.02);
}

TEST_CASE("caffeine TG 428 open: a dry deposit fed as a saturated aqueous film overshoots (the check can fail)", "[validation][caffeine][tg428]") {
  // dry_deposit: saturated (the model before: the dried deposit kept the saturated aqueous activity) sends
  // more than 14 % to the receptor: the tolerance above catches it.
  Run r = run_validation_case("caffeine_tg428_open.yaml", {"delivery[0].dry_deposit=saturated"});
  const Distribution d = distribution(*r.sim);
  INFO("receptor " << 100 * d.receptor << " %");
  CHECK(d.balance < 1e-10);
  CHECK(d.receptor > 0.14);
}

TEST_CASE("unbound fraction, vehicle partition, dry-deposit factor and vehicle pH by hand", "[validation][binding][vehicles]") {
  // unbound fraction of the viable layers = 1/B ([Dancik2013]); caffeine B = 1.186 (docs/properties.md)
  const Case c = parse(
      "time: {end: 1 h}\nskin: {preset: forearm_invitro}\nspecies:\n  - {name: caf, ingredient: caffeine}\n"
      "  - {name: ret, ingredient: retinol}\n"
      "delivery:\n  - {type: topical, species: caf, dose: 10 uL/cm2, concentration: 4 mg/mL}\n"
      "  - {type: topical, species: ret, dose: 10 uL/cm2, concentration: 1 mg/mL, vehicle: ow_cream}\n");
  const IngredientSummary caf = summarize(lib("caffeine"));
  CHECK(c.species[0].props[1].unbound == Approx(1.0 / caf.B).epsilon(1e-12));
  CHECK(c.species[0].props[0].unbound == 1.0);  // stratum corneum: no clearance, no split
  // the cream's vehicle/water partition: 0.75 x 1 + 0.25 x S_oil/S_w (retinol's measured oil and water
  // solubilities, [Web:iarc-retinol-properties]), volatile 0.75 less the solute
  CHECK(c.delivery[1].partition == Approx(0.75 + 0.25 * 716.0 / 1.72e-5).epsilon(1e-12));
  CHECK(c.delivery[1].volatile_fraction == Approx(0.75 * (1 - 1.0 / 1000)).epsilon(1e-12));
  // retinol's unbound fraction is far below caffeine's: binding to tissue lipids
  CHECK(c.species[1].props[1].unbound < 0.01);
  // clearance in the problem acts on the unbound part: k f per cell
  std::vector<std::string> w;
  const Problem p = build_problem(c, &w);
  const auto& L = p.species[1].losses;
  const size_t deep = p.grid.cells() - 1;  // a dermal cell
  for (const auto& ch : L)
    if (ch.name == "cleared_blood") CHECK(ch.k[deep] == Approx(c.species[1].props.back().clearance * c.species[1].props.back().unbound));
}

TEST_CASE("vehicle partition: water and a cosolvent mix log-linearly, an oil phase adds by volume (the check can fail)", "[unit][vehicles]") {
  // Log-linear cosolvency ([Yalkowsky1985]): log10(S_mix/S_w) = f_c log10(S_c/S_w), with log10(S_c/S_w) =
  // M log Kow + N for ethanol (M 0.93, N 0.40, models/data/vehicles.yaml). Retinol (log Kow 5.68) in 60 %
  // ethanol: 10^(0.6 x 5.682) = 2.6e3. A volume-weighted sum of the neat solubilities (the rule before,
  // 0.4 + 0.6 x 10^5.682 = 2.9e5) overstates a mixture's solubility a hundredfold: the check tells them apart.
  const double lk = 5.68;
  const VehicleForIngredient e = vehicle_for(*find_vehicle_type("ethanol_water"), &lib("retinol"));
  CHECK(e.estimated);
  CHECK(e.partition == Approx(std::pow(10.0, 0.6 * (0.93 * lk + 0.40))).epsilon(1e-12));
  CHECK(e.partition < 0.1 * (0.4 + 0.6 * std::pow(10.0, 0.93 * lk + 0.40)));
  CHECK(e.volatile_fraction == Approx(1.0));
  // an emulsion: the water phase (K 1) and the oil phase side by side, volume-weighted; the oil phase from
  // the measured solubilities where the ingredient has both (retinol: 716 / 1.72e-5 mg/mL, not estimated),
  // else from Kow (caffeine: estimated)
  const VehicleForIngredient c = vehicle_for(*find_vehicle_type("ow_cream"), &lib("retinol"));
  CHECK(c.partition == Approx(0.75 + 0.25 * 716.0 / 1.72e-5).epsilon(1e-12));
  CHECK_FALSE(c.estimated);
  const VehicleForIngredient k = vehicle_for(*find_vehicle_type("ow_cream"), &lib("caffeine"));
  CHECK(k.partition == Approx(0.75 + 0.25 * std::pow(10.0, -0.07)).epsilon(1e-12));
  CHECK(k.estimated);
  // neat cosolvent: the cosolvency relation itself; water: 1
  CHECK(vehicle_for(*find_vehicle_type("propylene_glycol"), &lib("caffeine")).partition ==
        Approx(std::pow(10.0, 0.77 * -0.07 + 0.58)).epsilon(1e-12));
  CHECK(vehicle_for(*find_vehicle_type("water"), &lib("caffeine")).partition == 1.0);
}

TEST_CASE("vehicle pH: an acid's stratum-corneum partition drops above its pKa", "[validation][ionisation][vehicles]") {
  auto sc_partition = [](const std::string& ph) {
    std::string y = "time: {end: 1 h}\nskin: {preset: forearm_invitro}\nspecies:\n  - {name: s, ingredient: glycolic_acid}\n"
                    "delivery:\n  - {type: topical, species: s, dose: 10 uL/cm2, concentration: 1 mg/mL" + ph + "}\n";
    return parse(y).species[0].props[0].partition;
  };
  const double none = sc_partition(""), low = sc_partition(", ph: 2"), high = sc_partition(", ph: 7");
  CHECK(low == Approx(none).epsilon(0.05));  // 98.5 % unionised at pH 2 (pKa 3.83)
  CHECK(high < 0.01 * none);                  // ionised at pH 7: the lipid route closes
}

TEST_CASE("TG 428 open: the surface water that wets the deposit, over the in-vivo Raman range; bad values refused", "[validation][caffeine][tg428]") {
  // surface_water 0.185 and 0.409 by volume (15 and 35 % w/w, [Caspers2001]) around the default 0.30: the
  // receptor rises with it and stays in the 2-14 % band (4.6 % and 6.9 %).
  double last = 0;
  for (const char* w : {"0.185", "0.409"}) {
    Run r = run_validation_case("caffeine_tg428_open.yaml", {std::string("delivery[0].surface_water=") + w});
    const Distribution d = distribution(*r.sim);
    INFO("surface water " << w << ": receptor " << 100 * d.receptor << " %");
    CHECK(d.balance < 1e-10);
    CHECK(d.receptor > last);
    CHECK(d.receptor >= 0.02);
    CHECK(d.receptor <= 0.14);
    last = d.receptor;
  }
  const std::string base =
      "time: {end: 1 h}\nskin: {preset: forearm_invitro}\nspecies:\n  - {name: caf, ingredient: caffeine}\n"
      "delivery:\n  - {type: topical, species: caf, dose: 10 uL/cm2, concentration: 4 mg/mL, ";
  CHECK_THROWS_WITH(parse(base + "surface_water: 1.2}\n"), Catch::Contains("delivery[0].surface_water") && Catch::Contains("below 1"));
  CHECK_THROWS_WITH(parse(base + "dry_deposit: saturated, surface_water: 0.3}\n"), Catch::Contains("dry_deposit: wetted"));
}
