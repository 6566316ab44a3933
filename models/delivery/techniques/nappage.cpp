// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `nappage`: a grid of small superficial micro-injections a few mm apart. Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"nappage", 1.0 * mm, 10 * uL, 3 * mm, 3, 3,
         "1.0 mm, the dossier's nappage default [D] [Derived:injection-defaults] (2-4 mm needle length [C] [Claim:beautytrainingportal])",
         "0.01-0.02 mL per point [D] [Derived:injection-defaults]: volume per nappage point not found in a source [Assumed:nappage-volume]; lower end taken",
         "3 mm square grid [D] [Derived:injection-defaults] (2-4 mm [C] [Claim:beautytrainingportal])",
         "3 x 3 points (assumed; set rows and columns for the treated area)"},
    TechniqueLayout::Grid, "a grid of small superficial micro-injections a few mm apart"));
}  // namespace
}  // namespace dermasim
