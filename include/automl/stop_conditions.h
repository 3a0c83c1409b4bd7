// Stop conditions for the optimization loop, as composable callbacks. OptimizeOptions'
// timeout_seconds, max_failures and stop_after install these; a user may add others.
#ifndef AUTOML_STOP_CONDITIONS_H_
#define AUTOML_STOP_CONDITIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/optimize.h"

namespace automl {

// Stops starting trials once |seconds| have passed since the loop started.
class TimeLimit : public OptimizeCallback {
 public:
  explicit TimeLimit(double seconds) : seconds_(seconds) {}
  void OnStart(const Study& study) override;
  std::optional<StopReason> ShouldStop(const Study& study) override;

 private:
  double seconds_;
  std::chrono::steady_clock::time_point start_;
};

// Stops once |max_failures| trials of this loop have FAILED.
class FailureLimit : public OptimizeCallback {
 public:
  explicit FailureLimit(int64_t max_failures) : max_failures_(max_failures) {}
  void OnTrialEnd(const Study& study, const FrozenTrial& trial) override;
  std::optional<StopReason> ShouldStop(const Study& study) override;

 private:
  int64_t max_failures_;
  int64_t failures_ = 0;
  std::string last_reason_;
};

// Stops once the study's best value (for several objectives: its Pareto front) has not improved
// for |patience| finished trials, counted over the whole study in the order trials finished, so
// that every process and every restart sees the same count.
class NoImprovementStop : public OptimizeCallback {
 public:
  explicit NoImprovementStop(int64_t patience) : patience_(patience) {}
  std::optional<StopReason> ShouldStop(const Study& study) override;

 private:
  // Takes in trials that finished since the last call.
  void CatchUp(const Study& study);

  int64_t patience_;
  int64_t last_seq_ = 0;
  int64_t since_improvement_ = 0;
  std::vector<std::vector<double>> front_;  // best value, or the non-dominated values so far
};

}  // namespace automl

#endif  // AUTOML_STOP_CONDITIONS_H_
