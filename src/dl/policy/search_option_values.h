// Typed values of an online search's options (`ohl:`, `amlfs:`), each refused with one line
// naming the search, the key and the rule.
#ifndef AUTOML_SRC_DL_POLICY_SEARCH_OPTION_VALUES_H_
#define AUTOML_SRC_DL_POLICY_SEARCH_OPTION_VALUES_H_

#include <cstdint>
#include <string>

#include "automl/error.h"
#include "automl/json.h"

namespace automl::dl::internal {

// json[key], an integer of at least |least|.
inline int64_t IntAtLeast(const Json& json, const char* key, const std::string& where,
                          int64_t least) {
  const Json& value = json.at(key);
  if (!value.is_number_integer() || value.get<int64_t>() < least) {
    throw InvalidArgument(where + ": " + key + " must be an integer >= " + std::to_string(least) +
                          ", not " + value.dump());
  }
  return value.get<int64_t>();
}

// json[key], a positive number.
inline double PositiveNumber(const Json& json, const char* key, const std::string& where) {
  const Json& value = json.at(key);
  if (!value.is_number() || !(value.get<double>() > 0)) {
    throw InvalidArgument(where + ": " + key + " must be a positive number, not " + value.dump());
  }
  return value.get<double>();
}

}  // namespace automl::dl::internal

#endif  // AUTOML_SRC_DL_POLICY_SEARCH_OPTION_VALUES_H_
