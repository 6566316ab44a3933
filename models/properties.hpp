// SPDX-License-Identifier: BSD-3-Clause
// Property models: per-layer transport properties of an ingredient (diffusivity, partition,
// clearance to blood and lymph, degradation) from its molar mass, lipophilicity, ionisation and
// size. Every formula and number cites its source by key ([Key], defined in docs/references.md)
// next to it in properties.cpp; choices without a source are marked "assumption" there and in
// docs/properties.md.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "layer_props.hpp"
#include "ingredients.hpp"
#include "skin_presets.hpp"

namespace dermasim {

// Adipose tissue: about 15 % water by volume (ASSUMPTION, docs/properties.md; no source gives a
// value for subcutaneous fat). Used where a hypodermis layer gives no water fraction.
inline constexpr double kAdiposeWaterFraction = 0.15;

// Numbers of the models (documented in properties.cpp and docs/properties.md).
inline constexpr double kScReferenceThickness = 15e-6;   // m, assumption ([Tsugita2013]: 14.1 um)
inline constexpr double kMacromoleculeMw = 500;           // g/mol, [Assumed:qspr-domain] edge
inline constexpr double kImmobileDiffusivity = 1e-20;     // m2/s, "impermeable"/immobile floor
// Aqueous-pore pathway of the stratum corneum for hydrophilic macromolecules (docs/properties.md):
// effective pore radius 2 nm, the middle of 15-25 A for intact human epidermal membrane ([M] Peck,
// Ghanem & Higuchi 1994 [Peck1994]); porosity/tortuosity 1.9e-6 = h/(R kappa) [D] from the
// skin's electrical resistance R = 50 kOhm cm2 [M] [KastingBowman1990] and the conductivity of saline kappa = 1.6 S/m [M]
// over h = 15 um (the aqueous-pore hypothesis: ions and polar solutes share the pores).
inline constexpr double kScPoreRadius = 2e-9;                 // m
inline constexpr double kScPorePorosityTortuosity = 1.9e-6;   // epsilon/tau

// Which permeability QSPR sets the stratum-corneum diffusivity ([Mitragotri2002], [PottsGuy1992]).
enum class ScModel { Mitragotri, PottsGuy };
std::string to_string(ScModel m);
// The stratum-corneum model of a macromolecule without log Kow: hindered diffusion through aqueous
// pores (default) or an impermeable SC.
enum class ScMacromoleculeModel { AqueousPore, Impermeable };
std::string to_string(ScMacromoleculeModel m);

// The polar (aqueous-pore) route of the stratum corneum for solutes with a log Kow, in parallel with the
// lipid route of the QSPR: kp = f_un kp_lipid + kp_pore (docs/properties.md). `none` keeps the lipid
// route alone (the model before the polar route was added).
enum class ScPolarRoute { AqueousPore, None };
std::string to_string(ScPolarRoute m);

// The hydration at which the stratum corneum's brick-and-mortar partition is computed (docs/properties.md,
// "Hydration of the partition"): the layer's own water volume fraction (`LayerDef::water`; full hydration
// where the layer gives none), or full hydration always (the model before).
enum class ScHydration { Layer, Full };
std::string to_string(ScHydration m);

struct PropertyOptions {
  ScModel sc_model = ScModel::Mitragotri;
  ScMacromoleculeModel sc_macromolecule = ScMacromoleculeModel::AqueousPore;
  double pore_radius = kScPoreRadius;                          // m
  double pore_porosity_tortuosity = kScPorePorosityTortuosity;  // epsilon/tau
  ScPolarRoute sc_polar_route = ScPolarRoute::AqueousPore;
  ScHydration sc_hydration = ScHydration::Layer;
  // pH of the solution in contact with the stratum corneum (the vehicle). Unset: no ionisation in the SC
  // (every solute taken as unionised there, the model before ionisation was added).
  std::optional<double> ph;
};

// What a model gives for one layer.
struct PropertyEstimate {
  bool ok = false;          // false: no model for this layer (reason says why)
  std::string reason;
  LayerProps props;
  std::string model;        // e.g. "sc_brick_mortar+mitragotri"
  std::string formula;      // the formulas with this ingredient's numbers
};

// Intermediate quantities (for `dermasim describe`, tests and the docs).
struct IngredientSummary {
  double r_s = 0;           // solute radius, Angstrom (Kasting convention)
  bool has_kow = false;
  double kow = 0;           // 10^log_kow
  double K_lip = 0;         // SC lipid/water partition
  double D_lip = 0;         // SC lipid diffusivity, m2/s (Mitragotri scaled particle / Surrey)
  double K_kw = 0;          // keratin/water
  double K_cc = 0;          // corneocyte/water at full hydration
  double K_sc = 0;          // homogenised SC/water
  double kp_potts_guy = 0;  // m/s
  double kp_mitragotri = 0; // m/s
  double f_u = 0, f_non = 0, B = 0;  // albumin binding ([Dancik2013])
  double D_free = 0;        // m2/s, Kasting free diffusivity in viable tissue
  double K_de = 0, D_de = 0;
  bool macromolecule = false;
  double R_h = 0;           // m, hydrodynamic radius (macromolecules)
  double D_se = 0;          // m2/s, Stokes-Einstein in water at 37 C (macromolecules)
  double blood_factor = 1;  // capillary clearance factor from MW ([Web:intracutaneous-mw])
};

// ---- the individual correlations (SI unless stated) ---------------------------------------------
double solute_radius_angstrom(double mw);                 // [Code:SurreyDPK]
double kp_potts_guy(double mw, double log_kow);           // m/s, [PottsGuy1992]
double kp_mitragotri(double mw, double log_kow);          // m/s, [Mitragotri2002]
double sc_lipid_partition(double log_kow);                // [Chen2015]
double sc_lipid_diffusivity(double mw);                   // m2/s, [Mitragotri2011]
double keratin_partition(double log_kow);                 // [Chen2015]
double sc_corneocyte_partition(double log_kow);           // K_cc at full hydration, [Chen2015]
double sc_brick_mortar_partition(double log_kow);         // K_sc = phi_lip K_lip + (1 - phi_lip) K_cc
double corneocyte_water_fraction(double water_mass_fraction);  // theta_b, from [Chen2015] [D]
double sc_lipid_volume_fraction();                        // from the Surrey geometry, [Chen2015]

// Volume fractions of the stratum corneum at a water volume fraction `water` (docs/properties.md,
// "Hydration of the partition"): the lipid and keratin volumes of the fully hydrated brick-and-mortar
// geometry are kept, the water is `water`, the three sum to 1. At the full-hydration water
// (kScFullHydrationWater) lipid = sc_lipid_volume_fraction(). `water` in [0, 1).
struct ScComposition {
  double lipid = 0, keratin = 0, water = 0;
};
ScComposition sc_composition(double water);
extern const double kScFullHydrationWater;                // (1 - phi_lip) phi_b = 0.593, [Chen2015] [D]
// The SC surface's water volume fraction on skin not occluded: 0.25 w/w at the surface of the SurreyDPK
// profile ([Code:SurreyDPK]; in vivo Raman [Caspers2001]), 0.30 by volume ([Derived:sc-water-volume]).
extern const double kScSurfaceWater;
// K_sc at a water volume fraction: lipid K_lip + keratin K_kw + water ([Chen2015] with the phases of
// sc_composition(water)); at kScFullHydrationWater it equals sc_brick_mortar_partition(log_kow).
double sc_brick_mortar_partition_at(double log_kow, double water);

// A dry deposit (the solid left when a film's volatile part is gone) on the stratum corneum
// (docs/properties.md, "Dry deposits"): the solid dissolves into the phases of the SC surface it
// touches, its lipid matrix (up to K_lip S_w) and its water (up to S_w), volume-fraction weighted at
// the surface water `surface_water`. The surface then holds (phi_lip K_lip + phi_w) S_w against
// K_sc S_w from a saturated aqueous film, so the saturated activity is scaled by
//   f_dry = min(1, (phi_lip K_lip + phi_w) / K_sc),
// phi_lip and phi_w those of sc_composition(surface_water), K_sc the SC layer's partition.
// surface_water = 0 gives the dry-lipid limit.
double dry_deposit_factor(double log_kow, double K_sc, double surface_water);
double fraction_unbound_yk(double log_kow, bool acid);    // [YamazakiKanaoka2004]
double fraction_non_ionised(const Ingredient& g);         // [Code:SurreyDPK]
// Unionised fraction at a pH (Henderson-Hasselbalch): acid 1/(1 + 10^(pH - pKa)), base 1/(1 + 10^(pKa - pH)),
// 1 for a neutral solute or one without pKa.
double fraction_unionised(const Ingredient& g, double ph);
double kasting_free_diffusivity(double mw);               // m2/s, [Dancik2013]
double blood_clearance_factor(double mw);                 // [Web:intracutaneous-mw]
double stokes_einstein(double radius_m);                  // m2/s at 37 C, [Assumed:water-viscosity-37c]
double hydrodynamic_radius(const Ingredient& g);          // m, [Web:protein-rh], [Derived:ha-chain-size]
bool is_macromolecule(const Ingredient& g);
// Renkin (1954) hindrance of a sphere of radius a diffusing in a cylindrical pore of radius r,
// lambda = a/r: H = (1 - lambda)^2 (1 - 2.104 lambda + 2.09 lambda^3 - 0.95 lambda^5), 0 for
// lambda >= 1 (the steric partition (1 - lambda)^2 times the drag factor).
double renkin_hindrance(double lambda);

// The aqueous-pore pathway for a solute of hydrodynamic radius R_h (m): kp = (eps/tau) D_w H / h_ref
// (m/s), D_w the Stokes-Einstein diffusivity at 37 C. As an SC layer: K = (eps/tau) (1 - lambda)^2 (the
// pore water the solute can enter, with tau taken as 1) and D = kp h_ref / K = D_w H / (1 - lambda)^2;
// a solute that does not fit (lambda >= 1) gets kp = 0, K = eps/tau and the floor diffusivity.
struct PoreTransport {
  double lambda = 0, hindrance = 0, D_w = 0, kp = 0;  // -, -, m2/s, m/s
  double partition = 0, diffusivity = 0;             // the SC layer's K and D
};
PoreTransport sc_aqueous_pore(double R_h, const PropertyOptions& opt);

// The stratum corneum of a solute with a log Kow: lipid route (the selected QSPR, carried by the
// unionised species only) and polar route (hindered aqueous pores, every species) in parallel:
//   kp = f_un kp_lipid + kp_pore
// As an SC layer: K = f_un K_sc + K_pore (the brick-and-mortar partition of the unionised species plus the
// pore water, open to every species), D = kp h_ref / K, so that K D / h_ref = kp.
struct ScRoutes {
  double f_unionised = 1;       // at opt.ph (1 without a pH)
  double kp_lipid = 0;          // m/s, the QSPR's kp of the unionised species at h_ref
  double kp_pore = 0;           // m/s, polar route at h_ref (0 with ScPolarRoute::None)
  PoreTransport pore;           // the pore numbers (radius: hydrodynamic_radius(g), r_s for small molecules)
  double kp = 0;                // m/s, f_un kp_lipid + kp_pore
  double water = 0;             // the SC water volume fraction of the partition
  double K_bm = 0;              // brick-and-mortar partition at that water (unionised species)
  double partition = 0;         // the SC layer's K
  double diffusivity = 0;       // the SC layer's D, m2/s
};
// `water`: the SC's water volume fraction for the partition (0: full hydration); used only with
// opt.sc_hydration == ScHydration::Layer.
ScRoutes sc_routes(const Ingredient& g, const PropertyOptions& opt, double water = 0);  // needs g.log_kow

IngredientSummary summarize(const Ingredient& g);
PropertyEstimate estimate_layer(const Ingredient& g, const LayerDef& layer, const PropertyOptions& opt);
// Warnings that hold for the ingredient as a whole: outside the QSPR validity domain, missing
// data that forced an assumption. Empty for ingredients inside every domain (e.g. caffeine).
std::vector<std::string> validity_warnings(const Ingredient& g, const PropertyOptions& opt);

// Series-resistance permeability of a layer stack, 1/sum(h_i/(K_i D_i)) (m/s), and the lag time
// (s) of [Derived:laminate-lag-time] (general form t_lag = (1/R) int K r (R - r) dx).
struct StackLayer {
  double h = 0, D = 0, K = 0;
};
double stack_kp(const std::vector<StackLayer>& layers);
double stack_lag_time(const std::vector<StackLayer>& layers);

}  // namespace dermasim
