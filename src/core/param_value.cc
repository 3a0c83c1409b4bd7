#include "automl/param_value.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "automl/error.h"

namespace automl {
namespace {

std::string TypeMismatch(const ParamValue& v, const char* wanted) {
  return std::string("parameter value ") + v.ToJson().dump() + " is a " +
         ParamValueTypeName(v.type()) + ", not a " + wanted;
}

}  // namespace

const char* ParamValueTypeName(ParamValue::Type type) {
  switch (type) {
    case ParamValue::Type::kFloat:
      return "float";
    case ParamValue::Type::kInt:
      return "int";
    case ParamValue::Type::kBool:
      return "bool";
    case ParamValue::Type::kString:
      return "string";
  }
  return "value";
}

double ParamValue::AsDouble() const {
  if (const auto* d = std::get_if<double>(&value_)) return *d;
  if (const auto* i = std::get_if<int64_t>(&value_)) return static_cast<double>(*i);
  throw InvalidArgument(TypeMismatch(*this, "number"));
}

int64_t ParamValue::AsInt() const {
  if (const auto* i = std::get_if<int64_t>(&value_)) return *i;
  if (const auto* d = std::get_if<double>(&value_)) {
    // Only floats that are integers exactly (and fit) convert.
    if (std::nearbyint(*d) == *d && std::fabs(*d) < 9.2e18) return static_cast<int64_t>(*d);
  }
  throw InvalidArgument(TypeMismatch(*this, "integer"));
}

bool ParamValue::AsBool() const {
  if (const auto* b = std::get_if<bool>(&value_)) return *b;
  throw InvalidArgument(TypeMismatch(*this, "bool"));
}

const std::string& ParamValue::AsString() const {
  if (const auto* s = std::get_if<std::string>(&value_)) return *s;
  throw InvalidArgument(TypeMismatch(*this, "string"));
}

std::string ParamValue::ToText() const {
  switch (type()) {
    case Type::kFloat: {
      const double d = std::get<double>(value_);
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      char buffer[64];
      auto result = std::to_chars(buffer, buffer + sizeof(buffer), d);  // shortest round trip
      return std::string(buffer, result.ptr);
    }
    case Type::kInt:
      return std::to_string(std::get<int64_t>(value_));
    case Type::kBool:
      return std::get<bool>(value_) ? "true" : "false";
    case Type::kString:
      return std::get<std::string>(value_);
  }
  return {};
}

Json ParamValue::ToJson() const {
  switch (type()) {
    case Type::kFloat:
      return std::get<double>(value_);
    case Type::kInt:
      return std::get<int64_t>(value_);
    case Type::kBool:
      return std::get<bool>(value_);
    case Type::kString:
      return std::get<std::string>(value_);
  }
  return nullptr;
}

ParamValue ParamValue::FromJson(const Json& json) {
  if (json.is_boolean()) return ParamValue(json.get<bool>());
  if (json.is_number_integer()) {
    if (json.is_number_unsigned() &&
        json.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw InvalidArgument("parameter value " + json.dump() + " is out of the integer range");
    }
    return ParamValue(json.get<int64_t>());
  }
  if (json.is_number_float()) return ParamValue(json.get<double>());
  if (json.is_string()) return ParamValue(json.get<std::string>());
  throw InvalidArgument("parameter value " + json.dump() +
                        " is not a number, a boolean or a string");
}

Json ParamsToJson(const ParamMap& params) {
  Json out = Json::object();
  for (const auto& [name, value] : params) out[name] = value.ToJson();
  return out;
}

ParamMap ParamsFromJson(const Json& json) {
  if (!json.is_object()) throw InvalidArgument("parameters must be a JSON object");
  ParamMap params;
  for (const auto& [name, value] : json.items()) params.emplace(name, ParamValue::FromJson(value));
  return params;
}

}  // namespace automl
