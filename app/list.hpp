// SPDX-License-Identifier: BSD-3-Clause
// `dermasim list`: every registered plug-in (delivery types, injection techniques, reactions,
// couplings) with the keys it declares, generated from the registrations (models/registry.hpp).
// `--markdown` prints the reference block of docs/case-format.md (a test keeps them equal).
#pragma once
#include <string>

namespace dermasim {

std::string list_text();
std::string list_markdown();

}  // namespace dermasim
