// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `micropapules`: a grid of small papules about 10 mm apart. Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"micropapules", 1.5 * mm, 5 * uL, 10 * mm, 3, 3,
         "1.5-2 mm [C] [Claim:mesoderm]; lower end",
         "volume per micropapule not found in a source: 5 uL assumed (smaller than a papule)",
         "about 10 mm [C] [Claim:mesoderm]",
         "3 x 3 points (assumed)"},
    TechniqueLayout::Grid, "a grid of small papules about 10 mm apart"));
}  // namespace
}  // namespace dermasim
