// Reading the options and the saved state of the path samplers from JSON: one message style for
// all of them ("greedy-path-sampler: pool_size: must be an integer, not 2.5").
#ifndef AUTOML_CORE_NAS_JSON_FIELDS_H_
#define AUTOML_CORE_NAS_JSON_FIELDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/trial_state.h"

namespace automl::nas::internal {

// Throws InvalidArgument unless |json| is an object whose keys are all in |known|; the message
// names every unknown key at once, so that a user fixes all typos in one go.
void CheckObject(const Json& json, const std::vector<std::string>& known, const std::string& where);

// The value at |key|; throws InvalidArgument "<where>: missing '<key>'" when absent.
const Json& Required(const Json& json, const std::string& key, const std::string& where);

// Typed values; |at| names the value in messages ("greedy-path-sampler: pool_size").
int64_t IntValue(const Json& value, const std::string& at);
double NumberValue(const Json& value, const std::string& at);  // any finite number
bool BoolValue(const Json& value, const std::string& at);
Direction DirectionValue(const Json& value, const std::string& at);

// Reads |key| into |out| when |json| has it; leaves |out| alone otherwise.
void ReadOptional(const Json& json, const std::string& key, const std::string& where, int64_t* out);
void ReadOptional(const Json& json, const std::string& key, const std::string& where, double* out);
void ReadOptional(const Json& json, const std::string& key, const std::string& where, bool* out);
void ReadOptional(const Json& json, const std::string& key, const std::string& where,
                  Direction* out);

// |value| for messages: shortest round-trip form, and "nan", "inf", "-inf" (which JSON lacks).
std::string NumberText(double value);

// A list of integers (the saved `choices`).
std::vector<int64_t> IntList(const Json& value, const std::string& at);

// Throws InvalidArgument unless the state's `choices` equal the sampler's: a state belongs to one
// space.
void CheckSameChoices(const Json& state, const std::vector<int64_t>& choices,
                      const std::string& where);

}  // namespace automl::nas::internal

#endif  // AUTOML_CORE_NAS_JSON_FIELDS_H_
