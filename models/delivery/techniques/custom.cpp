// SPDX-License-Identifier: BSD-3-Clause
// Injection technique `custom`: points read from a CSV file (x, y, depth, volume[, time]). Its defaults and sources are
// documented in docs/case-format.md ("Injection techniques"); the shared reading and expansion into
// injection events is models/patterns.cpp.
#include "../technique.hpp"

namespace dermasim {
namespace {
using technique_units::mm;
using technique_units::uL;
const Registration<Technique> reg(std::make_unique<Technique>(
    TechniqueDefaults{"custom", 0, 0, 0, 1, 1, "from the CSV file", "from the CSV file", "", ""},
    TechniqueLayout::Points, "points read from a CSV file (x, y, depth, volume[, time])"));
}  // namespace
}  // namespace dermasim
