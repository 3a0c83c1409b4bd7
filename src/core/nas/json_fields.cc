#include "core/nas/json_fields.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "automl/error.h"

namespace automl::nas::internal {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

void CheckObject(const Json& json, const std::vector<std::string>& known,
                 const std::string& where) {
  if (!json.is_object()) throw InvalidArgument(where + ": must be a mapping, not " + json.dump());
  std::vector<std::string> unknown;
  for (const auto& item : json.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      unknown.push_back("'" + item.key() + "'");
    }
  }
  if (unknown.empty()) return;
  throw InvalidArgument(where + ": unknown key" + (unknown.size() > 1 ? "s " : " ") +
                        Join(unknown) + " (known: " + Join(known) + ")");
}

const Json& Required(const Json& json, const std::string& key, const std::string& where) {
  if (!json.contains(key)) throw InvalidArgument(where + ": missing '" + key + "'");
  return json.at(key);
}

int64_t IntValue(const Json& value, const std::string& at) {
  // Unsigned JSON integers above INT64_MAX would wrap: refuse them with the rest.
  if (!value.is_number_integer() ||
      (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX})) {
    throw InvalidArgument(at + ": must be an integer, not " + value.dump());
  }
  return value.get<int64_t>();
}

double NumberValue(const Json& value, const std::string& at) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    throw InvalidArgument(at + ": must be a number, not " + value.dump());
  }
  return value.get<double>();
}

bool BoolValue(const Json& value, const std::string& at) {
  if (!value.is_boolean())
    throw InvalidArgument(at + ": must be true or false, not " + value.dump());
  return value.get<bool>();
}

Direction DirectionValue(const Json& value, const std::string& at) {
  const auto direction =
      value.is_string() ? ParseDirection(value.get<std::string>()) : std::nullopt;
  if (!direction) {
    throw InvalidArgument(at + ": must be 'minimize' or 'maximize', not " + value.dump());
  }
  return *direction;
}

void ReadOptional(const Json& json, const std::string& key, const std::string& where,
                  int64_t* out) {
  if (json.contains(key)) *out = IntValue(json.at(key), where + ": " + key);
}

void ReadOptional(const Json& json, const std::string& key, const std::string& where, double* out) {
  if (json.contains(key)) *out = NumberValue(json.at(key), where + ": " + key);
}

void ReadOptional(const Json& json, const std::string& key, const std::string& where, bool* out) {
  if (json.contains(key)) *out = BoolValue(json.at(key), where + ": " + key);
}

void ReadOptional(const Json& json, const std::string& key, const std::string& where,
                  Direction* out) {
  if (json.contains(key)) *out = DirectionValue(json.at(key), where + ": " + key);
}

std::string NumberText(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return Json(value).dump();
}

std::vector<int64_t> IntList(const Json& value, const std::string& at) {
  if (!value.is_array()) throw InvalidArgument(at + ": must be a list of integers");
  std::vector<int64_t> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    out.push_back(IntValue(value[i], at + "[" + std::to_string(i) + "]"));
  }
  return out;
}

void CheckSameChoices(const Json& state, const std::vector<int64_t>& choices,
                      const std::string& where) {
  const std::vector<int64_t> saved =
      IntList(Required(state, "choices", where), where + ": choices");
  if (saved != choices) {
    throw InvalidArgument(where + ": choices: the state was saved for the space " +
                          Json(saved).dump() + ", not " + Json(choices).dump());
  }
}

}  // namespace automl::nas::internal
