// SPDX-License-Identifier: BSD-3-Clause
// Reading case files: every value is looked up through a MapReader that knows its file, line and
// full key path, so an error can say "case.yaml:12: delivery[1].depth: ...". Keys nobody asked for
// are errors (MapReader::finish). Overrides from the command line (--set a.b[2].c=value) are applied
// to the YAML tree before it is read, and errors in them say so.
#pragma once
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "units.hpp"

namespace dermasim {

// A user-facing input error; exit code 2.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, std::string path, std::string what)
      : std::runtime_error(compose(file, line, path, what)), file_(std::move(file)), line_(line),
        path_(std::move(path)), what_(std::move(what)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& key_path() const { return path_; }
  const std::string& reason() const { return what_; }

 private:
  static std::string compose(const std::string& f, int l, const std::string& p, const std::string& w);
  std::string file_;
  int line_;
  std::string path_;
  std::string what_;
};

// Where values come from: the file name and the key paths set on the command line.
struct InputSource {
  std::string file;
  std::set<std::string> overridden;  // key paths replaced by --set
  // What the readers asked for, per map path: every map read, the keys asked for (at, maybe, has)
  // and those of them that were absent. An error anywhere then names a key that nobody asked for
  // and is close to an absent one ("'geomtery' ...: did you mean 'geometry'?"), since such a typo
  // often causes the error (a default taken, a required alternative missing).
  mutable std::map<std::string, YAML::Node> maps;
  mutable std::map<std::string, std::set<std::string>> asked, absent;
};

// A YAML node plus where it is.
struct Located {
  YAML::Node node;
  std::string path;  // "delivery[2].depth"; "" for the root
  std::shared_ptr<const InputSource> src;

  int line() const;  // 1-based; 0 if unknown
  [[noreturn]] void fail(const std::string& what) const;
  std::string child_path(const std::string& key) const { return path.empty() ? key : path + "." + key; }
  std::string index_path(size_t i) const { return path + "[" + std::to_string(i) + "]"; }

  // Scalars
  std::string as_string() const;
  double as_number() const;  // plain number, no unit
  long as_int(long min_value, long max_value) const;
  bool as_bool() const;
  // A value with a unit (a plain number is SI) that must have dimension `d`.
  double as_quantity(const Dim& d) const;
  // A value whose dimension must be one of `allowed`; returns the one found.
  Quantity as_quantity_of(const std::vector<Dim>& allowed) const;
  std::vector<Located> as_list() const;
  bool is_map() const { return node.IsMap(); }
  bool is_list() const { return node.IsSequence(); }
  bool is_scalar() const { return node.IsScalar(); }
};

// Reads the keys of one YAML map. Every key read is remembered; finish() rejects the rest,
// naming the allowed keys.
class MapReader {
 public:
  explicit MapReader(const Located& where);
  bool has(const std::string& key) const;
  Located at(const std::string& key);                  // required
  std::optional<Located> maybe(const std::string& key);  // optional
  void allow(const std::string& key) { known_.push_back(key); }
  // Keys in file order (for maps keyed by user names, e.g. layer names).
  std::vector<std::string> keys() const;
  void finish() const;
  const Located& self() const { return where_; }

 private:
  Located where_;
  std::vector<std::string> known_;
};

// A quantity of dimension d that must be > 0 (or >= 0); the error quotes what was given.
double positive(const Located& l, const Dim& d);
double non_negative(const Located& l, const Dim& d);
// A value that must be one of `allowed`; the error lists them.
std::string one_of(const Located& l, const std::vector<std::string>& allowed);

// The largest case, ingredients or scenarios file read (bytes): a larger one is refused (exit 2).
inline constexpr size_t kMaxYamlBytes = 16u << 20;
// Reads a whole text file that the user named (`what`: "the case file"); a folder, a pipe, a
// device or a file over max_bytes is an InputError naming the file.
std::string read_text_file(const std::string& path, const std::string& what, size_t max_bytes);
// Loads a YAML file; syntax errors become InputErrors with the line. A second document, explicit
// tags, NUL characters and CR-only line endings are errors too.
Located load_yaml_file(const std::string& path, const std::vector<std::string>& overrides);
// Same, from text (tests, and the resolved case stored in output files).
Located load_yaml_text(const std::string& text, const std::string& name, const std::vector<std::string>& overrides);
// A copy of a loaded tree (its own nodes, the same file name and overridden paths) with more
// overrides applied as load_yaml_text applies them: many variants of one file from one parse.
// yaml-cpp's copy (YAML::Clone) keeps no line numbers: errors from a copy name no line, so read a
// failing variant again with load_yaml_text for the message. Not thread-safe on `base` (yaml-cpp
// nodes share their memory): give each thread its own copy.
Located with_overrides(const Located& base, const std::vector<std::string>& overrides);

}  // namespace dermasim
