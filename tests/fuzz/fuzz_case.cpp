// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: case text -> load_yaml_text -> read_case -> build_problem (what `dermasim
// check` does). Grids are capped through the reader's own limits; nothing runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "models/case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return dermasim_fuzz::guarded([&] {
    dermasim::Located root = dermasim::load_yaml_text(text, "fuzz.yaml", {});
    dermasim::Case c = dermasim::read_case(root);
    std::vector<std::string> warnings;
    dermasim::Problem p = dermasim::build_problem(c, &warnings);
    (void)p;
  });
}
