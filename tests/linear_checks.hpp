// SPDX-License-Identifier: BSD-3-Clause
// Shared by the linear solver tests: a block of cells with its operator's spec, the relative
// residual of a solution and the largest difference between two solutions.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "solver/grid.hpp"
#include "solver/operator.hpp"

namespace dermasim::test {

// A box (of the given geometry) of lx x ly x lz (m) cut into nx x ny x nz cells, uniform laterally, graded in depth with its
// smallest cells at the top (ratio), one layer index; the spec with K = 1 and D K = dk everywhere,
// pointing at the grid (keep the Block in place while an operator uses it).
struct Block {
  Grid g;
  OperatorSpec spec;
};

inline void make_block(Block& b, Geometry geometry, int nx, int ny, int nz, double lx, double ly, double lz, double ratio, bool periodic, double dk) {
  Grid& g = b.g;
  g.geometry = geometry;
  for (int i = 0; i <= nx; ++i) g.xn.push_back(lx * i / nx);
  for (int j = 0; j <= ny; ++j) g.yn.push_back(ly * j / ny);
  g.zn = graded_nodes(0.0, lz, nz, ratio, "start");
  g.periodic_x = g.periodic_y = periodic;
  g.finalize();
  g.cell_layer.assign(nz, 0);
  b.spec.K.assign(g.cells(), 1.0);
  b.spec.DK.assign(g.cells(), dk);
  b.spec.grid = &b.g;
}

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
