// SPDX-License-Identifier: BSD-3-Clause
#include "list.hpp"

#include <sstream>

#include "../models/couplings/coupling_doc.hpp"
#include "../models/delivery/delivery_type.hpp"
#include "../models/delivery/technique.hpp"
#include "../models/reactions.hpp"

namespace dermasim {

namespace {

struct Kind {
  std::string title, key;  // e.g. "Delivery types", "delivery[].type"
  std::vector<const PluginInfo*> items;
};

template <class Base>
std::vector<const PluginInfo*> infos() {
  std::vector<const PluginInfo*> v;
  for (const Base* b : Registry<Base>::instance().all()) v.push_back(&b->info());
  return v;
}

std::vector<Kind> kinds() {
  return {{"Delivery types", "`delivery: [{type: NAME, ...}]`", infos<DeliveryType>()},
          {"Injection techniques", "`delivery: [{type: NAME, ...}]`, expanding into injections", infos<Technique>()},
          {"Reactions", "`reactions: [{type: NAME, ...}]`", infos<ReactionType>()},
          {"Couplings", "made by the case's `fluid`, `hydration` and `reactions`", infos<CouplingDoc>()}};
}

std::string cell(const std::string& s) { return s.empty() ? " " : s; }

}  // namespace

std::string list_text() {
  std::ostringstream o;
  for (const auto& k : kinds()) {
    o << k.title << " (" << k.key << "):\n";
    for (const auto* i : k.items) {
      o << "\n  " << i->name << ": " << i->doc << "\n";
      for (const auto& key : i->keys) {
        o << "    " << key.key << " (" << key.type << (key.unit.empty() ? "" : ", " + key.unit) << "; default " << key.fallback;
        if (!key.range.empty()) o << "; " << key.range;
        o << "): " << key.doc << "\n";
      }
    }
    o << "\n";
  }
  return o.str();
}

std::string list_markdown() {
  std::ostringstream o;
  for (const auto& k : kinds()) {
    o << "### " << k.title << "\n\n" << k.key << ".\n\n";
    for (const auto* i : k.items) {
      o << "#### `" << i->name << "`\n\n" << i->doc << ".\n\n";
      if (i->keys.empty()) {
        o << "No keys of its own.\n\n";
        continue;
      }
      o << "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
      for (const auto& key : i->keys)
        o << "| `" << key.key << "` | " << cell(key.type) << (key.unit.empty() ? "" : " (" + key.unit + ")") << " | " << cell(key.fallback) << " | "
          << cell(key.range) << " | " << cell(key.doc) << " |\n";
      o << "\n";
    }
  }
  return o.str();
}

}  // namespace dermasim
