// SPDX-License-Identifier: BSD-3-Clause
// A sparse direct solver over any Eigen factorisation (LDLT for the symmetric operator, LU once
// advection makes it non-symmetric): factorised once per (operator version, matrix coefficients).
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "linear_solver.hpp"

namespace dermasim {

template <class Factorization>
class SparseDirectSolver final : public LinearSolver {
 public:
  explicit SparseDirectSolver(std::string name) : name_(std::move(name)) {}
  void setup(const StencilOperator& op, long version, double cm, double ca) override {
    if (version == version_ && cm == cm_ && ca == ca_) return;
    Eigen::SparseMatrix<double> S = op.assemble(cm, ca);
    S.makeCompressed();
    // The ordering depends on the sparsity pattern alone: kept while a new operator version (e.g.
    // advected by another flux field) has the same pattern.
    if (version != pattern_version_) {
      const bool same = S.nonZeros() == static_cast<Eigen::Index>(inner_.size()) && S.outerSize() + 1 == static_cast<Eigen::Index>(outer_.size()) &&
                        std::equal(outer_.begin(), outer_.end(), S.outerIndexPtr()) && std::equal(inner_.begin(), inner_.end(), S.innerIndexPtr());
      if (!same) {
        f_.analyzePattern(S);
        outer_.assign(S.outerIndexPtr(), S.outerIndexPtr() + S.outerSize() + 1);
        inner_.assign(S.innerIndexPtr(), S.innerIndexPtr() + S.nonZeros());
      }
      pattern_version_ = version;
    }
    f_.factorize(S);
    if (f_.info() != Eigen::Success) throw std::runtime_error("direct solver: factorisation failed (" + name_ + ")");
    version_ = version;
    cm_ = cm;
    ca_ = ca;
    ++stats.factorizations;
  }
  void solve(const std::vector<double>& rhs, std::vector<double>& x) override {
    Eigen::Map<const Eigen::VectorXd> b(rhs.data(), static_cast<Eigen::Index>(rhs.size()));
    Eigen::VectorXd sol = f_.solve(b);
    x.assign(sol.data(), sol.data() + sol.size());
    ++stats.solves;
  }
  std::string name() const override { return name_; }

 private:
  Factorization f_;
  std::string name_;
  long version_ = -1, pattern_version_ = -1;
  std::vector<int> outer_, inner_;  // the pattern the ordering was computed for
  double cm_ = 0, ca_ = 0;
};

}  // namespace dermasim
