// ParamValue: the value of one parameter in a trial, as the user sees it (a float, an integer, a
// boolean or a string).
#ifndef AUTOML_PARAM_VALUE_H_
#define AUTOML_PARAM_VALUE_H_

#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "automl/json.h"

namespace automl {

class ParamValue {
 public:
  enum class Type { kFloat, kInt, kBool, kString };

  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  ParamValue(T v) : value_(static_cast<double>(v)) {}  // NOLINT(google-explicit-constructor)
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  ParamValue(T v) : value_(static_cast<int64_t>(v)) {}   // NOLINT(google-explicit-constructor)
  ParamValue(bool v) : value_(v) {}                      // NOLINT
  ParamValue(std::string v) : value_(std::move(v)) {}    // NOLINT
  ParamValue(const char* v) : value_(std::string(v)) {}  // NOLINT

  Type type() const { return static_cast<Type>(value_.index()); }
  bool is_float() const { return type() == Type::kFloat; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_string() const { return type() == Type::kString; }
  bool is_number() const { return is_float() || is_int(); }

  // Accessors throw InvalidArgument when the value has another type. AsDouble() also accepts an
  // integer; AsInt() also accepts a float that holds an integer exactly.
  double AsDouble() const;
  int64_t AsInt() const;
  bool AsBool() const;
  const std::string& AsString() const;

  // The value as it is substituted into a longer string: integers plainly, floats in shortest
  // round-trip form ("0.001", "1e-05"), booleans as true/false, strings as they are.
  std::string ToText() const;

  Json ToJson() const;
  // Numbers that JSON writes without a fraction or exponent become integers.
  static ParamValue FromJson(const Json& json);

  friend bool operator==(const ParamValue& a, const ParamValue& b) { return a.value_ == b.value_; }
  friend bool operator!=(const ParamValue& a, const ParamValue& b) { return !(a == b); }
  // A total order (type first, then value), so values can key ordered containers.
  friend bool operator<(const ParamValue& a, const ParamValue& b) { return a.value_ < b.value_; }

 private:
  std::variant<double, int64_t, bool, std::string> value_;
};

// A trial's parameters by name.
using ParamMap = std::map<std::string, ParamValue>;

const char* ParamValueTypeName(ParamValue::Type type);

Json ParamsToJson(const ParamMap& params);
ParamMap ParamsFromJson(const Json& json);

}  // namespace automl

#endif  // AUTOML_PARAM_VALUE_H_
