// SPDX-License-Identifier: BSD-3-Clause
// Self-registering plug-ins. A model (a delivery type, an injection technique, a reaction, a
// coupling) is one class in its own file under models/<kind>/ that registers itself by name at
// static initialisation:
//
//   namespace { const Registration<DeliveryType> reg(std::make_unique<JetInjector>()); }
//
// models/ is built as an object library (CMakeLists.txt), so every registration is linked into
// every program even though nothing refers to it. Each plug-in declares the keys it reads (name,
// type, unit, default, allowed range, one line of doc): `dermasim list` prints them and
// docs/case-format.md holds the same tables (a test compares them).
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dermasim {

struct KeyDoc {
  std::string key;       // as written in the case file
  std::string type;      // number, quantity, text, bool, list, map
  std::string unit;      // e.g. "length", "mg/mL"; "" for none
  std::string fallback;  // the default, or "required"
  std::string range;     // allowed values
  std::string doc;       // one line
};

// What every plug-in says about itself.
struct PluginInfo {
  std::string name;  // the `type:` it is selected by
  std::string doc;   // one line
  std::vector<KeyDoc> keys;
};

// All plug-ins of one kind, by name. `Base` provides `const PluginInfo& info() const` and a static
// `kind()` ("delivery", "technique", "reaction", "coupling").
template <class Base>
class Registry {
 public:
  static Registry& instance() {
    static Registry r;
    return r;
  }
  void add(std::unique_ptr<Base> p) {
    const std::string n = p->info().name;
    if (items_.count(n)) throw std::logic_error("two " + std::string(Base::kind()) + " plug-ins named '" + n + "'");
    items_[n] = std::move(p);
  }
  const Base* find(const std::string& name) const {
    auto it = items_.find(name);
    return it == items_.end() ? nullptr : it->second.get();
  }
  const Base& get(const std::string& name) const {
    if (const Base* b = find(name)) return *b;
    throw std::logic_error("no " + std::string(Base::kind()) + " plug-in named '" + name + "'");
  }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& [k, v] : items_) n.push_back(k);
    return n;
  }
  std::vector<const Base*> all() const {
    std::vector<const Base*> v;
    for (const auto& [k, p] : items_) v.push_back(p.get());
    return v;
  }

 private:
  std::map<std::string, std::unique_ptr<Base>> items_;
};

template <class Base>
struct Registration {
  explicit Registration(std::unique_ptr<Base> p) { Registry<Base>::instance().add(std::move(p)); }
};

}  // namespace dermasim
