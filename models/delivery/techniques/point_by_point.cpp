// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `point_by_point`: deep point injections (fat), a few cm apart. Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"point_by_point", 4.0 * mm, 100 * uL, 20 * mm, 1, 1,
         "4-12 mm [C] [Claim:beautytrainingportal]; lower end",
         "0.10-0.20 mL per point [C] [Claim:phptrainingacademy] (pain mesotherapy); lower end (deoxycholic acid 0.2 mL at 1 cm [V] [Web:deoxycholate])",
         "2-3 cm [C] [Claim:beautytrainingportal]; lower end",
         "one point (assumed; set rows and columns for a field)"},
    TechniqueLayout::Grid, "deep point injections (fat), a few cm apart"));
}  // namespace
}  // namespace dermasim
