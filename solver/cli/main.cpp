// dermasim command line: run a case, check a case, print the version.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "../../models/case.hpp"
#include "../io/output.hpp"
#include "report.hpp"

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

int cmd_check(const std::string& file, const std::vector<std::string>& sets) {
  Case c = load_case(file, sets, "");
  std::vector<std::string> warnings;
  Problem p = build_problem(c, &warnings);
  std::cout << "# dermasim " << DERMASIM_VERSION << ": resolved case '" << c.name << "' from " << file << "\n";
  std::cout << "# grid: " << to_string(p.grid.geometry) << ", " << p.grid.nx << " x " << p.grid.ny << " x " << p.grid.nz
            << " cells (x, y, depth), total depth " << format_quantity(p.grid.zn.back(), dims::length) << "\n";
  for (const auto& w : warnings) std::cout << "# warning: " << w << "\n";
  std::cout << dump_case(c);
  return 0;
}

int cmd_run(const std::string& file, const std::vector<std::string>& sets, const std::string& output, bool quiet) {
  Case c = load_case(file, sets, output);
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
  std::vector<std::string> warnings;
  Problem p = build_problem(c, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  Simulation sim(std::move(p));
  std::fprintf(stderr, "dermasim %s: '%s', %s grid %d x %d x %d, %zu species, until %s\n", DERMASIM_VERSION, c.name.c_str(),
               to_string(sim.grid().geometry).c_str(), sim.grid().nx, sim.grid().ny, sim.grid().nz, sim.species_count(),
               format_quantity(c.end, dims::time).c_str());
  RunWriter writer(c.output_file, sim, dump_case(c), c.vtk);
  Progress progress(c.end, !quiet);
  sim.run([&](const Simulation& s, double t, int idx) { writer.snapshot(s, t, idx); },
          [&](const Simulation& s, double t, double dt) { progress.update(s, t, dt); });
  progress.done();
  writer.finish(sim);
  print_summary(stdout, sim);
  std::printf("\n  results: %s\n  ParaView: %s\n", c.output_file.c_str(), writer.xdmf_path().c_str());
  if (!writer.pvd_path().empty()) std::printf("  VTK series: %s\n", writer.pvd_path().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
  auto* check = app.add_subcommand("check", "validate a case and print it with every default filled in");
  check->add_option("case", file, "case file (YAML)")->required();
  check->add_option("--set", sets, "override a value: KEY.PATH=VALUE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;  // bad command line: exit code 2, like bad input
  }
  try {
    if (*run) return cmd_run(file, sets, output, quiet);
    if (*check) return cmd_check(file, sets);
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
