// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: the fit command's readers. The first byte chooses: even, the input is a fit
// file (read_fit_file, with a valid base case and data file beside it); odd, it is a data file
// (read_data_file) for one of the quantities (the second byte chooses which). Files go to a folder
// of this process under $TMPDIR (removed at exit).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/fit.hpp"
#include "fuzz_common.hpp"

namespace {

namespace fs = std::filesystem;

const char* kBase = R"(name: fuzz
time: {end: 2 h, output_every: 1 h}
geometry: {kind: 1d}
skin: {preset: forearm_invitro}
species:
  - name: tracer
    properties:
      all: {diffusivity: 1e-10 m2/s, partition: 1}
delivery:
  - {type: topical, species: tracer, dose: 10 uL/cm2, concentration: 4 mg/mL}
output: {file: fuzz.h5}
)";
const char* kData = "time_h,receptor_ug_cm2\n1,0.1\n2,0.3\n";

struct Folder {
  fs::path dir;
  Folder() {
    const char* t = std::getenv("TMPDIR");
    dir = fs::path(t ? t : "/tmp") / ("dermasim-fuzz-fit-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "base.yaml") << kBase;
    std::ofstream(dir / "data.csv") << kData;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

void write(const fs::path& p, const uint8_t* data, size_t size) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Folder folder;
  if (size < 2) return 0;
  if (data[0] % 2 == 0) {
    const fs::path f = folder.dir / "fit.yaml";
    write(f, data + 1, size - 1);
    return dermasim_fuzz::guarded([&] { (void)dermasim::read_fit_file(f.string()); });
  }
  static const char* names[] = {"receptor", "flux", "layer", "vehicle", "tape_strips"};
  const fs::path f = folder.dir / "in.csv";
  write(f, data + 2, size - 2);
  return dermasim_fuzz::guarded([&] {
    dermasim::DataSet ds;
    ds.file = f.string();
    ds.quantity = names[data[1] % 5];
    dermasim::read_data_file(ds);
  });
}
