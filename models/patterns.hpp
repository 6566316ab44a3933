// SPDX-License-Identifier: BSD-3-Clause
// Injection techniques as delivery types (papule, nappage, micropapules, point_by_point, mesogun,
// linear_threading, custom): each expands into injection events (DeliveryDefs of type injection with
// `technique` set); depth and position scatter; treatment schedules; and the periodic unit cell of a
// regular injection lattice (geometry.unit_cell). The keys are described in docs/case-format.md,
// "Injection techniques".
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "../solver/input.hpp"
#include "../solver/simulation.hpp"
#include "case.hpp"

namespace dermasim {

// The technique names usable as `type:` in a delivery entry.
const std::vector<std::string>& technique_names();
bool is_technique(const std::string& type);
// Techniques that place points on a regular grid (and can be simulated as a unit cell).
bool is_lattice_technique(const std::string& type);

// Defaults of one technique, with where each number comes from ([Derived:injection-defaults] and the source strings of each technique).
struct TechniqueDefaults {
  std::string name;
  double depth = 0;    // m, vertical depth of the bolus centre
  double volume = 0;   // m3 per point (linear_threading: total along the line)
  double spacing = 0;  // m, grid spacing in x and y (0: not a grid)
  int rows = 1, columns = 1;
  std::string depth_source, volume_source, spacing_source, grid_source;
};
const TechniqueDefaults& technique_defaults(const std::string& name);

// Depth and position scatter: each point's depth and lateral position are drawn from normal
// distributions around the nominal ones (standard deviations `depth`, `position`), then clipped to the
// domain. Deterministic: the same seed gives the same points everywhere (see NormalStream).
struct Scatter {
  double depth = 0;     // m (standard deviation)
  double position = 0;  // m (standard deviation, in x and in y independently)
  std::uint64_t seed = 1;
  bool any() const { return depth > 0 || position > 0; }
};

// Standard normal numbers from std::mt19937_64 (its output is fixed by the C++ standard) through
// the Box-Muller transform, so that a seed gives the same sequence with every compiler and library
// (std::normal_distribution does not guarantee that).
class NormalStream {
 public:
  explicit NormalStream(std::uint64_t seed) : gen_(seed) {}
  double next();

 private:
  double uniform();  // in (0, 1)
  std::mt19937_64 gen_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// A technique entry as read: its nominal points (one session) and the scatter to apply.
struct PatternSpec {
  std::string technique;
  std::vector<DeliveryDef> points;  // nominal; type "injection", technique set, session 0
  std::vector<std::string> labels;  // how an error names each point
  Scatter scatter;
  bool lattice = false;  // a regular grid
  double sx = 0, sy = 0; // its spacing
};

// Reads the keys of a technique entry (its `type` already read; `schedule` is read by the caller).
// In a unit-cell case a lattice technique gives one point at the corner x = y = 0 and sets the unit
// cell's spacing if the geometry did not.
PatternSpec read_pattern(MapReader& m, const std::string& type, Case& c);
// The points of one treatment session: the nominal ones with the scatter applied (the stream is
// seeded with seed + session), clipped to the domain; session set.
std::vector<DeliveryDef> pattern_session(const PatternSpec& p, int session, const Case& c);

// A point list (custom technique): a CSV file with a header row naming the columns with their
// units, e.g. "x_mm,y_mm,depth_mm,volume_uL[,time_h]". `volume_dim` is the volume's dimension in
// the geometry (volume, area per length in 2d, length per area in 1d). Errors name the file and line.
struct CsvPoint {
  double x = 0, y = 0, depth = 0, volume = 0, time = 0;
  int line = 0;
};
// At most kMaxPoints rows and kMaxPointFileBytes bytes (issue 14: a 10^6-row file made `run` hang).
inline constexpr size_t kMaxPoints = 10000;
inline constexpr size_t kMaxPointFileBytes = 4u << 20;
std::vector<CsvPoint> read_points_csv(const std::string& path, const Dim& volume_dim, const std::string& key_path);

// The accepted delivery types: `base` (topical, injection, ...) followed by the technique names.
std::vector<std::string> with_techniques(std::vector<std::string> base);

// `schedule: {count: 4, interval: 21 d}` on any delivery: a treatment course of `count` sessions,
// `interval` apart (session k shifted by k * interval, `session` = k).
struct Schedule {
  int count = 1;
  double interval = 0;  // s
  std::optional<Located> where;  // the `schedule` entry, if given
};
Schedule read_schedule(MapReader& m);
// Time shift of a delivery (injection time, topical start and removal, microneedling time).
void shift_delivery(DeliveryDef& d, double dt);
// When a delivery starts (for the end-of-run check).
double delivery_start(const DeliveryDef& d);
// Appends the sessions of `sessions` (one vector of deliveries per session, unshifted) to
// c.delivery, session k shifted by k * interval; sessions that start at or after time.end are left
// out with a warning. `origin` receives `entry` for every delivery appended.
void add_sessions(Case& c, const std::vector<std::vector<DeliveryDef>>& sessions, const Schedule& s, size_t entry,
                  std::vector<size_t>& origin);

// geometry.unit_cell: `true` (spacing from the lattice technique in `delivery`) or
// `{spacing: L}` / `{spacing: [Lx, Ly]}`. Sets c.unit_cell and the spacing.
void read_unit_cell(const Located& l, Case& c);
// After `delivery` is read: the unit cell's width (and length) from its spacing; errors if there is
// none. `root` is the case's top-level map.
void resolve_unit_cell(MapReader& root, Case& c);
// The line printed by `check`/`run` and written into the resolved case.
std::string unit_cell_note(const Case& c);
// Called at the end of build_problem: adds the unit-cell note. (In a unit cell each injection at
// the corner fills its share of the lattice point, models/delivery/injection.cpp; the mirror edges
// make that the lattice's fill folded into the cell.)
void finish_unit_cell(const Case& c, Problem& p, std::vector<std::string>* warnings);

// Reads an injection's `species: {name: concentration, ...}` into d.contents.
void read_contents(MapReader& m, const Case& c, DeliveryDef& d);

}  // namespace dermasim
