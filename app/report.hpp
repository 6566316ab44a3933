// SPDX-License-Identifier: BSD-3-Clause
// What the user sees while and after a run: the progress line and the closing summary table.
#pragma once
#include <cstdio>
#include <string>

#include "../solver/simulation.hpp"

namespace dermasim {

class Progress {
 public:
  explicit Progress(double t_end, bool enabled);
  void update(const Simulation& sim, double t, double dt);
  void done();

 private:
  double t_end_;
  bool enabled_, tty_;
  double start_, last_print_ = -1;
  int last_decile_ = -1;
};

// Amount unit shown to users for a geometry: ug/cm2 (1d), ug/mm (2d), ug (axisymmetric, 3d).
std::pair<std::string, double> display_amount_unit(Geometry g);
std::string hms(double seconds);
void print_summary(std::FILE* out, const Simulation& sim);

}  // namespace dermasim
