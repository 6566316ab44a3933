// SPDX-License-Identifier: BSD-3-Clause
#include "output.hpp"

#include <hdf5.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "vtk_writer.hpp"

namespace dermasim {
namespace fs = std::filesystem;

namespace {

void check(herr_t e, const char* what) {
  if (e < 0) throw std::runtime_error(std::string("HDF5 error: ") + what);
}

void attr_string(hid_t obj, const char* name, const std::string& value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.empty() ? 1 : value.size());
  H5Tset_cset(type, H5T_CSET_UTF8);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  check(H5Awrite(a, type, value.empty() ? "" : value.c_str()), name);
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// Numbers as an attribute: a scalar (space H5S_SCALAR) or a 1-d array; closes `space`.
void attr_numbers(hid_t obj, const char* name, hid_t space, const double* v) {
  hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  check(H5Awrite(a, H5T_NATIVE_DOUBLE, v), name);
  H5Aclose(a);
  H5Sclose(space);
}

void attr_double(hid_t obj, const char* name, double v) { attr_numbers(obj, name, H5Screate(H5S_SCALAR), &v); }

void attr_doubles(hid_t obj, const char* name, const std::vector<double>& v) {
  const hsize_t n = v.size();
  attr_numbers(obj, name, H5Screate_simple(1, &n, nullptr), v.data());
}

void attr_strings(hid_t obj, const char* name, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = v.size();
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  check(H5Awrite(a, type, ptrs.data()), name);
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// Text as a scalar string dataset (no 64 KiB limit, unlike an attribute): the resolved case.
void text_dataset(hid_t loc, const char* name, const std::string& value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.empty() ? 1 : value.size());
  H5Tset_cset(type, H5T_CSET_UTF8);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) throw std::runtime_error(std::string("HDF5: cannot create dataset ") + name);
  check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.empty() ? "" : value.c_str()), name);
  H5Dclose(d);
  H5Sclose(space);
  H5Tclose(type);
}

void dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, hid_t memtype, const void* data,
             const std::string& units) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t d = H5Dcreate2(loc, name.c_str(), memtype == H5T_NATIVE_INT ? H5T_STD_I32LE : H5T_IEEE_F64LE, space, lcpl,
                       H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) throw std::runtime_error("HDF5: cannot create dataset " + name);
  check(H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name.c_str());
  if (!units.empty()) attr_string(d, "units", units);
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
}

// XML-escapes text for the .xmf (file and species names may hold &, <, > or quotes).
std::string xml_escape(const std::string& in) {
  std::string out;
  for (char ch : in) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string snapshot_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06d", index);
  return buf;
}

// HDF5 1.10 closes open files at exit; one whose H5Fclose failed (a full disk) is left half-closed
// and that cleanup then crashes (SIGSEGV in H5F__close_cb). Every file here is closed explicitly,
// so the exit-time cleanup is turned off, before the library is first used.
const int kHdf5NoAtexit = (H5dont_atexit(), 0);

}  // namespace

struct RunWriter::Impl {
  hid_t file = -1;
  bool finished = false;
  std::vector<std::pair<double, int>> snaps;
  std::unique_ptr<VtkSeriesWriter> vtk;
  struct Series {
    std::string path, units;
    std::vector<double> values;
  };
  struct Attribute {
    std::string path, name;
    std::variant<double, std::vector<double>, std::string, std::vector<std::string>> value;
  };
  std::vector<Series> series;
  std::vector<Attribute> attributes;
};

void RunWriter::add_series(const std::string& path, std::vector<double> values, const std::string& units) {
  impl_->series.push_back({path, units, std::move(values)});
}
void RunWriter::add_attribute(const std::string& path, const std::string& name, double value) {
  impl_->attributes.push_back({path, name, value});
}
void RunWriter::add_attribute(const std::string& path, const std::string& name, std::vector<double> values) {
  impl_->attributes.push_back({path, name, std::move(values)});
}
void RunWriter::add_attribute(const std::string& path, const std::string& name, const std::string& value) {
  impl_->attributes.push_back({path, name, value});
}
void RunWriter::add_attribute(const std::string& path, const std::string& name, std::vector<std::string> values) {
  impl_->attributes.push_back({path, name, std::move(values)});
}

std::string RunWriter::check_writable(const std::string& path) {
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create the folder '" + dir.string() + "': " + ec.message();
  // the longest name written next to it: "<stem>_metrics.csv.tmp-<pid>" (24 more than "<stem>.h5")
  long name_max = ::pathconf(dir.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = 255;
  const size_t name_len = p.filename().string().size();
  if (static_cast<long>(name_len) + 24 > name_max)
    return "the file name '" + p.filename().string() + "' is too long (" + std::to_string(name_len) + " characters; at most " +
           std::to_string(name_max - 24) + " here)";
  if (fs::is_directory(p, ec)) return "'" + path + "' is a folder";
  const std::string probe = (dir / (".dermasim-write-test-" + std::to_string(::getpid()))).string();
  FILE* f = std::fopen(probe.c_str(), "w");
  if (!f) return "cannot write in the folder '" + dir.string() + "'";
  std::fclose(f);
  std::remove(probe.c_str());
  return "";
}

int RunWriter::remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::vector<std::string> prefixes = {p.filename().string() + ".tmp-", p.stem().string() + ".xmf.tmp-",
                                             p.stem().string() + "_metrics.csv.tmp-", p.stem().string() + "_report.md.tmp-",
                                             p.stem().string() + ".ckpt.h5.tmp-"};
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const auto& pre : prefixes) {
      if (name.size() <= pre.size() || name.compare(0, pre.size(), pre) != 0) continue;
      const std::string pid = name.substr(pre.size());
      if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
      const long id = std::stol(pid);
      if (id == ::getpid()) continue;
      if (::kill(static_cast<pid_t>(id), 0) == 0 || errno != ESRCH) continue;  // that writer still runs
      std::error_code rec;
      if (fs::remove(it->path(), rec)) ++removed;
    }
  }
  return removed;
}

RunWriter::RunWriter(const std::string& path, const Simulation& sim, const std::string& case_yaml, bool vtk)
    : impl_(std::make_unique<Impl>()), path_(path) {
  tmp_ = path + ".tmp-" + std::to_string(::getpid());
  fs::path p(path);
  xmf_ = (p.parent_path() / (p.stem().string() + ".xmf")).string();
  remove_stale_temporaries(path);
  (void)kHdf5NoAtexit;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  impl_->file = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (impl_->file < 0) throw std::runtime_error("cannot create the output file '" + tmp_ + "'");
  try {
    write_header(sim, case_yaml, vtk);
  } catch (...) {
    // a constructor that throws runs no destructor: close and remove here
    H5Fclose(impl_->file);
    impl_->file = -1;
    std::remove(tmp_.c_str());
    throw;
  }
}

void RunWriter::write_header(const Simulation& sim, const std::string& case_yaml, bool vtk) {
  const fs::path p(path_);
  const Grid& g = sim.grid();
  hid_t f = impl_->file;
  // The resolved case: a dataset (/case), as it can exceed the 64 KiB of an HDF5 attribute.
  text_dataset(f, "case", case_yaml);
  attr_string(f, "dermasim_version", DERMASIM_VERSION);
  attr_string(f, "geometry", to_string(g.geometry));
  attr_string(f, "amount_units", g.amount_unit());
  std::vector<std::string> names;
  for (const auto& s : sim.problem().species) names.push_back(s.name);
  attr_strings(f, "species", names);
  dataset(f, "grid/x", {g.xn.size()}, H5T_NATIVE_DOUBLE, g.xn.data(), "m");
  dataset(f, "grid/y", {g.yn.size()}, H5T_NATIVE_DOUBLE, g.yn.data(), "m");
  dataset(f, "grid/z", {g.zn.size()}, H5T_NATIVE_DOUBLE, g.zn.data(), "m");
  std::vector<int> layer(g.cells());
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) layer[g.index(i, j, k)] = g.cell_layer[k];
  dataset(f, "grid/layer", {hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)}, H5T_NATIVE_INT, layer.data(), "");
  {
    hid_t d = H5Dopen2(f, "grid/layer", H5P_DEFAULT);
    attr_strings(d, "names", g.layer_names);
    H5Dclose(d);
    hid_t gr = H5Gopen2(f, "grid", H5P_DEFAULT);
    attr_string(gr, "note", to_string(g.geometry) == "1d" || to_string(g.geometry) == "2d"
                                ? "z is depth below the skin surface; x/y extents along unresolved directions are nominal"
                                : "z is depth below the skin surface; x is the radius in axisymmetric geometry");
    H5Gclose(gr);
  }
  if (vtk) {
    pvd_ = (p.parent_path() / (p.stem().string() + ".pvd")).string();
    impl_->vtk = std::make_unique<VtkSeriesWriter>(pvd_, g);
  }
}

RunWriter::~RunWriter() {
  if (impl_->file >= 0) H5Fclose(impl_->file);  // finish() marks the file closed before closing it
  if (!impl_->finished) {
    std::remove(tmp_.c_str());
    std::remove((xmf_ + ".tmp-" + std::to_string(::getpid())).c_str());
    if (impl_->vtk) impl_->vtk->abandon();
  }
}

void RunWriter::snapshot(const Simulation& sim, double t, int index) {
  const Grid& g = sim.grid();
  const std::string grp = "snapshots/" + snapshot_name(index);
  std::vector<std::vector<double>> fields;
  std::vector<std::string> names;
  for (size_t s = 0; s < sim.species_count(); ++s) {
    fields.push_back(sim.concentration(static_cast<int>(s)));
    names.push_back(sim.problem().species[s].name);
    dataset(impl_->file, grp + "/" + names.back(), {hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)}, H5T_NATIVE_DOUBLE,
            fields.back().data(), sim.problem().species[s].unit);
  }
  for (const auto& sf : sim.surface_fields())  // per surface column, from the couplings
    dataset(impl_->file, grp + "/" + sf.name, {1, hsize_t(g.ny), hsize_t(g.nx)}, H5T_NATIVE_DOUBLE, sf.values.data(), sf.unit);
  hid_t gr = H5Gopen2(impl_->file, grp.c_str(), H5P_DEFAULT);
  attr_double(gr, "time", t);
  H5Gclose(gr);
  impl_->snaps.emplace_back(t, index);
  if (impl_->vtk) impl_->vtk->write(t, index, names, fields);
}

void RunWriter::finish(const Simulation& sim, const std::string& incomplete) {
  const auto& h = sim.history();
  hid_t f = impl_->file;
  if (f < 0) throw std::runtime_error("output: the file '" + tmp_ + "' is already closed");
  attr_string(f, "status", incomplete.empty() ? std::string("complete") : "incomplete: " + incomplete);
  attr_double(f, "time_reached", h.time.empty() ? 0.0 : h.time.back());
  const std::string au = sim.grid().amount_unit();
  dataset(f, "scalars/time", {h.time.size()}, H5T_NATIVE_DOUBLE, h.time.data(), "s");
  for (size_t s = 0; s < sim.species_count(); ++s) {
    const std::string base = "scalars/" + sim.problem().species[s].name + "/";
    std::string unit = au;
    unit.replace(0, 2, sim.problem().species[s].amount_unit);  // kg, or m3 for a volume field
    for (const auto& [k, v] : h.species[s]) {
      auto named = h.units.find(k);
      dataset(f, base + k, {v.size()}, H5T_NATIVE_DOUBLE, v.data(), named != h.units.end() ? named->second : unit);
    }
    const Balance b = sim.balance(static_cast<int>(s));
    hid_t gr = H5Gopen2(f, base.c_str(), H5P_DEFAULT);
    attr_double(gr, "clipped", b.clipped);
    H5Gclose(gr);
  }
  for (const auto& x : impl_->series) {
    if (x.values.size() != h.time.size())
      throw std::runtime_error("output: /scalars/" + x.path + " has " + std::to_string(x.values.size()) + " values for " +
                               std::to_string(h.time.size()) + " times");
    dataset(f, "scalars/" + x.path, {x.values.size()}, H5T_NATIVE_DOUBLE, x.values.data(), x.units);
  }
  for (const auto& a : impl_->attributes) {
    const std::string where = "scalars/" + a.path;
    hid_t obj = H5Oopen(f, where.c_str(), H5P_DEFAULT);
    if (obj < 0) throw std::runtime_error("output: no /" + where + " for the attribute " + a.name);
    if (const auto* d = std::get_if<double>(&a.value)) attr_double(obj, a.name.c_str(), *d);
    if (const auto* v = std::get_if<std::vector<double>>(&a.value)) attr_doubles(obj, a.name.c_str(), *v);
    if (const auto* t = std::get_if<std::string>(&a.value)) attr_string(obj, a.name.c_str(), *t);
    if (const auto* l = std::get_if<std::vector<std::string>>(&a.value)) attr_strings(obj, a.name.c_str(), *l);
    H5Oclose(obj);
  }
  {
    hid_t gr = H5Gopen2(f, "scalars", H5P_DEFAULT);
    attr_double(gr, "accepted_steps", static_cast<double>(sim.stats().accepted));
    attr_double(gr, "rejected_steps", static_cast<double>(sim.stats().rejected));
    attr_string(gr, "linear_solver", sim.stats().linear_solver);
    H5Gclose(gr);
  }
  impl_->file = -1;  // closed below whatever H5Fclose returns: the destructor must not close it again
  check(H5Fclose(f), "close (is the disk full?)");
  // XDMF sidecar (relative HDF5 paths, so the pair can be moved together)
  const Grid& g = sim.grid();
  const std::string h5name = xml_escape(fs::path(path_).filename().string());
  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n  <Domain>\n"
    << "    <Grid Name=\"" << xml_escape(sim.problem().species.front().name) << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (const auto& [t, idx] : impl_->snaps) {
    const std::string grp = "/snapshots/" + snapshot_name(idx);
    x.precision(17);
    x << "      <Grid Name=\"t" << snapshot_name(idx) << "\" GridType=\"Uniform\">\n"
      << "        <Time Value=\"" << t << "\"/>\n"
      << "        <Topology TopologyType=\"3DRectMesh\" Dimensions=\"" << g.nz + 1 << " " << g.ny + 1 << " " << g.nx + 1 << "\"/>\n"
      << "        <Geometry GeometryType=\"VXVYVZ\">\n"
      << "          <DataItem Dimensions=\"" << g.nx + 1 << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5name << ":/grid/x</DataItem>\n"
      << "          <DataItem Dimensions=\"" << g.ny + 1 << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5name << ":/grid/y</DataItem>\n"
      << "          <DataItem Dimensions=\"" << g.nz + 1 << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5name << ":/grid/z</DataItem>\n"
      << "        </Geometry>\n"
      << "        <Attribute Name=\"layer\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
      << "          <DataItem Dimensions=\"" << g.nz << " " << g.ny << " " << g.nx << "\" NumberType=\"Int\" Precision=\"4\" Format=\"HDF\">" << h5name << ":/grid/layer</DataItem>\n"
      << "        </Attribute>\n";
    for (const auto& sp : sim.problem().species)
      x << "        <Attribute Name=\"" << xml_escape(sp.name) << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
        << "          <DataItem Dimensions=\"" << g.nz << " " << g.ny << " " << g.nx << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5name << ":" << grp << "/" << xml_escape(sp.name) << "</DataItem>\n"
        << "        </Attribute>\n";
    x << "      </Grid>\n";
  }
  x << "    </Grid>\n  </Domain>\n</Xdmf>\n";
  const std::string tmpx = xmf_ + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmpx);
    out << x.str();
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + xmf_ + " (is the disk full?)");
  }
  // both files are complete: into place, the .h5 first (the .xmf refers to it)
  fs::rename(tmp_, path_);
  impl_->finished = true;
  std::error_code ec;
  fs::rename(tmpx, xmf_, ec);
  if (ec) {
    fs::remove(path_);
    fs::remove(tmpx);
    throw std::runtime_error("cannot rename " + tmpx + " to " + xmf_ + ": " + ec.message());
  }
  if (impl_->vtk) impl_->vtk->finish();
}

// ---- Checkpoints ------------------------------------------------------------------------------

namespace {

void add_snapshot_list(SavedState& st, const std::vector<std::pair<double, int>>& snaps) {
  std::vector<double> t, i;
  for (const auto& [ts, idx] : snaps) {
    t.push_back(ts);
    i.push_back(idx);
  }
  st.put("writer/snap_time", t);
  st.put("writer/snap_index", i);
}

}  // namespace

void RunWriter::add_checkpoint(SavedState st, double t) {
  if (impl_->file < 0) throw std::runtime_error("output: the file '" + tmp_ + "' is already closed");
  add_snapshot_list(st, impl_->snaps);
  write_checkpoint_group(impl_->file, st, t);
}

void RunWriter::write_checkpoint(const std::string& ckpt_path, SavedState st, double t) {
  if (impl_->file < 0) throw std::runtime_error("output: the file '" + tmp_ + "' is already closed");
  add_snapshot_list(st, impl_->snaps);
  // everything written so far reaches the file; a copy of it is then a valid HDF5 file
  check(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "flush for a checkpoint (is the disk full?)");
  const std::string tmp = ckpt_path + ".tmp-" + std::to_string(::getpid());
  try {
    fs::copy_file(tmp_, tmp, fs::copy_options::overwrite_existing);
    hid_t f = H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) throw std::runtime_error("cannot open the checkpoint '" + tmp + "'");
    try {
      char reason[96];
      std::snprintf(reason, sizeof reason, "incomplete: checkpoint at t = %.17g s", t);
      attr_string(f, "status", reason);
      attr_double(f, "time_reached", t);
      write_checkpoint_group(f, st, t);
    } catch (...) {
      H5Fclose(f);
      throw;
    }
    check(H5Fclose(f), "close the checkpoint (is the disk full?)");
    fs::rename(tmp, ckpt_path);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void RunWriter::adopt_snapshots(const CheckpointFile& from, const Simulation& sim) {
  const auto& ts = from.state.get("writer/snap_time");
  const auto& is = from.state.get("writer/snap_index", ts.size());
  hid_t src = H5Fopen(from.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (src < 0) throw CheckpointError("cannot open '" + from.path + "'");
  try {
    if (!ts.empty()) {
      if (H5Lexists(src, "snapshots", H5P_DEFAULT) <= 0) throw CheckpointError("'" + from.path + "' has no /snapshots");
      check(H5Ocopy(src, "snapshots", impl_->file, "snapshots", H5P_DEFAULT, H5P_DEFAULT), "copy the snapshots of the checkpoint");
    }
    const Grid& g = sim.grid();
    for (size_t k = 0; k < ts.size(); ++k) {
      if (!(is[k] >= 0 && is[k] < 1e9) || is[k] != std::floor(is[k]) || !std::isfinite(ts[k]))
        throw CheckpointError("'" + from.path + "': the checkpoint's list of snapshots is invalid");
      const int idx = static_cast<int>(is[k]);
      const std::string grp = "snapshots/" + snapshot_name(idx);
      if (H5Lexists(impl_->file, grp.c_str(), H5P_DEFAULT) <= 0) throw CheckpointError("'" + from.path + "' has no /" + grp);
      impl_->snaps.emplace_back(ts[k], idx);
      if (!impl_->vtk) continue;
      std::vector<std::string> names;
      std::vector<std::vector<double>> fields;
      for (const auto& sp : sim.problem().species) {
        names.push_back(sp.name);
        fields.emplace_back(g.cells());
        const std::string d = grp + "/" + sp.name;
        hid_t ds = H5Dopen2(impl_->file, d.c_str(), H5P_DEFAULT);
        if (ds < 0) throw CheckpointError("'" + from.path + "' has no /" + d);
        hid_t space = H5Dget_space(ds);
        const bool fits = H5Sget_simple_extent_npoints(space) == static_cast<hssize_t>(g.cells());
        H5Sclose(space);
        const herr_t e = fits ? H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, fields.back().data()) : -1;
        H5Dclose(ds);
        if (e < 0) throw CheckpointError("'" + from.path + "': cannot read /" + d);
      }
      impl_->vtk->write(ts[k], idx, names, fields);
    }
  } catch (...) {
    H5Fclose(src);
    throw;
  }
  H5Fclose(src);
}

}  // namespace dermasim
