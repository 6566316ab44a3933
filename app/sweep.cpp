// SPDX-License-Identifier: BSD-3-Clause
#include "sweep.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <omp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#ifdef DERMASIM_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only
#include <mpi.h>
#endif

#include "../models/case.hpp"
#include "../models/metrics.hpp"
#include "case_runner.hpp"
#include "sweep_stats.hpp"

namespace dermasim {

namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) { g_signal.store(sig); }

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

std::string fmt(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
double parse_num(const std::string& s) { return s == "n/a" ? NAN : std::strtod(s.c_str(), nullptr); }

std::string escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '\n') o += "\\n";
    else if (ch == '\t') o += "\\t";
    else if (ch == '\\') o += "\\\\";
    else o += ch;
  }
  return o;
}
std::string unescape(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      o += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      o += s[i];
    }
  }
  return o;
}
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> v;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      v.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  v.push_back(cur);
  return v;
}
std::string join_nums(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += fmt(v[i]);
  }
  return s;
}
std::vector<double> split_nums(const std::string& s) {
  std::vector<double> v;
  if (s.empty()) return v;
  for (const auto& x : split(s, ' ')) v.push_back(parse_num(x));
  return v;
}

// Linear interpolation of a recorded series at t.
double interp(const std::vector<double>& t, const std::vector<double>& y, double x) {
  if (t.empty() || y.size() != t.size()) return NAN;
  if (x <= t.front()) return y.front();
  if (x >= t.back()) return y.back();
  const size_t j = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), x) - t.begin());
  const double a = (x - t[j - 1]) / (t[j] - t[j - 1]);
  return y[j - 1] + a * (y[j] - y[j - 1]);
}

}  // namespace

// id \t status \t wall \t metrics (space separated) \t target curve \t receptor curve \t error \t #hash
std::string journal_line(const SweepRecord& r) {
  std::string body = std::to_string(r.id) + "\t" + (r.ok ? "ok" : "failed") + "\t" + fmt(r.wall) + " " + fmt(r.solve) + "\t" + join_nums(r.metrics) + "\t" +
                     join_nums(r.target_curve) + "\t" + join_nums(r.receptor_curve) + "\t" + escape(r.error);
  char h[24];
  std::snprintf(h, sizeof h, "%016llx", static_cast<unsigned long long>(fnv1a(body)));
  return body + "\t#" + h + "\n";
}

bool parse_journal_line(const std::string& line, size_t n_metrics, SweepRecord& r) {
  const size_t t = line.rfind("\t#");
  if (t == std::string::npos) return false;
  const std::string body = line.substr(0, t);
  char h[24];
  std::snprintf(h, sizeof h, "%016llx", static_cast<unsigned long long>(fnv1a(body)));
  if (line.substr(t + 2) != h) return false;  // a torn or altered line
  const auto f = split(body, '\t');
  if (f.size() != 7) return false;
  r.id = std::strtol(f[0].c_str(), nullptr, 10);
  r.ok = f[1] == "ok";
  const auto times = split_nums(f[2]);
  if (times.size() != 2) return false;
  r.wall = times[0];
  r.solve = times[1];
  r.metrics = split_nums(f[3]);
  r.target_curve = split_nums(f[4]);
  r.receptor_curve = split_nums(f[5]);
  r.error = unescape(f[6]);
  if (r.ok && r.metrics.size() != n_metrics) return false;
  return true;
}

namespace {

// An InputError from reading case `c` said in terms of the sweep file: the axis whose value caused
// it (file, line, key path), else the base case's own location.
[[noreturn]] void rethrow_for_case(const SweepSpec& sp, const SweepCase& c, const InputError& e) {
  const std::string& p = e.key_path();
  auto related = [&](const std::string& key) {
    auto under = [](const std::string& a, const std::string& b) { return a == b || a.rfind(b + ".", 0) == 0 || a.rfind(b + "[", 0) == 0; };
    return !p.empty() && (under(p, key) || under(key, p));
  };
  const bool from_set = e.file() == "--set" || e.file().find("(value from --set)") != std::string::npos;
  if (from_set) {
    for (size_t i = 0; i < sp.axes.size(); ++i)
      if (related(sp.axes[i].key))
        throw InputError(sp.file, sp.axes[i].line, sp.axes[i].key,
                         "case " + std::to_string(c.id) + " (" + sp.axes[i].key + " = " + c.values[i] + "): " +
                             (p == sp.axes[i].key ? "" : p + ": ") + e.reason());
    throw InputError(sp.file, 0, p, "case " + std::to_string(c.id) + " (a `set:` entry or the preset's layers written out): " + e.reason());
  }
  throw InputError(e.file(), e.line(), e.key_path(), "case " + std::to_string(c.id) + " of " + sp.file + ": " + e.reason());
}

std::mutex g_base_mutex;  // guards the copies of sp.base_tree (yaml-cpp nodes share memory)

}  // namespace

void prepare_sweep_base(SweepSpec& sp) {
  try {
    sp.base_tree = load_yaml_text(sp.base_text, sp.base_file, sp.sets);
  } catch (const InputError& e) {
    rethrow_for_case(sp, sp.cases.front(), e);
  }
}

SweepCaseReader::SweepCaseReader(const SweepSpec& sp) : sp_(sp) {
  if (!sp.base_tree.node) throw std::logic_error("SweepCaseReader: prepare_sweep_base was not called");
  std::lock_guard<std::mutex> lock(g_base_mutex);
  base_ = with_overrides(sp.base_tree, {});
}

Case SweepCaseReader::read(const SweepCase& c) const {
  std::vector<std::string> sets;
  sets.reserve(sp_.axes.size());
  for (size_t i = 0; i < sp_.axes.size(); ++i) sets.push_back(sp_.axes[i].key + "=" + c.values[i]);
  // Fast: a copy of the parsed tree. yaml-cpp's copy keeps no line numbers, so a case that fails
  // is read again from the text for the error's line (and so is a case whose resolved text is
  // written out with `fields: true`): the same errors and results as parsing every case.
  if (!sp_.fields) {
    try {
      Case cs = read_case(with_overrides(base_, sets));
      cs.output_file.clear();
      return cs;
    } catch (const InputError&) {
    }
  }
  try {
    std::vector<std::string> all = sp_.sets;
    all.insert(all.end(), sets.begin(), sets.end());
    Case cs = read_case(load_yaml_text(sp_.base_text, sp_.base_file, all));
    cs.output_file.clear();
    return cs;
  } catch (const InputError& e) {
    rethrow_for_case(sp_, c, e);
  }
}

namespace {

// Checks the metrics against a case (the species, the layers named).
void check_metrics(const SweepSpec& sp, const Case& c) {
  if (!sp.species.empty() && c.species_index(sp.species) < 0) {
    std::string names;
    for (const auto& s : c.species) names += (names.empty() ? "" : ", ") + s.name;
    throw InputError(sp.file, 0, "species", "no species '" + sp.species + "' in the base case; species: " + names);
  }
  for (const auto& m : sp.metrics) {
    if (m.kind != "layer_pct_dose") continue;
    bool found = false;
    std::string names;
    for (const auto& l : c.layers) {
      found = found || l.name == m.layer;
      names += (names.empty() ? "" : ", ") + l.name;
    }
    if (!found) throw InputError(sp.file, m.line, "metrics", "no layer '" + m.layer + "' in the case; layers: " + names);
  }
}

}  // namespace

SweepRecord run_sweep_case(const SweepSpec& sp, const SweepCase& sc, const SweepCaseReader& reader) {
  SweepRecord r;
  r.id = sc.id;
  const auto t0 = std::chrono::steady_clock::now();
  bool reading = true;  // an InputError while reading is already in terms of the sweep file
  try {
    Case c = reader.read(sc);
    reading = false;
    CaseRunOptions opt;
    opt.write_output = sp.fields && !sp.case_dir.empty();
    if (opt.write_output) c.output_file = (std::filesystem::path(sp.case_dir) / ("case_" + std::to_string(sc.id) + ".h5")).string();
    opt.progress = false;
    opt.on_step = [](const Simulation&, double, double) {
      if (g_signal.load()) throw Interrupted();
    };
    CaseRunResult res = run_case(c, opt);
    const Simulation& sim = *res.sim;
    r.solve = sim.stats().wall_seconds;
    // the species measured: the sweep's, else the first of the run metrics
    size_t k = 0;
    for (size_t i = 0; i < res.metrics.species.size(); ++i)
      if (!sp.species.empty() && res.metrics.species[i].species == sp.species) k = i;
    const std::string species = !sp.species.empty() ? sp.species : res.metrics.species.empty() ? std::string() : res.metrics.species[k].species;
    int s = -1;
    for (size_t i = 0; i < sim.species_count(); ++i)
      if (sim.problem().species[i].name == species) s = static_cast<int>(i);
    const auto& hist = sim.history();
    static const std::vector<double> none;
    auto series = [&](const std::string& name) -> const std::vector<double>& {
      if (s < 0) return none;
      auto it = hist.species[s].find(name);
      return it == hist.species[s].end() ? none : it->second;
    };
    const auto& applied = series("applied");
    const auto& receptor = series("receptor");
    const double applied_end = applied.empty() ? NAN : applied.back();
    auto pct = [&](double v, double a) { return a > 0 ? 100.0 * v / a : NAN; };
    const std::vector<std::string> cols = metric_value_columns();
    std::vector<double> wv;
    if (!res.metrics.species.empty()) wv = metric_values(res.metrics.species[k].windows[0], res.metrics.geometry);
    const double factor = amount_unit_for(sim.grid().geometry).factor;
    for (const auto& m : sp.metrics) {
      double v = NAN;
      const auto it = std::find(cols.begin(), cols.end(), m.kind);
      if (it != cols.end()) {
        if (!wv.empty()) v = wv[static_cast<size_t>(it - cols.begin())];
      } else if (m.kind == "receptor_pct_dose") {
        v = receptor.empty() ? NAN : pct(receptor.back(), applied_end);
      } else if (m.kind == "receptor_amount") {
        v = receptor.empty() ? NAN : receptor.back() / factor;
      } else if (m.kind == "papule_height_mm") {
        v = res.hydration.windows.empty() ? NAN : res.hydration.windows[0].peak_height * 1e3;
      } else if (m.kind == "papule_volume_halving_h") {
        v = res.hydration.windows.empty() ? NAN : res.hydration.windows[0].volume_halving_time / 3600.0;
      } else if (m.kind == "ha_remaining_pct") {
        v = res.hydration.windows.empty() ? NAN : res.hydration.windows[0].ha_remaining;
      } else if (m.kind == "layer_pct_dose") {
        const auto& layer = series("layer/" + m.layer);
        v = pct(interp(hist.time, layer, m.at), interp(hist.time, applied, m.at));
      }
      r.metrics.push_back(v);
    }
    if (sp.curves) {
      const std::string target = res.metrics.target;
      const auto& layer = series("layer/" + target);
      for (int i = 0; i <= sp.curve_points; ++i) {
        const double t = c.end * i / sp.curve_points;
        r.target_curve.push_back(layer.empty() ? NAN : pct(interp(hist.time, layer, t), applied_end));
        r.receptor_curve.push_back(receptor.empty() ? NAN : pct(interp(hist.time, receptor, t), applied_end));
      }
    }
    r.ok = true;
  } catch (const Interrupted&) {
    throw;
  } catch (const InputError& e) {
    // reading or building the case failed: a value of the sweep file the case format refuses
    r.ok = false;
    r.invalid = true;
    r.metrics.clear();
    r.target_curve.clear();
    r.receptor_curve.clear();
    r.error = e.what();
    if (!reading) {  // from building (run_case): say it in terms of the sweep file
      try {
        rethrow_for_case(sp, sc, e);
      } catch (const InputError& m) {
        r.error = m.what();
      }
    }
  } catch (const std::exception& e) {
    r.ok = false;
    r.metrics.clear();
    r.target_curve.clear();
    r.receptor_curve.clear();
    r.error = e.what();
  }
  r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

// ----------------------------------------------------------------------------------------------
// The journal: a header naming the sweep, then one line per finished case, written and fdatasync'ed
// by a writer thread as cases finish (a batch of the lines that came in during the previous sync).
// A line torn by a kill fails its hash and is dropped on --resume.
class Journal {
 public:
  Journal(const std::string& path, const SweepSpec& sp, bool resume, std::map<long, SweepRecord>& done) : path_(path) {
    const std::string header = "# dermasim sweep journal 1 fingerprint " + sp.fingerprint + " cases " + std::to_string(sp.cases.size()) + "\n";
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (exists && !resume)
      throw InputError("--output", 0, "", std::filesystem::path(path).parent_path().string() +
                                             " already holds a sweep (sweep.journal): add --resume to continue it, or choose another folder");
    std::string good;  // the valid prefix of the file
    if (exists) {
      std::ifstream in(path);
      std::string line;
      bool first = true;
      while (std::getline(in, line)) {
        if (in.eof()) break;  // no newline: torn
        if (first) {
          first = false;
          if (line + "\n" != header)
            throw InputError("--output", 0, "", path + " belongs to another sweep (the sweep file or its base case changed): "
                                                   "use another --output folder, or delete the folder to start again");
          good += line + "\n";
          continue;
        }
        SweepRecord r;
        if (!parse_journal_line(line, sp.metrics.size(), r)) break;
        if (r.id < 0 || r.id >= static_cast<long>(sp.cases.size())) break;
        done[r.id] = r;
        good += line + "\n";
      }
      if (first) good = header;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError("--output", 0, "", "cannot write " + path + ": " + std::strerror(errno));
    if (exists) {
      // cut a torn tail
      if (::ftruncate(fd_, static_cast<off_t>(good.size())) != 0) throw std::runtime_error("cannot truncate " + path);
      ::lseek(fd_, 0, SEEK_END);
    } else {
      if (::ftruncate(fd_, 0) != 0) throw std::runtime_error("cannot truncate " + path);
      write_all(header);
      ::fdatasync(fd_);
    }
    writer_ = std::thread([this] { write_loop(); });
  }
  ~Journal() {
    try {
      close();
    } catch (...) {
    }
  }
  // Queues a finished case's line; the writer thread writes what is queued and fdatasync's it.
  void append(const std::string& line) {
    std::lock_guard<std::mutex> lock(m_);
    pending_ += line;
    cv_.notify_one();
  }
  // Writes and syncs everything queued; throws if a write failed.
  void close() {
    if (writer_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(m_);
        stop_ = true;
      }
      cv_.notify_one();
      writer_.join();
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!error_.empty()) throw std::runtime_error(error_);
  }

 private:
  void write_all(const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
      const ssize_t w = ::write(fd_, text.data() + off, text.size() - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("cannot write the journal " + path_ + ": " + std::strerror(errno));
      }
      off += static_cast<size_t>(w);
    }
  }
  // Group commit: the lines that finished while the previous batch was being synced go in one
  // write and one fdatasync, so the workers never wait for the disk.
  void write_loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (pending_.empty() && stop_) return;
      std::string batch;
      batch.swap(pending_);
      lock.unlock();
      try {
        write_all(batch);
        if (::fdatasync(fd_) != 0) throw std::runtime_error("cannot sync the journal " + path_ + ": " + std::strerror(errno));
      } catch (const std::exception& e) {
        lock.lock();
        error_ = e.what();
        return;
      }
      lock.lock();
    }
  }
  std::string path_;
  int fd_ = -1;
  std::mutex m_;
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::string error_;
  std::thread writer_;
};

// ----------------------------------------------------------------------------------------------
class Progress {
 public:
  Progress(size_t total, size_t skipped, bool quiet) : total_(total), skipped_(skipped), quiet_(quiet), tty_(::isatty(2)) {
    t0_ = last_ = std::chrono::steady_clock::now();
  }
  void update(size_t done, size_t failed, bool final = false) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double el = std::chrono::duration<double>(now - t0_).count();
    const double since = std::chrono::duration<double>(now - last_).count();
    const size_t todo = total_ - skipped_;
    const size_t step = std::max<size_t>(1, todo / 10);
    if (!final && !tty_ && !(done % step == 0 || since > 10)) return;
    if (!final && tty_ && since < 0.1) return;
    if (!tty_ && done == printed_) return;  // the final line already printed
    printed_ = done;
    last_ = now;
    const double rate = el > 0 ? done / el : 0;
    const double left = rate > 0 ? (todo - done) / rate : NAN;
    char buf[256];
    if (tty_) {
      const int width = 30;
      const int fill = todo ? static_cast<int>(width * done / todo) : width;
      std::string bar(fill, '#');
      bar += std::string(width - fill, '.');
      std::snprintf(buf, sizeof buf, "\r  [%s] %zu/%zu cases (%zu failed%s), %.3g cases/s, %s left   ", bar.c_str(), done + skipped_, total_,
                    failed, skipped_ ? (", " + std::to_string(skipped_) + " from the journal").c_str() : "", rate,
                    std::isnan(left) ? "?" : (std::to_string(static_cast<long>(std::ceil(left))) + " s").c_str());
      std::fputs(buf, stderr);
      if (final) std::fputs("\n", stderr);
    } else {
      std::snprintf(buf, sizeof buf, "sweep: %zu/%zu cases done (%zu failed), %.3g cases/s, %s s left\n", done + skipped_, total_, failed, rate,
                    std::isnan(left) ? "?" : std::to_string(static_cast<long>(std::ceil(left))).c_str());
      std::fputs(buf, stderr);
    }
    std::fflush(stderr);
  }

 private:
  size_t total_, skipped_;
  size_t printed_ = static_cast<size_t>(-1);
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point t0_, last_;
};

// ----------------------------------------------------------------------------------------------
// Output files
std::vector<double> input_numbers(const SweepSpec& sp, size_t axis) {
  std::vector<double> v;
  for (const auto& c : sp.cases) {
    double x = NAN;
    try {
      x = parse_quantity(c.values[axis]).si;
    } catch (...) {
    }
    v.push_back(x);
  }
  return v;
}

std::string results_csv(const SweepSpec& sp, const std::map<long, SweepRecord>& done) {
  std::ostringstream os;
  os << "case,status";
  for (const auto& a : sp.axes) os << "," << csv_field(a.key);
  for (const auto& m : sp.metrics) os << "," << csv_field(m.name);
  os << ",error,wall_s,solve_s\n";
  for (const auto& [id, r] : done) {
    const SweepCase& c = sp.cases[static_cast<size_t>(id)];
    os << id << "," << (r.ok ? "ok" : "failed");
    for (const auto& v : c.values) os << "," << csv_field(v);
    for (size_t i = 0; i < sp.metrics.size(); ++i) os << "," << (r.ok ? fmt(r.metrics[i]) : "");
    char w[64];
    std::snprintf(w, sizeof w, "%.4f,%.4f", r.wall, r.solve);
    os << "," << csv_field(r.error) << "," << w << "\n";
  }
  return os.str();
}

void h5_check(herr_t e, const std::string& what) {
  if (e < 0) throw std::runtime_error("HDF5: cannot write " + what);
}
void h5_doubles(hid_t loc, const std::string& name, const std::vector<double>& v, hsize_t rows, hsize_t cols) {
  hsize_t dims[2] = {rows, cols};
  hid_t space = H5Screate_simple(cols ? 2 : 1, dims, nullptr);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t d = H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) throw std::runtime_error("HDF5: cannot create " + name);
  if (!v.empty()) h5_check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
}
void h5_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) {
  std::vector<const char*> p;
  for (const auto& s : v) p.push_back(s.c_str());
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = v.size();
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t d = H5Dcreate2(loc, name.c_str(), type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) throw std::runtime_error("HDF5: cannot create " + name);
  if (!v.empty()) h5_check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), name);
  H5Dclose(d);
  H5Pclose(lcpl);
  H5Sclose(space);
  H5Tclose(type);
}
void h5_attr(hid_t obj, const char* name, const std::string& value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.size() + 1);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, value.c_str());
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// /case, /status, /error, /inputs/<key> (text as applied), /inputs_si/<key> (SI; NaN if not a
// number), /metrics/<name>, /curves/{time_h,target_pct_dose,receptor_pct_dose}; rows in case order.
void write_results_h5(const std::string& path, const SweepSpec& sp, const std::map<long, SweepRecord>& done, double end_h) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  hid_t f = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot create " + tmp);
  h5_attr(f, "sweep_file", sp.file);
  h5_attr(f, "base_case", sp.base_file);
  h5_attr(f, "design", sp.design);
  h5_attr(f, "fingerprint", sp.fingerprint);
  std::vector<double> ids;
  std::vector<std::string> status, errors;
  for (const auto& [id, r] : done) {
    ids.push_back(static_cast<double>(id));
    status.push_back(r.ok ? "ok" : "failed");
    errors.push_back(r.error);
  }
  const hsize_t n = done.size();
  h5_doubles(f, "case", ids, n, 0);
  h5_strings(f, "status", status);
  h5_strings(f, "error", errors);
  for (size_t a = 0; a < sp.axes.size(); ++a) {
    std::vector<std::string> text;
    std::vector<double> si;
    const auto all = input_numbers(sp, a);
    for (const auto& [id, r] : done) {
      text.push_back(sp.cases[static_cast<size_t>(id)].values[a]);
      si.push_back(all[static_cast<size_t>(id)]);
    }
    h5_strings(f, "inputs/" + sp.axes[a].key, text);
    h5_doubles(f, "inputs_si/" + sp.axes[a].key, si, n, 0);
  }
  for (size_t m = 0; m < sp.metrics.size(); ++m) {
    std::vector<double> v;
    for (const auto& [id, r] : done) v.push_back(r.ok ? r.metrics[m] : NAN);
    h5_doubles(f, "metrics/" + sp.metrics[m].name, v, n, 0);
  }
  if (sp.curves) {
    const size_t np = static_cast<size_t>(sp.curve_points) + 1;
    std::vector<double> t, tc, rc;
    for (size_t i = 0; i < np; ++i) t.push_back(end_h * i / sp.curve_points);
    for (const auto& [id, r] : done)
      for (size_t i = 0; i < np; ++i) {
        tc.push_back(r.ok && r.target_curve.size() == np ? r.target_curve[i] : NAN);
        rc.push_back(r.ok && r.receptor_curve.size() == np ? r.receptor_curve[i] : NAN);
      }
    h5_doubles(f, "curves/time_h", t, np, 0);
    h5_doubles(f, "curves/target_pct_dose", tc, n, np);
    h5_doubles(f, "curves/receptor_pct_dose", rc, n, np);
  }
  H5Fclose(f);
  std::filesystem::rename(tmp, path);
}

// Sensitivity (sampled designs): Spearman per input and metric; Sobol' indices for saltelli.
std::string sensitivity_csv(const SweepSpec& sp, const std::map<long, SweepRecord>& done) {
  std::ostringstream os;
  os << "metric,input,method,value,ci_low,ci_high,n\n";
  auto metric_of = [&](long id, size_t m) {
    auto it = done.find(id);
    return it == done.end() || !it->second.ok ? NAN : it->second.metrics[m];
  };
  // the inputs: one per independent dimension (the first axis of a zip group stands for it)
  std::vector<size_t> inputs;
  std::set<int> seen;
  for (size_t a = 0; a < sp.axes.size(); ++a)
    if (sp.axes[a].derived.empty() && seen.insert(sp.axes[a].group).second) inputs.push_back(a);
  for (size_t m = 0; m < sp.metrics.size(); ++m) {
    if (sp.design == "saltelli") {
      const int d = sp.dims;
      const long nb = static_cast<long>(sp.cases.size()) / (d + 2);
      std::vector<double> fA, fB;
      std::vector<std::vector<double>> fAB(d);
      for (long j = 0; j < nb; ++j) {
        const long b = j * (d + 2);
        std::vector<double> row = {metric_of(b, m), metric_of(b + 1, m)};
        for (int i = 0; i < d; ++i) row.push_back(metric_of(b + 2 + i, m));
        bool ok = true;
        for (double x : row) ok = ok && !std::isnan(x);
        if (!ok) continue;  // a base point with a failed case is left out
        fA.push_back(row[0]);
        fB.push_back(row[1]);
        for (int i = 0; i < d; ++i) fAB[i].push_back(row[2 + i]);
      }
      const auto idx = sobol_indices(fA, fB, fAB, 500, 0.95, sp.seed);
      for (int i = 0; i < d; ++i) {
        const std::string in = csv_field(sp.axes[inputs[i]].key);
        os << csv_field(sp.metrics[m].name) << "," << in << ",sobol_first," << fmt(idx[i].first) << "," << fmt(idx[i].first_lo) << ","
           << fmt(idx[i].first_hi) << "," << fA.size() << "\n";
        os << csv_field(sp.metrics[m].name) << "," << in << ",sobol_total," << fmt(idx[i].total) << "," << fmt(idx[i].total_lo) << ","
           << fmt(idx[i].total_hi) << "," << fA.size() << "\n";
      }
    }
    if (sp.design == "morris") {
      std::vector<double> f;
      for (const auto& c : sp.cases) f.push_back(metric_of(c.id, m));
      const auto idx = morris_indices(sp.unit_points, f, sp.dims, 500, 0.95, sp.seed);
      for (int i = 0; i < sp.dims; ++i) {
        const std::string mi = csv_field(sp.metrics[m].name) + "," + csv_field(sp.axes[inputs[i]].key);
        os << mi << ",morris_mu_star," << fmt(idx[i].mu_star) << "," << fmt(idx[i].mu_star_lo) << "," << fmt(idx[i].mu_star_hi) << "," << idx[i].n << "\n";
        os << mi << ",morris_mu," << fmt(idx[i].mu) << ",,," << idx[i].n << "\n";
        os << mi << ",morris_sigma," << fmt(idx[i].sigma) << ",,," << idx[i].n << "\n";
      }
    }
    for (size_t a : inputs) {
      const auto x = input_numbers(sp, a);
      std::vector<double> xs, ys;
      for (const auto& [id, r] : done) {
        xs.push_back(x[static_cast<size_t>(id)]);
        ys.push_back(r.ok ? r.metrics[m] : NAN);
      }
      size_t n = 0;
      for (size_t i = 0; i < xs.size(); ++i) n += !std::isnan(xs[i]) && !std::isnan(ys[i]);
      os << csv_field(sp.metrics[m].name) << "," << csv_field(sp.axes[a].key) << ",spearman," << fmt(spearman(xs, ys)) << ",,," << n << "\n";
    }
  }
  return os.str();
}

const std::vector<double> kPercentiles = {5, 25, 50, 75, 95};

std::string percentiles_csv(const SweepSpec& sp, const std::map<long, SweepRecord>& done) {
  std::ostringstream os;
  os << "metric,n,mean,p5,p25,p50,p75,p95\n";
  for (size_t m = 0; m < sp.metrics.size(); ++m) {
    std::vector<double> v;
    for (const auto& [id, r] : done)
      if (r.ok && !std::isnan(r.metrics[m])) v.push_back(r.metrics[m]);
    double mean = 0;
    for (double x : v) mean += x;
    mean = v.empty() ? NAN : mean / v.size();
    os << csv_field(sp.metrics[m].name) << "," << v.size() << "," << fmt(mean);
    for (double p : kPercentiles) os << "," << fmt(percentile(v, p));
    os << "\n";
  }
  return os.str();
}

std::string curves_csv(const SweepSpec& sp, const std::map<long, SweepRecord>& done, double end_h) {
  std::ostringstream os;
  os << "time_h";
  for (const char* c : {"target", "receptor"})
    for (double p : kPercentiles) os << "," << c << "_pct_dose_p" << static_cast<int>(p);
  os << "\n";
  const size_t np = static_cast<size_t>(sp.curve_points) + 1;
  for (size_t i = 0; i < np; ++i) {
    os << fmt(end_h * i / sp.curve_points);
    for (int which = 0; which < 2; ++which) {
      std::vector<double> v;
      for (const auto& [id, r] : done) {
        const auto& c = which == 0 ? r.target_curve : r.receptor_curve;
        if (r.ok && c.size() == np && !std::isnan(c[i])) v.push_back(c[i]);
      }
      for (double p : kPercentiles) os << "," << fmt(percentile(v, p));
    }
    os << "\n";
  }
  return os.str();
}

int default_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

// ----------------------------------------------------------------------------------------------
struct Tally {
  size_t done = 0, failed = 0;
};

// Validates case 0 (read, built, the metrics checked against it): what every case shares (the base
// case, `set:`, the key paths, the metrics) is then known to be right. With `all` (--dry-run) every
// case is read and built too, on `jobs` threads; the InputError of the lowest failing case id is
// thrown, whatever the number of threads. Without it the others are checked as they run.
// Returns the number of cells of case 0.
long validate_cases(const SweepSpec& sp, bool all, int jobs) {
  long cells = 0;
  {
    const SweepCaseReader reader(sp);
    const Case c0 = reader.read(sp.cases.front());
    check_metrics(sp, c0);
    std::vector<std::string> w;
    try {
      const Problem p = build_problem(c0, &w);
      cells = static_cast<long>(p.grid.nx) * p.grid.ny * p.grid.nz;
      for (const auto& x : w) std::fprintf(stderr, "warning (case 0): %s\n", x.c_str());
    } catch (const InputError& e) {
      rethrow_for_case(sp, sp.cases.front(), e);
    }
  }
  if (!all) return cells;
  const size_t n = sp.cases.size();
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{1}, first_bad{n};
  auto work = [&]() {
    const SweepCaseReader reader(sp);
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= n || i > first_bad.load()) return;
      const SweepCase& c = sp.cases[i];
      try {
        Case cs = reader.read(c);
        std::vector<std::string> w;
        try {
          build_problem(cs, &w);
        } catch (const InputError& e) {
          rethrow_for_case(sp, c, e);
        }
      } catch (...) {
        errors[i] = std::current_exception();
        size_t cur = first_bad.load();
        while (i < cur && !first_bad.compare_exchange_weak(cur, i)) {
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::min<int>(jobs, static_cast<int>(n)); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (first_bad.load() < n) std::rethrow_exception(errors[first_bad.load()]);
  return cells;
}

void list_cases(const SweepSpec& sp) {
  for (const auto& c : sp.cases) {
    std::printf("%ld", c.id);
    for (size_t i = 0; i < sp.axes.size(); ++i) std::printf("  %s=%s", sp.axes[i].key.c_str(), c.values[i].c_str());
    std::printf("\n");
  }
}

void write_outputs(const std::string& dir, const SweepSpec& sp, const std::map<long, SweepRecord>& done) {
  Case first = SweepCaseReader(sp).read(sp.cases.front());
  const double end_h = first.end / 3600.0;  // curves: the first case's end (all cases share it unless time.end is varied)
  write_file_atomic((std::filesystem::path(dir) / "results.csv").string(), results_csv(sp, done));
  write_results_h5((std::filesystem::path(dir) / "results.h5").string(), sp, done, end_h);
  if (sp.design != "factorial") {
    write_file_atomic((std::filesystem::path(dir) / "sensitivity.csv").string(), sensitivity_csv(sp, done));
    write_file_atomic((std::filesystem::path(dir) / "percentiles.csv").string(), percentiles_csv(sp, done));
    if (sp.curves) write_file_atomic((std::filesystem::path(dir) / "curves.csv").string(), curves_csv(sp, done, end_h));
  }
}

#ifdef DERMASIM_HAVE_MPI
bool under_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK"); }
constexpr int kTagResult = 1, kTagWork = 2, kTagStop = 3;
#endif

}  // namespace

int cmd_sweep(const SweepOptions& o, int argc, char** argv) {
  int rank = 0, size = 1;
#ifdef DERMASIM_HAVE_MPI
  struct MpiGuard {
    bool on = false;
    ~MpiGuard() {
      if (on) MPI_Finalize();
    }
  } mpi;
  if (under_mpirun()) {
    MPI_Init(&argc, &argv);
    mpi.on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
#else
  (void)argc;
  (void)argv;
#endif
  using Clock = std::chrono::steady_clock;
  const auto t_start = Clock::now();
  auto since = [](Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); };
  SweepSpec sp;
  try {
    sp = read_sweep(o.file);
  } catch (...) {
    if (rank != 0) return 2;  // rank 0 says why
    throw;
  }
  try {
    prepare_sweep_base(sp);
  } catch (...) {
    if (rank != 0) return 2;
    throw;
  }
  int jobs = o.jobs > 0 ? o.jobs : default_jobs();
  if (rank == 0) {
    std::fprintf(stderr, "dermasim %s sweep: %s, base %s, %s design, %zu cases, %zu inputs, %zu metrics%s\n", DERMASIM_VERSION, o.file.c_str(),
                 sp.base_file.c_str(), sp.design.c_str(), sp.cases.size(), sp.axes.size(), sp.metrics.size(),
                 size > 1 ? (", " + std::to_string(size - 1) + " MPI workers").c_str() : (", " + std::to_string(jobs) + " jobs").c_str());
    for (const auto& n : sp.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  }
  if (sp.fields && !o.output.empty()) sp.case_dir = (std::filesystem::path(o.output) / "cases").string();
  int ok = 1;
  std::map<long, SweepRecord> done;
  std::unique_ptr<Journal> journal;
  std::string dir = o.output;
  if (rank == 0) {
    try {
      const long cells = validate_cases(sp, o.dry_run, size > 1 ? 1 : jobs);
      // A large case threads its own solver (above 200k cells): then one case at a time uses every
      // core better than one case per core, unless --jobs says otherwise.
      if (o.jobs == 0 && cells > 200000 && jobs > 1) {
        std::fprintf(stderr, "sweep: %ld cells per case: one case at a time, each on every core (--jobs N to choose)\n", cells);
        jobs = 1;
      }
      if (o.dry_run) {
        list_cases(sp);
        std::fprintf(stderr, "dry run: %zu cases, every one valid; nothing run\n", sp.cases.size());
        ok = 0;
      } else {
        if (dir.empty()) throw InputError("--output", 0, "", "give the output folder: --output DIR");
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir)) throw InputError("--output", 0, "", "cannot create the folder '" + dir + "': " + ec.message());
        journal = std::make_unique<Journal>((std::filesystem::path(dir) / "sweep.journal").string(), sp, o.resume, done);
        if (sp.fields) {
          std::filesystem::create_directories(sp.case_dir, ec);
          if (ec) throw InputError("--output", 0, "", "cannot create the folder '" + sp.case_dir + "': " + ec.message());
        }
      }
    } catch (...) {
#ifdef DERMASIM_HAVE_MPI
      if (size > 1) {
        int flag = 0;
        MPI_Bcast(&flag, 1, MPI_INT, 0, MPI_COMM_WORLD);
      }
#endif
      throw;
    }
  }
#ifdef DERMASIM_HAVE_MPI
  if (size > 1) MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
  if (!ok) return o.dry_run ? 0 : 2;

  std::vector<long> pending;
  if (rank == 0)
    for (const auto& c : sp.cases)
      if (!done.count(c.id)) pending.push_back(c.id);
  const size_t skipped = done.size();
  Tally tally;
  for (const auto& [id, r] : done) tally.failed += !r.ok;
  const size_t failed_before = tally.failed;
  tally.failed = 0;

  const double t_setup = since(t_start);
  const auto t_run0 = Clock::now();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

#ifdef DERMASIM_HAVE_MPI
  if (size > 1) {
    if (rank != 0) {
      omp_set_num_threads(1);
      const SweepCaseReader reader(sp);
      std::string out;  // the previous result ("" the first time: ready)
      for (;;) {
        MPI_Send(out.data(), static_cast<int>(out.size()), MPI_CHAR, 0, kTagResult, MPI_COMM_WORLD);
        long id = -1;
        MPI_Status st;
        MPI_Recv(&id, 1, MPI_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == kTagStop) break;
        try {
          SweepRecord r = run_sweep_case(sp, sp.cases[static_cast<size_t>(id)], reader);
          out = journal_line(r);
          if (r.invalid) out.insert(0, "!");  // rank 0 counts it as invalid input
        } catch (const Interrupted&) {
          out.clear();
        }
      }
      return 0;
    }
    // rank 0: hands out case ids one at a time, records results as they come
    Progress progress(sp.cases.size(), skipped, o.quiet);
    size_t next = 0;
    int active = size - 1;
    while (active > 0) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st);
      if (!flag) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // no busy wait: rank 0 shares a core
        continue;
      }
      int len = 0;
      MPI_Get_count(&st, MPI_CHAR, &len);
      std::string msg(static_cast<size_t>(len), '\0');
      MPI_Recv(msg.data(), len, MPI_CHAR, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (!msg.empty()) {
        SweepRecord r;
        const bool invalid = msg[0] == '!';
        if (invalid) msg.erase(0, 1);
        if (parse_journal_line(msg.substr(0, msg.size() - 1), sp.metrics.size(), r)) {
          r.invalid = invalid;
          journal->append(msg);
          done[r.id] = r;
          ++tally.done;
          tally.failed += !r.ok;
          progress.update(tally.done, tally.failed + failed_before);
        }
      }
      if (next < pending.size() && !g_signal.load()) {
        long id = pending[next++];
        MPI_Send(&id, 1, MPI_LONG, st.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
      } else {
        long id = -1;
        MPI_Send(&id, 1, MPI_LONG, st.MPI_SOURCE, kTagStop, MPI_COMM_WORLD);
        --active;
      }
    }
    progress.update(tally.done, tally.failed + failed_before, true);
  } else
#endif
  {
    Progress progress(sp.cases.size(), skipped, o.quiet);
    std::atomic<size_t> next{0};
    std::mutex m;
    std::exception_ptr fatal;
    const int nthreads = static_cast<int>(std::min<size_t>(static_cast<size_t>(jobs), std::max<size_t>(1, pending.size())));
    auto worker = [&]() {
      if (nthreads > 1) omp_set_num_threads(1);  // one case per core: no threads inside a case
      std::unique_ptr<SweepCaseReader> reader;
      try {
        reader = std::make_unique<SweepCaseReader>(sp);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (!fatal) fatal = std::current_exception();
        g_signal.store(-1);
        return;
      }
      for (;;) {
        if (g_signal.load()) return;
        const size_t i = next.fetch_add(1);
        if (i >= pending.size()) return;
        try {
          SweepRecord r = run_sweep_case(sp, sp.cases[static_cast<size_t>(pending[i])], *reader);
          journal->append(journal_line(r));
          std::lock_guard<std::mutex> lock(m);
          done[r.id] = r;
          ++tally.done;
          tally.failed += !r.ok;
          progress.update(tally.done, tally.failed + failed_before);
        } catch (const Interrupted&) {
          return;
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          if (!fatal) fatal = std::current_exception();
          g_signal.store(-1);
          return;
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < nthreads; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    if (fatal) std::rethrow_exception(fatal);
    progress.update(tally.done, tally.failed + failed_before, true);
  }

  const int sig = g_signal.load();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const double t_run = since(t_run0);
  const auto t_out0 = Clock::now();
  journal->close();  // every finished case written and synced
  write_outputs(dir, sp, done);
  const double t_out = since(t_out0);
  size_t failed = 0;
  for (const auto& [id, r] : done) failed += !r.ok;
  const size_t left = sp.cases.size() - done.size();
  std::fprintf(stderr, "sweep: %zu cases: %zu ran now, %zu done before (skipped), %zu failed in all, %zu not run\n", sp.cases.size(), tally.done,
               skipped, failed, left);
  std::fprintf(stderr, "sweep: wall time %.2f s: reading and validating %.2f s, running %.2f s, writing the results %.2f s\n", since(t_start),
               t_setup, t_run, t_out);
  for (const auto& [id, r] : done)
    if (!r.ok) std::fprintf(stderr, "  case %ld failed: %s\n", id, r.error.c_str());
  std::printf("  table: %s\n  HDF5: %s\n", (std::filesystem::path(dir) / "results.csv").string().c_str(),
              (std::filesystem::path(dir) / "results.h5").string().c_str());
  if (sp.design != "factorial") std::printf("  sensitivity: %s/sensitivity.csv, percentiles: %s/percentiles.csv\n", dir.c_str(), dir.c_str());
  if (sig > 0) {
    std::fprintf(stderr, "sweep: interrupted by signal %d; continue with --resume\n", sig);
    return 128 + sig;
  }
  // Cases whose values the case format refuses: the sweep file is wrong (exit 2), though every
  // other case ran and the table is whole. --dry-run finds them all before anything runs.
  size_t invalid = 0;
  const SweepRecord* first_invalid = nullptr;
  for (const auto& [id, r] : done)
    if (r.invalid) {
      ++invalid;
      if (!first_invalid) first_invalid = &r;
    }
  if (invalid) {
    std::fprintf(stderr, "error: %s\nsweep: %zu case%s of %s cannot be read or built (bad values in the sweep file; recorded as failed); "
                 "`dermasim sweep --dry-run` checks every case before anything runs\n",
                 first_invalid->error.c_str(), invalid, invalid == 1 ? "" : "s", o.file.c_str());
    return 2;
  }
  return 0;
}

}  // namespace dermasim
