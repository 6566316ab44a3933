// SPDX-License-Identifier: BSD-3-Clause
#include "sweep_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dermasim {

std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<size_t> o(x.size());
  std::iota(o.begin(), o.end(), size_t{0});
  std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < o.size();) {
    size_t j = i;
    while (j + 1 < o.size() && x[o[j + 1]] == x[o[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) r[o[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> a, b;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (!std::isnan(x[i]) && !std::isnan(y[i])) {
      a.push_back(x[i]);
      b.push_back(y[i]);
    }
  if (a.size() < 3) return NAN;
  const auto ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa <= 0 || sbb <= 0) return NAN;
  return sab / std::sqrt(saa * sbb);
}

double percentile(std::vector<double> v, double p) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (pos - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

namespace {
struct Estimate {
  std::vector<double> first, total;
};
Estimate estimate(const std::vector<double>& fA, const std::vector<double>& fB, const std::vector<std::vector<double>>& fAB,
                  const std::vector<size_t>& idx) {
  const size_t d = fAB.size();
  const double n = static_cast<double>(idx.size());
  double mean = 0;
  for (size_t j : idx) mean += fA[j] + fB[j];
  mean /= 2 * n;
  double var = 0;
  for (size_t j : idx) var += (fA[j] - mean) * (fA[j] - mean) + (fB[j] - mean) * (fB[j] - mean);
  var /= 2 * n - 1;
  Estimate e{std::vector<double>(d, NAN), std::vector<double>(d, NAN)};
  if (!(var > 0)) return e;
  for (size_t i = 0; i < d; ++i) {
    double s1 = 0, st = 0;
    for (size_t j : idx) {
      s1 += fB[j] * (fAB[i][j] - fA[j]);
      st += (fA[j] - fAB[i][j]) * (fA[j] - fAB[i][j]);
    }
    e.first[i] = s1 / n / var;
    e.total[i] = st / (2 * n) / var;
  }
  return e;
}
}  // namespace

std::vector<SobolIndex> sobol_indices(const std::vector<double>& fA, const std::vector<double>& fB,
                                      const std::vector<std::vector<double>>& fAB, int bootstrap, double confidence, uint64_t seed) {
  const size_t n = fA.size(), d = fAB.size();
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  const Estimate e = estimate(fA, fB, fAB, all);
  std::vector<SobolIndex> out(d);
  for (size_t i = 0; i < d; ++i) {
    out[i].first = e.first[i];
    out[i].total = e.total[i];
  }
  if (bootstrap <= 0 || n < 2) return out;
  std::vector<std::vector<double>> bf(d), bt(d);
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 12345;
  auto next = [&]() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<size_t> idx(n);
  for (int b = 0; b < bootstrap; ++b) {
    for (auto& j : idx) j = static_cast<size_t>(next() % n);
    const Estimate eb = estimate(fA, fB, fAB, idx);
    for (size_t i = 0; i < d; ++i) {
      bf[i].push_back(eb.first[i]);
      bt[i].push_back(eb.total[i]);
    }
  }
  const double lo = 50 * (1 - confidence), hi = 100 - lo;
  for (size_t i = 0; i < d; ++i) {
    out[i].first_lo = percentile(bf[i], lo);
    out[i].first_hi = percentile(bf[i], hi);
    out[i].total_lo = percentile(bt[i], lo);
    out[i].total_hi = percentile(bt[i], hi);
  }
  return out;
}

std::vector<MorrisIndex> morris_indices(const std::vector<double>& u, const std::vector<double>& f, int d, int bootstrap, double confidence,
                                        uint64_t seed) {
  const size_t per = static_cast<size_t>(d) + 1, nt = f.size() / per;
  std::vector<std::vector<double>> ee(d);  // [input][trajectory]
  for (size_t t = 0; t < nt; ++t) {
    std::vector<double> e(d, NAN);
    bool ok = true;
    for (size_t j = 1; j < per; ++j) {
      const size_t a = t * per + j - 1, b = a + 1;
      int changed = -1;
      for (int k = 0; k < d; ++k)
        if (u[b * d + k] != u[a * d + k]) changed = k;
      if (changed < 0 || std::isnan(f[a]) || std::isnan(f[b])) ok = false;
      else e[changed] = (f[b] - f[a]) / (u[b * d + changed] - u[a * d + changed]);
    }
    if (!ok) continue;
    for (int k = 0; k < d; ++k) ee[k].push_back(e[k]);
  }
  std::vector<MorrisIndex> out(d);
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 777;
  auto next = [&]() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  auto mean_abs = [](const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += std::fabs(x);
    return v.empty() ? NAN : m / v.size();
  };
  for (int k = 0; k < d; ++k) {
    const auto& v = ee[k];
    MorrisIndex& m = out[k];
    m.n = v.size();
    if (v.empty()) {
      m.mu_star = m.mu = m.sigma = m.mu_star_lo = m.mu_star_hi = NAN;
      continue;
    }
    m.mu_star = mean_abs(v);
    m.mu = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    double ss = 0;
    for (double x : v) ss += (x - m.mu) * (x - m.mu);
    m.sigma = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : NAN;
    std::vector<double> boot;
    std::vector<double> r(v.size());
    for (int b = 0; b < bootstrap; ++b) {
      for (auto& x : r) x = v[next() % v.size()];
      boot.push_back(mean_abs(r));
    }
    const double lo = 50 * (1 - confidence);
    m.mu_star_lo = bootstrap > 0 ? percentile(boot, lo) : NAN;
    m.mu_star_hi = bootstrap > 0 ? percentile(boot, 100 - lo) : NAN;
  }
  return out;
}

}  // namespace dermasim
