// SPDX-License-Identifier: BSD-3-Clause
#include "grid.hpp"

#include <cmath>
#include <stdexcept>

namespace dermasim {

std::string to_string(Geometry g) {
  switch (g) {
    case Geometry::OneD: return "1d";
    case Geometry::TwoD: return "2d";
    case Geometry::Axisymmetric: return "axisymmetric";
    case Geometry::ThreeD: return "3d";
  }
  return "?";
}

std::vector<double> graded_nodes(double a, double b, int n, double ratio, const std::string& toward) {
  if (n < 1) throw std::invalid_argument("graded_nodes: n < 1");
  if (!(ratio >= 1.0)) throw std::invalid_argument("graded_nodes: ratio < 1");
  std::vector<double> x(n + 1);
  const double L = b - a;
  for (int i = 0; i <= n; ++i) {
    const double s = static_cast<double>(i) / n;
    double f = s;
    if (ratio > 1.0) {
      if (toward == "both") {
        // dx/ds = 1 - c cos(2 pi s): smallest (1-c) at both ends, largest (1+c) in the middle
        const double c = (ratio - 1.0) / (ratio + 1.0);
        f = s - c * std::sin(2.0 * M_PI * s) / (2.0 * M_PI);
      } else {
        // dx/ds proportional to exp(beta s): smallest at s = 0; beta chosen so that the last cell is
        // exactly `ratio` times the first
        const double beta = n > 1 ? std::log(ratio) * n / (n - 1.0) : std::log(ratio);
        const double g = (std::exp(beta * s) - 1.0) / (std::exp(beta) - 1.0);
        f = (toward == "start") ? g : 1.0 - (std::exp(beta * (1.0 - s)) - 1.0) / (std::exp(beta) - 1.0);
      }
    }
    x[i] = a + L * f;
  }
  x[0] = a;
  x[n] = b;
  return x;
}

void Grid::finalize() {
  nx = static_cast<int>(xn.size()) - 1;
  ny = static_cast<int>(yn.size()) - 1;
  nz = static_cast<int>(zn.size()) - 1;
  gx.assign(nx, 1.0);
  ax.assign(nx + 1, 1.0);
  dx.assign(nx, 1.0);
  gy.assign(ny, 1.0);
  dy.assign(ny, 1.0);
  dz.assign(nz, 0.0);
  for (int i = 0; i < nx; ++i) dx[i] = xn[i + 1] - xn[i];
  for (int j = 0; j < ny; ++j) dy[j] = yn[j + 1] - yn[j];
  for (int k = 0; k < nz; ++k) dz[k] = zn[k + 1] - zn[k];
  switch (geometry) {
    case Geometry::OneD:
      // unit area column: amounts per m2
      break;
    case Geometry::TwoD:
      for (int i = 0; i < nx; ++i) gx[i] = dx[i];
      break;
    case Geometry::Axisymmetric:
      for (int i = 0; i < nx; ++i) gx[i] = M_PI * (xn[i + 1] * xn[i + 1] - xn[i] * xn[i]);
      for (int i = 0; i <= nx; ++i) ax[i] = 2.0 * M_PI * xn[i];
      break;
    case Geometry::ThreeD:
      for (int i = 0; i < nx; ++i) gx[i] = dx[i];
      for (int j = 0; j < ny; ++j) gy[j] = dy[j];
      break;
  }
}

double Grid::top_area() const {
  double sx = 0, sy = 0;
  for (double g : gx) sx += g;
  for (double g : gy) sy += g;
  return sx * sy;
}

std::string Grid::amount_unit() const {
  switch (geometry) {
    case Geometry::OneD: return "kg/m2";
    case Geometry::TwoD: return "kg/m";
    default: return "kg";
  }
}

}  // namespace dermasim
