// SPDX-License-Identifier: BSD-3-Clause
// Estimation for `dermasim fit` (docs/fit.md): weighted least squares minimised by NLopt's BOBYQA
// (bound-constrained, derivative-free) from several starts in parallel, in scaled coordinates u in
// [0, 1] per parameter (linear or logarithmic in the value). At the optimum: the Jacobian of the
// weighted residuals by central differences (runs in parallel), the covariance s^2 (J'J)^-1, Wald
// intervals in the natural coordinate (log value or value) with a t quantile (normal when the sds
// are taken as known), correlations and identifiability warnings; on request, profile-likelihood
// intervals.
#include <nlopt.h>

#include <Eigen/Dense>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <sstream>

#include "../solver/input.hpp"
#include "fit.hpp"
#include "parallel.hpp"

namespace dermasim {

namespace {

constexpr double kFailed = 1e30;  // the objective of a run that failed (the optimiser steps away)

// Student's t density and its quantile by bisection on the integral (Simpson); dof <= 0: normal.
double t_cdf_upper_half(double x, double dof) {  // integral of the density from 0 to x
  const int n = 4000;
  const double lc = std::lgamma(0.5 * (dof + 1)) - std::lgamma(0.5 * dof) - 0.5 * std::log(dof * M_PI);
  auto f = [&](double s) { return std::exp(lc - 0.5 * (dof + 1) * std::log1p(s * s / dof)); };
  const double h = x / n;
  double sum = f(0) + f(x);
  for (int i = 1; i < n; ++i) sum += (i % 2 ? 4 : 2) * f(i * h);
  return sum * h / 3;
}

struct Objective {
  explicit Objective(const FitSpec& s) : spec(s) {}
  const FitSpec& spec;
  std::atomic<long> evaluations{0};
  std::atomic<long> failures{0};
  std::mutex log_mutex;
  std::string first_failure;

  std::vector<double> values(const std::vector<double>& u) const {
    std::vector<double> v(u.size());
    for (size_t i = 0; i < u.size(); ++i) v[i] = spec.params[i].value(std::clamp(u[i], 0.0, 1.0));
    return v;
  }
  // Weighted residuals at u; empty when the run failed.
  std::vector<double> residuals_at(const std::vector<double>& u) {
    ++evaluations;
    try {
      return residuals(spec, predict(spec, values(u)));
    } catch (const std::exception& e) {
      ++failures;
      std::lock_guard<std::mutex> lock(log_mutex);
      if (first_failure.empty()) first_failure = e.what();
      return {};
    }
  }
  double ssr_at(const std::vector<double>& u) {
    const auto r = residuals_at(u);
    if (r.empty()) return kFailed;
    double s = 0;
    for (double x : r) s += x * x;
    return std::isfinite(s) ? s : kFailed;
  }
};

// Minimises over the free coordinates (those with fixed[i] < 0); the fixed ones keep fixed[i].
struct Minimum {
  std::vector<double> u;
  double ssr = kFailed;
};
struct SubProblem {
  Objective* obj;
  const std::vector<double>* fixed;
  std::vector<double> full;
};
double nlopt_objective(unsigned n, const double* x, double*, void* data) {
  auto* sp = static_cast<SubProblem*>(data);
  size_t k = 0;
  for (size_t i = 0; i < sp->full.size(); ++i)
    if ((*sp->fixed)[i] < 0) sp->full[i] = x[k++];
  (void)n;
  return sp->obj->ssr_at(sp->full);
}
Minimum minimise(Objective& obj, std::vector<double> u0, const std::vector<double>& fixed, int max_evaluations, double xtol) {
  SubProblem sp{&obj, &fixed, u0};
  for (size_t i = 0; i < fixed.size(); ++i)
    if (fixed[i] >= 0) sp.full[i] = fixed[i];
  std::vector<double> x;
  for (size_t i = 0; i < fixed.size(); ++i)
    if (fixed[i] < 0) x.push_back(std::clamp(u0[i], 0.0, 1.0));
  Minimum m;
  if (x.empty()) {
    m.u = sp.full;
    m.ssr = obj.ssr_at(m.u);
    return m;
  }
  // BOBYQA needs two or more unknowns; one is left to COBYLA (also derivative-free, bounded)
  nlopt_opt opt = nlopt_create(x.size() >= 2 ? NLOPT_LN_BOBYQA : NLOPT_LN_COBYLA, static_cast<unsigned>(x.size()));
  nlopt_set_lower_bounds1(opt, 0.0);
  nlopt_set_upper_bounds1(opt, 1.0);
  nlopt_set_min_objective(opt, nlopt_objective, &sp);
  nlopt_set_xtol_abs1(opt, xtol);
  nlopt_set_ftol_abs(opt, 1e-14);
  nlopt_set_maxeval(opt, max_evaluations);
  std::vector<double> step(x.size());
  for (size_t i = 0; i < x.size(); ++i) step[i] = std::min(0.1, std::max(0.02, 0.5 * std::max(x[i], 1 - x[i]) - 0.01));
  nlopt_set_initial_step(opt, step.data());
  double f = kFailed;
  nlopt_optimize(opt, x.data(), &f);  // a stop at maxeval still returns the best point
  nlopt_destroy(opt);
  size_t k = 0;
  for (size_t i = 0; i < fixed.size(); ++i)
    if (fixed[i] < 0) sp.full[i] = x[k++];
  m.u = sp.full;
  m.ssr = f;
  return m;
}

// Starting points: the initial guess, then a Halton sequence over [0.05, 0.95]^p.
std::vector<std::vector<double>> starting_points(const FitSpec& spec) {
  static const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
  const size_t p = spec.params.size();
  std::vector<std::vector<double>> s;
  std::vector<double> u0(p);
  for (size_t i = 0; i < p; ++i) u0[i] = spec.params[i].coordinate(spec.params[i].initial);
  s.push_back(u0);
  for (int k = 1; k < spec.starts; ++k) {
    std::vector<double> u(p);
    for (size_t i = 0; i < p; ++i) {
      const int b = primes[i % 16];
      double f = 1, r = 0;
      for (int n = k; n > 0; n /= b) f /= b, r += f * (n % b);
      u[i] = 0.05 + 0.9 * r;
    }
    s.push_back(u);
  }
  return s;
}

std::string fmt(double x, int digits = 4) {
  char b[40];
  std::snprintf(b, sizeof b, "%.*g", digits, x);
  return b;
}

}  // namespace

double t_quantile(double p, double dof) {
  if (dof <= 0 || dof > 1e6) {
    // normal: bisection on erf
    double lo = 0, hi = 10;
    for (int i = 0; i < 200; ++i) {
      const double m = 0.5 * (lo + hi);
      (0.5 * (1 + std::erf(m / std::sqrt(2.0))) < p ? lo : hi) = m;
    }
    return 0.5 * (lo + hi);
  }
  double lo = 0, hi = 1;
  while (0.5 + t_cdf_upper_half(hi, dof) < p) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const double m = 0.5 * (lo + hi);
    (0.5 + t_cdf_upper_half(m, dof) < p ? lo : hi) = m;
  }
  return 0.5 * (lo + hi);
}

FitResult estimate(const FitSpec& spec, const std::function<void(const std::string&)>& log) {
  const size_t p = spec.params.size();
  Objective obj{spec};
  FitResult res;
  res.p = static_cast<int>(p);
  // 1. multi-start, in parallel
  const auto starts = starting_points(spec);
  std::vector<Minimum> mins(starts.size());
  const std::vector<double> all_free(p, -1.0);
  parallel_for(starts.size(), [&](size_t k) { mins[k] = minimise(obj, starts[k], all_free, spec.max_evaluations, 1e-7); });
  size_t best = 0;
  for (size_t k = 0; k < mins.size(); ++k) {
    res.start_ssr.push_back(mins[k].ssr);
    if (mins[k].ssr < mins[best].ssr) best = k;
  }
  if (mins[best].ssr >= kFailed)
    throw std::runtime_error("every run of the model failed; the first failure: " + obj.first_failure);
  const std::vector<double> u = mins[best].u;
  res.ssr = mins[best].ssr;
  for (size_t k = 0; k < mins.size(); ++k) {
    double dist = 0;
    for (size_t i = 0; i < p; ++i) dist = std::max(dist, std::abs(mins[k].u[i] - u[i]));
    if (dist <= 1e-2) ++res.starts_agreeing;
    else if (mins[k].ssr <= res.ssr * 1.01 + 1e-20)
      res.warnings.push_back("start " + std::to_string(k + 1) + " reached a different point with nearly the same fit (weighted SSR " + fmt(mins[k].ssr) +
                             " vs " + fmt(res.ssr) + "): the data may not determine the parameters uniquely");
  }
  {
    std::ostringstream os;
    os << "fit: " << starts.size() << " starts, " << res.starts_agreeing << " reached the best optimum (weighted SSR " << fmt(res.ssr, 6) << "), "
       << obj.evaluations.load() << " model evaluations";
    log(os.str());
  }
  // 2. residuals and the Jacobian at the optimum (central differences in u, one-sided at a bound)
  const std::vector<double> r0 = obj.residuals_at(u);
  if (r0.empty()) throw std::runtime_error("the model failed at the optimum: " + obj.first_failure);
  const size_t n = r0.size();
  res.n = static_cast<int>(n);
  const double h = 1e-3;
  std::vector<std::vector<double>> plus(p), minus(p);
  std::vector<double> up(p), um(p);
  for (size_t i = 0; i < p; ++i) {
    up[i] = std::min(1.0, u[i] + h);
    um[i] = std::max(0.0, u[i] - h);
  }
  parallel_for(2 * p, [&](size_t j) {
    const size_t i = j / 2;
    std::vector<double> x = u;
    x[i] = j % 2 ? um[i] : up[i];
    auto r = obj.residuals_at(x);
    (j % 2 ? minus : plus)[i] = std::move(r);
  });
  Eigen::MatrixXd J(n, p);
  for (size_t i = 0; i < p; ++i) {
    const auto& a = plus[i].empty() ? r0 : plus[i];
    const auto& b = minus[i].empty() ? r0 : minus[i];
    const double du = (plus[i].empty() ? u[i] : up[i]) - (minus[i].empty() ? u[i] : um[i]);
    if (a.size() != n || b.size() != n || du <= 0) throw std::runtime_error("the model failed next to the optimum (Jacobian): " + obj.first_failure);
    for (size_t k = 0; k < n; ++k) J(k, i) = (a[k] - b[k]) / du;
  }
  // 3. covariance and intervals
  bool all_sd = true;
  for (const auto& ds : spec.data) all_sd &= ds.residuals == Residuals::Sd;
  res.sigma_known = all_sd;
  const double dof = static_cast<double>(n) - static_cast<double>(p);
  if (dof <= 0) res.warnings.push_back("as many parameters as data points: no degrees of freedom left for the intervals");
  const double s2 = res.sigma_known ? 1.0 : (dof > 0 ? res.ssr / dof : std::numeric_limits<double>::infinity());
  const double alpha = 1 - spec.confidence;
  res.quantile = res.sigma_known ? t_quantile(1 - alpha / 2, 0) : t_quantile(1 - alpha / 2, std::max(dof, 1.0));
  const Eigen::MatrixXd JtJ = J.transpose() * J;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(JtJ);
  const Eigen::VectorXd lam = eig.eigenvalues();
  const double lmax = lam.maxCoeff(), lmin = lam.minCoeff();
  res.condition = lmin > 0 ? lmax / lmin : std::numeric_limits<double>::infinity();
  Eigen::MatrixXd inv = Eigen::MatrixXd::Zero(p, p);
  const double cut = lmax * 1e-14;
  for (size_t k = 0; k < p; ++k) {
    const double l = lam(k) > cut ? 1.0 / lam(k) : std::numeric_limits<double>::infinity();
    if (std::isinf(l)) {
      inv = Eigen::MatrixXd::Constant(p, p, std::numeric_limits<double>::infinity());
      break;
    }
    inv += l * eig.eigenvectors().col(k) * eig.eigenvectors().col(k).transpose();
  }
  const Eigen::MatrixXd cov = s2 * inv;
  res.value.resize(p);
  res.lower.resize(p);
  res.upper.resize(p);
  res.se_natural.resize(p);
  res.correlation.assign(p, std::vector<double>(p, 0));
  for (size_t i = 0; i < p; ++i) {
    const FitParameter& fp = spec.params[i];
    const double v = fp.value(u[i]);
    res.value[i] = v;
    const double se = std::sqrt(std::max(0.0, cov(i, i))) * fp.natural_per_u();
    res.se_natural[i] = se;
    if (fp.log) {
      res.lower[i] = v * std::exp(-res.quantile * se);
      res.upper[i] = v * std::exp(res.quantile * se);
    } else {
      res.lower[i] = v - res.quantile * se;
      res.upper[i] = v + res.quantile * se;
    }
    for (size_t j = 0; j < p; ++j) res.correlation[i][j] = cov(i, j) / std::sqrt(cov(i, i) * cov(j, j));
  }
  // 4. identifiability
  if (!(res.condition < 1e8)) {
    const Eigen::VectorXd w = eig.eigenvectors().col(0);
    std::string who;
    for (size_t i = 0; i < p; ++i)
      if (std::abs(w(i)) > 0.3) who += (who.empty() ? "" : ", ") + spec.params[i].label;
    res.warnings.push_back("J'J is near-singular (condition number " + fmt(res.condition, 3) + "): the data do not determine " +
                           (who.empty() ? std::string("some combination of the parameters") : "a combination of " + who));
  }
  for (size_t i = 0; i < p; ++i)
    for (size_t j = i + 1; j < p; ++j)
      if (std::abs(res.correlation[i][j]) > 0.95 || !std::isfinite(res.correlation[i][j]))
        res.warnings.push_back(spec.params[i].label + " and " + spec.params[j].label + " trade off (correlation " + fmt(res.correlation[i][j], 3) +
                               "): the data determine a combination of them better than either");
  for (size_t i = 0; i < p; ++i) {
    const FitParameter& fp = spec.params[i];
    if (u[i] < 1e-4 || u[i] > 1 - 1e-4)
      res.warnings.push_back(fp.label + " is at its " + (u[i] < 0.5 ? "lower" : "upper") + " bound: widen the bounds or check the model");
    const bool poor = fp.log ? !(res.quantile * res.se_natural[i] < std::log(10.0)) : !(res.quantile * res.se_natural[i] < std::abs(res.value[i]));
    if (poor)
      res.warnings.push_back(fp.label + " is poorly determined by the data: its " + fmt(100 * spec.confidence, 3) + " % interval spans " +
                             (fp.log ? "more than a factor of 10 each side" : "more than its value each side"));
  }
  if (res.sigma_known && dof > 0) {
    // chi-square test of the sds: upper 97.5 % point by the Wilson-Hilferty approximation
    const double z = t_quantile(0.975, 0), a = 2.0 / (9.0 * dof);
    const double chi2_hi = dof * std::pow(1 - a + z * std::sqrt(a), 3);
    if (res.ssr > chi2_hi)
      res.warnings.push_back("the residuals scatter more than the sds say (weighted SSR " + fmt(res.ssr) + " above the chi-square 97.5 % point " +
                             fmt(chi2_hi) + " for " + fmt(dof) + " degrees of freedom): the intervals, which take the sds as known, are too narrow; "
                             "check the model and the sds, or fit with residuals: relative");
  }
  if (obj.failures > 0)
    res.warnings.push_back(std::to_string(obj.failures.load()) + " model runs failed during the search (first: " + obj.first_failure + ")");
  // 5. profile likelihood, on request: where the objective, minimised over the others, crosses the threshold
  if (spec.profile) {
    const double q2 = res.quantile * res.quantile;
    const double limit = res.sigma_known ? res.ssr + q2 : res.ssr * (1 + q2 / std::max(dof, 1.0));
    res.profile_lower.assign(p, std::numeric_limits<double>::quiet_NaN());
    res.profile_upper.assign(p, std::numeric_limits<double>::quiet_NaN());
    log("fit: profile likelihood (" + std::to_string(2 * p) + " profiles)");
    parallel_for(2 * p, [&](size_t j) {
      const size_t i = j / 2;
      const double dir = j % 2 ? 1.0 : -1.0;
      auto profile_at = [&](double ui) {
        std::vector<double> fixed(p, -1.0);
        fixed[i] = ui;
        return minimise(obj, u, fixed, spec.max_evaluations, 1e-5).ssr;
      };
      const double se_u = std::sqrt(std::max(0.0, cov(i, i)));
      double step = std::isfinite(se_u) && se_u > 0 ? std::min(0.5, res.quantile * se_u) : 0.1;
      double inside = u[i], outside = -1;
      for (int k = 0; k < 12; ++k) {
        const double x = std::clamp(u[i] + dir * step, 0.0, 1.0);
        if (profile_at(x) > limit) {
          outside = x;
          break;
        }
        inside = x;
        if (x == 0.0 || x == 1.0) break;
        step *= 2;
      }
      if (outside < 0) return;  // not closed within the bounds
      for (int k = 0; k < 10; ++k) {
        const double m = 0.5 * (inside + outside);
        (profile_at(m) > limit ? outside : inside) = m;
      }
      const double v = spec.params[i].value(0.5 * (inside + outside));
      (j % 2 ? res.profile_upper : res.profile_lower)[i] = v;
    });
    for (size_t i = 0; i < p; ++i)
      if (std::isnan(res.profile_lower[i]) || std::isnan(res.profile_upper[i]))
        res.warnings.push_back(spec.params[i].label + ": the profile likelihood interval reaches a bound (" +
                               (std::isnan(res.profile_lower[i]) ? std::string("lower") : std::string("upper")) + "): the data do not bound it there");
  }
  res.evaluations = obj.evaluations;
  res.prediction = predict(spec, res.value, true);
  return res;
}

}  // namespace dermasim
