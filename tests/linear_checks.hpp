// SPDX-License-Identifier: BSD-3-Clause
// Checks shared by the linear solver tests: the relative residual of a solution and the largest
// difference between two solutions.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "solver/operator.hpp"

namespace dermasim::test {

// ||b - (cm M + ca A) x||_2 / ||b||_2
inline double relative_residual(const StencilOperator& op, double cm, double ca, const std::vector<double>& b, const std::vector<double>& x) {
  std::vector<double> y;
  op.apply(cm, ca, x, y);
  double rr = 0, bb = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    rr += (b[i] - y[i]) * (b[i] - y[i]);
    bb += b[i] * b[i];
  }
  return std::sqrt(rr / bb);
}

// largest |a - b| relative to the largest |b|
inline double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double dmax = 0, bmax = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dmax = std::max(dmax, std::fabs(a[i] - b[i]));
    bmax = std::max(bmax, std::fabs(b[i]));
  }
  return dmax / bmax;
}

}  // namespace dermasim::test
