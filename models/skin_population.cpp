// SPDX-License-Identifier: BSD-3-Clause
#include "skin_population.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace dermasim {

namespace {

constexpr double um = 1e-6, mm = 1e-3;

PopulationEntry thick(const char* site, const char* layer, const char* sex, const char* age, double mean, double sd, const char* unit,
                      const char* method, const char* source) {
  PopulationEntry e;
  e.site = site;
  e.property = std::string(layer) == "full_skin" ? "full_skin" : "thickness";
  e.layer = e.property == "thickness" ? layer : "";
  e.sex = sex;
  e.age = age;
  if (e.age != "adult") {
    e.age_lo = std::atof(age);
    e.age_hi = std::atof(e.age.substr(e.age.find('-') + 1).c_str());
  }
  e.mean = mean;
  e.sd = sd;
  e.unit = unit;
  e.method = method;
  e.source = source;
  return e;
}

PopulationEntry flow(const char* site, const char* sex, double mean, double sd, double reference, const char* method, const char* source) {
  PopulationEntry e = thick(site, "dermis", sex, "20-80", mean, sd, "APU", method, source);
  e.property = "blood_flow";
  e.layer = "";
  e.reference = reference;
  return e;
}

// A tissue-water index measured per person (tissue dielectric constant): relative, and its
// differences between sexes and sites follow skin thickness ([Mayrovitz2012]): only its spread is
// used, the reference being the group's own mean ([Assumed:tdc-water]).
PopulationEntry water_index(const char* site, const char* sex, const char* age, double mean, double sd, const char* method, const char* source) {
  PopulationEntry e = thick(site, "dermis", sex, age, mean, sd, "TDC", method, source);
  e.property = "water";
  e.layer = "";
  e.reference = mean;
  return e;
}

}  // namespace

// Sources (docs/references.md): [SandbyMoller2003] dorsal forearm, histology; [Web:forearm-sc-raman]
// volar forearm, Raman; [Tsugita2013] 11 sites, OCT; [Meng2022] face, ultrasound (Table 2: dermis per
// sex, 49 men, 69 women); [Web:face-50mhz-age] face, 50 MHz ultrasound, full skin (epidermis +
// dermis) per sex and age group (20-29, 30-39, 40-49; the 50-70 group was not recorded);
// [Fei2018] basal perfusion by full-field laser perfusion imaging, per sex (406 adults, 20-80 y);
// [Mayrovitz2010] tissue dielectric constant at 300 MHz, an index of local tissue water, volar
// forearm to 1.5 mm, per sex (30 men, 30 women, young adults); [Mayrovitz2012] the same at the
// forehead of men (30 young men; the other facial groups are not in the abstract).
const std::vector<PopulationEntry>& skin_population() {
  static const std::vector<PopulationEntry> p = [] {
    const char* hist = "histology (biopsies)";
    const char* us = "high-frequency ultrasound";
    const char* us50 = "50 MHz ultrasound, full skin";
    std::vector<PopulationEntry> v = {
        thick("forearm_dorsal", "stratum_corneum", "any", "adult", 18.3 * um, 4.9 * um, "um", hist, "SandbyMoller2003"),
        thick("forearm_dorsal", "viable_epidermis", "any", "adult", 56.6 * um, 11.5 * um, "um", hist, "SandbyMoller2003"),
        thick("forearm_volar", "stratum_corneum", "female", "adult", 17.6 * um, 2.8 * um, "um", "confocal Raman water profile (intersection method)",
              "Web:forearm-sc-raman"),
        thick("body_11_sites", "stratum_corneum", "female", "adult", 14.1 * um, 1.8 * um, "um", "optical coherence tomography", "Tsugita2013"),
        // [Meng2022] Table 2, dermis (mm): male, female
        thick("face_forehead", "dermis", "male", "adult", 1.17 * mm, 0.28 * mm, "mm", us, "Meng2022"),
        thick("face_forehead", "dermis", "female", "adult", 0.86 * mm, 0.16 * mm, "mm", us, "Meng2022"),
        thick("face_glabella", "dermis", "male", "adult", 1.14 * mm, 0.30 * mm, "mm", us, "Meng2022"),
        thick("face_glabella", "dermis", "female", "adult", 0.90 * mm, 0.23 * mm, "mm", us, "Meng2022"),
        thick("face_temple", "dermis", "male", "adult", 1.06 * mm, 0.20 * mm, "mm", us, "Meng2022"),
        thick("face_temple", "dermis", "female", "adult", 0.80 * mm, 0.19 * mm, "mm", us, "Meng2022"),
        thick("face_periorbital", "dermis", "male", "adult", 0.67 * mm, 0.14 * mm, "mm", "high-frequency ultrasound (eyelid)", "Meng2022"),
        thick("face_periorbital", "dermis", "female", "adult", 0.58 * mm, 0.11 * mm, "mm", "high-frequency ultrasound (eyelid)", "Meng2022"),
        thick("nose_dorsum", "dermis", "male", "adult", 1.03 * mm, 0.16 * mm, "mm", us, "Meng2022"),
        thick("nose_dorsum", "dermis", "female", "adult", 0.93 * mm, 0.25 * mm, "mm", us, "Meng2022"),
        thick("face_cheek", "dermis", "male", "adult", 1.14 * mm, 0.21 * mm, "mm", "high-frequency ultrasound (zygoma)", "Meng2022"),
        thick("face_cheek", "dermis", "female", "adult", 0.87 * mm, 0.35 * mm, "mm", "high-frequency ultrasound (zygoma)", "Meng2022"),
        thick("face_submandibular", "dermis", "male", "adult", 1.02 * mm, 0.24 * mm, "mm", us, "Meng2022"),
        thick("face_submandibular", "dermis", "female", "adult", 0.91 * mm, 0.34 * mm, "mm", us, "Meng2022"),
        thick("neck", "dermis", "male", "adult", 0.98 * mm, 0.22 * mm, "mm", us, "Meng2022"),
        thick("neck", "dermis", "female", "adult", 0.99 * mm, 0.20 * mm, "mm", us, "Meng2022"),
    };
    // [Web:face-50mhz-age]: full skin (mm), forehead, canthus, eyelid, cheek; per sex and age group
    struct Row {
      const char *sex, *age;
      double v[4][2];  // mean, sd per site; 0: not recorded
    };
    const char* sites[4] = {"face_forehead", "face_canthus", "face_periorbital", "face_cheek"};
    const Row rows[] = {
        {"female", "20-29", {{1.86, 0.26}, {1.36, 0.11}, {1.24, 0.25}, {1.90, 0.21}}},
        {"male", "20-29", {{2.45, 0.37}, {1.64, 0.19}, {1.44, 0.16}, {2.53, 0.26}}},
        {"female", "30-39", {{1.98, 0.24}, {1.43, 0.13}, {1.15, 0.15}, {2.12, 0.13}}},
        {"male", "30-39", {{2.34, 0.27}, {1.63, 0.27}, {1.50, 0.38}, {2.43, 0.40}}},
        {"female", "40-49", {{1.90, 0.21}, {1.43, 0.18}, {1.24, 0.27}, {1.98, 0.12}}},
        {"male", "40-49", {{2.14, 0.24}, {1.54, 0.25}, {1.28, 0.14}, {0, 0}}},
    };
    for (const auto& r : rows)
      for (int s = 0; s < 4; ++s)
        if (r.v[s][0] > 0) v.push_back(thick(sites[s], "full_skin", r.sex, r.age, r.v[s][0] * mm, r.v[s][1] * mm, "mm", us50, "Web:face-50mhz-age"));
    // [Fei2018]: basal perfusion (arbitrary perfusion units), per sex; the reference is the mean of
    // the two sexes' means at the site (the model's default clearance stands for the site's mean)
    const char* flpi = "full-field laser perfusion imaging, basal";
    v.push_back(flow("face_periorbital", "male", 931.20, 242.59, (931.20 + 967.83) / 2, flpi, "Fei2018"));
    v.push_back(flow("face_periorbital", "female", 967.83, 225.49, (931.20 + 967.83) / 2, flpi, "Fei2018"));
    v.push_back(flow("leg_pretibial", "male", 89.09, 30.28, (89.09 + 85.08) / 2, flpi, "Fei2018"));
    v.push_back(flow("leg_pretibial", "female", 85.08, 33.59, (89.09 + 85.08) / 2, flpi, "Fei2018"));
    // [Mayrovitz2010], [Mayrovitz2012]: tissue dielectric constant (relative permittivity at
    // 300 MHz, to 1.5 mm), per sex; each group's spread about its own mean (the model's default
    // dermal water stands for the group's average person). Ages: young adults (2010: men 25.0 +-
    // 2.5 y, women 27.4 +- 6.6 y; the ranges are not in the abstracts): taken as the group 18-40.
    const char* tdc = "tissue dielectric constant, 300 MHz, to 1.5 mm";
    v.push_back(water_index("forearm_volar", "male", "18-40", 33.2, 4.0, tdc, "Mayrovitz2010"));
    v.push_back(water_index("forearm_volar", "female", "18-40", 29.4, 2.7, tdc, "Mayrovitz2010"));
    v.push_back(water_index("face_forehead", "male", "18-40", 39.6, 2.9, tdc, "Mayrovitz2012"));
    return v;
  }();
  return p;
}

std::vector<std::string> population_sites() {
  std::vector<std::string> s;
  for (const auto& e : skin_population())
    if (std::find(s.begin(), s.end(), e.site) == s.end()) s.push_back(e.site);
  return s;
}

AgeQuery parse_age_query(const std::string& text) {
  AgeQuery q;
  q.text = text;
  if (text == "any" || text == "adult") return q;
  const std::string bad = "age '" + text + "': give a number of years (45), a range (40-60), adult or any";
  char* end = nullptr;
  const double a = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(a >= 0 && a < 150)) throw std::invalid_argument(bad);
  double b = a;
  if (*end == '-') {
    const char* s = end + 1;
    b = std::strtod(s, &end);
    if (end == s || !(b >= a && b < 150)) throw std::invalid_argument(bad);
  }
  if (*end != '\0') throw std::invalid_argument(bad);
  q.any = false;
  q.lo = a;
  q.hi = b;
  return q;
}

std::string describe_population_entry(const PopulationEntry& e) {
  return e.site + "/" + e.property + (e.layer.empty() ? "" : "/" + e.layer) + " (" + e.sex + ", " + e.age + ")";
}

std::vector<std::string> population_age_groups(const std::string& site, const std::string& property, const std::string& layer,
                                               const std::string& sex) {
  std::vector<std::string> exact, both;
  for (const auto& e : skin_population())
    if (e.site == site && e.property == property && e.layer == layer && e.age != "adult") {
      if (e.sex == sex) exact.push_back(e.age);
      else if (e.sex == "any") both.push_back(e.age);
    }
  return exact.empty() ? both : exact;
}

const PopulationEntry* find_population_entry(const std::string& site, const std::string& property, const std::string& layer,
                                             const std::string& sex, const AgeQuery& age) {
  std::vector<const PopulationEntry*> c;
  for (const auto& e : skin_population())
    if (e.site == site && e.property == property && e.layer == layer) c.push_back(&e);
  if (c.empty()) return nullptr;
  // sex: an exact match first, then entries for both sexes
  std::vector<const PopulationEntry*> s;
  if (sex == "any") {
    for (auto* e : c)
      if (e->sex == "any") s.push_back(e);
    if (s.empty()) {
      throw std::invalid_argument("the population " + site + "/" + property + (layer.empty() ? "" : "/" + layer) +
                                  " is measured per sex: give sex: female or male");
    }
  } else {
    for (auto* e : c)
      if (e->sex == sex) s.push_back(e);
    if (s.empty())
      for (auto* e : c)
        if (e->sex == "any") s.push_back(e);
  }
  if (s.empty()) return nullptr;
  // age
  std::vector<const PopulationEntry*> adult, groups;
  for (auto* e : s) (e->age == "adult" ? adult : groups).push_back(e);
  if (age.any) {
    if (!adult.empty()) return adult.front();
    if (groups.size() == 1) return groups.front();
    std::string g;
    for (auto* e : groups) g += (g.empty() ? "" : ", ") + e->age;
    throw std::invalid_argument("the population " + site + "/" + property + (layer.empty() ? "" : "/" + layer) +
                                " is measured per age group (" + g + "): give age: a number of years or a range");
  }
  const PopulationEntry* best = nullptr;
  double best_overlap = -1;
  for (auto* e : groups) {
    double overlap;
    if (age.lo == age.hi) {
      overlap = age.lo >= e->age_lo && age.lo < e->age_hi + 1 ? 1 : -1;
    } else {
      overlap = std::min(age.hi, e->age_hi + 1) - std::max(age.lo, e->age_lo);
      if (overlap <= 0) overlap = -1;
    }
    if (overlap > best_overlap) {
      best_overlap = overlap;
      best = e;
    }
  }
  if (best && best_overlap > 0) return best;
  // groups not separated by age: the adult value, for an adult age
  if (!adult.empty() && age.hi >= 18) return adult.front();
  return nullptr;
}

}  // namespace dermasim
