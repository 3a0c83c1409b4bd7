#include "core/storages/storage_util.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "automl/random.h"

namespace automl::internal {

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

uint64_t TrialSeed(uint64_t study_seed, int64_t number) {
  // Kept below 2^63 so that it survives storages with signed 64-bit integers, and languages
  // whose seeds are signed.
  return DeriveSeed(study_seed, static_cast<uint64_t>(number), HashName("trial")) >> 1;
}

FailedPrecondition NotRunning(int64_t number, TrialState state, const std::string& action) {
  return FailedPrecondition("cannot " + action + " trial " + std::to_string(number) + ": it is " +
                            TrialStateName(state) +
                            (IsFinished(state) ? " (finished trials are read-only)" : ""));
}

FailedPrecondition NotRunning(const FrozenTrial& trial, const std::string& action) {
  return NotRunning(trial.number, trial.state, action);
}

void CheckFinishState(TrialState state) {
  if (!IsFinished(state)) {
    throw InvalidArgument(
        std::string("a trial can only finish as COMPLETE, PRUNED or FAILED, not ") +
        TrialStateName(state));
  }
}

Json ValuesToJson(const std::vector<double>& values) {
  Json out = Json::array();
  for (double v : values) {
    if (std::isnan(v)) {
      out.push_back("nan");
    } else if (std::isinf(v)) {
      out.push_back(v > 0 ? "inf" : "-inf");
    } else {
      out.push_back(v);
    }
  }
  return out;
}

std::vector<double> ValuesFromJson(const Json& json) {
  std::vector<double> out;
  for (const Json& v : json) {
    if (v.is_number()) {
      out.push_back(v.get<double>());
    } else if (v == "inf") {
      out.push_back(std::numeric_limits<double>::infinity());
    } else if (v == "-inf") {
      out.push_back(-std::numeric_limits<double>::infinity());
    } else {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return out;
}

Json ParseStoredJson(std::string_view text, const char* what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    throw StorageError(std::string("corrupt ") + what + " in the database: " + e.what());
  }
}

Json DirectionsToJson(const std::vector<Direction>& directions) {
  Json out = Json::array();
  for (Direction d : directions) out.push_back(DirectionName(d));
  return out;
}

std::vector<Direction> DirectionsFromJson(const Json& json) {
  std::vector<Direction> out;
  for (const Json& d : json) {
    const auto direction = d.is_string() ? ParseDirection(d.get<std::string>()) : std::nullopt;
    if (!direction) throw StorageError("corrupt direction in the database: " + d.dump());
    out.push_back(*direction);
  }
  return out;
}

}  // namespace automl::internal
