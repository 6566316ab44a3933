// SPDX-License-Identifier: BSD-3-Clause
#include "restart.hpp"

#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

#include "../solver/input.hpp"

namespace dermasim {

namespace {

bool ignored(const std::string& path) {
  return path == "time.end" || path == "time.outputs" || path == "output" || path.rfind("output.", 0) == 0;
}

std::string show(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "(absent)";
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  std::string s = e.c_str();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

std::string join(const std::string& base, const std::string& key) { return base.empty() ? key : base + "." + key; }

// The first difference below `path` (depth-limited: the stored text is checked, not trusted).
std::string diff(const YAML::Node& a, const YAML::Node& b, const std::string& path, int depth) {
  if (ignored(path)) return "";
  if (depth > 64) return path + ": nested too deep to compare";
  auto differ = [&] { return (path.empty() ? "the case" : path) + ": " + show(a) + " in the checkpoint, " + show(b) + " now"; };
  if (a.Type() != b.Type()) return differ();
  if (a.IsScalar()) return a.Scalar() == b.Scalar() ? "" : differ();
  if (a.IsSequence()) {
    if (a.size() != b.size()) return path + ": " + std::to_string(a.size()) + " entries in the checkpoint, " + std::to_string(b.size()) + " now";
    for (size_t i = 0; i < a.size(); ++i)
      if (auto d = diff(a[i], b[i], path + "[" + std::to_string(i) + "]", depth + 1); !d.empty()) return d;
    return "";
  }
  if (a.IsMap()) {
    // in the order of the case now, then keys only the checkpoint's case has
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const YAML::Node* m : {&b, &a})
      for (const auto& kv : *m)
        if (kv.first.IsScalar() && seen.insert(kv.first.Scalar()).second) keys.push_back(kv.first.Scalar());
    for (const auto& k : keys) {
      const YAML::Node x = a[k], y = b[k];
      const std::string p = join(path, k);
      if (ignored(p)) continue;
      if (!x.IsDefined() || !y.IsDefined()) return p + ": " + show(x) + " in the checkpoint, " + show(y) + " now";
      if (auto d = diff(x, y, p, depth + 1); !d.empty()) return d;
    }
    return "";
  }
  return "";
}

}  // namespace

std::string case_difference(const std::string& stored, const std::string& current) {
  Located a, b;
  try {
    a = load_yaml_text(stored, "the checkpoint's /case", {});
  } catch (const std::exception& e) {
    throw CheckpointError(std::string("the checkpoint's case cannot be read: ") + e.what());
  }
  b = load_yaml_text(current, "the case", {});
  if (!a.node.IsMap()) throw CheckpointError("the checkpoint's case is not a YAML map");
  return diff(a.node, b.node, "", 0);
}

CheckpointFile open_restart(const std::string& file, std::string* note) {
  const std::string sibling = checkpoint_sibling(file);
  const double t_file = checkpoint_time(file);
  const double t_sib = sibling != file ? checkpoint_time(sibling) : std::nan("");
  std::string chosen;
  if (std::isfinite(t_file) && !(t_sib > t_file))
    chosen = file;
  else if (std::isfinite(t_sib))
    chosen = sibling;
  if (chosen.empty()) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    throw InputError("--restart", 0, "",
                     exists ? "'" + file + "' holds no checkpoint (a complete run, or not a dermasim output), and there is no '" + sibling + "'"
                            : "no such file '" + file + "', and no checkpoint '" + sibling + "' beside it");
  }
  if (note) *note = chosen == file ? "" : "the later checkpoint is '" + chosen + "'";
  try {
    return read_checkpoint(chosen);
  } catch (const CheckpointError& e) {
    throw InputError("--restart", 0, "", std::string("cannot continue from '") + chosen + "': " + e.what());
  }
}

}  // namespace dermasim
