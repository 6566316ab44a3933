// SPDX-License-Identifier: BSD-3-Clause
// Solvers for (cm M + ca A) x = rhs. Direct (Eigen sparse LDLT, factorised once per (operator, dt))
// for small grids; matrix-free preconditioned conjugate gradients with OpenMP for large ones.
#pragma once
#include <Eigen/SparseCholesky>
#include <memory>
#include <string>
#include <vector>

#include "operator.hpp"

namespace dermasim {

struct LinearStats {
  long solves = 0;
  long iterations = 0;     // CG iterations, summed
  long factorizations = 0;
};

class LinearSolver {
 public:
  virtual ~LinearSolver() = default;
  // Prepares for the matrix cm*M + ca*A of `op`; `op_version` changes whenever op does.
  virtual void setup(const StencilOperator& op, long op_version, double cm, double ca) = 0;
  // Solves in place: x holds the initial guess on entry and the solution on exit.
  virtual void solve(const std::vector<double>& rhs, std::vector<double>& x) = 0;
  // The same, free to overwrite rhs (its content is undefined on exit): a solver that needs a
  // residual vector keeps it there instead of in a vector of its own.
  virtual void solve_destroying(std::vector<double>& rhs, std::vector<double>& x) { solve(rhs, x); }
  virtual std::string name() const = 0;
  LinearStats stats;
};

// kind: "direct", "cg" (block DIC preconditioner), "mg" (geometric multigrid preconditioner,
// solver/multigrid.cpp); tolerance: relative residual for CG.
std::unique_ptr<LinearSolver> make_linear_solver(const std::string& kind, double tolerance, int max_iterations);
std::unique_ptr<LinearSolver> make_multigrid_solver(double tolerance, int max_iterations);

// z = P^-1 r for the matrix cm*M + ca*A of an operator (a preconditioner for the Krylov solvers).
class Preconditioner {
 public:
  virtual ~Preconditioner() = default;
  virtual void setup(const StencilOperator& op, long op_version, double cm, double ca) = 0;
  virtual void apply(const std::vector<double>& r, std::vector<double>& z) = 0;
};
// One multigrid V-cycle (solver/multigrid.cpp) built from the operator's diffusive couplings and its
// whole diagonal; for a non-symmetric (advected) operator the upwind outflows count with the diagonal.
std::unique_ptr<Preconditioner> make_multigrid_preconditioner();
// For non-symmetric operators (advection): "direct" (sparse LU) or anything else (BiCGSTAB,
// preconditioned by the multigrid V-cycle for "mg", by the diagonal otherwise).
std::unique_ptr<LinearSolver> make_nonsymmetric_solver(const std::string& kind, double tolerance, int max_iterations);

}  // namespace dermasim
