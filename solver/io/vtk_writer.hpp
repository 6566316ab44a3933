// SPDX-License-Identifier: BSD-3-Clause
// Optional VTK XML output through the VTK library: one .vtr (rectilinear grid, cell data) per output
// time and a .pvd collection that ParaView opens as a time series. Built when VTK is found.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../grid.hpp"

namespace dermasim {

class VtkSeriesWriter {
 public:
  VtkSeriesWriter(const std::string& pvd_path, const Grid& g);
  ~VtkSeriesWriter();
  void write(double t, int index, const std::vector<std::string>& names, const std::vector<std::vector<double>>& fields);
  void finish();   // writes the .pvd (atomically)
  void abandon();  // removes what was written
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dermasim
