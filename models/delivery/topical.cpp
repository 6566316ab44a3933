// SPDX-License-Identifier: BSD-3-Clause
// `type: topical`: a vehicle film on the whole skin surface (finite or infinite dose, wash-off,
// evaporation of its volatile part, a solubility above which the solute is a solid deposit), lowered
// as the solver's boundary reservoir with the film law of models/vehicle.
#include <cmath>
#include <sstream>

#include "../vehicle.hpp"
#include "delivery_type.hpp"

namespace dermasim {
namespace {

// Evaporation, occlusion and solubility of a topical vehicle.
void read_vehicle_behaviour(MapReader& m, DeliveryDef& d) {
  if (auto v = m.maybe("solubility")) d.solubility = positive(*v, dims::concentration);
  if (auto v = m.maybe("occluded")) d.occluded = v->as_bool();
  if (auto v = m.maybe("volatile_fraction")) {
    d.volatile_fraction = v->as_number();
    if (!(d.volatile_fraction >= 0 && d.volatile_fraction <= 1)) v->fail("a fraction of the film volume between 0 and 1");
  }
  auto ev = m.maybe("evaporation");
  if (!ev) return;
  if (d.infinite) ev->fail("an infinite dose does not evaporate (its concentration is held); remove 'evaporation'");
  if (d.volatile_fraction <= 0) ev->fail("give volatile_fraction (the part of the film that can evaporate, e.g. 0.9 for an aqueous serum)");
  if (ev->is_scalar()) {
    d.evaporation = positive(*ev, dims::length / dims::time);
    d.evaporation_from = "given rate";
  } else {
    MapReader e(*ev);
    std::string solvent = "water";
    if (auto s = e.maybe("solvent")) {
      solvent = s->as_string();
      if (!find_solvent(solvent)) s->fail("unknown solvent '" + solvent + "'; known: water, ethanol");
    }
    double temperature = 32.0;  // skin surface, degC [M]
    if (auto t = e.maybe("temperature_c")) {
      temperature = t->as_number();
      if (!(temperature > 0 && temperature < 60)) t->fail("a skin-surface temperature in degC between 0 and 60");
    }
    double humidity = solvent == "water" ? 0.5 : 0.0;  // relative saturation of the solvent in the air
    if (auto h = e.maybe("humidity")) {
      humidity = h->as_number();
      if (!(humidity >= 0 && humidity < 1)) h->fail("a relative humidity between 0 and 1 (e.g. 0.5)");
    }
    // film-to-air mass-transfer coefficient, still indoor air: order 1e-3 to 1e-2 m/s [M, assumption]
    double km = 5e-3;
    if (auto k = e.maybe("mass_transfer")) km = positive(*k, dims::length / dims::time);
    e.finish();
    d.evaporation = evaporation_rate(*find_solvent(solvent), temperature, humidity, km);
    std::ostringstream os;
    os << solvent << " at " << temperature << " degC, saturation " << humidity << ", k_m " << km << " m/s";
    d.evaporation_from = os.str();
  }
  if (d.occluded) {
    d.evaporation = 0;
    d.evaporation_from += " (occluded: no evaporation)";
  }
  if (d.volatile_fraction >= 1 && !std::isfinite(d.solubility) && d.evaporation > 0)
    ev->fail("the whole film evaporates: give the solute's solubility in the vehicle, so that it is left as a deposit");
}

class Topical : public DeliveryType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"topical", "a vehicle film (serum, cream) on the skin surface, over the whole top of the domain", {
      {"species", "text", "", "**required**", "a name from `species`", "what the vehicle carries"},
      {"concentration", "concentration", "", "**required**", "> 0", "concentration in the vehicle at application"},
      {"dose", "length (= volume per area, e.g. `2 uL/cm2`) or mass per area (e.g. `2 mg/cm2`)", "", "**required** unless `infinite: true`", "> 0", "amount of vehicle per area of skin; a mass per area is turned into a film by `density`. A plain number is a film thickness in m"},
      {"density", "concentration", "", "`1 g/mL`", "> 0", "the vehicle's density, for a dose given as mass per area"},
      {"partition", "number", "", "1", "> 0", "vehicle/water partition coefficient"},
      {"infinite", "true/false", "", "false", "", "an infinite dose: the vehicle concentration stays constant until removal"},
      {"start", "time", "", "0", "≥ 0, < `time.end`", "application time"},
      {"remove", "time", "", "never", "> `start`", "wash-off time: what is left in the vehicle is removed (and reported as such)"},
      {"solubility", "concentration", "", "the ingredient's water solubility × `partition` (none if unknown)", "> 0", "solubility in the vehicle: solute above it is a solid deposit that redissolves as the film is depleted; uptake follows the dissolved activity"},
      {"volatile_fraction", "number", "", "0", "0 to 1", "part of the film volume that can evaporate (water, ethanol)"},
      {"evaporation", "rate (film thickness per time, e.g. `20 uL/cm2/h`) or a map `{solvent: water\\|ethanol, temperature_c: 32, humidity: 0.5, mass_transfer: 5e-3 m/s}`", "", "none", "needs `volatile_fraction` > 0; a film that evaporates completely needs a `solubility`", "how fast the volatile part evaporates. The map form computes E = k_m M p_sat(T)(1 − RH)/(R T ρ) with Antoine vapour pressures ([M] handbook constants) and a still-air mass-transfer coefficient k_m (5e-3 m/s, an assumption; set it for your conditions)"},
      {"occluded", "true/false", "", "false", "", "a cover: no evaporation (an occluded volatile dose behaves exactly like a non-volatile one)"},
      {"session", "whole number", "", "0", "0 to 1000", "treatment session (written by the resolved case of a schedule)"},
    }};
    return i;
  }

  void read(MapReader& m, Case& c, DeliveryDef& d) const override {
    Located sp = m.at("species");
    d.species = sp.as_string();
    require_species(d.species, sp, c);
    d.concentration = positive(m.at("concentration"), dims::concentration);
    if (auto v = m.maybe("infinite")) d.infinite = v->as_bool();
    double density = 1000.0;  // kg/m3: an aqueous vehicle, 1 g/mL
    if (auto v = m.maybe("density")) density = positive(*v, dims::concentration);
    if (auto v = m.maybe("dose")) {
      Quantity q = v->as_quantity_of({dims::length, dims::mass_per_area});
      if (!(q.si > 0)) v->fail("must be positive");
      d.dose = (q.dim == dims::length) ? q.si : q.si / density;
    } else if (!d.infinite) {
      m.at("dose");  // required for a finite dose: throws "missing required key"
    }
    if (auto v = m.maybe("partition")) {
      d.partition = v->as_number();
      if (!(d.partition > 0)) v->fail("a partition coefficient must be positive");
    }
    if (auto v = m.maybe("start")) d.start = non_negative(*v, dims::time);
    if (auto v = m.maybe("remove")) {
      d.remove = positive(*v, dims::time);
      if (d.remove <= d.start)
        v->fail("wash-off before application: the vehicle must be removed after it is applied (remove " +
                format_quantity(d.remove, dims::time) + ", start " + format_quantity(d.start, dims::time) + ")");
    }
    if (d.start >= c.end) m.at("start").fail("applied at or after time.end; nothing would happen");
    read_vehicle_behaviour(m, d);
    if (auto se = m.maybe("session")) d.session = static_cast<int>(se->as_int(0, 1000));  // written by the resolved case
  }

  // One topical vehicle per species at a time.
  void finish(Case& c, const std::vector<Located>& entries, const std::vector<size_t>& origin) const override {
  // one vehicle per species at a time
  for (size_t a = 0; a < c.delivery.size(); ++a)
    for (size_t b = a + 1; b < c.delivery.size(); ++b) {
      const auto &A = c.delivery[a], &B = c.delivery[b];
      if (A.type != "topical" || B.type != "topical" || A.species != B.species) continue;
      if (A.start < B.remove && B.start < A.remove) {
        const std::string sessions = origin[a] == origin[b] ? " (its own schedule: sessions " + std::to_string(A.session) + " and " +
                                                                  std::to_string(B.session) + " overlap; use a longer interval)"
                                                            : "";
        entries[origin[b]].fail("overlaps delivery[" + std::to_string(origin[a]) + "]" + sessions + ": one topical vehicle of '" + A.species +
                                "' at a time (remove the first before applying the next)");
      }
    }
  }

  void emit(YAML::Emitter& e, const DeliveryDef& d, const Case&) const override {
    e << YAML::Key << "species" << YAML::Value << d.species;
    if (d.dose > 0) e << YAML::Key << "dose" << YAML::Value << q(d.dose, "uL/cm2");
    e << YAML::Key << "concentration" << YAML::Value << q(d.concentration, "mg/mL");
    e << YAML::Key << "partition" << YAML::Value << d.partition;
    e << YAML::Key << "infinite" << YAML::Value << d.infinite;
    e << YAML::Key << "start" << YAML::Value << time_q(d.start);
    if (std::isfinite(d.remove)) e << YAML::Key << "remove" << YAML::Value << time_q(d.remove);
    if (std::isfinite(d.solubility)) e << YAML::Key << "solubility" << YAML::Value << q(d.solubility, "mg/mL");
    if (d.occluded) e << YAML::Key << "occluded" << YAML::Value << true;
    if (d.volatile_fraction > 0) e << YAML::Key << "volatile_fraction" << YAML::Value << d.volatile_fraction;
    // the rate as computed (a comment would break the flow map): re-reading gives the same case
    if (d.evaporation > 0) e << YAML::Key << "evaporation" << YAML::Value << q(d.evaporation, "uL/cm2/h");
    if (d.session != 0) e << YAML::Key << "session" << YAML::Value << d.session;
  }

  double start(const DeliveryDef& d) const override { return d.start; }
  void shift(DeliveryDef& d, double dt) const override {
    d.start += dt;
    if (std::isfinite(d.remove)) d.remove += dt;
  }

  void lower(const Case& c, size_t di, const DeliveryDef& d, Lowering& lw) const override {
    ReservoirSpec v;
    v.species = c.species_index(d.species);
    v.t_on = d.start;
    v.t_off = d.remove;
    v.infinite = d.infinite;
    v.volume = d.dose;
    v.partition = d.partition;
    v.conc = d.concentration;
    v.source = static_cast<int>(di);
    set_film_law(v, d.evaporation, d.evaporation > 0 ? (1.0 - d.volatile_fraction) * d.dose : -1.0);  // models/vehicle
    v.solubility = d.solubility;
    // Not given: the ingredient's water solubility times the vehicle/water partition (activity
    // picture: a saturated vehicle is in equilibrium with saturated water).
    const SpeciesDef& sd = c.species[v.species];
    if (!std::isfinite(v.solubility) && !sd.ingredient.empty())
      if (const Ingredient* ing = c.find_ingredient(sd.ingredient); ing && ing->solubility) v.solubility = *ing->solubility * d.partition;
    lw.p.reservoirs.push_back(v);
  }
};

const Registration<DeliveryType> reg(std::make_unique<Topical>());

}  // namespace
}  // namespace dermasim
