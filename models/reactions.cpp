// SPDX-License-Identifier: BSD-3-Clause
#include "reactions.hpp"

#include <algorithm>

#include "case.hpp"

namespace dermasim {

std::string reaction_species(const Located& l, const Case& c) {
  const std::string n = l.as_string();
  require_species(n, l, c);
  return n;
}

void read_reactions(MapReader& root, Case& c) {
  c.reactions.clear();
  auto rl = root.maybe("reactions");
  if (!rl) return;
  if (!rl->is_list()) rl->fail("must be a list of reactions, e.g. [{type: conversion, from: ha_deposit, to: ha}]");
  for (const auto& item : rl->as_list()) {
    MapReader m(item);
    ReactionDef r;
    r.type = one_of(m.at("type"), ReactionRegistry::instance().names());
    const ReactionType& t = ReactionRegistry::instance().get(r.type);
    t.read(m, c, item, r);
    m.finish();
    t.check(r, c.reactions, item);
    c.reactions.push_back(r);
  }
}

void add_reactions(const Case& c, Problem& p) {
  for (const auto& r : c.reactions) ReactionRegistry::instance().get(r.type).lower(c, r, p);
}

void dump_reactions(const Case& c, YAML::Emitter& e) {
  if (c.reactions.empty()) return;
  e << YAML::Key << "reactions" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : c.reactions) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << r.type;
    ReactionRegistry::instance().get(r.type).emit(e, r);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

}  // namespace dermasim
