// SPDX-License-Identifier: BSD-3-Clause
// `type: topical`: a vehicle film on the whole skin surface (finite or infinite dose, wash-off,
// evaporation of its volatile part, a solubility above which the solute is a solid deposit), lowered
// as the solver's boundary reservoir with the film law of models/vehicle.
#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "../properties.hpp"
#include "../vehicle.hpp"
#include "../vehicles.hpp"
#include "delivery_type.hpp"

namespace dermasim {
namespace {

// The topical keys the shared DeliveryDef does not hold.
struct TopicalExtra : DeliveryExtra {
  std::optional<double> ph;     // the vehicle's pH: ionisation in the stratum corneum (models/properties)
  // How a dry deposit feeds the skin (docs/properties.md, "Dry deposits"): "wetted" (the SC surface's water
  // and lipids), "lipid_solubility" (the lipids alone) or "saturated" (a saturated aqueous film).
  std::string dry_deposit = "wetted";
  double surface_water = kScSurfaceWater;  // the SC surface's water volume fraction that wets it ("wetted")
  std::string vehicle;          // a vehicle type of models/data/vehicles.yaml ("" none)
};
const TopicalExtra& topical_extra(const DeliveryDef& d) {
  static const TopicalExtra none;
  const auto* e = dynamic_cast<const TopicalExtra*>(d.extra.get());
  return e ? *e : none;
}

// Volume of solute per volume of film at application, with the solute's density taken as 1 g/mL
// (ASSUMPTION, as for the vehicle): a film whose non-volatile part is no more than this is dry once its
// volatile part is gone (the solute is all that is left).
constexpr double kSoluteDensity = 1000.0;  // kg/m3
bool dries_to_solid(const DeliveryDef& d) {
  if (!(d.evaporation > 0) || d.infinite) return false;
  return 1.0 - d.volatile_fraction <= (d.concentration / kSoluteDensity) * (1.0 + 1e-9) + 1e-12;
}

// A dry deposit on the stratum corneum (docs/properties.md, "Dry deposits"): without liquid, the solid
// dissolves into the phases of the SC surface it touches, up to its solubility in each: "wetted", the
// surface's lipid matrix (K_lip S_w) and its water (S_w) at the surface's water kScSurfaceWater, volume-fraction
// weighted; "lipid_solubility", the lipids of a dry surface only (the model before). The activity is the
// saturated one times f_dry (properties.hpp dry_deposit_factor). 1 when there is no model (no ingredient
// with log Kow, or the top layer is not a stratum corneum).
double deposit_factor_of(const Case& c, const SpeciesDef& sd, const TopicalExtra& ex) {
  const std::string& law = ex.dry_deposit;
  if (sd.ingredient.empty() || c.layers.empty() || c.layers[0].kind != "stratum_corneum") return 1.0;
  const Ingredient* ing = c.find_ingredient(sd.ingredient);
  if (!ing || !ing->log_kow) return 1.0;
  const double K_sc = sd.props[0].partition;
  if (law == "lipid_solubility")  // the lipids of the fully hydrated geometry, as before
    return K_sc > 0 ? std::min(1.0, sc_lipid_volume_fraction() * sc_lipid_partition(*ing->log_kow) / K_sc) : 1.0;
  return dry_deposit_factor(*ing->log_kow, K_sc, ex.surface_water);
}

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
      {"vehicle", "text", "", "none", "a name of models/data/vehicles.yaml: `water`, `ethanol_water`, `propylene_glycol`, `oil`, `ow_cream`", "the vehicle type: sets `partition` (water and cosolvents mixed log-linearly, an oil phase volume-weighted; oil from Kow and cosolvents by the log-linear model are ESTIMATES, flagged in the run) and `volatile_fraction` (its volatile phases, less the solute's volume) where the entry does not give them (docs/properties.md, \"Vehicles\")"},
      {"ph", "number", "", "none (no ionisation)", "0 to 14", "the vehicle's pH: the stratum corneum's properties of the species are estimated at it (unionised fraction by the lipid route, every species by the aqueous pores; docs/properties.md, \"Ionisation\"); one pH per species"},
      {"dry_deposit", "text", "", "`wetted`", "`wetted`, `lipid_solubility`, `saturated`", "a film that dries to its solute (volatile part gone, nothing but the solute left): `wetted` feeds the skin through what the solid dissolves into the SC surface's lipids and water at its hydration (activity × (φ_lip K_lip + φ_w) / K_SC at 0.30 water by volume, docs/properties.md \"Dry deposits\"); `lipid_solubility` through the SC lipids alone (× φ_lip K_lip / K_SC, the model before); `saturated` keeps the saturated aqueous activity"},
      {"surface_water", "number", "", "0.30", "0 to < 1", "with `dry_deposit: wetted`: the water volume fraction of the SC surface that wets the deposit (0.30 = 0.25 w/w, the surface of the SurreyDPK SC water profile; in vivo Raman 15-35 % w/w, i.e. about 0.18-0.41; higher on skin hydrated from below or occluded before; docs/properties.md \"Dry deposits\")"},
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
    auto ex = std::make_shared<TopicalExtra>();
    // A vehicle type (models/data/vehicles.yaml) gives the vehicle/water partition and the volatile fraction
    // where the entry does not.
    if (auto v = m.maybe("vehicle")) {
      ex->vehicle = v->as_string();
      const VehicleType* vt = find_vehicle_type(ex->vehicle);
      if (!vt) {
        std::string known;
        for (const auto& n : vehicle_type_names()) known += (known.empty() ? "" : ", ") + n;
        v->fail("unknown vehicle '" + ex->vehicle + "'; known: " + known + " (models/data/vehicles.yaml)");
      }
      const SpeciesDef& sd = c.species[static_cast<size_t>(c.species_index(d.species))];
      const Ingredient* ing = sd.ingredient.empty() ? nullptr : c.find_ingredient(sd.ingredient);
      const VehicleForIngredient vf = vehicle_for(*vt, ing);
      if (!vf.error.empty()) v->fail(vf.error);
      if (!m.has("partition")) d.partition = vf.partition;
      // the solute's own volume (at 1 g/mL, as for a dry deposit) does not evaporate
      if (!m.has("volatile_fraction") && vf.volatile_fraction > 0)
        d.volatile_fraction = vf.volatile_fraction * std::max(0.0, 1.0 - d.concentration / kSoluteDensity);
      if (vf.estimated && !m.has("partition"))
        c.warnings.push_back("delivery of '" + d.species + "': " + vf.formula + " (ESTIMATED from log Kow; give `partition` where it is measured)");
    }
    read_vehicle_behaviour(m, d);
    if (auto se = m.maybe("session")) d.session = static_cast<int>(se->as_int(0, 1000));  // written by the resolved case
    if (auto v = m.maybe("ph")) {
      ex->ph = v->as_number();
      if (!(*ex->ph >= 0 && *ex->ph <= 14)) v->fail("a pH between 0 and 14");
    }
    if (auto v = m.maybe("dry_deposit")) ex->dry_deposit = one_of(*v, {"wetted", "lipid_solubility", "saturated"});
    if (auto v = m.maybe("surface_water")) {
      ex->surface_water = v->as_number();
      if (!(ex->surface_water >= 0 && ex->surface_water < 1)) v->fail("a water volume fraction of the SC surface, at least 0 and below 1 (e.g. 0.3)");
      if (ex->dry_deposit != "wetted") v->fail("applies to `dry_deposit: wetted` only");
    }
    d.extra = ex;
  }

  // One topical vehicle per species at a time.
  void finish(Case& c, const std::vector<Located>& entries, const std::vector<size_t>& origin) const override {
  apply_ph(c, entries, origin);
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

  // The vehicle's pH sets the stratum corneum's properties of its species (ionisation: the unionised
  // fraction by the lipid route, every species by the pores; models/properties): the SC layers the
  // ingredient's model filled are estimated again at that pH. One pH per species.
  void apply_ph(Case& c, const std::vector<Located>& entries, const std::vector<size_t>& origin) const {
    for (size_t a = 0; a < c.delivery.size(); ++a) {
      const DeliveryDef& d = c.delivery[a];
      if (d.type != "topical" || !topical_extra(d).ph) continue;
      const double ph = *topical_extra(d).ph;
      for (size_t b = 0; b < a; ++b) {
        const DeliveryDef& o = c.delivery[b];
        if (o.type == "topical" && o.species == d.species && topical_extra(o).ph && *topical_extra(o).ph != ph)
          entries[origin[a]].fail("a second vehicle pH for species '" + d.species + "' (" + std::to_string(*topical_extra(o).ph) +
                                  " in delivery[" + std::to_string(origin[b]) + "]): the stratum corneum's properties of a species hold for one pH; use one pH or two species");
      }
      const int si = c.species_index(d.species);
      SpeciesDef& sd = c.species[static_cast<size_t>(si)];
      const Ingredient* ing = sd.ingredient.empty() ? nullptr : c.find_ingredient(sd.ingredient);
      if (!ing) continue;  // properties given in the case: nothing to estimate
      PropertyOptions opt = c.property_options;
      opt.ph = ph;
      for (size_t l = 0; l < c.layers.size(); ++l) {
        if (c.layers[l].kind != "stratum_corneum") continue;
        if (sd.origin[l].rfind("model ", 0) != 0 || sd.origin[l].find("(given in the case") != std::string::npos) continue;
        const PropertyEstimate e = estimate_layer(*ing, c.layers[l], opt);
        if (!e.ok) continue;
        sd.props[l].partition = e.props.partition;
        sd.props[l].diffusivity = e.props.diffusivity;
        sd.origin[l] = "model " + e.model + " at the vehicle's pH " + fmt_ph(ph) + ": " + e.formula;
      }
    }
  }
  static std::string fmt_ph(double ph) {
    std::ostringstream os;
    os << ph;
    return os.str();
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
    const TopicalExtra& ex = topical_extra(d);
    if (ex.ph) e << YAML::Key << "ph" << YAML::Value << *ex.ph;
    if (!ex.vehicle.empty()) e << YAML::Key << "vehicle" << YAML::Value << ex.vehicle;
    e << YAML::Key << "dry_deposit" << YAML::Value << ex.dry_deposit;
    if (ex.dry_deposit == "wetted") e << YAML::Key << "surface_water" << YAML::Value << ex.surface_water;
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
    // Once a film that dries to its solute is dry, the deposit feeds the skin through its solubility in the
    // SC surface's phases (deposit_factor_of), not as a saturated aqueous film.
    if (dries_to_solid(d) && std::isfinite(v.solubility) && topical_extra(d).dry_deposit != "saturated") {
      const double f = deposit_factor_of(c, sd, topical_extra(d));
      const double t_dry = d.start + d.volatile_fraction * d.dose / d.evaporation;
      const double sat = v.solubility / v.partition;
      if (f < 1.0) v.saturated_activity_at = [sat, f, t_dry](double t) { return t >= t_dry ? sat * f : sat; };
    }
    lw.p.reservoirs.push_back(v);
  }
};

const Registration<DeliveryType> reg(std::make_unique<Topical>());

}  // namespace
}  // namespace dermasim
