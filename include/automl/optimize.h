// The optimization loop's pieces: what an objective returns, the loop's options, its stop
// conditions and callbacks, and the summary it returns (Ceres style: a brief and a full report).
#ifndef AUTOML_OPTIMIZE_H_
#define AUTOML_OPTIMIZE_H_

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/frozen_trial.h"
#include "automl/trial.h"
#include "automl/trial_state.h"

namespace automl {

class Study;

// What running an objective on a trial came to.
struct TrialOutcome {
  TrialState state = TrialState::kComplete;
  std::vector<double> values;  // COMPLETE: one per objective
  std::string reason;          // PRUNED or FAILED: why

  static TrialOutcome Complete(std::vector<double> values) {
    return {TrialState::kComplete, std::move(values), ""};
  }
  static TrialOutcome Pruned(std::string reason = "pruned") {
    return {TrialState::kPruned, {}, std::move(reason)};
  }
  static TrialOutcome Failed(std::string reason) {
    return {TrialState::kFailed, {}, std::move(reason)};
  }
};

using Objective = std::function<TrialOutcome(Trial&)>;

// Adapts a function returning a double, a std::vector<double> or a TrialOutcome to an Objective.
// TrialPruned becomes PRUNED; any other exception becomes FAILED with its message.
template <typename F>
Objective MakeObjective(F&& fn) {
  return [fn = std::forward<F>(fn)](Trial& trial) -> TrialOutcome {
    using R = std::invoke_result_t<F&, Trial&>;
    try {
      if constexpr (std::is_same_v<std::decay_t<R>, TrialOutcome>) {
        return fn(trial);
      } else if constexpr (std::is_convertible_v<R, double>) {
        return TrialOutcome::Complete({static_cast<double>(fn(trial))});
      } else {
        static_assert(std::is_convertible_v<R, std::vector<double>>,
                      "an objective returns a double, a std::vector<double> or a TrialOutcome");
        return TrialOutcome::Complete(fn(trial));
      }
    } catch (const TrialPruned& pruned) {
      return TrialOutcome::Pruned(pruned.what());
    } catch (const std::exception& e) {
      return TrialOutcome::Failed(e.what());
    }
  };
}

// Why a loop stopped.
struct StopReason {
  enum class Kind {
    kTargetReached,  // the study has its target of finished trials
    kExhausted,      // the sampler has no new point (a finished grid)
    kTimeout,        // the time limit passed
    kNoImprovement,  // stop_after: the best has not improved for that many finished trials
    kFailures,       // max_failures trials failed in this run
    kInterrupted,    // the stop flag was raised (a signal)
    kCallback,       // a user callback asked to stop
  };
  Kind kind = Kind::kTargetReached;
  std::string message;
  // Whether the loop ended as it should (exit status 0), rather than on failures or a signal.
  bool success() const { return kind != Kind::kFailures && kind != Kind::kInterrupted; }
};

struct OptimizeSummary;

// A composable piece of the loop (ensmallen style): progress output, stop conditions, logging.
class OptimizeCallback {
 public:
  virtual ~OptimizeCallback() = default;
  virtual void OnStart(const Study& /*study*/) {}
  virtual void OnTrialStart(const Study& /*study*/, const FrozenTrial& /*trial*/) {}
  virtual void OnTrialEnd(const Study& /*study*/, const FrozenTrial& /*trial*/) {}
  // Called while this process waits for other processes' running trials.
  virtual void OnWait(const Study& /*study*/, const TrialCounts& /*counts*/) {}
  // A reason to stop before the next trial, or nullopt to go on.
  virtual std::optional<StopReason> ShouldStop(const Study& /*study*/) { return std::nullopt; }
  virtual void OnEnd(const Study& /*study*/, const OptimizeSummary& /*summary*/) {}
};

struct OptimizeOptions {
  // The study's target of finished (COMPLETE + PRUNED) trials over all processes and restarts.
  // Without one the loop runs until another condition stops it.
  std::optional<int64_t> target_trials;
  // No new trial starts once this many seconds have passed.
  std::optional<double> timeout_seconds;
  // Stop once this many trials failed in this loop.
  std::optional<int64_t> max_failures = 10;
  // Stop once the study's best value has not improved for this many finished trials.
  std::optional<int64_t> stop_after;
  // The longest wait between checks while other processes' trials fill the target (checks
  // start 10 ms apart and back off to this).
  double poll_seconds = 0.5;
  // Raised (by a signal handler, another thread) to stop starting trials.
  const std::atomic<bool>* stop_flag = nullptr;
  std::vector<std::shared_ptr<OptimizeCallback>> callbacks;

  bool IsValid(std::string* error) const;
};

struct OptimizeSummary {
  StopReason stop;
  // Trials this loop ran.
  int64_t complete = 0;
  int64_t pruned = 0;
  int64_t failed = 0;
  // The study as the loop ended.
  TrialCounts study_counts;
  std::optional<FrozenTrial> best;  // single objective
  int64_t pareto_front_size = 0;    // several objectives
  double seconds = 0;

  int64_t trials_run() const { return complete + pruned + failed; }
  bool success() const { return stop.success(); }
  // One line: "stopped: target of 100 trials reached; 100 run (98 complete, 2 pruned) in 3.1 s;
  // best 0.398 (trial 57)".
  std::string BriefReport() const;
  // Several lines with every figure.
  std::string FullReport() const;
};

}  // namespace automl

#endif  // AUTOML_OPTIMIZE_H_
