// SPDX-License-Identifier: BSD-3-Clause
// `dermasim run CASE --restart FILE`: finding the checkpoint to continue from and checking that the
// case is the one it was taken from (docs/reliability.md, "Checkpoint and restart").
#pragma once
#include <string>

#include "../solver/io/checkpoint.hpp"

namespace dermasim {

// The first key path where two resolved cases (YAML text, as dump_case writes them) differ, other
// than time.end, time.outputs and output.*, with both values ("" when they agree), e.g.
// "delivery[0].volume: 20 uL in the checkpoint, 30 uL now". Throws CheckpointError when the stored
// text is not a YAML map.
std::string case_difference(const std::string& stored, const std::string& current);

// The checkpoint to continue from for `--restart FILE`: FILE itself (an output stopped by a signal
// holds one) or its sibling "<stem>.ckpt.h5" (written during a run; what a SIGKILL leaves), the
// later of the two when both hold one. Throws InputError (key --restart) when there is none or it
// cannot be read; `note` says which was taken when it is not FILE.
CheckpointFile open_restart(const std::string& file, std::string* note);

}  // namespace dermasim
