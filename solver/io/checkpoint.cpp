// SPDX-License-Identifier: BSD-3-Clause
#include "checkpoint.hpp"

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

namespace dermasim {

namespace {

constexpr hsize_t kMaxEntries = hsize_t(1) << 34;  // values in one array (128 GiB of numbers)

struct Closer {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Closer() {
    if (id >= 0) close(id);
  }
};

void write_numbers(hid_t g, const char* name, const std::vector<double>& v) {
  const hsize_t n = v.size();
  Closer space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  Closer d{H5Dcreate2(g, name, H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw std::runtime_error(std::string("HDF5: cannot create the checkpoint's ") + name);
  if (n > 0 && H5Dwrite(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw std::runtime_error(std::string("HDF5: cannot write the checkpoint's ") + name + " (is the disk full?)");
}

void write_strings(hid_t g, const char* name, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  Closer type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  const hsize_t n = v.size();
  Closer space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  Closer d{H5Dcreate2(g, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw std::runtime_error(std::string("HDF5: cannot create the checkpoint's ") + name);
  if (n > 0 && H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    throw std::runtime_error(std::string("HDF5: cannot write the checkpoint's ") + name + " (is the disk full?)");
}

// A 1-d dataset's length, checked.
hsize_t length_of(hid_t d, const std::string& what) {
  Closer space{H5Dget_space(d), H5Sclose};
  if (space.id < 0 || H5Sget_simple_extent_ndims(space.id) != 1) throw CheckpointError("the checkpoint's " + what + " is not a list");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.id, &n, nullptr);
  if (n > kMaxEntries) throw CheckpointError("the checkpoint's " + what + " is too long");
  return n;
}

std::vector<double> read_numbers(hid_t g, const char* name) {
  Closer d{H5Dopen2(g, name, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw CheckpointError(std::string("the checkpoint has no ") + name);
  Closer type{H5Dget_type(d.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_FLOAT && H5Tget_class(type.id) != H5T_INTEGER)
    throw CheckpointError(std::string("the checkpoint's ") + name + " is not numbers");
  std::vector<double> v(length_of(d.id, name));
  if (!v.empty() && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw CheckpointError(std::string("cannot read the checkpoint's ") + name);
  return v;
}

std::vector<std::string> read_strings(hid_t g, const char* name) {
  Closer d{H5Dopen2(g, name, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw CheckpointError(std::string("the checkpoint has no ") + name);
  Closer ftype{H5Dget_type(d.id), H5Tclose};
  if (H5Tget_class(ftype.id) != H5T_STRING || H5Tis_variable_str(ftype.id) <= 0)
    throw CheckpointError(std::string("the checkpoint's ") + name + " is not a list of text");
  const hsize_t n = length_of(d.id, name);
  std::vector<char*> ptrs(n, nullptr);
  Closer type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5Tget_cset(ftype.id));
  if (n > 0 && H5Dread(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    throw CheckpointError(std::string("cannot read the checkpoint's ") + name);
  std::vector<std::string> out;
  out.reserve(n);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n > 0) {
    Closer space{H5Dget_space(d.id), H5Sclose};
    H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, ptrs.data());
  }
  return out;
}

// Splits `values` into lists of the given counts.
template <class T>
std::vector<std::vector<T>> split(const std::vector<double>& counts, const std::vector<T>& values, const std::string& what) {
  std::vector<std::vector<T>> out;
  size_t at = 0;
  for (double c : counts) {
    if (!(c >= 0 && c <= static_cast<double>(values.size() - at)) || c != std::floor(c))
      throw CheckpointError("the checkpoint's " + what + " counts do not match its values");
    const size_t k = static_cast<size_t>(c);
    out.emplace_back(values.begin() + static_cast<long>(at), values.begin() + static_cast<long>(at + k));
    at += k;
  }
  if (at != values.size()) throw CheckpointError("the checkpoint's " + what + " counts do not match its values");
  return out;
}

}  // namespace

RawCheckpoint encode_state(const SavedState& st) {
  RawCheckpoint r;
  for (const auto& [k, v] : st.numbers()) {
    r.keys.push_back(k);
    r.counts.push_back(static_cast<double>(v.size()));
    r.data.insert(r.data.end(), v.begin(), v.end());
  }
  for (const auto& [k, v] : st.texts()) {
    r.text_keys.push_back(k);
    r.text_counts.push_back(static_cast<double>(v.size()));
    r.text_values.insert(r.text_values.end(), v.begin(), v.end());
  }
  return r;
}

SavedState decode_state(const RawCheckpoint& raw) {
  if (raw.keys.size() != raw.counts.size()) throw CheckpointError("the checkpoint has " + std::to_string(raw.keys.size()) + " keys and " + std::to_string(raw.counts.size()) + " counts");
  if (raw.text_keys.size() != raw.text_counts.size()) throw CheckpointError("the checkpoint has " + std::to_string(raw.text_keys.size()) + " text keys and " + std::to_string(raw.text_counts.size()) + " counts");
  SavedState st;
  std::set<std::string> seen, seen_text;
  const auto numbers = split(raw.counts, raw.data, "number");
  for (size_t i = 0; i < raw.keys.size(); ++i) {
    if (raw.keys[i].empty() || !seen.insert(raw.keys[i]).second) throw CheckpointError("the checkpoint has an empty or repeated key '" + raw.keys[i] + "'");
    st.put(raw.keys[i], numbers[i]);
  }
  const auto texts = split(raw.text_counts, raw.text_values, "text");
  for (size_t i = 0; i < raw.text_keys.size(); ++i) {
    if (raw.text_keys[i].empty() || !seen_text.insert(raw.text_keys[i]).second)
      throw CheckpointError("the checkpoint has an empty or repeated text key '" + raw.text_keys[i] + "'");
    st.put_text(raw.text_keys[i], texts[i]);
  }
  return st;
}

void write_checkpoint_group(int64_t file, const SavedState& st, double time) {
  const RawCheckpoint r = encode_state(st);
  Closer g{H5Gcreate2(static_cast<hid_t>(file), "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  if (g.id < 0) throw std::runtime_error("HDF5: cannot create the group /checkpoint");
  write_strings(g.id, "keys", r.keys);
  write_numbers(g.id, "counts", r.counts);
  write_numbers(g.id, "data", r.data);
  write_strings(g.id, "text_keys", r.text_keys);
  write_numbers(g.id, "text_counts", r.text_counts);
  write_strings(g.id, "text_values", r.text_values);
  {
    Closer type{H5Tcopy(H5T_C_S1), H5Tclose};
    const std::string fmt = kCheckpointFormat;
    H5Tset_size(type.id, fmt.size());
    Closer space{H5Screate(H5S_SCALAR), H5Sclose};
    Closer a{H5Acreate2(g.id, "format", type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    if (a.id < 0 || H5Awrite(a.id, type.id, fmt.c_str()) < 0) throw std::runtime_error("HDF5: cannot write the checkpoint's format");
  }
  {
    Closer space{H5Screate(H5S_SCALAR), H5Sclose};
    Closer a{H5Acreate2(g.id, "time", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    if (a.id < 0 || H5Awrite(a.id, H5T_NATIVE_DOUBLE, &time) < 0) throw std::runtime_error("HDF5: cannot write the checkpoint's time");
  }
}

namespace {

hid_t open_readonly(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return -1;
  if (H5Fis_hdf5(path.c_str()) <= 0) return -1;
  return H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
}

double read_time_attr(hid_t g) {
  if (H5Aexists(g, "time") <= 0) return std::numeric_limits<double>::quiet_NaN();
  Closer a{H5Aopen(g, "time", H5P_DEFAULT), H5Aclose};
  Closer space{H5Aget_space(a.id), H5Sclose};
  Closer type{H5Aget_type(a.id), H5Tclose};
  double t = std::numeric_limits<double>::quiet_NaN();
  if (a.id < 0 || H5Sget_simple_extent_npoints(space.id) != 1 || H5Tget_class(type.id) != H5T_FLOAT) return t;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &t) < 0) return std::numeric_limits<double>::quiet_NaN();
  return t;
}

}  // namespace

bool has_checkpoint(const std::string& path) {
  Closer f{open_readonly(path), H5Fclose};
  return f.id >= 0 && H5Lexists(f.id, "checkpoint", H5P_DEFAULT) > 0;
}

double checkpoint_time(const std::string& path) {
  Closer f{open_readonly(path), H5Fclose};
  if (f.id < 0 || H5Lexists(f.id, "checkpoint", H5P_DEFAULT) <= 0) return std::numeric_limits<double>::quiet_NaN();
  Closer g{H5Gopen2(f.id, "checkpoint", H5P_DEFAULT), H5Gclose};
  return g.id < 0 ? std::numeric_limits<double>::quiet_NaN() : read_time_attr(g.id);
}

CheckpointFile read_checkpoint(const std::string& path) {
  CheckpointFile out;
  out.path = path;
  Closer f{open_readonly(path), H5Fclose};
  if (f.id < 0) throw CheckpointError("'" + path + "' is not a readable HDF5 file");
  if (H5Lexists(f.id, "checkpoint", H5P_DEFAULT) <= 0)
    throw CheckpointError("'" + path + "' holds no checkpoint (a complete run, or not a dermasim output)");
  Closer g{H5Gopen2(f.id, "checkpoint", H5P_DEFAULT), H5Gclose};
  if (g.id < 0) throw CheckpointError("'" + path + "': /checkpoint is not a group");
  out.time = read_time_attr(g.id);
  if (!std::isfinite(out.time)) throw CheckpointError("'" + path + "': the checkpoint has no time");
  RawCheckpoint raw;
  raw.keys = read_strings(g.id, "keys");
  raw.counts = read_numbers(g.id, "counts");
  raw.data = read_numbers(g.id, "data");
  raw.text_keys = read_strings(g.id, "text_keys");
  raw.text_counts = read_numbers(g.id, "text_counts");
  raw.text_values = read_strings(g.id, "text_values");
  out.state = decode_state(raw);
  // the resolved case: a scalar string dataset
  Closer d{H5Dopen2(f.id, "case", H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw CheckpointError("'" + path + "' has no /case");
  Closer type{H5Dget_type(d.id), H5Tclose};
  Closer space{H5Dget_space(d.id), H5Sclose};
  if (H5Tget_class(type.id) != H5T_STRING || H5Tis_variable_str(type.id) > 0 || H5Sget_simple_extent_npoints(space.id) != 1)
    throw CheckpointError("'" + path + "': /case is not a text");
  const size_t size = H5Tget_size(type.id);
  if (size == 0 || size > (size_t(1) << 30)) throw CheckpointError("'" + path + "': /case is too large");
  std::string text(size, '\0');
  Closer mem{H5Tcopy(type.id), H5Tclose};  // as stored (size, character set, padding)
  if (H5Dread(d.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0) throw CheckpointError("'" + path + "': cannot read /case");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  out.case_text = std::move(text);
  return out;
}

std::string checkpoint_sibling(const std::string& output_path) {
  const std::filesystem::path p(output_path);
  std::string stem = p.stem().string();
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".ckpt") == 0) return output_path;  // already one
  return (p.parent_path() / (stem + ".ckpt.h5")).string();
}

}  // namespace dermasim
