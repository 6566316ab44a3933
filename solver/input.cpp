// SPDX-License-Identifier: BSD-3-Clause
#include "input.hpp"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dermasim {

std::string InputError::compose(const std::string& f, int l, const std::string& p, const std::string& w) {
  std::ostringstream os;
  os << (f.empty() ? "<input>" : f);
  if (l > 0) os << ":" << l;
  os << ": ";
  if (!p.empty()) os << p << ": ";
  os << w;
  return os.str();
}

int Located::line() const {
  if (!node) return 0;
  auto m = node.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

namespace {
bool under(const std::string& path, const std::string& prefix) {
  return path == prefix || path.rfind(prefix + ".", 0) == 0 || path.rfind(prefix + "[", 0) == 0;
}

// True if the value at `l` came from --set: it is (inside) a replaced value, or it is a map that
// --set created on the way to a new key (such nodes have no line in the file).
bool is_overridden(const Located& l) {
  if (!l.src) return false;
  for (const auto& p : l.src->overridden) {
    if (under(l.path, p)) return true;
    if (l.line() == 0 && (l.path.empty() ? !p.empty() : under(p, l.path))) return true;
  }
  return false;
}

// The key node of `key` in `map` (an empty value has no useful line of its own: yaml-cpp marks the
// token after it), or the map if there is none.
YAML::Node key_node(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->first;
  return map;
}

// Edit distance, for "did you mean" hints on misspelt keys.
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1])) ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

namespace {
// A key present in a map that no reader asked for, within two edits of a key asked for there and
// absent: the likely typo behind an error (see InputSource). "" if none.
std::string near_miss_hint(const InputSource& src, const std::string& what) {
  for (const auto& [mpath, node] : src.maps) {
    const auto ab = src.absent.find(mpath);
    if (ab == src.absent.end() || !node.IsMap()) continue;
    const auto& asked = src.asked[mpath];
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string k = it->first.Scalar();
      if (k.size() < 4 || asked.count(k) || what.find("'" + k + "'") != std::string::npos) continue;
      for (const auto& want : ab->second) {
        if (want.size() < 4 || distance(k, want) > 2) continue;
        const int line = it->first.Mark().line >= 0 ? it->first.Mark().line + 1 : 0;
        const std::string where = mpath.empty() ? k : mpath + "." + k;
        return " (note: '" + where + "'" + (line > 0 ? " at line " + std::to_string(line) : std::string()) +
               " is not a key dermasim knows: did you mean '" + want + "'?)";
      }
    }
  }
  return "";
}
}  // namespace

void Located::fail(const std::string& what) const {
  const std::string file = src ? src->file : std::string();
  const std::string full = what + (src ? near_miss_hint(*src, what) : std::string());
  if (is_overridden(*this)) throw InputError(file + " (value from --set)", 0, path, full);
  throw InputError(file, line(), path, full);
}

std::string Located::as_string() const {
  if (!node || !node.IsScalar()) fail("expected a single value (text)");
  return node.Scalar();
}

double Located::as_number() const {
  if (!node || !node.IsScalar()) fail("expected a number");
  const std::string& s = node.Scalar();
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) fail("expected a plain number, got '" + s + "'");
  size_t used = 0;
  double v = 0;
  try {
    v = parse_decimal(s.substr(b), &used);
    check_magnitude(v, s);
  } catch (const UnitError& e) {
    fail(std::string(e.what()) + "; expected a plain number");
  }
  const size_t rest = s.find_first_not_of(" \t", b + used);
  if (rest != std::string::npos) fail("expected a plain number, got '" + s + "'");
  return v;
}

long Located::as_int(long min_value, long max_value) const {
  if (!node || !node.IsScalar()) fail("expected a whole number");
  const std::string& s = node.Scalar();
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0') fail("expected a whole number, got '" + s + "'");
  if (v < min_value || v > max_value)
    fail("must be between " + std::to_string(min_value) + " and " + std::to_string(max_value) + ", got " + s);
  return v;
}

bool Located::as_bool() const {
  if (!node || !node.IsScalar()) fail("expected true or false");
  std::string s = node.Scalar();
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail("expected true or false, got '" + node.Scalar() + "'");
}

double Located::as_quantity(const Dim& d) const { return as_quantity_of({d}).si; }

Quantity Located::as_quantity_of(const std::vector<Dim>& allowed) const {
  if (!node || !node.IsScalar()) fail("expected " + describe_dim(allowed.front()));
  const std::string& s = node.Scalar();
  Quantity q;
  try {
    q = parse_quantity(s);
  } catch (const UnitError& e) {
    fail(std::string(e.what()) + "; expected " + describe_dim(allowed.front()));
  }
  // A plain number is taken as SI in whatever dimension is expected first.
  bool plain = true;
  for (char c : s)
    if (std::isalpha(static_cast<unsigned char>(c)) && c != 'e' && c != 'E') plain = false;
  if (s.find('%') != std::string::npos) plain = false;
  if (plain && q.dim == dims::none) return {q.si, allowed.front()};
  for (const auto& d : allowed)
    if (q.dim == d) return q;
  std::string want;
  for (size_t i = 0; i < allowed.size(); ++i) want += (i ? " or " : "") + describe_dim(allowed[i]);
  fail("'" + s + "' is " + describe_dim(q.dim) + "; expected " + want);
}

std::vector<Located> Located::as_list() const {
  if (!node || !node.IsSequence()) fail("expected a list ([a, b] or '- item' lines)");
  std::vector<Located> out;
  for (size_t i = 0; i < node.size(); ++i) out.push_back({node[i], index_path(i), src});
  return out;
}

MapReader::MapReader(const Located& where) : where_(where) {
  if (!where_.node || !where_.node.IsMap()) where_.fail("expected a map of 'key: value' entries");
  if (where_.src) where_.src->maps[where_.path] = where_.node;
  // yaml-cpp keeps both entries of a repeated key and lookups see only the first: reject it.
  std::vector<std::pair<std::string, int>> seen;
  for (auto it = where_.node.begin(); it != where_.node.end(); ++it) {
    if (!it->first.IsScalar()) Located{it->first, where_.path, where_.src}.fail("a key must be a plain name, not a list or a map");
    const std::string k = it->first.Scalar();
    Located key{it->first, where_.child_path(k), where_.src};
    for (const auto& [name, line] : seen)
      if (name == k)
        key.fail("key '" + k + "' is given twice" + (line > 0 ? " (first at line " + std::to_string(line) + ")" : std::string()) +
                 "; give it once");
    seen.emplace_back(k, key.line());
  }
}

// Remembers that `key` was asked for at this map (and whether it was there): see InputSource.
static void note_asked(const Located& where, const std::string& key, bool present) {
  if (!where.src) return;
  where.src->asked[where.path].insert(key);
  if (!present) where.src->absent[where.path].insert(key);
}

bool MapReader::has(const std::string& key) const {
  const bool present = static_cast<bool>(where_.node[key]);
  note_asked(where_, key, present);
  return present;
}

Located MapReader::at(const std::string& key) {
  known_.push_back(key);
  YAML::Node n = where_.node[key];
  note_asked(where_, key, static_cast<bool>(n));
  if (!n) {
    // Reported at the map that lacks the key, under the key's own path.
    std::string hint;
    for (const auto& k : keys())
      if (k != key && distance(k, key) <= 2 && std::find(known_.begin(), known_.end(), k) == known_.end())
        hint += "; '" + k + "' is given instead: a misspelling?";
    Located missing{where_.node, where_.child_path(key), where_.src};
    missing.fail("required key '" + key + "' is missing" + hint);
  }
  Located l{n, where_.child_path(key), where_.src};
  if (n.IsNull()) Located{key_node(where_.node, key), l.path, l.src}.fail("no value given; '" + key + "' needs a value");
  return l;
}

std::optional<Located> MapReader::maybe(const std::string& key) {
  known_.push_back(key);
  YAML::Node n = where_.node[key];
  note_asked(where_, key, static_cast<bool>(n));
  if (!n) return std::nullopt;
  Located l{n, where_.child_path(key), where_.src};
  if (n.IsNull()) Located{key_node(where_.node, key), l.path, l.src}.fail("no value given; give a value or leave '" + key + "' out");
  return l;
}

std::vector<std::string> MapReader::keys() const {
  std::vector<std::string> out;
  for (auto it = where_.node.begin(); it != where_.node.end(); ++it) out.push_back(it->first.Scalar());
  return out;
}

void MapReader::finish() const {
  for (auto it = where_.node.begin(); it != where_.node.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(known_.begin(), known_.end(), k) == known_.end()) {
      std::string allowed;
      std::vector<std::string> uniq;
      for (const auto& a : known_)
        if (std::find(uniq.begin(), uniq.end(), a) == uniq.end()) uniq.push_back(a);
      for (size_t i = 0; i < uniq.size(); ++i) allowed += (i ? ", " : "") + uniq[i];
      std::string mean;
      size_t best = 3;
      for (const auto& a : uniq)
        if (const size_t d = distance(k, a); d < best && d < a.size()) best = d, mean = a;
      Located bad{it->first, where_.child_path(k), where_.src};
      bad.fail("unknown key '" + k + "'" + (mean.empty() ? std::string() : " (did you mean '" + mean + "'?)") + "; allowed here: " + allowed);
    }
  }
}

double positive(const Located& l, const Dim& d) {
  const double v = l.as_quantity(d);
  if (!(v > 0)) l.fail("must be positive, got '" + l.as_string() + "'");
  return v;
}

double non_negative(const Located& l, const Dim& d) {
  const double v = l.as_quantity(d);
  if (v < 0) l.fail("must not be negative, got '" + l.as_string() + "'");
  return v;
}

std::string one_of(const Located& l, const std::vector<std::string>& allowed) {
  const std::string s = l.as_string();
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    std::string list;
    for (size_t i = 0; i < allowed.size(); ++i) list += (i ? ", " : "") + allowed[i];
    l.fail("'" + s + "' is not allowed; choose one of: " + list);
  }
  return s;
}

namespace {

// Splits "a.b[2].c" into segments; an index segment is "[2]".
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segs;
  std::string cur;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.') {
      // "a..b", ".a" and "a." are typos, not paths (after an index, "[0].b" is the normal form)
      if (cur.empty() && !(i > 0 && path[i - 1] == ']')) throw InputError("--set", 0, path, "empty key name before '.' in the key path (write e.g. time.end)");
      if (i + 1 == path.size()) throw InputError("--set", 0, path, "the key path ends with '.' (write e.g. time.end)");
      if (!cur.empty()) segs.push_back(cur);
      cur.clear();
    } else if (c == '[') {
      if (!cur.empty()) segs.push_back(cur);
      cur.clear();
      size_t j = path.find(']', i);
      if (j == std::string::npos) throw InputError("--set", 0, path, "unclosed '[' in key path");
      segs.push_back(path.substr(i, j - i + 1));
      i = j;
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) segs.push_back(cur);
  return segs;
}

// "[12]" -> 12; anything else is an error naming the path.
size_t list_index(const std::string& seg, const std::string& path) {
  const std::string digits = seg.substr(1, seg.size() - 2);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
    throw InputError("--set", 0, path, "list index " + seg + " is not a whole number (write e.g. delivery[0].depth)");
  return std::stoul(digits);
}

// A value that YAML reads as a plain string scalar equal to its text ("4 mg/mL", "1e-15 m2/s",
// "-3", "face_cheek"): no indicator, quote, flow bracket, comment, colon or line break, no space at
// either end, not a null. Anything else goes through the YAML parser.
bool plain_scalar(const std::string& v) {
  if (v.empty() || v.size() > 200 || v.front() == ' ' || v.back() == ' ') return false;
  if (v == "~" || v == "null" || v == "Null" || v == "NULL") return false;
  if (v.find_first_of("[]{},:#&*!|>'\"%@`\n\r\t") != std::string::npos) return false;
  if ((v[0] == '-' || v[0] == '?') && !(v.size() > 1 && (std::isdigit(static_cast<unsigned char>(v[1])) || v[1] == '.'))) return false;
  return true;
}

void apply_override(YAML::Node root, const std::string& assignment, InputSource& src) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set", 0, "", "expected KEY.PATH=VALUE, got '" + assignment + "'");
  std::string path = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  auto segs = split_path(path);
  if (segs.empty()) throw InputError("--set", 0, path, "empty key path");
  YAML::Node value_node;
  if (plain_scalar(value)) {
    value_node = YAML::Node(value);  // what YAML::Load gives for it, without starting a parser
  } else {
    try {
      value_node = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw InputError("--set", 0, path, "cannot read value '" + value + "': " + e.msg);
    }
  }
  // Walk down, creating maps as needed; list indices must exist.
  std::vector<YAML::Node> chain{root};
  std::string walked;
  auto step_into = [&](const YAML::Node& cur, const std::string& seg) {
    if (seg[0] == '[') {
      if (!cur.IsSequence())
        throw InputError("--set", 0, walked + seg,
                         (walked.empty() ? std::string("the top level") : "'" + walked + "'") + " is not a list, so " + seg + " does not apply");
      return;
    }
    if (cur.IsSequence())
      throw InputError("--set", 0, walked.empty() ? seg : walked + "." + seg,
                       "'" + walked + "' is a list: give an index first, e.g. " + walked + "[0]." + seg);
    if (cur.IsScalar())
      throw InputError("--set", 0, walked.empty() ? seg : walked + "." + seg, "'" + walked + "' is a single value, not a map");
  };
  for (size_t s = 0; s + 1 < segs.size(); ++s) {
    YAML::Node cur = chain.back();
    const std::string& seg = segs[s];
    step_into(cur, seg);
    if (seg[0] == '[') {
      size_t idx = list_index(seg, path);
      if (idx >= cur.size()) throw InputError("--set", 0, walked + seg, "no list entry " + seg + " to override");
      chain.push_back(cur[idx]);
      walked += seg;
    } else {
      if (!cur[seg] || cur[seg].IsNull()) cur[seg] = YAML::Node(YAML::NodeType::Map);
      chain.push_back(cur[seg]);
      walked += (walked.empty() ? "" : ".") + seg;
    }
  }
  YAML::Node parent = chain.back();
  const std::string& last = segs.back();
  step_into(parent, last);
  if (last[0] == '[') {
    size_t idx = list_index(last, path);
    if (idx >= parent.size()) throw InputError("--set", 0, path, "no list entry " + last + " to override");
    parent[idx] = value_node;
  } else if (!value_node || value_node.IsNull()) {
    parent.remove(last);  // KEY= or KEY=~ : back to the default
  } else {
    parent[last] = value_node;
  }
  // Normalise the path to the form the readers build ("a.b[2].c").
  std::string norm;
  for (const auto& s : segs) norm += (s[0] == '[' || norm.empty()) ? s : "." + s;
  src.overridden.insert(norm);
}

Located finish_load(YAML::Node root, const std::string& name, const std::vector<std::string>& overrides) {
  auto src = std::make_shared<InputSource>();
  src->file = name;
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw InputError(name, 1, "", "a case file must be a map of 'key: value' entries");
  for (const auto& o : overrides) apply_override(root, o, *src);
  return Located{root, "", src};
}

}  // namespace

Located with_overrides(const Located& base, const std::vector<std::string>& overrides) {
  auto src = std::make_shared<InputSource>();
  if (base.src) {
    src->file = base.src->file;
    src->overridden = base.src->overridden;
  }
  YAML::Node root = YAML::Clone(base.node);
  for (const auto& o : overrides) apply_override(root, o, *src);
  return Located{root, base.path, src};
}

std::string read_text_file(const std::string& path, const std::string& what, size_t max_bytes) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) throw InputError(path, 0, "", "this is a folder; give " + what);
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw InputError(path, 0, "", "not a regular file (a pipe, device or socket); give " + what + " (a file on disk)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", std::string("cannot open ") + what + ": " + std::strerror(errno));
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw InputError(path, 0, "", "the file has " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) +
                                      " allowed for " + what);
  std::string text;
  text.resize(ec ? 0 : size);
  if (!text.empty()) in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw InputError(path, 0, "", std::string("cannot read ") + what + ": " + std::strerror(errno));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

Located load_yaml_file(const std::string& path, const std::vector<std::string>& overrides) {
  return load_yaml_text(read_text_file(path, "the case file", kMaxYamlBytes), path, overrides);
}

namespace {
// What YAML allows but a case file must not hold: explicit tags (`!foo`, `!!binary`), NUL characters
// and anchors' aliases are fine; tags and NULs are errors at their line.
// A quoted value whose closing quote is on a later line that looks like YAML of its own ("key: ..."
// or "- ..."): almost surely a missing closing quote, which YAML reads as one long value.
bool unclosed_quote(const std::string& text, int pos) {
  if (pos < 0 || static_cast<size_t>(pos) >= text.size()) return false;
  const char q = text[pos];
  if (q != '"' && q != '\'') return false;
  size_t i = pos + 1;
  for (; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == q) {
      if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
        continue;
      }
      break;
    }
  }
  const std::string span = text.substr(pos, i - pos);
  size_t nl = span.find('\n');
  while (nl != std::string::npos) {
    const size_t end = span.find('\n', nl + 1);
    std::string ln = span.substr(nl + 1, end == std::string::npos ? std::string::npos : end - nl - 1);
    ln.erase(0, ln.find_first_not_of(" \t"));
    const size_t colon = ln.find(": ");
    if (ln.rfind("- ", 0) == 0 || (colon != std::string::npos && colon > 0 &&
                                    ln.find_first_of(" \"'", 0) >= colon))
      return true;
    nl = end;
  }
  return false;
}

void check_tree(const YAML::Node& n, const std::string& name, const std::string& path, const std::string& text,
                std::vector<YAML::Node>& above) {
  auto fail = [&](const YAML::Node& at, const std::string& what) {
    const int line = at.Mark().line >= 0 ? at.Mark().line + 1 : 0;
    throw InputError(name, line, path, what);
  };
  // an alias to a map or list that holds it (`a: &x {b: *x}`) is a cycle (found by fuzzing: the walk
  // below overflowed the stack); nesting is bounded too
  for (const auto& a : above)
    if (n.is(a)) fail(n, "a YAML alias (*name) refers to a map or list that contains it; remove the cycle");
  if (above.size() >= 64) fail(n, "nested more than 64 levels deep");
  if (n.IsSequence() || n.IsMap()) above.push_back(n);
  const std::string& tag = n.Tag();
  if (!tag.empty() && tag != "?" && tag != "!") fail(n, "the YAML tag '" + tag + "' is not supported; remove it (values are plain text)");
  if (n.IsScalar()) {
    if (n.Scalar().find('\0') != std::string::npos) fail(n, "the value contains a NUL character");
    if (tag == "!" && unclosed_quote(text, n.Mark().pos))
      fail(n, "this quoted value runs on over the lines after it: is its closing quote missing?");
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) check_tree(n[i], name, path + "[" + std::to_string(i) + "]", text, above);
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      const std::string child = path.empty() ? k : path + "." + k;
      if (k.find('\0') != std::string::npos) fail(it->first, "the key contains a NUL character");
      check_tree(it->first, name, child, text, above);
      check_tree(it->second, name, child, text, above);
    }
  }
  if (n.IsSequence() || n.IsMap()) above.pop_back();
}
}  // namespace

Located load_yaml_text(const std::string& text, const std::string& name, const std::vector<std::string>& overrides) {
  // CR-only line endings (classic Mac) read as one long line: say so instead of a missing key
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))
      throw InputError(name, static_cast<int>(std::count(text.begin(), text.begin() + i, '\n')) + 1, "",
                       "the file has CR-only line endings; save it with LF (or CRLF) line endings");
  if (const size_t z = text.find('\0'); z != std::string::npos)
    throw InputError(name, static_cast<int>(std::count(text.begin(), text.begin() + z, '\n')) + 1, "",
                     "the file contains a NUL character (is it a text file?)");
  // One document: a '---' after content, or content after '...', starts a second one. Found in the
  // text (YAML::LoadAll of yaml-cpp 0.7 loops for ever on some malformed input: found by fuzzing).
  {
    bool content = false, ended = false;
    int line = 0;
    for (size_t b = 0; b < text.size();) {
      const size_t e = std::min(text.find('\n', b), text.size());
      const std::string ln = text.substr(b, e - b);
      ++line;
      b = e + 1;
      const bool start = ln.rfind("---", 0) == 0 && (ln.size() == 3 || ln[3] == ' ' || ln[3] == '\t' || ln[3] == '\r');
      const bool end = ln.rfind("...", 0) == 0 && (ln.size() == 3 || ln[3] == ' ' || ln[3] == '\t' || ln[3] == '\r');
      const size_t first = ln.find_first_not_of(" \t\r");
      const bool blank = first == std::string::npos || ln[first] == '#';
      if ((start && content) || (ended && !blank && !end))
        throw InputError(name, line, "", "a second YAML document (after '---' or '...'); a case file holds one document");
      if (end) ended = true;
      else if (start) content = content || ln.find_first_not_of(" \t\r", 3) != std::string::npos;
      else if (!blank && ln[0] != '%') content = true;
    }
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "YAML syntax error: " + e.msg);
  }
  std::vector<YAML::Node> above;
  check_tree(root, name, "", text, above);
  return finish_load(root, name, overrides);
}

}  // namespace dermasim
