// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: a sweep file's text -> read_sweep_text (what `dermasim sweep --dry-run` reads
// first), and each line of the input as a line of a sweep journal (parse_journal_line, what
// `--resume` reads). Base cases named by the sweep resolve relative to the working directory.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "app/sweep.hpp"
#include "app/sweep_design.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dermasim_fuzz::guarded([&] { (void)dermasim::read_sweep_text(text, "fuzz-sweep.yaml"); });
  std::istringstream in(text);
  std::string line;
  dermasim_fuzz::guarded([&] {
    while (std::getline(in, line)) {
      dermasim::SweepRecord r;
      (void)dermasim::parse_journal_line(line, 3, r);
    }
  });
  return 0;
}
