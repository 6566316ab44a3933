// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: an ingredients file (what `ingredients_file:` names) -> read_ingredient_list.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "models/ingredients.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return dermasim_fuzz::guarded([&] {
    dermasim::Located root = dermasim::load_yaml_text(text, "fuzz_ingredients.yaml", {});
    auto list = dermasim::read_ingredient_list(root);
    (void)list;
  });
}
