// SPDX-License-Identifier: BSD-3-Clause
// `type: microneedle`: a derma roller, a microneedle stamp, or laser / RF micro-channels: extra
// conductances through the barrier layers that close over time (models/microneedle: the channel
// geometry and its equivalent in 1d, 2d, axisymmetric and 3d grids).
#include "../microneedle.hpp"
#include "delivery_type.hpp"

namespace dermasim {
namespace {

class Microneedle : public DeliveryType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"microneedle", "micro-channels through the stratum corneum and epidermis that close over time (roller, stamp, laser, RF)", {
      {"device", "text", "", "`roller` if `roller` is given, else `stamp`", "`roller`, `stamp`, `laser`, `rf`", "the technique (a label; laser/RF have no needle, so they need `depth`)"},
      {"roller", "map", "", "—", "roller only; not with `density`", "`{needle_length, needles, drum_diameter, drum_width, passes}`: `needle_length` (**required**, length), `needles` 192 [V] (Doddaballapur 2009 `[Doddaballapur2009]`), `drum_diameter` 2 cm and `drum_width` 2 cm [V] (Dermaroller MF8, Schwarz & Laaff 2011 `[SchwarzLaaff2011]`), `passes` (**required**, 1 to 10000)"},
      {"density", "number per area (`250 /cm2`)", "", "**required** without `roller`", "> 0", "channels per area (stamp, laser, RF)"},
      {"needle_length", "length", "", "—", "stamp only", "sets the default depth"},
      {"depth", "length", "", "0.2 × needle length", "> 0, within the skin; **required** for laser/RF", "channel depth from the surface. 0.2 = rat data (770 µm needles → 152.5 µm channels [V], Kalluri 2011 `[Kalluri2011]`; dossier range 0.15–0.3 × needle length, `[Derived:channel-closure]`). **Human channel depth was not found**; give it when known"},
      {"diameter", "length", "", "70 µm", "> 0; area fraction < 1", "channel diameter at the surface (rat 70.7 ± 9.9 µm [V], Kalluri 2011 `[Kalluri2011]`)"},
      {"shape", "text", "", "`cone`", "`cone`, `cylinder`", "`cone`: the diameter tapers linearly to 0 at `depth` (`[Derived:channel-closure]` default); `cylinder`: constant (e.g. laser channels)"},
      {"time", "time", "", "0", "≥ 0, < `time.end`", "when the channels are made; they are fully open then"},
      {"closure", "time", "", "1 h, or 25 h if occluded", "> 0", "τ of the closure law G(t) = G0·exp(−(t − time)/τ). `[Derived:channel-closure]` [D]: τ = 0.5–1 h non-occluded (human reseal < 2 h, `[Gupta2011]`), 15–35 h occluded (25 h used, the middle)"},
      {"occluded", "true/false", "", "from the topical deliveries", "", "occluded closure default: if not given, a topical delivery with `occluded: true` on the skin within 2 h after `time` makes the default 25 h"},
      {"species", "text or list", "", "all species", "names from `species`", "which species the channels carry"},
      {"diffusivity", "diffusivity", "", "the species' `viable_epidermis` value (else dermis, else the second layer)", "> 0", "diffusivity in the channel fluid"},
      {"at", "`[x]` or `[x, y]`", "", "`[0, 0]`", "2d, 3d only", "origin of the channel lattice (a channel sits at `at` + multiples of the spacing)"},
      {"access_resistance", "true/false", "", "true", "1d only", "include the spreading resistance at the channel exit in the 1d equivalent (below)"},
      {"session", "whole number", "", "0", "0 to 1000", "treatment session (written by the resolved case of a schedule)"},
    }};
    return i;
  }
  void read(MapReader& m, Case& c, DeliveryDef& d) const override { read_microneedle(m, c, d); }
  void finish(Case& c, const std::vector<Located>&, const std::vector<size_t>&) const override { resolve_microneedle_closure(c); }
  void emit(YAML::Emitter& e, const DeliveryDef& d, const Case&) const override { emit_microneedle(e, d); }
  double start(const DeliveryDef& d) const override { return d.needling.time; }
  void shift(DeliveryDef& d, double dt) const override { d.needling.time += dt; }
  void lower(const Case& c, size_t di, const DeliveryDef&, Lowering& lw) const override { add_microneedle_channels(c, di, lw.p, lw.warnings); }
};

const Registration<DeliveryType> reg(std::make_unique<Microneedle>());

}  // namespace
}  // namespace dermasim
