// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: the custom-injection point file (CSV) -> read_points_csv, for the volume
// dimensions of 3d/axisymmetric, 2d and 1d. The reader takes a path: the input is written to a file
// of this process first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_common.hpp"
#include "models/patterns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/dermasim-fuzz-points-" + std::to_string(::getpid()) + ".csv";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  for (const auto& d : {dermasim::dims::volume, dermasim::dims::area, dermasim::dims::length})
    dermasim_fuzz::guarded([&] {
      auto pts = dermasim::read_points_csv(path, d, "delivery[0].points");
      (void)pts;
    });
  return 0;
}
