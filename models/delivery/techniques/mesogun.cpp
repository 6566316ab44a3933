// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `mesogun`: an injector gun: about 1 uL micro-droplets on a fine grid. Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"mesogun", 1.0 * mm, 1 * uL, 2 * mm, 5, 5,
         "dermis intended [V] [Web:skin-booster-volume]: the dermal default 1.0 mm [D] [Derived:injection-defaults]",
         "1 mL divided into 1000 micro-droplets, about 1 uL [V] [Web:skin-booster-volume]",
         "mesogun droplet spacing not found in a source: 2 mm assumed",
         "5 x 5 droplets (assumed)"},
    TechniqueLayout::Grid, "an injector gun: about 1 uL micro-droplets on a fine grid"));
}  // namespace
}  // namespace dermasim
