// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `linear_threading`: a volume laid along a line while the needle is withdrawn (2d, 3d). Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"linear_threading", 1.0 * mm, 50 * uL, 0, 1, 1,
         "linear threading has no source: the dermal default 1.0 mm [D] [Derived:injection-defaults] assumed",
         "volume per thread not found in a source: 50 uL assumed",
         "points along the line: one per mm (assumed)",
         ""},
    TechniqueLayout::Line, "a volume laid along a line while the needle is withdrawn (2d, 3d)"));
}  // namespace
}  // namespace dermasim
