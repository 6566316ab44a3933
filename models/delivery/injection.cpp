// SPDX-License-Identifier: BSD-3-Clause
// `type: injection`: a bolus of fluid placed in the tissue at an instant (or over a duration), with
// the solutes it carries (models/injection: the ball of the injected volume on the grid).
#include <sstream>
#include <stdexcept>

#include "../injection.hpp"
#include "../patterns.hpp"
#include "delivery_type.hpp"

namespace dermasim {
namespace {

class Injection : public DeliveryType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"injection", "a bolus of fluid placed in the tissue (the elementary event every injection technique expands into)", {
      {"species", "map of name: concentration", "", "**required**", "names from `species`; concentrations > 0", "what the injected fluid carries, e.g. `{caffeine: 20 mg/mL, ha: 5 mg/mL}`"},
      {"volume", "1d: length (volume per area, e.g. `2 uL/cm2`); 2d: area (volume per length, e.g. `0.2 uL/mm` or `0.2 mm2`); axisymmetric and 3d: volume (e.g. `10 uL`, `0.02 mL`)", "", "**required**", "> 0", "the injected volume, in the geometry's amount convention"},
      {"depth", "length", "", "**required**", "0 to the total skin thickness", "depth of the needle tip below the skin surface; the injectate fills the tissue outward from it (above the skin or below the bottom: an error)"},
      {"fill_limit", "number", "", "1", "0 < f <= 1", "largest share of a cell's volume the injectate fills (1: a cavity of injectate; less: it shares the tissue); the tissue must hold the volume"},
      {"at", "list `[x]` or `[x, y]` of lengths", "", "`[0, 0]`", "1d: `[0, 0]`; axisymmetric: on the axis, `[0, 0]`; 2d: y = 0; x in [0, width], y in [0, length]", "lateral position of the bolus centre"},
      {"time", "time", "", "0", "≥ 0, < `time.end`", "injection time"},
      {"technique", "text", "", "`injection`", "`injection` or a technique name", "which technique the point belongs to (written by the resolved case of a technique)"},
      {"session", "whole number", "", "0", "0 to 1000", "treatment session (written by the resolved case of a schedule; also on topical entries)"},
    }};
    return i;
  }

  void read(MapReader& m, Case& c, DeliveryDef& d) const override {
    const double depth_total = c.total_thickness();
    read_contents(m, c, d);
    Located vol = m.at("volume");
    const Dim want = c.geometry == Geometry::OneD ? dims::length : c.geometry == Geometry::TwoD ? dims::area : dims::volume;
    bool right_dim = true;
    try {
      vol.as_quantity(want);
    } catch (const InputError&) {
      right_dim = false;
    }
    if (!right_dim) {
      const char* hint = c.geometry == Geometry::OneD
                             ? "in 1d geometry an injection is a layer of fluid: give volume per area, e.g. '2 uL/cm2'"
                         : c.geometry == Geometry::TwoD
                             ? "in 2d geometry amounts are per unit length: give volume per length, e.g. '0.2 uL/mm' or '0.2 mm2'"
                             : "give a volume, e.g. '20 uL' or '0.02 mL'";
      std::string is = "is not a quantity";
      try {
        const std::string what = describe_dim(parse_quantity(vol.as_string()).dim);  // "a volume, e.g. ..."
        is = "is " + what.substr(0, what.find(','));
      } catch (const UnitError&) {
      }
      vol.fail("'" + vol.as_string() + "' " + is + "; " + hint);
    }
    d.volume = positive(vol, want);
    Located dep = m.at("depth");
    d.depth = dep.as_quantity(dims::length);
    if (d.depth < 0)
      dep.fail("the needle tip is above the skin surface (depth " + format_quantity(d.depth, dims::length) + "); give a depth from 0 to " +
               format_quantity(depth_total, dims::length) + " (the skin's thickness)");
    if (d.depth > depth_total)
      dep.fail("injection outside the domain: depth " + format_quantity(d.depth, dims::length) + " is below the bottom of the skin (" +
               format_quantity(depth_total, dims::length) + ")");
    if (auto fl = m.maybe("fill_limit")) d.fill_limit = read_fill_limit(*fl);
    if (auto at = m.maybe("at")) {
      auto xy = at->as_list();
      if (xy.empty() || xy.size() > 2) at->fail("give the lateral position as [x, y]");
      d.x = xy[0].as_quantity(dims::length);
      if (xy.size() > 1) d.y = xy[1].as_quantity(dims::length);
      if (c.geometry == Geometry::OneD && (d.x != 0 || d.y != 0)) at->fail("a 1d column has no lateral position; leave 'at' out or give [0, 0]");
      if (c.geometry == Geometry::Axisymmetric && (d.x != 0 || d.y != 0))
        at->fail("in an axisymmetric domain an injection sits on the axis: give [0 mm, 0 mm] (or use 3d)");
      if (c.geometry == Geometry::TwoD && d.y != 0) at->fail("a 2d domain has no y position; give [x] or [x, 0]");
      if (c.unit_cell && (d.x != 0 || d.y != 0))
        at->fail("in a unit cell (geometry.unit_cell) the injection stands for the lattice and sits at the corner: give [0 mm, 0 mm]");
      if (d.x < 0 || d.x > c.width + 1e-15 || d.y < 0 || (c.geometry == Geometry::ThreeD && d.y > c.length + 1e-15))
        at->fail("injection outside the domain: x = " + format_quantity(d.x, dims::length) +
                 (c.geometry == Geometry::ThreeD ? ", y = " + format_quantity(d.y, dims::length) : std::string()) +
                 ", but the lateral domain is x in [0, " + format_quantity(c.width, dims::length) + "]" +
                 (c.geometry == Geometry::ThreeD ? ", y in [0, " + format_quantity(c.length, dims::length) + "]" : std::string()));
    }
    if (auto t = m.maybe("time")) d.time = non_negative(*t, dims::time);
    if (d.time >= c.end && c.end > 0) m.at("time").fail("injection at or after time.end; nothing would happen");
    // written by the resolved case for the points of a technique (models/patterns)
    if (auto du = m.maybe("duration")) d.duration = positive(*du, dims::time);
    if (auto tq = m.maybe("technique")) d.technique = one_of(*tq, with_techniques({"injection"}));
    if (auto se = m.maybe("session")) d.session = static_cast<int>(se->as_int(0, 1000));
  }

  void emit(YAML::Emitter& e, const DeliveryDef& d, const Case& c) const override {
    e << YAML::Key << "species" << YAML::Value << YAML::BeginMap;
    for (const auto& [n, v] : d.contents) e << YAML::Key << n << YAML::Value << q(v, "mg/mL");
    e << YAML::EndMap;
    const char* vu = c.geometry == Geometry::OneD ? "uL/cm2" : c.geometry == Geometry::TwoD ? "mm2" : "uL";
    e << YAML::Key << "volume" << YAML::Value << q(d.volume, vu);
    e << YAML::Key << "depth" << YAML::Value << len_q(d.depth);
    e << YAML::Key << "at" << YAML::Value << YAML::BeginSeq << q(d.x, "mm") << q(d.y, "mm") << YAML::EndSeq;
    e << YAML::Key << "time" << YAML::Value << time_q(d.time);
    if (d.fill_limit != kDefaultFillLimit) e << YAML::Key << "fill_limit" << YAML::Value << d.fill_limit;
    // a technique's points (models/patterns): where they came from
    if (d.duration > 0) e << YAML::Key << "duration" << YAML::Value << time_q(d.duration);
    if (!d.technique.empty() && d.technique != "injection") e << YAML::Key << "technique" << YAML::Value << d.technique;
    if (d.session != 0) e << YAML::Key << "session" << YAML::Value << d.session;
  }

  // The tissue the injectate may enter must hold it (with the fill limit): checked here, where the
  // entry's keys can be named, for every event (techniques and schedules expand an entry).
  void finish(Case& c, const std::vector<Located>& entries, const std::vector<size_t>& origin) const override {
    for (size_t i = 0; i < c.delivery.size(); ++i) {
      const DeliveryDef& d = c.delivery[i];
      if (d.type != "injection") continue;
      const double cap = injection_capacity(c, d);
      if (!(cap > 0) || d.volume <= cap * (1 + 1e-12)) continue;
      const Located& item = entries[origin[i]];
      const bool has_volume = item.node.IsMap() && item.node["volume"];
      const Located where = has_volume ? Located{item.node["volume"], item.child_path("volume"), item.src} : item;
      const char* vu = c.geometry == Geometry::OneD ? "uL/cm2" : c.geometry == Geometry::TwoD ? "mm2" : "uL";
      std::ostringstream os;
      os << "the injected volume " << format_in(d.volume, vu, 4) << " does not fit into the domain: the tissue it may enter (below the "
         << "epidermis unless the tip is in it" << (c.unit_cell ? ", one lattice cell" : "") << ") holds at most " << format_in(cap, vu, 4)
         << " with fill_limit " << d.fill_limit << "; use a wider (or longer) domain, a smaller volume, or a larger fill_limit";
      where.fail(os.str());
    }
  }

  double start(const DeliveryDef& d) const override { return d.time; }
  void shift(DeliveryDef& d, double dt) const override { d.time += dt; }

  void lower(const Case& c, size_t di, const DeliveryDef& d, Lowering& lw) const override {
    Problem& p = lw.p;
    // A unit cell holds its share of the lattice point at its corner (models/patterns): a quarter
    // in 3d, half in 2d; its mirror edges make that share exactly the corner's part of the fill.
    const double share = c.unit_cell ? (c.geometry == Geometry::ThreeD ? 0.25 : 0.5) : 1.0;
    const double volume = share * d.volume;
    const InjectionFill fill = injection_fill(c, p.grid, d, volume);
    if (fill.placed < 1.0 - 1e-12)  // checked on reading (Injection::finish); a defect if reached
      throw std::logic_error("delivery[" + std::to_string(di) + "]: the tissue cannot hold the injected volume");
    for (const auto& [name, conc] : d.contents) {
      const int sidx = c.species_index(name);
      const double total = conc * volume;
      if (d.duration > 0) {
        // injected at a constant rate over the duration
        SourceSpec so;
        so.t_start = d.time;
        so.t_end = d.time + d.duration;
        so.source = static_cast<int>(di);
        for (const auto& [cell, w] : fill.weights) so.rate.emplace_back(cell, total * w / d.duration);
        p.species[sidx].sources.push_back(std::move(so));
        continue;
      }
      DepositSpec dep;
      dep.species = sidx;
      dep.time = d.time;
      dep.source = static_cast<int>(di);
      for (const auto& [cell, w] : fill.weights) dep.mass.emplace_back(cell, total * w);
      p.deposits.push_back(std::move(dep));
    }
    lw.fluid.push_back({di, d.time, d.duration, volume, 1.0, fill.weights});
  }
};

const Registration<DeliveryType> reg(std::make_unique<Injection>());

}  // namespace
}  // namespace dermasim
