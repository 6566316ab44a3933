// SPDX-License-Identifier: BSD-3-Clause
#include "units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <vector>

namespace dermasim {
namespace {

struct UnitDef {
  double factor;
  Dim dim;
};

// Base symbols and the SI prefixes each accepts. Kept explicit so that "min" is a minute,
// "mm" a millimetre and "d" a day, with no guessing.
const std::map<std::string, UnitDef>& unit_table() {
  static const std::map<std::string, UnitDef> table = [] {
    std::map<std::string, UnitDef> t;
    auto add_prefixed = [&t](const std::string& base, double f, Dim d, const std::string& prefixes) {
      t[base] = {f, d};
      for (char p : prefixes) {
        double pf = 1.0;
        switch (p) {
          case 'G': pf = 1e9; break;
          case 'M': pf = 1e6; break;
          case 'k': pf = 1e3; break;
          case 'd': pf = 1e-1; break;
          case 'c': pf = 1e-2; break;
          case 'm': pf = 1e-3; break;
          case 'u': pf = 1e-6; break;
          case 'n': pf = 1e-9; break;
          case 'p': pf = 1e-12; break;
          default: break;
        }
        t[std::string(1, p) + base] = {f * pf, d};
        if (p == 'u') t["\u00b5" + base] = {f * pf, d};  // micro sign
        if (p == 'u') t["\u03bc" + base] = {f * pf, d};  // Greek mu
      }
    };
    add_prefixed("m", 1.0, dims::length, "kcmunp");
    add_prefixed("g", 1e-3, dims::mass, "kmunp");
    add_prefixed("L", 1e-3, dims::volume, "dmun");
    add_prefixed("l", 1e-3, dims::volume, "dmun");
    add_prefixed("s", 1.0, dims::time, "mun");
    add_prefixed("mol", 1.0, Dim(0, 0, 0, 1), "mun");
    add_prefixed("M", 1e3, Dim(-3, 0, 0, 1), "mun");  // molar, mol/L
    add_prefixed("Pa", 1.0, Dim(-1, 1, -2, 0), "mkM");
    add_prefixed("Da", 1e-3, Dim(0, 1, 0, -1), "kM");  // g/mol
    t["min"] = {60.0, dims::time};
    t["h"] = {3600.0, dims::time};
    t["hr"] = {3600.0, dims::time};
    t["hour"] = {3600.0, dims::time};
    t["hours"] = {3600.0, dims::time};
    t["d"] = {86400.0, dims::time};
    t["day"] = {86400.0, dims::time};
    t["days"] = {86400.0, dims::time};
    t["week"] = {604800.0, dims::time};
    t["weeks"] = {604800.0, dims::time};
    t["wk"] = {604800.0, dims::time};
    t["%"] = {0.01, dims::none};
    t["mmHg"] = {133.322387415, Dim(-1, 1, -2, 0)};
    return t;
  }();
  return table;
}

bool is_number_start(char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'; }

// One factor of a unit expression: symbol followed by an optional integer exponent
// ("cm2", "m^2", "s-1", "s^-1").
UnitDef parse_factor(const std::string& tok, const std::string& whole) {
  if (tok == "1") return {1.0, dims::none};
  size_t pos = tok.size();
  // split trailing exponent
  size_t k = tok.size();
  while (k > 0 && std::isdigit(static_cast<unsigned char>(tok[k - 1]))) --k;
  int exponent = 1;
  if (k < tok.size()) {
    size_t start = k;
    if (start > 0 && tok[start - 1] == '-') --start;
    if (start > 0 && tok[start - 1] == '^') --start;
    std::string exp_str = tok.substr(start);
    if (!exp_str.empty() && exp_str[0] == '^') exp_str = exp_str.substr(1);
    if (start == 0) throw UnitError("unit '" + whole + "': '" + tok + "' is not a unit");
    exponent = exp_str.size() > 3 ? 99 : std::atoi(exp_str.c_str());
    if (exponent > 6 || exponent < -6) throw UnitError("unit '" + whole + "': the power in '" + tok + "' is out of range");
    pos = start;
  }
  const std::string sym = tok.substr(0, pos);
  const auto& t = unit_table();
  auto it = t.find(sym);
  if (it == t.end()) {
    throw UnitError("unknown unit '" + sym + "'" + (sym == whole ? std::string() : " in '" + whole + "'") +
                    "; known units: m, mm, um, nm, cm; g, kg, mg, ug, ng; L, mL, uL, nL; s, min, h, d, week; "
                    "mol, mmol, M, mM; Pa, kPa, mmHg; Da, kDa; % (SI prefixes as listed), combined with / and "
                    "* and integer powers (cm2, m^3, s-1)");
  }
  return {std::pow(it->second.factor, exponent), it->second.dim.pow(exponent)};
}

}  // namespace

Quantity parse_unit(const std::string& unit_in) {
  std::string unit;
  for (char c : unit_in) unit += c;
  // trim
  auto b = unit.find_first_not_of(" \t");
  auto e = unit.find_last_not_of(" \t");
  if (b == std::string::npos) return {1.0, dims::none};
  unit = unit.substr(b, e - b + 1);
  Quantity q{1.0, dims::none};
  // tokenise on '/', '*', '.', middle dot, spaces; '/' flips the sign of what follows (one level)
  bool divide = false;
  std::string tok;
  auto flush = [&](bool next_divide) {
    if (!tok.empty()) {
      UnitDef f = parse_factor(tok, unit);
      if (divide) {
        q.si /= f.factor;
        q.dim = q.dim / f.dim;
      } else {
        q.si *= f.factor;
        q.dim = q.dim * f.dim;
      }
      tok.clear();
    } else if (next_divide && divide) {
      throw UnitError("unit '" + unit + "': two '/' in a row");
    }
    divide = next_divide;
  };
  for (size_t i = 0; i < unit.size(); ++i) {
    char c = unit[i];
    if (c == '/') {
      flush(true);
    } else if (c == '*' || c == ' ' || c == '\t' || (c == '.' && !tok.empty())) {
      if (!tok.empty()) flush(false);
    } else if (static_cast<unsigned char>(c) == 0xC2 && i + 1 < unit.size() &&
               static_cast<unsigned char>(unit[i + 1]) == 0xB7) {  // U+00B7 middle dot
      if (!tok.empty()) flush(false);
      ++i;
    } else {
      tok += c;
    }
  }
  if (tok.empty() && divide) throw UnitError("unit '" + unit + "' ends with '/'");
  flush(false);
  return q;
}

void check_magnitude(double si, const std::string& text) {
  if (!std::isfinite(si))
    throw UnitError("'" + text + "' overflows (it is beyond 1e308 in SI units); give a value within 1e-100 to 1e100 in SI units");
  const double a = std::fabs(si);
  if (a != 0 && (a > kMaxMagnitude || a < kMinMagnitude)) {
    std::ostringstream os;
    os << "'" << text << "' is " << si << " in SI units, outside the range the engine computes with (0, or 1e-100 to 1e100 in size)";
    throw UnitError(os.str());
  }
}

double parse_decimal(const std::string& s, size_t* used) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (s.compare(i, 2, "0x") == 0 || s.compare(i, 2, "0X") == 0)
    throw UnitError("'" + s + "' is a hexadecimal number; write numbers in decimal, e.g. '16' or '1.5e-3'");
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) throw UnitError("'" + s + "' does not start with a number");
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    size_t ed = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j, ++ed;
    if (ed > 0) i = j;  // else the 'e' starts the unit (none does, but the unit parser says so)
  }
  const std::string num = s.substr(0, i);
  const double v = std::strtod(num.c_str(), nullptr);
  *used = i;
  return v;
}

Quantity parse_quantity(const std::string& text) {
  std::string s = text;
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) throw UnitError("empty value; expected a number with a unit, e.g. '15 um'");
  s = s.substr(b);
  if (!is_number_start(s[0])) throw UnitError("'" + text + "' does not start with a number");
  size_t used = 0;
  const double v = parse_decimal(s, &used);
  if (!std::isfinite(v)) throw UnitError("'" + text + "' is not a finite number");
  std::string rest = s.substr(used);
  Quantity u = parse_unit(rest);
  const double si = v * u.si;
  check_magnitude(si, text);
  check_magnitude(v, text);
  return {si, u.dim};
}

std::string describe_dim(const Dim& d) {
  struct Named {
    Dim d;
    const char* what;
  };
  static const Named names[] = {
      {dims::none, "a plain number (no unit)"},
      {dims::length, "a length, e.g. '15 um' or '1.5 mm'"},
      {dims::area, "an area, e.g. '1 cm2' or '0.5 mm2'"},
      {dims::volume, "a volume, e.g. '20 uL' or '0.02 mL'"},
      {dims::mass, "a mass, e.g. '2 mg'"},
      {dims::time, "a time, e.g. '24 h', '30 min' or '2 d'"},
      {dims::rate, "a rate constant, e.g. '1e-3 1/s' or '0.1 1/h'"},
      {dims::diffusivity, "a diffusivity, e.g. '1e-13 m2/s' or '1e-9 cm2/s'"},
      {dims::concentration, "a concentration, e.g. '4 mg/mL' or '20 mg/mL'"},
      {dims::mass_per_area, "a mass per area, e.g. '2 mg/cm2'"},
      {Dim(1, 0, -1, 0), "a speed or permeability, e.g. '1e-8 m/s' or '1e-3 cm/h'"},
      {Dim(-2, 1, -1, 0), "a flux, e.g. '1 ug/cm2/h'"},
      {Dim(0, 1, 0, -1), "a molar mass, e.g. '194.19 g/mol' or '50 kDa'"},
      {Dim(-1, 1, -2, 0), "a pressure, e.g. '1.4 kPa'"},
  };
  for (const auto& n : names)
    if (n.d == d) return n.what;
  std::ostringstream os;
  os << "a quantity with dimension m^" << d.e[0] << " kg^" << d.e[1] << " s^" << d.e[2] << " mol^" << d.e[3];
  return os.str();
}

std::string format_in(double si, const std::string& unit, int digits) {
  Quantity u = parse_unit(unit);
  std::ostringstream os;
  os.precision(digits);
  os << si / u.si << " " << unit;
  return os.str();
}

std::string format_time_exact(double s) {
  if (s == 0) return "0 h";
  if (std::fabs(s) >= 3600 && std::fmod(s, 3600) == 0) return format_in(s, "h", 10);
  if (std::fabs(s) >= 60 && std::fmod(s, 60) == 0) return format_in(s, "min", 10);
  return format_in(s, "s", 10);
}

std::string format_length_exact(double m) { return format_in(m, m < 1e-3 ? "um" : "mm", 10); }

std::string format_quantity(double si, const Dim& d, int digits) {
  std::ostringstream os;
  os.precision(digits);
  if (d == dims::none) {
    os << si;
    return os.str();
  }
  if (d == dims::time) {
    double a = std::fabs(si);
    if (a == 0) return "0 s";
    if (a < 120) return format_in(si, "s", digits);
    if (a < 7200) return format_in(si, "min", digits);
    if (a < 4 * 86400.0) return format_in(si, "h", digits);
    return format_in(si, "d", digits);
  }
  if (d == dims::length) {
    double a = std::fabs(si);
    if (a == 0) return "0 m";
    if (a < 1e-3) return format_in(si, "um", digits);
    if (a < 1e-1) return format_in(si, "mm", digits);
    return format_in(si, "m", digits);
  }
  if (d == dims::volume) return format_in(si, "uL", digits);
  if (d == dims::area) return format_in(si, "mm2", digits);
  if (d == dims::concentration) return format_in(si, "mg/mL", digits);
  if (d == dims::diffusivity) return format_in(si, "m2/s", digits);
  if (d == dims::rate) return format_in(si, "1/s", digits);
  if (d == dims::mass) return format_in(si, "ug", digits);
  if (d == dims::mass_per_area) return format_in(si, "ug/cm2", digits);
  if (d == Dim(2, 0, 0, 0) / Dim(1, 0, 0, 0)) return format_in(si, "m", digits);
  os << si;
  return os.str();
}

}  // namespace dermasim
