// SPDX-License-Identifier: BSD-3-Clause
// An in-vitro skin absorption report in the terms of OECD TG 428 (Franz diffusion cell): receptor
// fluid samples, skin content by compartment, dislodgeable (surface) dose, absorbed dose and mass
// balance, as % of the applied dose, plus maximum flux, lag time and (infinite dose) kp.
#pragma once
#include <string>

#include "../solver/simulation.hpp"
#include "../models/case.hpp"

namespace dermasim {

// Markdown text of the report for every species with a topical dose.
std::string tg428_report(const Case& c, const Simulation& sim);

}  // namespace dermasim
