// SPDX-License-Identifier: BSD-3-Clause
// Physical quantities with units, as users write them in case files: "15 um", "10 uL/cm2",
// "4 mg/mL", "24 h", "1e-13 m2/s". Everything inside the engine is SI (m, kg, s, mol).
#pragma once
#include <array>
#include <stdexcept>
#include <string>

namespace dermasim {

// Dimension exponents of length, mass, time, amount (mol).
struct Dim {
  std::array<int, 4> e{0, 0, 0, 0};
  constexpr Dim() = default;
  constexpr Dim(int L, int M, int T, int N) : e{L, M, T, N} {}
  constexpr bool operator==(const Dim&) const = default;
  Dim operator*(const Dim& o) const { return {e[0] + o.e[0], e[1] + o.e[1], e[2] + o.e[2], e[3] + o.e[3]}; }
  Dim operator/(const Dim& o) const { return {e[0] - o.e[0], e[1] - o.e[1], e[2] - o.e[2], e[3] - o.e[3]}; }
  Dim pow(int p) const { return {e[0] * p, e[1] * p, e[2] * p, e[3] * p}; }
};

namespace dims {
inline constexpr Dim none{0, 0, 0, 0};
inline constexpr Dim length{1, 0, 0, 0};
inline constexpr Dim area{2, 0, 0, 0};
inline constexpr Dim volume{3, 0, 0, 0};
inline constexpr Dim mass{0, 1, 0, 0};
inline constexpr Dim time{0, 0, 1, 0};
inline constexpr Dim rate{0, 0, -1, 0};            // 1/s
inline constexpr Dim diffusivity{2, 0, -1, 0};     // m2/s
inline constexpr Dim concentration{-3, 1, 0, 0};   // kg/m3 (= mg/mL)
inline constexpr Dim mass_per_area{-2, 1, 0, 0};   // kg/m2
}  // namespace dims

// What a dimension is called and an example, for error messages ("a time, e.g. '24 h'").
std::string describe_dim(const Dim& d);

struct Quantity {
  double si = 0.0;  // value in SI units
  Dim dim;
};

class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The magnitudes the engine computes with: any value, after conversion to SI, is 0 or has
// kMinMagnitude <= |v| <= kMaxMagnitude (nothing physical in a skin model comes near; beyond, sums
// and squares overflow or underflow). check_magnitude() throws UnitError naming the text otherwise.
inline constexpr double kMaxMagnitude = 1e100;
inline constexpr double kMinMagnitude = 1e-100;
void check_magnitude(double si, const std::string& text);
// A decimal number at the start of `s` ("12", "-1.5e-3", ".5"); hexadecimal, inf and nan are
// refused with a UnitError. Sets *used to the characters read.
double parse_decimal(const std::string& s, size_t* used);

// Parses "<number> [unit expression]". A plain number is SI and dimension-less as far as the
// parser knows (the caller decides). Throws UnitError with a message a user can act on.
Quantity parse_quantity(const std::string& text);

// Parses a unit expression alone ("mg/mL", "m2/s", "1/s", "uL/cm2").
Quantity parse_unit(const std::string& unit);

// Formats an SI value in a unit the user reads easily, e.g. 5.4e4 s -> "15 h" (`digits` significant).
std::string format_quantity(double si, const Dim& d, int digits = 6);
// Formats an SI value in the given unit expression, e.g. (1e-5, "uL/cm2") -> "1 uL/cm2".
std::string format_in(double si, const std::string& unit, int digits = 6);
// For files that are read back (the resolved case): 10 digits, a whole-hour/minute unit when exact.
std::string format_time_exact(double s);
std::string format_length_exact(double m);

}  // namespace dermasim
