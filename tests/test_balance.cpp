// SPDX-License-Identifier: BSD-3-Clause
// Mass balance closes to round-off on every recorded step, in every geometry, with every process
// switched on; grid metrics and operator identities the balance depends on.
#include <catch2/catch.hpp>
#include <numeric>
#include <sstream>

#include "helpers.hpp"
#include "models/injection.hpp"

using namespace dermasim;
using namespace dermasim::test;

namespace {
std::string everything_case(const std::string& geometry, const std::string& volume, const std::string& at,
                            const std::string& extra_solver = "") {
  std::ostringstream y;
  y << "time: {end: 6 h, output_every: 1 h}\n"
    << "geometry: " << geometry << "\n"
    << "skin:\n  bottom: sink\n  layers:\n"
    << "    - {name: sc, thickness: 15 um, cells: 6}\n"
    << "    - {name: ve, thickness: 50 um, cells: 5, grading: 2}\n"
    << "    - {name: dermis, thickness: 1 mm, cells: 10, grading: 3, clearance: 1e-3 1/s, lymph_clearance: 1.5e-5 1/s}\n"
    << "species:\n"
    << "  - name: a\n    properties:\n      all: {diffusivity: 2e-10 m2/s, partition: 0.7, degradation: 1e-5 1/s}\n"
    << "      sc: {diffusivity: 5e-14 m2/s, partition: 3}\n"
    << "  - name: b\n    properties:\n      all: {diffusivity: 1e-11 m2/s, partition: 1.2, clearance: 0 1/s}\n"
    << "      sc: {diffusivity: 1e-15 m2/s, partition: 0.2}\n"
    << "delivery:\n"
    << "  - {type: topical, species: a, dose: 10 uL/cm2, concentration: 5 mg/mL, start: 0 h, remove: 2 h}\n"
    << "  - {type: topical, species: a, dose: 5 uL/cm2, concentration: 8 mg/mL, start: 3 h}\n"
    << "  - {type: topical, species: b, concentration: 2 mg/mL, infinite: true, start: 30 min, remove: 4 h}\n"
    << "  - {type: injection, species: {a: 2 mg/mL, b: 10 mg/mL}, volume: " << volume << ", depth: 0.6 mm, at: " << at << ", time: 1 h}\n"
    << extra_solver;
  return y.str();
}
}  // namespace

TEST_CASE("mass balance closes to 1e-10 of the applied amount on every step, in every geometry", "[verification][balance]") {
  struct G {
    std::string geometry, volume, at, solver;
  };
  const G cases[] = {
      {"{kind: 1d}", "2 uL/cm2", "[0 mm, 0 mm]", ""},
      {"{kind: 2d, width: 3 mm, lateral_cells: 12, lateral_grading: 2}", "0.5 mm2", "[1 mm]", ""},
      {"{kind: 2d, width: 3 mm, lateral_cells: 12, lateral_boundary: periodic}", "0.5 mm2", "[0.2 mm]", ""},
      {"{kind: axisymmetric, width: 3 mm, lateral_cells: 12, lateral_grading: 3}", "1 uL", "[0 mm, 0 mm]", ""},
      {"{kind: 3d, width: 2 mm, length: 1.5 mm, lateral_cells: [8, 6]}", "0.5 uL", "[1 mm, 0.7 mm]", ""},
      {"{kind: 3d, width: 2 mm, lateral_cells: 8, lateral_boundary: periodic}", "0.5 uL", "[0.1 mm, 1.9 mm]",
       "solver: {linear: cg, tolerance: 1e-14}\n"},
      {"{kind: 3d, width: 2 mm, lateral_cells: 8, lateral_boundary: periodic}", "0.5 uL", "[0.1 mm, 1.9 mm]",
       "solver: {linear: direct}\n"},
  };
  for (const auto& gc : cases) {
    for (const char* scheme : {"tr_bdf2", "backward_euler"}) {
      auto sim = make_sim(everything_case(gc.geometry, gc.volume, gc.at, gc.solver), {std::string("time.scheme=") + scheme});
      sim->run();
      INFO(gc.geometry << " " << gc.solver << " " << scheme);
      CHECK(worst_balance(*sim) < 1e-10);
      for (int s = 0; s < 2; ++s) {
        const Balance b = sim->balance(s);
        // every process actually moved mass
        CHECK(b.tissue() > 0);
        CHECK(b.out.at("receptor") > 0);
        if (s == 0) {
          CHECK(b.get("washed") > 0);
          CHECK(b.get("vehicle") > 0);
          CHECK(b.out.at("cleared_blood") > 0);
          CHECK(b.out.at("cleared_lymph") > 0);
          CHECK(b.out.at("degraded") > 0);
        }
      }
    }
  }
}

TEST_CASE("grid volumes and areas add up in every geometry", "[unit][grid]") {
  for (const char* geom : {"{kind: 1d}", "{kind: 2d, width: 3 mm, lateral_cells: 7, lateral_grading: 3}",
                           "{kind: axisymmetric, width: 3 mm, lateral_cells: 9, lateral_grading: 5}",
                           "{kind: 3d, width: 3 mm, length: 2 mm, lateral_cells: [5, 4], lateral_grading: 2}"}) {
    Problem p = make_problem(std::string("time: {end: 1 h}\ngeometry: ") + geom +
                             "\nskin:\n  layers:\n    - {name: x, thickness: 1 mm, cells: 7, grading: 4}\n    - {name: y, thickness: 2 mm, cells: 5}\n"
                             "species:\n  - {name: s, properties: {all: {diffusivity: 1e-10 m2/s, partition: 1}}}\n");
    const Grid& g = p.grid;
    double V = 0;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) V += g.volume(i, j, k);
    double expect = 3e-3;  // 1d: per m2 of skin
    if (g.geometry == Geometry::TwoD) expect = 3e-3 * 3e-3;
    if (g.geometry == Geometry::Axisymmetric) expect = M_PI * 9e-6 * 3e-3;
    if (g.geometry == Geometry::ThreeD) expect = 3e-3 * 2e-3 * 3e-3;
    INFO(geom);
    CHECK(V == Approx(expect).epsilon(1e-12));
    CHECK(g.zn.back() == Approx(3e-3).epsilon(1e-14));
    CHECK(g.cell_layer.size() == 12u);
    if (g.geometry == Geometry::Axisymmetric) CHECK(g.ax.back() == Approx(2 * M_PI * 3e-3));
  }
}

TEST_CASE("graded spacing: ratio, direction and smoothness", "[unit][grid]") {
  auto x = graded_nodes(0.0, 1.0, 40, 4.0, "both");
  std::vector<double> dx;
  for (size_t i = 1; i < x.size(); ++i) dx.push_back(x[i] - x[i - 1]);
  const double mn = *std::min_element(dx.begin(), dx.end()), mx = *std::max_element(dx.begin(), dx.end());
  CHECK(mx / mn == Approx(4.0).epsilon(0.02));
  CHECK(dx.front() == Approx(mn));
  CHECK(dx.back() == Approx(mn).epsilon(1e-9));
  for (size_t i = 1; i < dx.size(); ++i) CHECK(dx[i] / dx[i - 1] < 1.15);  // smooth: no jumps between neighbours
  auto s = graded_nodes(2.0, 3.0, 10, 8.0, "start");
  CHECK(s.front() == 2.0);
  CHECK(s.back() == 3.0);
  CHECK((s[10] - s[9]) / (s[1] - s[0]) == Approx(8.0).epsilon(1e-9));
  auto e = graded_nodes(0.0, 1.0, 10, 8.0, "end");
  CHECK((e[1] - e[0]) / (e[10] - e[9]) == Approx(8.0).epsilon(1e-9));
  auto u = graded_nodes(0.0, 1.0, 4, 1.0, "both");
  CHECK(u[1] == Approx(0.25));
}

TEST_CASE("operator: conservation, symmetry and the series transmissibility", "[unit][operator]") {
  Problem p = make_problem(
      "time: {end: 1 h}\ngeometry: {kind: axisymmetric, width: 1 mm, lateral_cells: 5, lateral_grading: 2}\n"
      "skin:\n  bottom: sink\n  layers:\n    - {name: x, thickness: 20 um, cells: 3}\n    - {name: y, thickness: 100 um, cells: 4, grading: 2}\n"
      "species:\n  - {name: s, properties: {x: {diffusivity: 1e-13 m2/s, partition: 2}, y: {diffusivity: 1e-10 m2/s, partition: 0.5, clearance: 1e-3 1/s}}}\n");
  OperatorSpec spec;
  spec.grid = &p.grid;
  spec.K = p.species[0].K;
  spec.DK = p.species[0].DK;
  spec.losses = p.species[0].losses;
  spec.bottom_sink = true;
  spec.top = TopMode::Reservoir;
  spec.reservoir_capacity = 1e-9;
  StencilOperator op(spec);
  const auto A = op.assemble(0.0, 1.0);
  Eigen::MatrixXd Ad(A);
  CHECK((Ad - Ad.transpose()).cwiseAbs().maxCoeff() < 1e-12 * Ad.cwiseAbs().maxCoeff());
  // column sums of A = outflow weights (what leaves the system per unit activity)
  std::vector<double> w(op.size(), 0.0);
  for (const auto& f : op.outflows())
    for (const auto& [i, wi] : f.w) w[i] += wi;
  for (size_t j = 0; j < op.size(); ++j) CHECK(Ad.col(static_cast<int>(j)).sum() == Approx(w[j]).margin(1e-12 * Ad.cwiseAbs().maxCoeff()));
  // matrix-free apply equals the assembled matrix
  std::vector<double> x(op.size()), y;
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.0 + i);
  op.apply(2.0, 3.0, x, y);
  Eigen::VectorXd ref = op.assemble(2.0, 3.0) * Eigen::Map<Eigen::VectorXd>(x.data(), static_cast<int>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == Approx(ref[static_cast<int>(i)]).margin(1e-14 * ref.cwiseAbs().maxCoeff()));
  // the interface face between layer x (k = 2) and y (k = 3) on the axis cell, by hand
  const Grid& g = p.grid;
  const double area = g.gx[0];
  const double T = area / (0.5 * g.dz[2] / (1e-13 * 2) + 0.5 * g.dz[3] / (1e-10 * 0.5));
  CHECK(-Ad(static_cast<int>(g.index(0, 0, 2)), static_cast<int>(g.index(0, 0, 3))) == Approx(T).epsilon(1e-12));
}

