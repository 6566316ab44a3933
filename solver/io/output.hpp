// SPDX-License-Identifier: BSD-3-Clause
// Run output: one HDF5 file (written under a temporary name and renamed when complete), an XDMF v3
// sidecar for ParaView, and optionally VTK XML (.vtr per output + .pvd) through the VTK library.
// A crash or SIGKILL at any moment leaves at most "<name>.tmp-<pid>" files, never a partial file
// under the final name; the next writer of the same output removes such files of dead processes.
// A run stopped early (signal, numerical guard, failed step) is finished with finish(sim, reason):
// a readable file with the snapshots so far and root attributes status/time_reached saying so.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../simulation.hpp"
#include "checkpoint.hpp"

namespace dermasim {

class RunWriter {
 public:
  // path: the final .h5 path. Nothing appears under that name until finish() succeeds.
  RunWriter(const std::string& path, const Simulation& sim, const std::string& case_yaml, bool vtk);
  ~RunWriter();  // removes temporary files unless finish() ran
  void snapshot(const Simulation& sim, double t, int index);
  // Series computed outside the solver (models/): `values` has one entry per /scalars/time entry
  // and is written by finish() as /scalars/<path> with a `units` attribute.
  void add_series(const std::string& path, std::vector<double> values, const std::string& units);
  // Attributes written by finish() on /scalars/<path> (a series added above, or a group holding
  // some): a number, a 1-d array of numbers, or text (NaN stands for "not available").
  void add_attribute(const std::string& path, const std::string& name, double value);
  void add_attribute(const std::string& path, const std::string& name, std::vector<double> values);
  void add_attribute(const std::string& path, const std::string& name, const std::string& value);
  void add_attribute(const std::string& path, const std::string& name, std::vector<std::string> values);
  // Writes the scalars and the summary, closes the file, writes the .xmf and renames both into
  // place. `incomplete` empty: the run reached its end (root attribute status = "complete");
  // otherwise why it stopped (status = "incomplete: <reason>"). time_reached (s) is written either way.
  // On failure nothing is left under the final names (and the temporary files are removed).
  void finish(const Simulation& sim, const std::string& incomplete = "");
  // Removes "<path>.tmp-<pid>" and "<stem>.xmf.tmp-<pid>" files next to `path` left by processes that
  // no longer run (killed writers); returns how many were removed.
  static int remove_stale_temporaries(const std::string& path);
  // Checks that a file can be created next to `path` (creating its folder); returns "" or a reason.
  static std::string check_writable(const std::string& path);
  // ---- Checkpoints (solver/io/checkpoint.hpp; docs/output.md). The writer adds the list of its
  // snapshots to the state (keys writer/snap_time, writer/snap_index).
  // Writes `ckpt_path` atomically (a temporary file renamed over the previous checkpoint): a copy of
  // this output so far (snapshots, grid, /case) with root attributes status/time_reached and the
  // group /checkpoint holding `st`, taken at time t.
  void write_checkpoint(const std::string& ckpt_path, SavedState st, double t);
  // Adds the group /checkpoint to this output (before finish() of a stopped run).
  void add_checkpoint(SavedState st, double t);
  // A restart: the snapshots of the checkpoint file `from` become this output's first ones (copied
  // as they are; the VTK series gets them too).
  void adopt_snapshots(const CheckpointFile& from, const Simulation& sim);
  const std::string& xdmf_path() const { return xmf_; }
  const std::string& pvd_path() const { return pvd_; }

 private:
  void write_header(const Simulation& sim, const std::string& case_yaml, bool vtk);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_, tmp_, xmf_, pvd_;
};

}  // namespace dermasim
