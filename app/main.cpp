// SPDX-License-Identifier: BSD-3-Clause
// dermasim command line: run a case, check a case, list the ingredient library, describe an
// ingredient's estimated properties, print the version.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <iostream>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../models/case.hpp"
#include "compare.hpp"
#include "../models/metrics.hpp"
#include "describe.hpp"
#include "distributed_run.hpp"
#include "fit.hpp"
#include "franz_report.hpp"
#include "../models/hydration_metrics.hpp"
#include "../solver/io/output.hpp"
#include "../solver/threads.hpp"
#include "case_runner.hpp"
#include "list.hpp"
#include "report.hpp"
#include "sweep.hpp"
#include "run_safety.hpp"
#include "restart.hpp"

using namespace dermasim;

namespace {

Case load_case(const std::string& file, const std::vector<std::string>& sets, const std::string& output) {
  Located root = load_yaml_file(file, sets);
  Case c = read_case(root);
  if (!output.empty()) {
    if (output.size() < 4 || output.substr(output.size() - 3) != ".h5")
      throw InputError("--output", 0, "", "the output file must end in .h5, got '" + output + "'");
    c.output_file = output;
    c.output_line = 0;
  }
  return c;
}

// Writes a report next to the results (<stem>_report.md), atomically; prints it too.
std::string write_report(const Case& c, const std::string& text) {
  std::printf("\n%s", text.c_str());
  const std::filesystem::path h5(c.output_file);
  const std::string path = (h5.parent_path() / (h5.stem().string() + "_report.md")).string();
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw std::runtime_error("cannot write the report " + path);
  }
  std::filesystem::rename(tmp, path);
  return path;
}

int cmd_check(const std::string& file, const std::vector<std::string>& sets) {
  Case c = load_case(file, sets, "");
  std::vector<std::string> warnings;
  Problem p = build_problem(c, &warnings);
  std::cout << "# dermasim " << DERMASIM_VERSION << ": resolved case '" << c.name << "' from " << file << "\n";
  std::cout << "# grid: " << to_string(p.grid.geometry) << ", " << p.grid.nx << " x " << p.grid.ny << " x " << p.grid.nz
            << " cells (x, y, depth), total depth " << format_quantity(p.grid.zn.back(), dims::length) << "\n";
  std::cout << "# " << preflight(p, file, c.output_file, true, /*force=*/true) << "\n";
  for (const auto& w : warnings) std::cout << "# warning: " << w << "\n";
  std::cout << dump_case(c);
  return 0;
}

// Checkpoint and restart options of `run` (docs/reliability.md).
struct RestartOptions {
  std::string restart;                     // --restart FILE ("": a new run)
  std::string every_wall = "10 min";       // --checkpoint-every (wall time; 0: none)
  std::string every_sim;                   // --checkpoint-sim (simulated time; "": none)
};

// A duration given on the command line: a time with a unit, or 0.
double parse_interval(const std::string& option, const std::string& text) {
  if (text.empty()) return 0;
  try {
    const Quantity q = parse_quantity(text);
    if (q.si == 0) return 0;
    if (!(q.dim == dims::time) || !(q.si > 0)) throw UnitError("not a positive time");
    return q.si;
  } catch (const UnitError& e) {
    throw InputError(option, 0, "", "'" + text + "' is not a duration (" + e.what() + "); give a time with its unit, e.g. '10 min', or 0 for none");
  }
}

int run_checked(Case& c, const std::string& file, const std::vector<std::string>& sets, const std::string& output, bool quiet, bool force,
                const RestartOptions& ro);

// The first folder of `dir` (or `dir` itself) that does not exist yet: what writing into `dir` creates.
std::filesystem::path first_missing_folder(const std::filesystem::path& dir) {
  std::filesystem::path missing;
  std::error_code ec;
  for (auto d = dir; !d.empty() && !std::filesystem::exists(d, ec); d = d.parent_path()) {
    missing = d;
    if (d == d.parent_path()) break;
  }
  return missing;
}

// Removes the folders under (and including) `top` that are empty, deepest first: what a failed run
// created and left nothing in.
void remove_empty_folders(const std::filesystem::path& top) {
  std::error_code ec;
  if (top.empty() || !std::filesystem::is_directory(top, ec)) return;
  for (const auto& e : std::filesystem::directory_iterator(top, ec))
    if (e.is_directory(ec)) remove_empty_folders(e.path());
  std::filesystem::remove(top, ec);  // only if empty
}

int cmd_run(const std::string& file, const std::vector<std::string>& sets, const std::string& output, bool quiet, bool force,
            const RestartOptions& ro) {
  install_stop_signals();
  Case c = load_case(file, sets, output);
  const std::filesystem::path out_dir = std::filesystem::path(c.output_file).parent_path();
  const std::filesystem::path created = first_missing_folder(out_dir.empty() ? std::filesystem::path(".") : out_dir);
  try {
    return run_checked(c, file, sets, output, quiet, force, ro);
  } catch (...) {
    remove_empty_folders(created);  // a failed run leaves no empty output folders behind
    throw;
  }
}

int run_checked(Case& c, const std::string& file, const std::vector<std::string>& sets, const std::string& output, bool quiet, bool force,
                const RestartOptions& ro) {
  const std::string why = RunWriter::check_writable(c.output_file);
  if (!why.empty()) {
    if (!output.empty()) throw InputError("--output", 0, "", "output path not writable: " + why);
    bool from_set = false;
    for (const auto& s : sets)
      if (s.rfind("output.file=", 0) == 0 || s.rfind("output=", 0) == 0) from_set = true;
    if (from_set) throw InputError(file + " (value from --set)", 0, "output.file", "output path not writable: " + why);
    throw InputError(file, c.output_line, "output.file",
                     "output path not writable: " + why + (c.output_line ? "" : " (the default output file; set output.file or --output)"));
  }
  CaseRunOptions opt;
  opt.progress = !quiet;
  opt.checkpoint_wall = parse_interval("--checkpoint-every", ro.every_wall);
  opt.checkpoint_sim = parse_interval("--checkpoint-sim", ro.every_sim);
  opt.checkpoint_path = checkpoint_sibling(c.output_file);
  // a restart: the checkpoint, checked against this case before anything runs
  CheckpointFile ckpt;
  if (!ro.restart.empty()) {
    std::string note;
    ckpt = open_restart(ro.restart, &note);
    std::string diff;
    try {
      diff = case_difference(ckpt.case_text, dump_case(c));
    } catch (const CheckpointError& e) {
      throw InputError("--restart", 0, "", "cannot continue from '" + ckpt.path + "': " + e.what());
    }
    if (!diff.empty()) {
      // checkpoints written before `solver.tolerance: auto` became the default hold 1e-12
      const std::string hint = diff.rfind("solver.tolerance", 0) == 0
                                   ? " (a checkpoint of a run without solver.tolerance written before it defaulted to auto continues with --set solver.tolerance=1e-12)"
                                   : "";
      throw InputError(file, 0, "", "the case differs from the one of the checkpoint '" + ckpt.path + "' at " + diff +
                                        "; a restart may change only time.end and the outputs (run the case anew instead)" + hint);
    }
    if (ckpt.time >= c.end)
      throw InputError(file, 0, "time.end", "the checkpoint '" + ckpt.path + "' is at t = " + format_quantity(ckpt.time, dims::time) +
                                                ", not before time.end (" + format_quantity(c.end, dims::time) + "): nothing to continue");
    if (!note.empty()) std::fprintf(stderr, "dermasim: %s\n", note.c_str());
    std::fprintf(stderr, "dermasim: continuing from the checkpoint at t = %s in %s\n", format_quantity(ckpt.time, dims::time).c_str(), ckpt.path.c_str());
    opt.restart = &ckpt;
  }
  std::string estimate;
  opt.on_problem = [&](const Problem& p) {
    check_distributed(p, file);  // one case over MPI ranks (app/distributed_run): a grid they can share
    estimate = preflight(p, file, c.output_file, true, force);
  };
  opt.on_start = [&](const Simulation& sim, const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    std::fprintf(stderr, "dermasim %s: '%s', %s grid %d x %d x %d, %zu species, until %s (%s)\n", DERMASIM_VERSION, c.name.c_str(),
                 to_string(sim.grid().geometry).c_str(), sim.grid().nx, sim.grid().ny, sim.grid().nz, sim.species_count(),
                 format_quantity(c.end, dims::time).c_str(), estimate.c_str());
  };
  // SIGINT/SIGTERM: stop after the step in progress, keep what was computed
  opt.on_step = [&](const Simulation&, double t, double) {
    if (t >= c.end) return;  // the last step: the run is complete, its output follows (a stop here would leave nothing to continue)
    if (const int sig = stop_signal())
      throw RunStop("stopped by " + signal_name(sig) + " at t = " + format_quantity(t, dims::time), 128 + sig);
  };
  CaseRunResult res;
  try {
    res = run_case(c, opt);
  } catch (const CheckpointError& e) {  // a state that does not fit the problem: bad input, nothing written
    throw InputError("--restart", 0, "", "cannot continue from '" + ckpt.path + "': " + e.what());
  }
  const Simulation& sim = *res.sim;
  print_summary(stdout, sim);
  if (res.checkpoints > 0)
    std::printf("  checkpoints: %d written to %s in %.2f s in all (replaced by the output at the end)\n", res.checkpoints,
                opt.checkpoint_path.c_str(), res.checkpoint_seconds);
  if (!res.stopped.empty()) {
    std::fprintf(stderr,
                 "dermasim: %s of %s. The results so far (every output before the stop) are in %s, marked incomplete "
                 "(attributes status and time_reached), with a checkpoint; no metrics or report were written. To continue: "
                 "dermasim run %s%s --restart %s\n",
                 res.stopped.c_str(), format_quantity(c.end, dims::time).c_str(), c.output_file.c_str(), file.c_str(),
                 sets.empty() ? "" : " [the same --set options]", c.output_file.c_str());
    return res.exit_code;
  }
  const std::string metrics_path = metrics_csv_path(c.output_file);
  std::string report_path;
  try {
    write_file_atomic(metrics_path, metrics_csv(res.metrics));
    if (c.report == "tg428") report_path = write_report(c, tg428_report(c, sim));
  } catch (...) {
    // the results are incomplete without their metrics: remove them all
    for (const auto& f : {c.output_file, res.xdmf_path, metrics_path, report_path}) {
      std::error_code ec;
      if (!f.empty()) std::filesystem::remove(f, ec);
    }
    throw;
  }
  for (const auto& w : res.metrics.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());  // also in the metrics text
  std::printf("%s", metrics_text(res.metrics).c_str());
  std::printf("%s", hydration_text(res.hydration).c_str());
  for (const auto& w : res.hydration.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());  // also in the results file (/scalars/papule)
  std::printf("\n  results: %s\n  ParaView: %s\n", c.output_file.c_str(), res.xdmf_path.c_str());
  std::printf("  metrics: %s\n", metrics_path.c_str());
  if (!report_path.empty()) std::printf("  report: %s\n", report_path.c_str());
  if (!res.pvd_path.empty()) std::printf("  VTK series: %s\n", res.pvd_path.c_str());
  return 0;
}

// Runs every scenario (all validated first) and prints one table with ratios to the first.
int cmd_compare(const std::vector<std::string>& files, const std::vector<std::string>& sets, const std::string& out_arg, bool quiet) {
  ScenarioSet set = load_scenarios(files, sets);
  const std::string out = !out_arg.empty() ? out_arg : !set.out.empty() ? set.out : "results/" + set.name;
  const std::string where = !out_arg.empty() ? "--out" : !set.out.empty() ? "out" : "--out (default " + out + ")";
  // every scenario is validated (its problem built) before any runs
  for (auto& sc : set.scenarios) {
    sc.c.output_file = (std::filesystem::path(out) / (sc.name + ".h5")).string();
    sc.c.output_line = 0;
    const std::string why = RunWriter::check_writable(sc.c.output_file);
    if (!why.empty()) throw InputError(where, 0, "", "output folder not writable: " + why);
    std::vector<std::string> warnings;
    build_problem(sc.c, &warnings);
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s: %s\n", sc.name.c_str(), w.c_str());
  }
  std::vector<CompareRow> rows;
  const size_t n = set.scenarios.size();
  for (size_t i = 0; i < n; ++i) {
    const Scenario& sc = set.scenarios[i];
    CaseRunOptions opt;
    opt.progress = !quiet;
    opt.on_start = [&](const Simulation& sim, const std::vector<std::string>&) {
      std::fprintf(stderr, "[%zu/%zu] %s (%s): %s grid %d x %d x %d, until %s\n", i + 1, n, sc.name.c_str(), sc.origin.c_str(),
                   to_string(sim.grid().geometry).c_str(), sim.grid().nx, sim.grid().ny, sim.grid().nz, format_quantity(sc.c.end, dims::time).c_str());
    };
    const CaseRunResult res = run_case(sc.c, opt);
    write_file_atomic(metrics_csv_path(sc.c.output_file), metrics_csv(res.metrics));
    std::fprintf(stderr, "[%zu/%zu] %s done: %ld steps, %.2f s -> %s\n", i + 1, n, sc.name.c_str(), res.sim->stats().accepted,
                 res.sim->stats().wall_seconds, sc.c.output_file.c_str());
    for (auto& r : compare_rows(sc.name, res.metrics)) rows.push_back(std::move(r));
  }
  const std::string csv = (std::filesystem::path(out) / "compare.csv").string();
  write_file_atomic(csv, compare_csv(rows));
  std::printf("\nComparison of %zu scenarios at the end of each run:\n\n%s", n, compare_table(rows).c_str());
  std::printf("\n  table: %s\n  per-scenario results and metrics: %s/<scenario>.h5, <scenario>_metrics.csv\n", csv.c_str(), out.c_str());
  return 0;
}

int cmd_ingredients(bool json) {
  const auto& lib = ingredient_library();
  std::cout << (json ? ingredients_json(lib) : ingredients_text(lib));
  return 0;
}

int cmd_describe(const std::string& name, const std::string& skin, const std::string& sc_model, const std::string& sc_macro,
                 const std::string& sc_polar, const std::optional<double>& ph, bool json) {
  const Ingredient* g = find_library_ingredient(name);
  if (!g) {
    std::string names;
    for (const auto& x : ingredient_library()) names += (names.empty() ? "" : ", ") + x.name;
    throw InputError("describe", 0, "", "unknown ingredient '" + name + "'; the library has: " + names);
  }
  const SkinPreset* preset = find_skin_preset(skin);
  if (!preset) {
    std::string names;
    for (const auto& x : skin_presets()) names += (names.empty() ? "" : ", ") + x.name;
    throw InputError("--skin", 0, "", "unknown skin preset '" + skin + "'; available: " + names);
  }
  PropertyOptions opt;
  if (sc_model == "potts_guy") opt.sc_model = ScModel::PottsGuy;
  if (sc_macro == "impermeable") opt.sc_macromolecule = ScMacromoleculeModel::Impermeable;
  if (sc_polar == "none") opt.sc_polar_route = ScPolarRoute::None;
  opt.ph = ph;
  Description d = describe_ingredient(*g, *preset, opt);
  std::cout << (json ? describe_json(d) : describe_text(d));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  dermasim::set_thread_environment(argv);  // OpenMP waiting and threads per rank (solver/threads.hpp)
  CLI::App app{"dermasim: drug and hyaluronic-acid transport in layered skin (topical, injected, microneedled)"};
  app.set_version_flag("--version", std::string("dermasim ") + DERMASIM_VERSION);
  app.require_subcommand(1);
  std::string file, output;
  std::vector<std::string> sets;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "run a case and write results (HDF5 + XDMF)");
  run->add_option("case", file, "case file (YAML)")->required();
  run->add_option("--set", sets, "override a value: KEY.PATH=VALUE, e.g. delivery[0].depth=\"2 mm\"");
  run->add_option("--output,-o", output, "output file (.h5), instead of output.file");
  run->add_flag("--quiet,-q", quiet, "no progress line");
  bool force = false;
  run->add_flag("--force", force, "run even when the estimate says the steps, memory or output size are too large");
  RestartOptions ro;
  run->add_option("--restart", ro.restart, "continue the interrupted run recorded in FILE (its output, or FILE's sibling <stem>.ckpt.h5)");
  run->add_option("--checkpoint-every", ro.every_wall, "write a checkpoint (<output stem>.ckpt.h5) every DURATION of wall time, e.g. '10 min'; 0: none (default 10 min)");
  run->add_option("--checkpoint-sim", ro.every_sim, "also every DURATION of simulated time, e.g. '1 d'");
  auto* check = app.add_subcommand("check", "validate a case and print it with every default filled in");
  check->add_option("case", file, "case file (YAML)")->required();
  check->add_option("--set", sets, "override a value: KEY.PATH=VALUE");
  std::vector<std::string> compare_files;
  std::string compare_out;
  auto* compare = app.add_subcommand("compare", "run several cases (or a scenarios file) and print one table of target-layer metrics with ratios to the first");
  compare->add_option("cases", compare_files, "case files, or a file whose top level has `scenarios:` (docs/metrics.md)")->required();
  compare->add_option("--set", sets, "override a value in every scenario: KEY.PATH=VALUE");
  compare->add_option("--out", compare_out, "output folder (default: the scenarios file's `out`, else results/<name>)");
  compare->add_flag("--quiet,-q", quiet, "no progress line");
  bool json = false;
  auto* ingredients = app.add_subcommand("ingredients", "list the ingredient library (name, MW, logKow, solubility, kind, sources)");
  ingredients->add_flag("--json", json, "machine-readable output (layout: docs/properties.md)");
  std::string ingredient, skin = "forearm_invitro", sc_model = "mitragotri", sc_macro = "aqueous_pore", sc_polar = "aqueous_pore";
  double ph = 7;
  auto* describe = app.add_subcommand("describe", "an ingredient's estimated properties per layer, with the model behind each, and the stack's kp and lag time");
  describe->add_option("ingredient", ingredient, "a name from `dermasim ingredients`")->required();
  describe->add_option("--skin", skin, "skin preset (default forearm_invitro)");
  describe->add_option("--sc-model", sc_model, "stratum-corneum kp QSPR: mitragotri (default) or potts_guy")
      ->check(CLI::IsMember({"mitragotri", "potts_guy"}));
  describe->add_option("--sc-macromolecule", sc_macro,
                       "stratum-corneum model of macromolecules without log Kow: aqueous_pore (default) or impermeable")
      ->check(CLI::IsMember({"aqueous_pore", "impermeable"}));
  describe->add_option("--sc-polar-route", sc_polar,
                       "polar (aqueous-pore) route of the stratum corneum in parallel with the lipid route: aqueous_pore (default) or none")
      ->check(CLI::IsMember({"aqueous_pore", "none"}));
  auto* ph_option = describe->add_option("--ph", ph, "pH of the solution on the skin: acids and bases are split into unionised (lipid and polar route) and "
                       "ionised species (polar route only) by Henderson-Hasselbalch; without it no ionisation in the stratum corneum")
      ->check(CLI::Range(0.0, 14.0));
  describe->add_flag("--json", json, "machine-readable output (layout: docs/properties.md)");
  bool markdown = false;
  auto* list = app.add_subcommand("list", "every delivery type, injection technique, reaction and coupling, with the keys each reads");
  list->add_flag("--markdown", markdown, "the reference tables of docs/case-format.md");
  std::string fit_out;
  bool fit_profile = false;
  int fit_starts = 0;
  auto* fit = app.add_subcommand("fit", "fit case parameters to measurements (Franz receptor, flux, layer, vehicle, tape strips): docs/fit.md");
  fit->add_option("fitfile", file, "fit file (YAML): base case, parameters with bounds, data files")->required();
  fit->add_option("--output,-o", fit_out, "output folder: fit.csv, fitted.yaml, fit.png, ...")->required();
  fit->add_flag("--profile", fit_profile, "profile-likelihood intervals too (slower)");
  fit->add_option("--starts", fit_starts, "number of starting points (default: the file's `starts`, else 4)")->check(CLI::Range(1, 64));
  fit->add_flag("--quiet,-q", quiet, "no progress lines");
  SweepOptions sw;
  auto* sweep = app.add_subcommand("sweep", "run every case of a sweep file (axes over a base case) in parallel; one table of inputs and metrics (docs/sweep.md)");
  sweep->add_option("sweep", sw.file, "sweep file (YAML: base, vary, design, metrics)")->required();
  sweep->add_option("--output,-o", sw.output, "output folder: results.csv, results.h5, sweep.journal");
  sweep->add_option("--jobs,-j", sw.jobs, "cases run at once (default: every core)")->check(CLI::Range(1, 4096));
  sweep->add_flag("--resume", sw.resume, "continue a sweep in --output: finished cases are not run again");
  sweep->add_flag("--dry-run", sw.dry_run, "list the cases and validate every one; run nothing");
  sweep->add_flag("--quiet,-q", sw.quiet, "no progress");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // bad command line: exit code 2 and an `error:` line, like bad input
    std::fprintf(stderr, "error: %s\nRun 'dermasim --help' (or 'dermasim COMMAND --help') for the usage.\n", e.what());
    return 2;
  }
  try {
    if (*run) return run_on_ranks([&] { return cmd_run(file, sets, output, quiet, force, ro); });
    if (*check) return cmd_check(file, sets);
    if (*compare) return cmd_compare(compare_files, sets, compare_out, quiet);
    if (*ingredients) return cmd_ingredients(json);
    if (*sweep) {
      file = sw.file;
      return cmd_sweep(sw, argc, argv);
    }
    if (*fit) return cmd_fit(file, fit_out, fit_profile, fit_starts, quiet);
    if (*describe) return cmd_describe(ingredient, skin, sc_model, sc_macro, sc_polar, ph_option->count() ? std::optional<double>(ph) : std::nullopt, json);
    if (*list) {
      std::cout << (markdown ? list_markdown() : list_text());
      return 0;
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const YAML::Exception& e) {
    // Only reachable from reading the case: an input problem the readers did not anticipate.
    std::fprintf(stderr, "error: %s: %s\n", file.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
