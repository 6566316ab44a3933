// SPDX-License-Identifier: BSD-3-Clause
// A checkpoint in HDF5: the group /checkpoint of a results file (an incomplete output, or the
// sibling "<stem>.ckpt.h5" written during a run), holding a SavedState (solver/state.hpp) as flat
// arrays: keys, counts, data (numbers) and text_keys, text_counts, text_values (lists of text).
// Layout and use: docs/output.md ("Checkpoints").
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../state.hpp"

namespace dermasim {

inline constexpr const char* kCheckpointFormat = "dermasim checkpoint 1";

// The arrays of /checkpoint as they are stored, before they are checked.
struct RawCheckpoint {
  std::vector<std::string> keys;
  std::vector<double> counts, data;
  std::vector<std::string> text_keys;
  std::vector<double> text_counts;
  std::vector<std::string> text_values;
};
RawCheckpoint encode_state(const SavedState& st);
// Checks the arrays (counts whole, non-negative and adding up, keys non-empty and unique) and
// builds the state; throws CheckpointError naming what is wrong.
SavedState decode_state(const RawCheckpoint& raw);

// Writes `st` as the group /checkpoint (with attributes format and time) into an open HDF5 file
// (an hid_t).
void write_checkpoint_group(int64_t file, const SavedState& st, double time);

// What a checkpoint file holds.
struct CheckpointFile {
  std::string path;
  std::string case_text;  // the resolved case of the run (/case)
  double time = 0;        // the time the checkpoint was taken at (s)
  SavedState state;
};
// Whether `path` is an HDF5 file with a /checkpoint group (false for anything else, never throws).
bool has_checkpoint(const std::string& path);
// The time of the checkpoint in `path` (NaN when it has none).
double checkpoint_time(const std::string& path);
// Reads the checkpoint of `path`; throws CheckpointError when the file cannot be read, holds no
// checkpoint or an invalid one.
CheckpointFile read_checkpoint(const std::string& path);

// "<dir>/<stem>.ckpt.h5" for the output "<dir>/<stem>.h5".
std::string checkpoint_sibling(const std::string& output_path);

}  // namespace dermasim
