#include "automl/stop_conditions.h"

#include <algorithm>

#include "automl/study.h"

namespace automl {

void TimeLimit::OnStart(const Study& /*study*/) { start_ = std::chrono::steady_clock::now(); }

std::optional<StopReason> TimeLimit::ShouldStop(const Study& /*study*/) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < seconds_) return std::nullopt;
  return StopReason{StopReason::Kind::kTimeout,
                    "time limit of " + ParamValue(seconds_).ToText() + " s reached"};
}

void FailureLimit::OnTrialEnd(const Study& /*study*/, const FrozenTrial& trial) {
  if (trial.state != TrialState::kFailed) return;
  ++failures_;
  last_reason_ = trial.reason;
}

std::optional<StopReason> FailureLimit::ShouldStop(const Study& /*study*/) {
  if (failures_ < max_failures_) return std::nullopt;
  return StopReason{StopReason::Kind::kFailures,
                    std::to_string(failures_) + " trials failed (max_failures: " +
                        std::to_string(max_failures_) + "); the last: " + last_reason_};
}

namespace {}  // namespace

void NoImprovementStop::CatchUp(const Study& study) {
  const auto& directions = study.directions();
  for (const FrozenTrial& t : study.storage().GetTrialsFinishedAfter(study.id(), last_seq_)) {
    last_seq_ = t.finish_seq;
    if (t.state == TrialState::kFailed) continue;  // failures are not finished trials
    bool improved = false;
    if (t.state == TrialState::kComplete) {
      const bool dominated = std::any_of(front_.begin(), front_.end(), [&](const auto& f) {
        return Dominates(directions, f, t.values) || f == t.values;
      });
      if (!dominated) {
        improved = true;
        front_.erase(
            std::remove_if(front_.begin(), front_.end(),
                           [&](const auto& f) { return Dominates(directions, t.values, f); }),
            front_.end());
        front_.push_back(t.values);
      }
    }
    since_improvement_ = improved ? 0 : since_improvement_ + 1;
  }
}

std::optional<StopReason> NoImprovementStop::ShouldStop(const Study& study) {
  CatchUp(study);
  if (front_.empty() || since_improvement_ < patience_) return std::nullopt;
  return StopReason{StopReason::Kind::kNoImprovement,
                    "no improvement in the last " + std::to_string(since_improvement_) +
                        " finished trials (stop_after: " + std::to_string(patience_) + ")"};
}

}  // namespace automl
