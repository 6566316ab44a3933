// SPDX-License-Identifier: BSD-3-Clause
// Skin presets: every preset loads through a case, its layers have sourced, physically plausible
// values (ranges from [SandbyMoller2003], [Egawa2007], [Iyengar2018],
// [Code:SurreyDPK], [Derived:clearance-defaults] and [Kottner2018]), in-vivo presets clear and in-vitro ones do not,
// and a short 1d run on each closes its mass balance.
#include <catch2/catch.hpp>
#include <algorithm>
#include <sstream>

#include "helpers.hpp"
#include "models/skin_presets.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {

const std::vector<std::string> kExpected = {"face_cheek",     "face_periorbital", "forehead",
                                            "neck",           "forearm_invitro",  "forearm_invivo"};

bool in_vitro(const SkinPreset& p) { return p.name.find("invitro") != std::string::npos; }

bool is_dermis(const std::string& kind) {
  return kind == "papillary_dermis" || kind == "reticular_dermis" || kind == "dermis";
}

std::string minimal_case(const std::string& preset) {
  return "time: {end: 1 h}\n"
         "skin: {preset: " + preset + "}\n"
         "species:\n"
         "  - name: x\n"
         "    properties:\n"
         "      all: {diffusivity: 1e-10 m2/s, partition: 1}\n";
}

// Topical dose and an injection into the middle of the first dermal layer, so that every layer and
// every loss channel (blood, lymph, receptor) takes part.
std::string run_case(const SkinPreset& p) {
  double top = 0, depth = 0;
  for (const auto& l : p.layers) {
    if (is_dermis(l.kind)) {
      depth = top + 0.5 * l.thickness;
      break;
    }
    top += l.thickness;
  }
  std::ostringstream y;
  y << "time: {end: 2 h, output_every: 30 min}\n"
    << "skin: {preset: " << p.name << "}\n"
    << "species:\n"
    << "  - name: x\n"
    << "    properties:\n"
    << "      all: {diffusivity: 1e-10 m2/s, partition: 1}\n"
    << "      stratum_corneum: {diffusivity: 1e-13 m2/s, partition: 2}\n"
    << "delivery:\n"
    << "  - {type: topical, species: x, dose: 10 uL/cm2, concentration: 5 mg/mL, remove: 1 h}\n"
    << "  - {type: injection, species: {x: 2 mg/mL}, volume: 1 uL/cm2, depth: " << depth * 1e6 << " um, time: 10 min}\n";
  return y.str();
}

}  // namespace

TEST_CASE("the six skin presets exist and load through a minimal case", "[presets]") {
  for (const auto& name : kExpected) {
    INFO(name);
    const SkinPreset* p = find_skin_preset(name);
    REQUIRE(p != nullptr);
    Case c = parse(minimal_case(name));
    REQUIRE(c.layers.size() == p->layers.size());
    CHECK(c.bottom_sink == p->bottom_sink);
    std::vector<std::string> w;
    Problem prob = build_problem(c, &w);
    int cells = 0;
    double thick = 0;
    for (const auto& l : p->layers) {
      cells += l.cells;
      thick += l.thickness;
    }
    CHECK(static_cast<int>(prob.grid.zn.size()) - 1 == cells);
    CHECK(prob.grid.zn.back() == Approx(thick).epsilon(1e-12));
    CHECK(prob.grid.layer_names.size() == p->layers.size());
    CHECK(prob.bottom_sink == p->bottom_sink);
  }
  CHECK(skin_presets().size() == kExpected.size());
}

TEST_CASE("existing presets keep the layer names other code and tests rely on", "[presets]") {
  auto names = [](const std::string& preset) {
    std::vector<std::string> n;
    for (const auto& l : find_skin_preset(preset)->layers) n.push_back(l.name);
    return n;
  };
  CHECK(names("face_cheek") ==
        std::vector<std::string>{"stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"});
  CHECK(names("forearm_invitro") == std::vector<std::string>{"stratum_corneum", "viable_epidermis", "dermis"});
}

TEST_CASE("preset layers are sourced and within the published ranges", "[presets]") {
  const auto& kinds = layer_kinds();
  for (const auto& p : skin_presets()) {
    INFO(p.name);
    CHECK(!p.description.empty());
    CHECK(!p.bottom_note.empty());
    // in vitro: receptor fluid below (sink); in vivo: closed over fat / muscle (no_flux, an assumption)
    CHECK(p.bottom_sink == in_vitro(p));
    CHECK(p.bottom_note.rfind(p.bottom_sink ? "sink" : "no_flux", 0) == 0);
    // TEWL: if given, within the body-site range 2.3-44 g/m2/h (Kottner 2018, [Kottner2018]); always explained
    CHECK(!p.tewl_source.empty());
    if (p.tewl > 0) {
      CHECK(p.tewl >= 2.3e-3 / 3600);
      CHECK(p.tewl <= 44e-3 / 3600);
    }

    int cells = 0;
    double dermis = 0;
    for (const auto& l : p.layers) {
      INFO(l.name);
      cells += l.cells;
      CHECK(l.thickness > 0);
      CHECK(!l.source.empty());
      CHECK(std::find(kinds.begin(), kinds.end(), l.kind) != kinds.end());
      CHECK(l.kind != "other");
      CHECK(l.cells >= 8);
      CHECK(l.grading >= 1);
      CHECK(l.water >= 0);
      CHECK(l.water < 1);
      // every source says where the water number (or its absence) comes from
      CHECK(l.source.find("water") != std::string::npos);
      if (l.kind == "stratum_corneum") {
        // 11.0 um (shoulder, [SandbyMoller2003]) - 22.6 um (volar forearm, [Egawa2007])
        CHECK(l.thickness >= 10e-6);
        CHECK(l.thickness <= 25e-6);
        CHECK(l.cells >= 16);
        // 0.25-0.55 w/w = 0.30-0.61 by volume with the Surrey densities ([Derived:sc-water-volume])
        CHECK(l.water >= 0.30);
        CHECK(l.water <= 0.61);
      } else if (l.kind == "viable_epidermis") {
        // facial epidermis 29.6-62.6 um [Chopra2015]; forearm viable epidermis 56.6 +- 11.5 um [SandbyMoller2003]
        CHECK(l.thickness >= 25e-6);
        CHECK(l.thickness <= 70e-6);
        CHECK(l.water == Approx(0.70));  // [Assumed:viable-epidermis-water] [M]
      } else if (l.kind == "papillary_dermis") {
        // 0.15-0.25 mm [Derived:cheek-column]
        CHECK(l.thickness >= 150e-6);
        CHECK(l.thickness <= 250e-6);
      } else if (l.kind == "hypodermis") {
        // facial fat 2-6 mm (Iyengar 2018, [Iyengar2018]); thinner only where assumed (periorbital)
        CHECK(l.thickness >= 0.5e-3);
        CHECK(l.thickness <= 6e-3);
      }
      if (is_dermis(l.kind)) {
        dermis += l.thickness;
        // total water 0.66 [V] [Web:skin-water-oct]; interstitial 0.3-0.6 [M] [Assumed:isf-fraction]
        CHECK(l.water >= 0.3);
        CHECK(l.water <= 0.66);
      }
    }
    // the whole column stays cheap in 1d
    CHECK(cells <= 200);
    if (in_vitro(p)) {
      // dermatomed skin 200-500 um [Derived:forearm-column]
      CHECK(dermis >= 200e-6);
      CHECK(dermis <= 500e-6);
    } else {
      // dermis 0.58 mm (eyelid, ultrasound, [Meng2022]) - 1.97 mm (nasal sidewall, histology,
      // [Chopra2015]); [Code:SurreyDPK] 1.2 mm
      CHECK(dermis >= 0.5e-3);
      CHECK(dermis <= 2.5e-3);
    }
  }
}

TEST_CASE("in-vivo presets clear from the dermis, in-vitro ones do not, the epidermis never", "[presets]") {
  for (const auto& p : skin_presets()) {
    INFO(p.name);
    for (const auto& l : p.layers) {
      INFO(l.name);
      CHECK(l.clearance >= 0);
      CHECK(l.lymph_clearance >= 0);
      if (in_vitro(p) || l.kind == "stratum_corneum" || l.kind == "viable_epidermis") {
        CHECK(l.clearance == 0);
        CHECK(l.lymph_clearance == 0);
      } else {
        // [Derived:clearance-defaults]: k_cap 1e-4 - 2e-3 1/s, k_lymph 5e-6 - 3e-5 1/s (dermis; fat by
        // assumption, [Assumed:fat-clearance])
        CHECK(l.clearance >= 1e-4);
        CHECK(l.clearance <= 2e-3);
        CHECK(l.lymph_clearance >= 5e-6);
        CHECK(l.lymph_clearance <= 3e-5);
      }
    }
  }
}

TEST_CASE("a short 1d run on every preset closes its mass balance", "[presets][balance]") {
  for (const auto& p : skin_presets()) {
    INFO(p.name);
    auto sim = make_sim(run_case(p));
    sim->run();
    CHECK(worst_balance(*sim) < 1e-10);
    const Balance b = sim->balance(0);
    CHECK(b.applied > 0);
    CHECK(std::fabs(b.error()) < 1e-10 * b.applied);
    auto out = [&](const std::string& k) {
      auto it = b.out.find(k);
      return it == b.out.end() ? 0.0 : it->second;
    };
    if (in_vitro(p)) {
      CHECK(out("cleared_blood") == 0);
      CHECK(out("cleared_lymph") == 0);
      CHECK(b.out.count("receptor") == 1);
    } else {
      CHECK(out("cleared_blood") > 0);
      CHECK(out("cleared_lymph") > 0);
      CHECK(b.out.count("receptor") == 0);
    }
  }
}
