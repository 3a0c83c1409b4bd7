// FrozenTrial: a trial's record as the storage holds it.
#ifndef AUTOML_FROZEN_TRIAL_H_
#define AUTOML_FROZEN_TRIAL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/param_value.h"
#include "automl/trial_state.h"

namespace automl {

// The process that runs a trial. |token| identifies the process across PID reuse and reboots
// (boot id and process start time), so that a live process's trial is never taken for a dead one.
struct WorkerInfo {
  std::string host;
  int64_t pid = 0;
  std::string token;
};

struct FrozenTrial {
  int64_t id = -1;      // unique in the storage
  int64_t number = -1;  // 0, 1, 2, ... within the study, in order of creation
  TrialState state = TrialState::kWaiting;

  // The active parameters. A RUNNING trial may not have them yet (has_params false) for the
  // moment between being claimed and being sampled.
  ParamMap params;
  bool has_params = false;

  // One value per objective; set for COMPLETE trials only.
  std::vector<double> values;
  // Intermediate values by step (one value per objective at each step).
  std::map<int64_t, std::vector<double>> intermediate;

  std::string reason;  // why a trial FAILED or was PRUNED
  uint64_t seed = 0;   // derived from (study seed, number)
  // The n-th trial the study's sampler was asked for (absent for enqueued trials, whose
  // parameters were given); samplers that walk a sequence (grid, Sobol) index by it.
  std::optional<int64_t> sample_index;
  // The trial this one re-runs (a retry of a FAILED trial or of one whose worker was lost).
  std::optional<int64_t> retry_of;
  // Order in which trials finished within the study (1, 2, ...); 0 while unfinished.
  int64_t finish_seq = 0;

  WorkerInfo worker;
  // Seconds since the Unix epoch; absent until the event happens.
  double created = 0;
  std::optional<double> started;
  std::optional<double> finished;
  std::optional<double> heartbeat;

  Json user_attrs = Json::object();
  Json system_attrs = Json::object();

  // The single objective value; throws FailedPrecondition unless there is exactly one value.
  double value() const;
  // Seconds from start to finish (or to now for a running trial); nullopt if never started.
  std::optional<double> Duration() const;
  // The value reported at the largest step, if any.
  std::optional<std::vector<double>> LastIntermediate() const;
};

}  // namespace automl

#endif  // AUTOML_FROZEN_TRIAL_H_
