// SPDX-License-Identifier: BSD-3-Clause
// The saved state of a run (a checkpoint): named arrays of numbers and named lists of text that the
// simulation, its couplings and the model's recorders put in and take back, so that a run can be
// continued exactly. solver/io/checkpoint writes it to HDF5 and reads it back.
#pragma once
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace dermasim {

// A checkpoint that cannot be used (missing or malformed entries): the restart is refused.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SavedState {
 public:
  void put(const std::string& key, std::vector<double> v) { numbers_[key] = std::move(v); }
  void put(const std::string& key, double v) { numbers_[key] = {v}; }
  void put_text(const std::string& key, std::vector<std::string> v) { texts_[key] = std::move(v); }
  bool has(const std::string& key) const { return numbers_.count(key) || texts_.count(key); }
  const std::vector<double>& get(const std::string& key) const {
    auto it = numbers_.find(key);
    if (it == numbers_.end()) throw CheckpointError("the checkpoint has no entry '" + key + "'");
    return it->second;
  }
  // A vector of a known size (`n`), or a scalar.
  const std::vector<double>& get(const std::string& key, size_t n) const {
    const auto& v = get(key);
    if (v.size() != n)
      throw CheckpointError("the checkpoint entry '" + key + "' has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
    return v;
  }
  double scalar(const std::string& key) const { return get(key, 1).front(); }
  // A whole number in [lo, hi] stored as a double.
  long integer(const std::string& key, long lo, long hi) const {
    const double v = scalar(key);
    if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != std::floor(v))
      throw CheckpointError("the checkpoint entry '" + key + "' is not a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<long>(v);
  }
  const std::vector<std::string>& text(const std::string& key) const {
    auto it = texts_.find(key);
    if (it == texts_.end()) throw CheckpointError("the checkpoint has no text entry '" + key + "'");
    return it->second;
  }
  const std::map<std::string, std::vector<double>>& numbers() const { return numbers_; }
  const std::map<std::string, std::vector<std::string>>& texts() const { return texts_; }

 private:
  std::map<std::string, std::vector<double>> numbers_;
  std::map<std::string, std::vector<std::string>> texts_;
};

}  // namespace dermasim
