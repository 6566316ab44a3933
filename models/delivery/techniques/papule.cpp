// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `papule`: one bolus (or a grid of them) of tens of uL in the dermis: a skin-booster or mesotherapy papule. Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"papule", 1.0 * mm, 20 * uL, 10 * mm, 1, 1,
         "1-2 mm, bevel up [C] [Claim:beautytrainingportal]; lower end",
         "'tens of uL' per papule [Assumed:papule-volume]; skin booster 0.02-0.025 mL per point [V] [Web:skin-booster-volume]",
         "papule spacing not found in a source: 10 mm assumed, as micropapules (about 10 mm [C] [Claim:mesoderm])",
         "one papule (assumed)"},
    TechniqueLayout::Grid, "one bolus (or a grid of them) of tens of uL in the dermis: a skin-booster or mesotherapy papule"));
}  // namespace
}  // namespace dermasim
