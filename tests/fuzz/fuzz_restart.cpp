// SPDX-License-Identifier: BSD-3-Clause
// libFuzzer harness: the restart reader past HDF5. The input holds a stored resolved case and the
// arrays of a /checkpoint group as text (sections "case:", "keys:", "counts:", "data:",
// "text_keys:", "text_counts:", "text_values:", one value a line; tests/fuzz/corpus/restart/ has
// real checkpoints in this form, made by tests/fuzz/checkpoint_to_text.py). It calls what
// `dermasim run --restart` calls after reading the file: case_difference against a fixed case,
// decode_state, then Simulation::restore_state and the recorders' restore_state on that case's
// simulation, and uses the restored state (balances, concentrations, rates). An invalid state must
// be a CheckpointError (exit 2); anything else escaping is a finding. The HDF5 library's own file
// parsing is not fuzzed here (not dermasim's code; docs/reliability.md).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "app/restart.hpp"
#include "fuzz_common.hpp"
#include "models/case.hpp"
#include "models/hydration_metrics.hpp"
#include "models/metrics.hpp"
#include "solver/io/checkpoint.hpp"

namespace {

// A small 1d case with a finite vehicle (a reservoir) and a second species made by a conversion.
const char* kCase = R"(name: fuzz
time: {end: 2 h, output_every: 1 h}
geometry: {kind: 1d}
skin:
  layers:
    - {name: stratum_corneum, thickness: 15 um, cells: 4, kind: stratum_corneum}
    - {name: dermis, thickness: 1 mm, cells: 6, kind: papillary_dermis}
species:
  - name: a
    properties:
      all: {diffusivity: 1e-10 m2/s, partition: 1}
  - name: b
    properties:
      all: {diffusivity: 1e-10 m2/s, partition: 1}
reactions:
  - {type: conversion, from: a, to: b, rate: 1e-4 1/s}
delivery:
  - {type: topical, species: a, dose: 10 uL/cm2, concentration: 4 mg/mL, infinite: false, start: 0 h, remove: 1 h}
output: {file: fuzz.h5}
)";

double number(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end == s.c_str() ? 0.0 : v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dermasim;
  static const Case c = read_case(load_yaml_text(kCase, "fuzz-case.yaml", {}));
  static const std::string dumped = dump_case(c);
  const std::string text(reinterpret_cast<const char*>(data), size);
  RawCheckpoint raw;
  std::string stored, section, line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == ':' && line.find(' ') == std::string::npos) {
      section = line.substr(0, line.size() - 1);
      continue;
    }
    if (section == "case") stored += line + "\n";
    else if (section == "keys") raw.keys.push_back(line);
    else if (section == "counts") raw.counts.push_back(number(line));
    else if (section == "data") raw.data.push_back(number(line));
    else if (section == "text_keys") raw.text_keys.push_back(line);
    else if (section == "text_counts") raw.text_counts.push_back(number(line));
    else if (section == "text_values") raw.text_values.push_back(line);
  }
  try {
    if (!stored.empty()) (void)case_difference(stored, dumped);
    const SavedState st = decode_state(raw);
    std::vector<std::string> warnings;
    Simulation sim(build_problem(c, &warnings));
    MetricsRecorder metrics(sim, metrics_setup(c));
    HydrationRecorder hydration(sim, hydration_setup(c));
    sim.restore_state(st);
    metrics.restore_state(st, "recorder/metrics/");
    hydration.restore_state(st, "recorder/hydration/");
    for (int s = 0; s < static_cast<int>(sim.species_count()); ++s) {
      (void)sim.balance(s).error();
      (void)sim.concentration(s);
      (void)sim.rates(s);
    }
    (void)sim.surface_fields();
  } catch (const CheckpointError&) {
  } catch (const InputError&) {
  } catch (const YAML::Exception&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dermasim fuzz: not a checkpoint error: %s\n", e.what());
    std::abort();
  }
  return 0;
}
