// SPDX-License-Identifier: BSD-3-Clause
// What a coupling (models/couplings/) says about itself for `dermasim list`: its name, one line of
// doc, and the case keys that configure it. Each coupling file registers one.
#pragma once
#include <memory>

#include "../registry.hpp"

namespace dermasim {

class CouplingDoc {
 public:
  static const char* kind() { return "coupling"; }
  explicit CouplingDoc(PluginInfo i) : info_(std::move(i)) {}
  const PluginInfo& info() const { return info_; }

 private:
  PluginInfo info_;
};

using CouplingRegistry = Registry<CouplingDoc>;

}  // namespace dermasim
