// SPDX-License-Identifier: BSD-3-Clause
// A case: what the user wrote in the YAML file, validated and with every default filled in.
// read_case() checks everything (unknown keys, units, ranges, cross references) and throws
// InputError; build_problem() turns the case into the solver's Problem.
#pragma once
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../solver/input.hpp"
#include "../solver/simulation.hpp"
#include "ingredients.hpp"
#include "layer_props.hpp"
#include "microneedle.hpp"
#include "properties.hpp"
#include "fluid.hpp"
#include "hydration.hpp"
#include "reactions.hpp"
#include "skin_presets.hpp"

namespace dermasim {


struct SpeciesDef {
  std::string name;
  std::vector<LayerProps> props;  // per layer, in layer order
  // When the properties come from the ingredient library (models/properties): the ingredient's
  // name and, per layer, what produced the values ("model: formula", or "given" where the case's
  // `properties` set every value).
  std::string ingredient;
  std::vector<std::string> origin;
};

// Parameters of a delivery type that the common fields below do not hold (a plug-in derives its own).
struct DeliveryExtra {
  virtual ~DeliveryExtra() = default;
};

// One delivery event as read: the type's plug-in (models/delivery/) reads and lowers it. The fields
// are those the shipped types share; a plug-in keeps anything else in `extra`.
struct DeliveryDef {
  std::string type;  // a registered delivery type (models/delivery/)
  // topical
  std::string species;
  double dose = 0;          // film volume per area (m)
  double concentration = 0; // kg/m3
  double partition = 1;     // vehicle/water
  bool infinite = false;
  double start = 0;
  double remove = std::numeric_limits<double>::infinity();
  double volatile_fraction = 0;  // part of the film that can evaporate (water, ethanol)
  double evaporation = 0;        // m/s of film while the volatile part lasts (0: occluded/none)
  std::string evaporation_from;  // how the rate was obtained (for the resolved case)
  bool occluded = false;
  double solubility = std::numeric_limits<double>::infinity();  // in the vehicle, kg/m3
  // injection
  std::vector<std::pair<std::string, double>> contents;  // species -> concentration in the fluid
  double volume = 0;  // m3 (3d, axisymmetric), m2 (2d, per length), m (1d, per area)
  double depth = 0;
  double x = 0, y = 0;
  double time = 0;
  double duration = 0;   // injected at a constant rate over this time (0: instantaneous bolus)
  double fill_limit = 1;  // largest share of a cell's volume the injectate fills (models/injection.hpp)
  // Where it came from: the technique (papule, nappage, ... or the plain type) and the treatment
  // session (0, 1, ... for a schedule), for per-session metrics.
  std::string technique;
  int session = 0;
  // microneedle (derma roller, stamp, laser/RF micro-channels): models/microneedle.hpp
  MicroneedleDef needling;
  std::shared_ptr<const DeliveryExtra> extra;
};

// `metrics:` (models/metrics, docs/metrics.md): the layer the target metrics are computed for and
// an optional threshold concentration. The target is validated against the layers; "" until read.
struct MetricsDef {
  std::string target;                // layer name (default: the first dermal layer)
  double threshold = 0;              // kg/m3 (= mg/mL); 0: none
  std::vector<std::string> species;  // measured species; empty: all
  bool given = false;                // the case had a `metrics:` key
  // The elevation above which the surface counts as part of the papule, for its diameter
  // (models/hydration_metrics, runs with the fluid). 10 um: an assumption (no source), a small
  // fraction of the mm-scale heights of [Derived:papule-geometry], so the diameter spans the swollen skin.
  static constexpr double kDefaultPapuleThreshold = 10e-6;  // m
  double papule_threshold = kDefaultPapuleThreshold;         // m
  // The area (or radius) around each injection point the concentrations are over (models/metrics,
  // read_metrics_region); 0: the default (1 cm2); whole_domain: `area: domain`.
  double area = 0;    // m2 (axisymmetric, 3d)
  double radius = 0;  // m (2d, axisymmetric, 3d)
  bool whole_domain = false;
};

struct Case {
  std::string name;
  std::string file;
  // The injected fluid (models/fluid.hpp): off unless `fluid.enabled` (docs/case-format.md).
  bool fluid = false;
  std::vector<HydraulicProps> hydraulics;  // per layer
  double fluid_viscosity = kFluidViscosity;
  // fluid.law: "nonlinear" (strain-dependent permeability and compliance, capillary absorption) or
  // "linear" (the default)
  bool fluid_nonlinear = false;
  double fluid_max_change = 0.1;  // largest relative change of the lagged coefficients per step
  HydrationDef hydration;               // water held by HA (models/hydration.hpp)
  std::vector<ReactionDef> reactions;   // models/reactions.hpp
  // time
  double end = 0;
  std::vector<double> outputs;
  double output_every = 0;
  double dt = 0, dt_initial = 0, dt_max = 0, rtol = 1e-4;
  Scheme scheme = Scheme::TrBdf2;
  bool multirate = true;  // the injected fluid sub-cycled inside the solutes' steps (TimeSpec::multirate)
  // geometry
  Geometry geometry = Geometry::OneD;
  double width = 0, length = 0;
  int nx = 1, ny = 1;
  double lateral_grading = 1;
  bool periodic = false;
  // geometry.unit_cell (models/patterns): one periodic cell of a regular injection lattice,
  // x in [0, sx/2] (and y in [0, sy/2] in 3d), the lattice point at the corner, mirror edges.
  bool unit_cell = false;
  double cell_spacing_x = 0, cell_spacing_y = 0;  // the lattice spacing (m)
  // skin
  std::string preset;
  std::vector<LayerDef> layers;
  bool bottom_sink = false;
  // ingredients defined by the user (inline `ingredients:` and `ingredients_file:`), and the
  // choice of property models
  std::vector<Ingredient> ingredients;
  PropertyOptions property_options;
  bool property_options_given = false;
  // species, delivery
  std::vector<SpeciesDef> species;
  std::vector<DeliveryDef> delivery;
  // output and solver
  std::string output_file;
  int output_line = 0;  // where output.file was given (0: default)
  bool vtk = false;
  std::string report;  // "" or "tg428": a lab report next to the results
  SolverSpec solver;
  MetricsDef metrics;
  // Warnings found while reading (e.g. an ingredient outside a QSPR's validity domain);
  // build_problem() passes them on.
  std::vector<std::string> warnings;

  double total_thickness() const;
  // A user ingredient of this case, else the library's; nullptr if neither has it.
  const Ingredient* find_ingredient(const std::string& n) const;
  int species_index(const std::string& n) const;
};

// A species the case refers to: `name` must be one of c.species, else an error at `where` that lists
// them. species_names() reads a name or a list of names (each checked, repeats dropped).
void require_species(const std::string& name, const Located& where, const Case& c);
std::vector<std::string> species_names(const Located& l, const Case& c);

Case read_case(const Located& root);
// Quantities as the resolved case writes them (they read back to the same value): in `unit`, as a
// time, as a length.
std::string q(double si, const std::string& unit);
std::string time_q(double s);
std::string len_q(double m);
// The resolved case as YAML (every default written out); it reads back to the same case.
std::string dump_case(const Case& c);
// Builds the solver problem. Warnings (e.g. part of an injection above the skin) are appended.
Problem build_problem(const Case& c, std::vector<std::string>* warnings);

}  // namespace dermasim
