// SPDX-License-Identifier: BSD-3-Clause
// What keeps a run trustworthy (docs/reliability.md): SIGINT/SIGTERM stop it after the current step
// with a readable, incomplete output; numerical guards stop it at the first non-finite value or a
// mass balance gone wrong, with the time and place; a preflight estimate refuses a run that would
// take too many fixed steps, more memory or more disk than there is (unless forced).
#pragma once
#include <string>
#include <vector>

#include "../solver/simulation.hpp"

namespace dermasim {

// SIGINT and SIGTERM set a flag (async-signal-safe; a second one of either ends the process at
// once); SIGXFSZ is ignored, so that a write beyond a file-size limit fails with an error (EFBIG)
// instead of killing the process.
void install_stop_signals();
int stop_signal();  // 0, or the first SIGINT/SIGTERM received
std::string signal_name(int sig);

// "" when every concentration is finite and none is below -kNegativeTolerance times the largest of
// its species so far (`peak`, per species, kept by the caller); else what was found, where (species, layer, cell, depth)
// and the likely cause in the user's terms.
// Negative values: TR-BDF2 is not positivity-preserving, and the shipped configs show undershoots
// up to 6e-5 of the peak (configs/techniques/course.yaml, at a washed-off surface; 4e-6 for the
// excess fluid of configs/ha/crosslinked_booster.yaml). Only a gross failure (1 % of the peak) stops a run.
inline constexpr double kNegativeTolerance = 1e-2;
std::string field_guard(const Simulation& sim, double t, std::vector<double>& peak);
// "" when each species' mass balance closes to 1e-6 of the applied amount; else what and the
// likely cause.
std::string balance_guard(const Simulation& sim, double t);

// A step the solver could not make (solver/simulation.hpp StepFailure): its message with the place
// in the user's terms (species, layer, cell, depth) and the likely cause.
std::string describe_step_failure(const Simulation& sim, const StepFailure& f);

// Before a run: the number of steps a fixed step size (or a step limit) implies, the memory and
// the output size. Throws InputError (exit 2) naming the key and how to reduce it when the steps
// exceed kMaxFixedSteps or the memory/disk exceed what is available, unless `force`. Returns a
// one-line estimate for the start banner.
inline constexpr double kMaxFixedSteps = 1e6;
std::string preflight(const Problem& p, const std::string& case_file, const std::string& output_file, bool writes, bool force);

}  // namespace dermasim
