// SPDX-License-Identifier: BSD-3-Clause
// Topical hyaluronic acid and the stratum corneum's aqueous-pore pathway (models/properties,
// docs/properties.md "Macromolecules in the stratum corneum"): the Renkin hindrance, the model's kp
// recomputed by hand, and 24-h finite doses of the library HA grades with library defaults only.
// The acceptance check of the issue: high-MW HA stays above the SC (< 0.1 % of the dose below it in
// 24 h) while low-MW HA penetrates measurably.
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "helpers.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

// 10 uL/cm2 (OECD liquid dose, [Web:oecd-428]) of a 0.5 % serum (5 mg/mL) on the cheek, 1d, 24 h,
// library defaults only. Returns the fraction of the applied dose below the stratum corneum (in the
// living layers, or cleared, drained or degraded there).
double fraction_below_sc_24h(const std::string& ingredient) {
  std::ostringstream y;
  y << "time: {end: 24 h, outputs: [0 h, 24 h]}\nskin: {preset: face_cheek}\n"
    << "species:\n  - {name: ha, ingredient: " << ingredient << "}\n"
    << "delivery:\n  - {type: topical, species: ha, dose: 10 uL/cm2, concentration: 5 mg/mL}\n";
  auto sim = make_sim(y.str());
  sim->run();
  const Balance b = sim->balance(0);
  REQUIRE(b.applied > 0);
  REQUIRE(sim->problem().grid.layer_names.at(0) == "stratum_corneum");
  double below = 0;
  for (size_t l = 1; l < b.layer.size(); ++l) below += b.layer[l];
  for (const auto& [name, q] : b.out) below += q;  // blood, lymph, degradation: all in living layers
  CHECK(std::fabs(b.error()) <= 1e-8 * b.applied);
  return below / b.applied;
}

}  // namespace

TEST_CASE("Renkin hindrance: limits and a value by hand", "[properties][pores]") {
  CHECK(renkin_hindrance(0.0) == 1.0);
  CHECK(renkin_hindrance(1.0) == 0.0);
  CHECK(renkin_hindrance(3.0) == 0.0);  // does not fit the pore
  // lambda = 0.5: (0.5)^2 (1 - 1.052 + 2.09/8 - 0.95/32) = 0.25 x 0.1795625
  CHECK(renkin_hindrance(0.5) == Approx(0.044890625).epsilon(1e-12));
  // monotone between
  double prev = 1.0;
  for (double l = 0.05; l < 1.0; l += 0.05) {
    CHECK(renkin_hindrance(l) < prev);
    CHECK(renkin_hindrance(l) > 0.0);
    prev = renkin_hindrance(l);
  }
}

TEST_CASE("aqueous-pore SC model: kp of the HA oligosaccharide by hand, the large grades excluded", "[properties][pores]") {
  const auto* face = find_skin_preset("face_cheek");
  REQUIRE(face);
  const LayerDef& sc = face->layers[0];
  REQUIRE(sc.kind == "stratum_corneum");
  // ha_oligo, 1 kDa: R_h = 0.65 x 0.025 x 1000^0.6 nm ([Derived:ha-chain-size]); D_w = kT/(6 pi eta R_h) at
  // 310.15 K, 0.69 mPa s ([Assumed:water-viscosity-37c]); r_pore 2 nm, eps/tau 1.9e-6, h_ref 15 um.
  const double R_h = 0.65 * 0.025 * std::pow(1000.0, 0.6) * 1e-9;
  const double D_w = 1.380649e-23 * 310.15 / (6 * 3.14159265358979 * 0.69e-3 * R_h);
  const double l = R_h / 2e-9;
  const double H = (1 - l) * (1 - l) * (1 - 2.104 * l + 2.09 * l * l * l - 0.95 * std::pow(l, 5));
  const double kp = 1.9e-6 * D_w * H / 15e-6;
  CHECK(l == Approx(0.5127).epsilon(1e-3));
  CHECK(kp == Approx(1.636e-12).epsilon(2e-3));  // m/s, 5.9e-7 cm/h (docs/properties.md table)
  auto e = estimate_layer(lib("ha_oligo"), sc, {});
  REQUIRE(e.ok);
  CHECK(e.model == "sc_aqueous_pore");
  CHECK(e.props.partition * e.props.diffusivity / kScReferenceThickness == Approx(kp).epsilon(1e-9));
  CHECK(e.props.partition == Approx(1.9e-6 * (1 - l) * (1 - l)).epsilon(1e-9));
  CHECK(e.props.degradation == 0.0);  // none in the SC
  CHECK(e.formula.find("Renkin") != std::string::npos);
  // The 5 kDa, 50 kDa and 1.5 MDa chains do not fit 2 nm pores: kp = 0, floor diffusivity.
  for (const char* n : {"ha_hydrolysed", "ha_low_mw", "ha_high_mw"}) {
    INFO(n);
    auto x = estimate_layer(lib(n), sc, {});
    REQUIRE(x.ok);
    CHECK(x.model == "sc_aqueous_pore");
    CHECK(sc_aqueous_pore(hydrodynamic_radius(lib(n)), {}).kp == 0.0);
    CHECK(x.props.diffusivity == kImmobileDiffusivity);
  }
  // the wall stays selectable
  PropertyOptions wall;
  wall.sc_macromolecule = ScMacromoleculeModel::Impermeable;
  auto w = estimate_layer(lib("ha_oligo"), sc, wall);
  CHECK(w.model == "sc_impermeable");
  CHECK(w.props.diffusivity == kImmobileDiffusivity);
  // a larger pore radius lets more through (the model's sensitivity, docs/properties.md)
  PropertyOptions wide;
  wide.pore_radius = 2.5e-9;
  CHECK(sc_aqueous_pore(R_h, wide).kp > 2 * kp);
}

TEST_CASE("topical HA, 24 h on the cheek: high-MW stays above the SC, the oligosaccharide penetrates", "[properties][pores][topical]") {
  const double hmw = fraction_below_sc_24h("ha_high_mw");
  const double lmw = fraction_below_sc_24h("ha_low_mw");
  const double oligo = fraction_below_sc_24h("ha_oligo");
  INFO("below the SC after 24 h: ha_high_mw " << hmw << ", ha_low_mw " << lmw << ", ha_oligo " << oligo << " of the dose");
  // the acceptance bound for high-MW HA
  CHECK(hmw < 1e-3);
  // "measurable": above the same 0.1 %-of-dose line, and at least 10 times the high-MW value
  CHECK(oligo > 1e-3);
  CHECK(oligo >= 10 * hmw);
  // The prediction docs/properties.md discusses: the 50 kDa chain (R_h 10.7 nm) does not fit the
  // 2 nm pores and stays above the SC too, unlike the quoted Raman claim ([Essendoubi2016], [Claim:lipotherapeia]).
  CHECK(lmw < 1e-3);
  // Steady-state estimate kp C t / (C L), L = 10 uL/cm2 = 100 um of film: 1.636e-12 m/s x 86400 s /
  // 1e-4 m = 0.141 %; the pores fill in seconds (K = 4.5e-7) and the dose is hardly depleted, so the
  // simulation is just below it.
  const double steady = 1.636e-12 * 86400 / 1e-4;
  CHECK(oligo < steady);
  CHECK(oligo > 0.98 * steady);
}
