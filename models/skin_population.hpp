// SPDX-License-Identifier: BSD-3-Clause
// Skin populations (docs/sweep.md, "Skin populations"): skin properties measured on groups of
// people, per body site, sex and age group, as the mean and SD the cited studies publish
// (docs/references.md). `dermasim sweep` samples them (a `population` axis, or a `population`
// distribution for one layer thickness); how each property maps to the model's parameters is in
// docs/sweep.md.
#pragma once
#include <string>
#include <vector>

namespace dermasim {

struct PopulationEntry {
  std::string site;      // body site, e.g. face_cheek
  std::string property;  // thickness (of `layer`), full_skin (epidermis + dermis), blood_flow, water (an index)
  std::string layer;     // thickness: stratum_corneum, viable_epidermis or dermis; else ""
  std::string sex;       // any, female, male
  std::string age;       // "adult" (groups not separated) or "A-B" years
  double age_lo = 18, age_hi = 99;  // the age group, years
  double mean = 0, sd = 0;          // thickness, full_skin: m; blood_flow, water: the study's unit
  double reference = 0;  // blood_flow, water: the study's value the model's default (clearance, water) stands for
  std::string unit;      // how values are shown: um, mm, APU, TDC
  std::string method, source;  // source: a docs/references.md key
};

// The table (models/skin_population.cpp).
const std::vector<PopulationEntry>& skin_population();
std::vector<std::string> population_sites();

// An age as asked for: `any` or `adult` (the adult entry, or the only age group), a number of
// years (`45`: the group holding it) or a range (`40-60`: the group it overlaps most).
struct AgeQuery {
  std::string text = "any";
  bool any = true;
  double lo = 0, hi = 0;
};
// Throws std::invalid_argument with what is allowed.
AgeQuery parse_age_query(const std::string& text);

// The entry for a site, property and layer for a sex (any, female, male) and age: nullptr when the
// data hold none. Throws std::invalid_argument when the data are split by sex or age group and the
// query does not choose (the message says what to give).
const PopulationEntry* find_population_entry(const std::string& site, const std::string& property, const std::string& layer,
                                             const std::string& sex, const AgeQuery& age);

// The age groups ("A-B") recorded for a site, property and layer for a sex (the entries of that sex,
// else those of both sexes), `adult` entries left out: empty when the data are not split by age.
// For messages and notes: an age outside every group finds no entry.
std::vector<std::string> population_age_groups(const std::string& site, const std::string& property, const std::string& layer,
                                               const std::string& sex);

// "site/property[/layer] (sex, age)" for messages.
std::string describe_population_entry(const PopulationEntry& e);

}  // namespace dermasim
