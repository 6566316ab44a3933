// SPDX-License-Identifier: BSD-3-Clause
// Microneedling (derma roller, microneedle stamp) and laser / radio-frequency micro-channels: holes
// through the stratum corneum that fill with interstitial fluid and close over time
// ([Derived:channel-closure]). Each `type: microneedle` delivery becomes one solver ConductanceSpec per species it
// acts on: an added D*K in the cells the channels pass through, open at `time`, decaying as
// exp(-(t - time)/closure).
//
// The model, its defaults and their sources are in docs/case-format.md ("Microneedling").
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "../solver/simulation.hpp"

namespace dermasim {

struct Case;
struct DeliveryDef;
class MapReader;

// Defaults ([Derived:channel-closure], [Derived:roller-density]; [D] derived, [V] read in the source named).
namespace microneedle_defaults {
inline constexpr int kRollerNeedles = 192;          // [V] [Doddaballapur2009]
inline constexpr double kDrumDiameter = 0.02;       // m, [V] Dermaroller MF8 (Schwarz & Laaff 2011 [SchwarzLaaff2011])
inline constexpr double kDrumWidth = 0.02;          // m, same
inline constexpr double kDepthFraction = 0.2;       // channel depth / needle length: rat 152.5 um / 770 um = 0.198 [V]
                                                    // ([Kalluri2011]); range 0.15-0.3 [Derived:channel-closure]; human depth not found
inline constexpr double kDiameter = 70e-6;          // m at the surface: rat 70.7 +- 9.9 um [V] ([Kalluri2011])
inline constexpr double kClosureOpen = 3600.0;      // s, tau non-occluded: [Derived:channel-closure] 0.5-1 h [D]
inline constexpr double kClosureOccluded = 25 * 3600.0;  // s, tau occluded: middle of 15-35 h [Derived:channel-closure] [D]
inline constexpr double kOcclusionWindow = 2 * 3600.0;   // s: a topical on the skin within 2 h of needling
                                                         // (human reseal < 2 h non-occluded [V], [Gupta2011])
}  // namespace microneedle_defaults

struct MicroneedleDef {
  std::string device = "roller";  // roller | stamp | laser | rf
  // roller
  bool roller = false;
  int needles = microneedle_defaults::kRollerNeedles;
  double drum_diameter = microneedle_defaults::kDrumDiameter;  // m
  double drum_width = microneedle_defaults::kDrumWidth;        // m
  int passes = 0;
  double needle_length = 0;  // m (0: not given; laser/RF give `depth`)
  // channels
  double density = 0;        // channels per m2 of skin
  double depth = 0;          // m
  bool depth_given = false;
  double diameter = microneedle_defaults::kDiameter;  // m, at the surface
  std::string shape = "cone";  // cone (tapering to 0 at `depth`) | cylinder
  double time = 0;             // s, when the channels are made
  double closure = 0;          // s, tau of G(t) = G0 exp(-(t - time)/tau); set after all deliveries are read
  bool closure_given = false;
  int occluded = -1;           // -1: from the topical deliveries; 0/1 given
  std::string closure_from;    // how tau was chosen (for the resolved case and warnings)
  std::vector<std::string> species;  // empty: all species
  double diffusivity = 0;      // m2/s in the channel fluid; 0: the species' viable-epidermis value
  double at_x = 0, at_y = 0;   // lattice origin (2d, 3d)
  bool access_resistance = true;  // 1d: include the spreading resistance at the channel exit
};

// Channels per m2 made by one pass of a roller: needles / (pi * drum diameter * drum width), i.e.
// one drum revolution over the area it rolls ([Derived:roller-density] [D]: 15.3 /cm2 for 192 needles, 2 x 2 cm).
double roller_density_per_pass(int needles, double drum_diameter, double drum_width);
// Channel area fraction at depth z (channel cross-section x density).
double channel_area_fraction(const MicroneedleDef& m, double z);
// Constriction (access) factor psi(eps) = (1 - eps)^1.5 for a disc of radius a at the centre of a
// unit cell of radius b, eps = a/b (Cooper-Mikic-Yovanovich correlation, recalled [M]).
double constriction_factor(double eps);

// Reads one `type: microneedle` entry (the MapReader is positioned on it; `type` already read).
void read_microneedle(MapReader& m, const Case& c, DeliveryDef& d);
// After every delivery is read: the closure time constant where not given (occluded if a topical
// delivery of the same time window is occluded).
void resolve_microneedle_closure(Case& c);
// The resolved entry (keys after `type`), for dump_case.
void emit_microneedle(YAML::Emitter& e, const DeliveryDef& d);
// Adds the channels of delivery `di` to the problem's species (grid and tissue D*K already built).
void add_microneedle_channels(const Case& c, size_t di, Problem& p, std::vector<std::string>* warnings);

}  // namespace dermasim
