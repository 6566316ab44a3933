// SPDX-License-Identifier: BSD-3-Clause
// Shared by the libFuzzer harnesses: an input problem must surface as InputError (or, from yaml-cpp,
// YAML::Exception, which the command line reports with exit 2). Anything else escaping a reader is a
// finding: the harness aborts so that libFuzzer records the input. DERMASIM_FUZZ_LENIENT=1 in the
// environment accepts any std::exception (to look for memory errors only).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <yaml-cpp/yaml.h>

#include "solver/input.hpp"

namespace dermasim_fuzz {

template <class F>
int guarded(F&& f) {
  try {
    f();
  } catch (const dermasim::InputError&) {
  } catch (const YAML::Exception&) {
  } catch (const std::exception& e) {
    static const bool lenient = std::getenv("DERMASIM_FUZZ_LENIENT") != nullptr;
    if (lenient) return 0;
    std::fprintf(stderr, "dermasim fuzz: not an input error: %s\n", e.what());
    std::abort();
  }
  return 0;
}

}  // namespace dermasim_fuzz
