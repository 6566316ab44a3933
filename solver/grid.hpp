// SPDX-License-Identifier: BSD-3-Clause
// Rectilinear cell-centred finite-volume grid. Depth z points down from the skin surface (z = 0).
// Cell (i, j, k) has index i + nx * (j + ny * k): x fastest, depth slowest, which is the C order of
// an (nz, ny, nx) array as stored in the HDF5 output.
#pragma once
#include <string>
#include <vector>

namespace dermasim {

enum class Geometry { OneD, TwoD, Axisymmetric, ThreeD };
std::string to_string(Geometry g);

// Node positions of a segment [a, b] split into n cells. `ratio` = largest/smallest cell; the
// spacing follows a smooth map (so refinement keeps second order): toward = "both" puts the
// smallest cells at both ends, "start"/"end" at one end. ratio = 1 gives uniform cells.
std::vector<double> graded_nodes(double a, double b, int n, double ratio, const std::string& toward);

struct Grid {
  Geometry geometry = Geometry::OneD;
  int nx = 1, ny = 1, nz = 1;
  std::vector<double> xn, yn, zn;  // node coordinates (m); x is the radius when axisymmetric
  bool periodic_x = false, periodic_y = false;
  std::vector<int> cell_layer;  // per depth row k (layers are horizontal)
  std::vector<std::string> layer_names;

  // Derived metric factors, filled by finalize():
  //  volume(i,j,k) = gx[i] * gy[j] * dz[k]
  //  x-face area at node i:  ax[i] * gy[j] * dz[k]
  //  y-face area at node j:  gx[i] * dz[k]
  //  z-face area:            gx[i] * gy[j]
  std::vector<double> gx, gy, dz, ax, dx, dy;

  void finalize();
  size_t cells() const { return static_cast<size_t>(nx) * ny * nz; }
  size_t index(int i, int j, int k) const { return static_cast<size_t>(i) + static_cast<size_t>(nx) * (j + static_cast<size_t>(ny) * k); }
  double volume(int i, int j, int k) const { return gx[i] * gy[j] * dz[k]; }
  double xc(int i) const { return 0.5 * (xn[i] + xn[i + 1]); }
  double yc(int j) const { return 0.5 * (yn[j] + yn[j + 1]); }
  double zc(int k) const { return 0.5 * (zn[k] + zn[k + 1]); }
  double top_area() const;  // area of the skin surface (m2; per m in 2d; 1 m2 in 1d)
  // Unit of amounts in this geometry: kg per m2 (1d), per m (2d), kg (axisymmetric, 3d).
  std::string amount_unit() const;
};

}  // namespace dermasim
