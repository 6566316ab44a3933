// SPDX-License-Identifier: BSD-3-Clause
// Issue 14 (docs/reliability.md): values the readers must refuse, what the output writer guarantees.
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/case_runner.hpp"
#include "app/run_safety.hpp"
#include "helpers.hpp"
#include "solver/io/checkpoint.hpp"
#include "solver/io/output.hpp"
#include "solver/units.hpp"

using namespace dermasim;
namespace fs = std::filesystem;

namespace {
const char* kCase = R"(time: {end: 1 h, output_every: 30 min}
skin:
  layers:
    - {name: sc, thickness: 15 um, cells: 3}
    - {name: dermis, thickness: 1 mm, cells: 4}
  bottom: sink
species:
  - name: caf
    properties:
      all: {diffusivity: 1e-10 m2/s, partition: 0.7}
delivery:
  - {type: topical, species: caf, dose: 2 mg/cm2, concentration: 20 mg/mL}
)";

std::string input_error(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    test::parse(yaml, sets);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("dermasim-rel-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST_CASE("numbers: hexadecimal, overflow, underflow and absurd magnitudes are refused", "[units][reliability]") {
  CHECK_THROWS_WITH(parse_quantity("0x10 mm"), Catch::Contains("hexadecimal"));
  CHECK_THROWS_WITH(parse_quantity("-0X1p3 s"), Catch::Contains("hexadecimal"));
  CHECK_THROWS_WITH(parse_quantity("1e308 week"), Catch::Contains("overflows"));
  CHECK_THROWS_WITH(parse_quantity("1e-320 s"), Catch::Contains("outside the range"));  // a denormal
  CHECK_THROWS_WITH(parse_quantity("1e300 mm"), Catch::Contains("outside the range"));
  CHECK_THROWS_WITH(parse_quantity("1e-101 m"), Catch::Contains("outside the range"));
  CHECK_THROWS_AS(parse_quantity("inf s"), UnitError);
  CHECK_THROWS_AS(parse_quantity("nan s"), UnitError);
  CHECK_THROWS_AS(parse_quantity(". s"), UnitError);
  // still fine
  CHECK(parse_quantity("0 s").si == 0);
  CHECK(parse_quantity("-1.5e-3 m").si == Approx(-1.5e-3));
  CHECK(parse_quantity(".5 mm").si == Approx(5e-4));
  CHECK(parse_quantity("1e90 m").si == Approx(1e90));
  CHECK(parse_quantity("2e5").si == Approx(2e5));
  CHECK(parse_quantity("3 mg/mL").si == Approx(3));
}

TEST_CASE("case values: bad numbers name the key", "[input][reliability]") {
  CHECK_THAT(input_error(kCase, {"time.end=0x10 h"}), Catch::Contains("time.end") && Catch::Contains("hexadecimal"));
  CHECK_THAT(input_error(kCase, {"time.rtol=1e-320"}), Catch::Contains("time.rtol") && Catch::Contains("outside the range"));
  CHECK_THAT(input_error(kCase, {"species[0].properties.all.partition=1e300"}),
             Catch::Contains("species[0].properties.all.partition") && Catch::Contains("outside the range"));
  CHECK_THAT(input_error(kCase, {"time.end=1e308 week"}), Catch::Contains("time.end") && Catch::Contains("overflows"));
}

TEST_CASE("YAML: a second document, tags, NUL, CR-only lines and a.b..c paths are refused", "[input][reliability]") {
  CHECK_THAT(input_error(std::string(kCase) + "---\ntime: {end: 2 h}\n"), Catch::Contains("test.yaml:13:") && Catch::Contains("a second YAML document"));
  std::string tagged = kCase;
  tagged.replace(tagged.find("1 h"), 3, "!weird 1 h");
  CHECK_THAT(input_error(tagged), Catch::Contains("test.yaml:1: time.end: the YAML tag '!weird'"));
  std::string nul = kCase;
  nul.replace(nul.find("caf"), 3, std::string("c\0f", 3));
  CHECK_THAT(input_error(nul), Catch::Contains("test.yaml:8: the file contains a NUL character"));
  std::string quoted_nul = kCase;
  quoted_nul.replace(quoted_nul.find("caf"), 3, "\"c\\0f\"");
  CHECK_THAT(input_error(quoted_nul), Catch::Contains("NUL character"));
  std::string cr = kCase;
  for (auto& ch : cr)
    if (ch == '\n') ch = '\r';
  CHECK_THAT(input_error(cr), Catch::Contains("CR-only line endings"));
  std::string crlf;
  for (char ch : std::string(kCase)) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  CHECK(input_error(crlf).empty());  // CRLF is fine
  CHECK_THAT(input_error(kCase, {"time..end=5h"}), Catch::Contains("--set: time..end: empty key name"));
  CHECK_THAT(input_error(kCase, {".time.end=5h"}), Catch::Contains("empty key name"));
  CHECK_THAT(input_error(kCase, {"time.end.=5h"}), Catch::Contains("ends with '.'"));
  CHECK(input_error(kCase, {"delivery[0].remove=30 min"}).empty());
}

TEST_CASE("a misspelt key is named when it is what causes an error", "[input][reliability]") {
  // an unknown key says which allowed key is closest
  std::string top = kCase;
  top.insert(0, "geomtery: {kind: 1d}\n");
  CHECK_THAT(input_error(top), Catch::Contains("unknown key 'geomtery' (did you mean 'geometry'?)"));
}

TEST_CASE("a case file that is not a regular file is refused at once", "[input][reliability]") {
  const fs::path d = temp_dir("fifo");
  const std::string fifo = (d / "case.yaml").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(load_yaml_file(fifo, {}), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(load_yaml_file("/dev/zero", {}), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(load_yaml_file(d.string(), {}), Catch::Contains("this is a folder"));
  fs::remove_all(d);
}

TEST_CASE("output: the resolved case over 64 KiB is stored; status and time_reached say how the run ended", "[output][reliability]") {
  const fs::path d = temp_dir("writer");
  auto sim = test::make_sim(kCase);
  sim->run();
  const std::string big(200000, '#');  // longer than any HDF5 attribute may be
  const std::string path = (d / "big.h5").string();
  {
    RunWriter w(path, *sim, big, false);
    w.finish(*sim, "stopped by SIGTERM at t = 1 h");
    CHECK_THROWS_WITH(w.finish(*sim), Catch::Contains("already closed"));  // no second H5Fclose
  }
  REQUIRE(fs::exists(path));
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  hid_t ds = H5Dopen2(f, "case", H5P_DEFAULT);
  REQUIRE(ds >= 0);
  hid_t type = H5Dget_type(ds);
  CHECK(H5Tget_size(type) == big.size());
  H5Tclose(type);
  H5Dclose(ds);
  CHECK(H5Aexists(f, "status") > 0);
  CHECK(H5Aexists(f, "time_reached") > 0);
  hid_t a = H5Aopen(f, "time_reached", H5P_DEFAULT);
  double reached = 0;
  H5Aread(a, H5T_NATIVE_DOUBLE, &reached);
  H5Aclose(a);
  CHECK(reached == 3600.0);
  H5Fclose(f);
  fs::remove_all(d);
}

TEST_CASE("output: temporary files of dead writers are removed, those of live ones kept", "[output][reliability]") {
  const fs::path d = temp_dir("stale");
  const std::string path = (d / "run.h5").string();
  // a pid that is not running: the largest pid the kernel hands out is below 2^22
  const std::string dead = (d / "run.h5.tmp-4999999").string();
  const std::string dead_xmf = (d / "run.xmf.tmp-4999998").string();
  const std::string live = (d / ("run.h5.tmp-" + std::to_string(::getppid()))).string();
  const std::string other = (d / "other.h5.tmp-4999999").string();
  for (const auto& p : {dead, dead_xmf, live, other}) std::ofstream(p) << "x";
  CHECK(RunWriter::remove_stale_temporaries(path) == 2);
  CHECK(!fs::exists(dead));
  CHECK(!fs::exists(dead_xmf));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other));
  fs::remove_all(d);
}

TEST_CASE("output: a name too long for the file system is refused before the run", "[output][reliability]") {
  const fs::path d = temp_dir("name");
  CHECK_THAT(RunWriter::check_writable((d / (std::string(300, 'a') + ".h5")).string()), Catch::Contains("is too long"));
  CHECK(RunWriter::check_writable((d / "ok.h5").string()).empty());
  fs::remove_all(d);
}

TEST_CASE("fuzzing findings: each input is an input error, at once", "[input][reliability][fuzz]") {
  // tests/fuzz/regressions/<harness>_<what>.<ext>: inputs libFuzzer found (docs/reliability.md)
  const fs::path dir = fs::path(DERMASIM_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("case_", 0) != 0) continue;
    ++n;
    INFO(name);
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // case_loadall_hang_*: YAML::LoadAll of yaml-cpp 0.7 looped for ever on them; case_alias_cycle_*: a
    // YAML alias to a map holding it overflowed the stack of the tree check
    CHECK_THROWS_AS(read_case(load_yaml_text(text, name, {})), InputError);
  }
  CHECK(n >= 2);
}

TEST_CASE("a second document is found in the text: after content '---', or content after '...'", "[input][reliability]") {
  CHECK_THAT(input_error(std::string("---\n") + kCase), !Catch::Contains("second"));      // a leading marker is fine
  CHECK_THAT(input_error(std::string(kCase) + "...\n# end\n"), !Catch::Contains("second"));  // so is an end marker
  CHECK_THAT(input_error(std::string(kCase) + "...\nname: x\n"), Catch::Contains("test.yaml:14: a second YAML document"));
  CHECK_THAT(input_error(std::string(kCase) + "--- {a: 1}\n"), Catch::Contains("test.yaml:13: a second YAML document"));
}

TEST_CASE("YAML: an alias cycle and deep nesting are refused", "[input][reliability]") {
  CHECK_THAT(input_error("time: &t {end: 1 h, again: *t}\n"), Catch::Contains("test.yaml:1: time.again: a YAML alias"));
  CHECK_THAT(input_error("a: " + std::string(70, '[') + std::string(70, ']') + "\n"), Catch::Contains("nested more than 64 levels deep"));
  CHECK(input_error(std::string("defaults: &d {diffusivity: 1e-10 m2/s, partition: 0.7}\n") + kCase).find("alias") == std::string::npos);
}

// ---- Checkpoint and restart, and the place of a failed step (issue 14, items 1 and 3) ----------

TEST_CASE("a collapsing step names the species, layer, cell and depth, and the likely cause", "[reliability]") {
  Problem p = build_problem(test::parse(kCase, {"time.rtol=1e-20"}), nullptr);
  Simulation sim(std::move(p));
  try {
    sim.run();
    FAIL("the run should have failed");
  } catch (const StepFailure& e) {
    CHECK(e.kind == StepFailure::Kind::StepTooSmall);
    REQUIRE(e.species == 0);
    REQUIRE(e.cell >= 0);
    const std::string m = describe_step_failure(sim, e);
    CHECK(m.find("time step became too small") == 0);
    CHECK(m.find("for 'caf' in layer '") != std::string::npos);
    CHECK(m.find("), depth ") != std::string::npos);
    CHECK(m.find("likely cause") != std::string::npos);
  }
}

TEST_CASE("checkpoint: the state round-trips through its arrays; malformed arrays are refused", "[reliability][restart]") {
  SavedState st;
  st.put("a", {1.0, 2.0});
  st.put("b", 3.0);
  st.put_text("names", {"x", "y z", ""});
  const RawCheckpoint raw = encode_state(st);
  const SavedState back = decode_state(raw);
  CHECK(back.get("a") == std::vector<double>{1.0, 2.0});
  CHECK(back.scalar("b") == 3.0);
  CHECK(back.text("names") == std::vector<std::string>{"x", "y z", ""});
  RawCheckpoint bad = raw;
  bad.counts[0] = 5;  // more than there are
  CHECK_THROWS_AS(decode_state(bad), CheckpointError);
  bad = raw;
  bad.counts[0] = 0.5;
  CHECK_THROWS_AS(decode_state(bad), CheckpointError);
  bad = raw;
  bad.keys[1] = bad.keys[0];  // repeated
  CHECK_THROWS_AS(decode_state(bad), CheckpointError);
  bad = raw;
  bad.text_counts.push_back(1);
  CHECK_THROWS_AS(decode_state(bad), CheckpointError);
  CHECK_THROWS_AS(back.get("missing"), CheckpointError);
  CHECK_THROWS_AS(back.get("a", 3), CheckpointError);
}

namespace {
// The state of the case's run saved after its `at`-th accepted step (the run stops there).
SavedState saved_after(const Case& c, long at) {
  SavedState st;
  Simulation sim(build_problem(c, nullptr));
  struct Saved {};
  try {
    sim.run({}, [&](const Simulation& s, double, double) {
      if (s.stats().accepted == at) {
        s.save_state(st);
        throw Saved{};
      }
    });
  } catch (const Saved&) {
  }
  return st;
}
}  // namespace

TEST_CASE("checkpoint: a simulation restored mid-run continues exactly; a state of another problem is refused", "[reliability][restart]") {
  const Case c = test::parse(kCase, {});
  Simulation ref(build_problem(c, nullptr));
  ref.run();
  // the same run, saved after its 7th accepted step
  const SavedState st = saved_after(c, 7);
  Simulation cont(build_problem(c, nullptr));
  cont.restore_state(st);
  cont.run();
  CHECK(cont.stats().accepted == ref.stats().accepted);
  CHECK(cont.stats().rejected == ref.stats().rejected);
  CHECK(cont.history().time == ref.history().time);
  CHECK(cont.concentration(0) == ref.concentration(0));
  CHECK(cont.balance(0).error() == ref.balance(0).error());
  // another grid: refused before anything changes
  Simulation other(build_problem(test::parse(kCase, {"skin.layers[1].cells=5"}), nullptr));
  CHECK_THROWS_AS(other.restore_state(st), CheckpointError);
  SavedState broken = st;
  broken.put("sp/0/u", std::vector<double>(3, 0.0));
  Simulation again(build_problem(c, nullptr));
  CHECK_THROWS_AS(again.restore_state(broken), CheckpointError);
}

TEST_CASE("checkpoint: a nonlinear-fluid run restored mid-run continues exactly, sub-cycled or not", "[reliability][restart][fluid]") {
  // The lagged coefficients' state (what the operator was built with, the lag's rate) is saved too:
  // without it the continued run rebuilt the fluid's operator at once, unbounded by the lag's rate,
  // and took other steps.
  for (const char* multirate : {"true", "false"})
    for (long at : {5L, 25L}) {
      const Case c = test::parse(
          "time: {end: 6 h}\n"
          "geometry: {kind: axisymmetric, width: 10 mm, lateral_cells: 10, lateral_grading: 3}\n"
          "skin: {preset: face_cheek}\n"
          "species:\n  - {name: niacinamide, ingredient: niacinamide}\n"
          "delivery:\n  - {type: injection, species: {niacinamide: 20 mg/mL}, volume: 10 uL, depth: 1 mm}\n"
          "fluid: {enabled: true, law: nonlinear, layers: {all: {compliant_stiffness: 10 Pa}}}\n",
          {std::string("time.multirate=") + multirate});
      Simulation ref(build_problem(c, nullptr));
      ref.run();
      Simulation cont(build_problem(c, nullptr));
      cont.restore_state(saved_after(c, at));
      cont.run();
      INFO("multirate " << multirate << ", saved after step " << at << " of " << ref.stats().accepted);
      CHECK(cont.history().time == ref.history().time);
      for (int s : {0, 1}) {
        CHECK(cont.concentration(s) == ref.concentration(s));
        CHECK(cont.balance(s).error() == ref.balance(s).error());
      }
      if (at != 25) continue;
      // a checkpoint written before the law's state was saved (its keys absent) still continues,
      // with the coefficients rebuilt at the first step, and keeps the balances
      SavedState old;
      const SavedState st = saved_after(c, at);
      for (const auto& [k, v] : st.numbers())
        if (k.find("a_built") == std::string::npos && k.find("f_built") == std::string::npos && k.find("a_last") == std::string::npos &&
            k.find("f_last") == std::string::npos && k.find("t_last") == std::string::npos && k.find("/rate") == std::string::npos)
          old.put(k, v);
      for (const auto& [k, v] : st.texts()) old.put_text(k, v);
      REQUIRE(old.numbers().size() == st.numbers().size() - 6);
      Simulation from_old(build_problem(c, nullptr));
      from_old.restore_state(old);
      from_old.run();
      CHECK(from_old.time() == ref.time());
      CHECK(test::worst_balance(from_old) < 1e-10);
      // and a state whose last coefficients do not match its time is refused
      SavedState bad = st;
      for (const auto& [k, v] : st.numbers())
        if (k.find("a_last") != std::string::npos) bad.put(k, std::vector<double>{});
      Simulation refused(build_problem(c, nullptr));
      CHECK_THROWS_AS(refused.restore_state(bad), CheckpointError);
    }
}

// A checkpoint is never taken at the end of the run: the final output follows at once, and a run
// killed while writing it must leave a checkpoint that has something to continue (one at time.end
// is refused by --restart). With a checkpoint due after every step, the one on the disk when the last
// step is taken is still the one before it.
TEST_CASE("checkpoint: none at the end of the run, the one before stays", "[reliability][restart]") {
  const fs::path dir = fs::temp_directory_path() / ("dermasim-ckpt-end-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Case c = test::parse(kCase, {});
  c.output_file = (dir / "out.h5").string();
  CaseRunOptions opt;
  opt.checkpoint_path = checkpoint_sibling(c.output_file);
  opt.checkpoint_sim = 1e-6;  // due after every step
  int steps = 0, seen_at_end = 0;
  double at_end = -1;
  opt.on_step = [&](const Simulation&, double t, double) {
    ++steps;
    if (t >= c.end) {
      ++seen_at_end;
      at_end = checkpoint_time(opt.checkpoint_path);
    }
  };
  const CaseRunResult res = run_case(c, opt);
  CHECK(seen_at_end == 1);
  CHECK(at_end < c.end);  // the step before the last one's
  CHECK(at_end > 0);
  CHECK(res.checkpoints == steps - 1);
  CHECK_FALSE(fs::exists(opt.checkpoint_path));  // replaced by the output
  fs::remove_all(dir);
}
