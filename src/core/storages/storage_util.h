// Pieces every storage implementation shares (not part of the public API).
#ifndef AUTOML_SRC_CORE_STORAGES_STORAGE_UTIL_H_
#define AUTOML_SRC_CORE_STORAGES_STORAGE_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "automl/error.h"
#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/trial_state.h"

namespace automl::internal {

// Seconds since the Unix epoch.
double Now();

// The seed of trial |number| under study seed |study_seed| (DESIGN: Seeds).
uint64_t TrialSeed(uint64_t study_seed, int64_t number);

// The error for changing a trial that is not RUNNING (finished trials are read-only).
FailedPrecondition NotRunning(const FrozenTrial& trial, const std::string& action);
FailedPrecondition NotRunning(int64_t number, TrialState state, const std::string& action);

// Throws InvalidArgument unless |state| is COMPLETE, PRUNED or FAILED.
void CheckFinishState(TrialState state);

// Objective values as JSON: a list of numbers, with "nan", "inf" and "-inf" as strings, since
// JSON has no non-finite numbers (an intermediate loss may well be NaN).
Json ValuesToJson(const std::vector<double>& values);
std::vector<double> ValuesFromJson(const Json& json);

// JSON text read back from a database; StorageError naming |what| when it does not parse.
Json ParseStoredJson(std::string_view text, const char* what);

// A study's directions as stored: a list of "minimize"/"maximize".
Json DirectionsToJson(const std::vector<Direction>& directions);
std::vector<Direction> DirectionsFromJson(const Json& json);

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_STORAGES_STORAGE_UTIL_H_
