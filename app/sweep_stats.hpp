// SPDX-License-Identifier: BSD-3-Clause
// Sensitivity and uncertainty from a sweep's table (docs/sweep.md): Spearman rank correlations,
// variance-based Sobol' indices from a Saltelli design with bootstrap confidence intervals, and
// percentiles. Pure functions of numbers, tested on analytic functions (tests/test_sweep.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dermasim {

// Ranks (1-based, ties get their mean rank).
std::vector<double> ranks(const std::vector<double>& x);
// Spearman's rank correlation of x and y (pairs with a NaN are left out; NaN if < 3 pairs or no spread).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// The p-th percentile (0..100) by linear interpolation between order statistics (NaNs left out).
double percentile(std::vector<double> v, double p);

// Sobol' indices from a Saltelli design: for N base points, fA[j], fB[j] and fAB[i][j] (input i of
// A_j taken from B_j). First order S_i = mean(fB (fAB_i - fA)) / V (Saltelli et al. 2010, eq. (b) of
// table 2); total order ST_i = mean((fA - fAB_i)^2) / (2 V) (Jansen 1999); V the variance of fA and
// fB together. Confidence intervals: percentile bootstrap over the base points.
struct SobolIndex {
  double first = 0, first_lo = 0, first_hi = 0;
  double total = 0, total_lo = 0, total_hi = 0;
};
std::vector<SobolIndex> sobol_indices(const std::vector<double>& fA, const std::vector<double>& fB,
                                      const std::vector<std::vector<double>>& fAB, int bootstrap = 500,
                                      double confidence = 0.95, uint64_t seed = 1);

// Morris elementary effects from trajectories: `u` the cases' points in the unit cube (cases x d),
// f their values, each trajectory d + 1 consecutive cases that differ in one input per step. Per
// input: mu* (mean |EE|, Campolongo et al. 2007) with a percentile-bootstrap interval over the
// trajectories, mu (mean EE) and sigma (standard deviation of EE); EE in f per unit of u.
// Trajectories with a NaN are left out.
struct MorrisIndex {
  double mu_star = 0, mu_star_lo = 0, mu_star_hi = 0, mu = 0, sigma = 0;
  size_t n = 0;  // trajectories used
};
std::vector<MorrisIndex> morris_indices(const std::vector<double>& u, const std::vector<double>& f, int d, int bootstrap = 500,
                                        double confidence = 0.95, uint64_t seed = 1);

}  // namespace dermasim
