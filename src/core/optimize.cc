#include "automl/optimize.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "automl/error.h"
#include "automl/format.h"
#include "automl/stop_conditions.h"
#include "automl/study.h"

namespace automl {
namespace {

using Clock = std::chrono::steady_clock;

bool Raised(const std::atomic<bool>* flag) { return flag && flag->load(); }

// Sleeps |seconds| in slices, returning early when |flag| is raised.
void Wait(double seconds, const std::atomic<bool>* flag) {
  const Clock::time_point until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(seconds));
  for (auto now = Clock::now(); now < until && !Raised(flag); now = Clock::now()) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
}

}  // namespace

bool OptimizeOptions::IsValid(std::string* error) const {
  if (target_trials && *target_trials < 0) {
    *error = "target_trials: must be >= 0";
  } else if (timeout_seconds && !(*timeout_seconds > 0)) {
    *error = "timeout_seconds: must be positive";
  } else if (max_failures && *max_failures < 1) {
    *error = "max_failures: must be >= 1";
  } else if (stop_after && *stop_after < 1) {
    *error = "stop_after: must be >= 1";
  } else if (!(poll_seconds > 0)) {
    *error = "poll_seconds: must be positive";
  } else {
    return true;
  }
  return false;
}

std::string OptimizeSummary::BriefReport() const {
  std::ostringstream out;
  out << "stopped: " << stop.message << "; " << trials_run() << " trial"
      << (trials_run() == 1 ? "" : "s") << " run (" << complete << " complete, " << pruned
      << " pruned, " << failed << " failed) in " << FormatShort(seconds) << " s";
  if (best) {
    out << "; best " << FormatShort(best->values) << " (trial " << best->number << ")";
  } else if (pareto_front_size > 0) {
    out << "; Pareto front of " << pareto_front_size;
  }
  return out.str();
}

std::string OptimizeSummary::FullReport() const {
  std::ostringstream out;
  out << "Stop reason:        " << stop.message << "\n"
      << "Trials this run:    " << trials_run() << " (" << complete << " complete, " << pruned
      << " pruned, " << failed << " failed)\n"
      << "Study trials:       " << study_counts.total() << " (" << study_counts.complete
      << " complete, " << study_counts.pruned << " pruned, " << study_counts.failed << " failed, "
      << study_counts.running << " running, " << study_counts.waiting << " waiting)\n"
      << "Wall time:          " << FormatShort(seconds) << " s\n";
  if (trials_run() > 0) {
    out << "Trials per second:  " << FormatShort(static_cast<double>(trials_run()) / seconds)
        << "\n";
  }
  if (best) {
    out << "Best value:         " << FormatShort(best->values) << " (trial " << best->number
        << ")\nBest parameters:    " << ParamsToJson(best->params).dump() << "\n";
  } else if (pareto_front_size > 0) {
    out << "Pareto front:       " << pareto_front_size << " trials\n";
  }
  return out.str();
}

OptimizeSummary Study::Run(const Objective& objective, const OptimizeOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw InvalidArgument("optimize options: " + error);

  std::vector<std::shared_ptr<OptimizeCallback>> callbacks;
  if (options.timeout_seconds)
    callbacks.push_back(std::make_shared<TimeLimit>(*options.timeout_seconds));
  if (options.max_failures)
    callbacks.push_back(std::make_shared<FailureLimit>(*options.max_failures));
  if (options.stop_after)
    callbacks.push_back(std::make_shared<NoImprovementStop>(*options.stop_after));
  callbacks.insert(callbacks.end(), options.callbacks.begin(), options.callbacks.end());

  const auto start = Clock::now();
  OptimizeSummary summary;
  FailLostTrials();
  for (auto& cb : callbacks) cb->OnStart(*this);

  auto stop = [&](StopReason::Kind kind, std::string message) {
    summary.stop = StopReason{kind, std::move(message)};
  };
  // While other processes' trials fill the target, it is checked again after 10 ms, then at
  // doubling intervals up to poll_seconds: the last trials of a study end all its workers
  // promptly, and a long wait costs a query per poll_seconds.
  constexpr double kFirstPollSeconds = 0.01;
  double poll = std::min(kFirstPollSeconds, options.poll_seconds);
  for (;;) {
    if (Raised(options.stop_flag)) {
      stop(StopReason::Kind::kInterrupted, "interrupted");
      break;
    }
    std::optional<StopReason> reason;
    for (auto& cb : callbacks) {
      if ((reason = cb->ShouldStop(*this))) break;
    }
    if (reason) {
      summary.stop = *reason;
      break;
    }

    AskResult ask = TryAsk({options.target_trials});
    if (ask.status == ClaimStatus::kTargetReached) {
      if (ask.counts.finished() >= *options.target_trials) {
        stop(StopReason::Kind::kTargetReached,
             "target of " + std::to_string(*options.target_trials) + " finished trials reached");
        break;
      }
      // Other processes' trials fill the target but may still fail: wait for them, and take
      // over those whose process died.
      for (auto& cb : callbacks) cb->OnWait(*this, ask.counts);
      Wait(poll, options.stop_flag);
      poll = std::min(2 * poll, options.poll_seconds);
      FailLostTrials();
      continue;
    }
    poll = std::min(kFirstPollSeconds, options.poll_seconds);
    if (ask.status == ClaimStatus::kExhausted) {
      stop(StopReason::Kind::kExhausted,
           "sampler '" + sampler().name() + "' has proposed every point it has");
      break;
    }

    Trial& trial = *ask.trial;
    for (auto& cb : callbacks) cb->OnTrialStart(*this, trial.record());
    TrialOutcome outcome;
    try {
      outcome = objective(trial);
    } catch (const std::exception& e) {
      outcome = TrialOutcome::Failed(e.what());
    }
    if (!trial.finished()) Tell(trial, outcome);
    const FrozenTrial done = storage().GetTrial(trial.id());
    switch (done.state) {
      case TrialState::kComplete:
        ++summary.complete;
        break;
      case TrialState::kPruned:
        ++summary.pruned;
        break;
      default:
        ++summary.failed;
        break;
    }
    for (auto& cb : callbacks) cb->OnTrialEnd(*this, done);
  }

  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary.study_counts = Counts();
  if (is_multi_objective()) {
    summary.pareto_front_size = static_cast<int64_t>(ParetoFront().size());
  } else {
    summary.best = BestTrial();
  }
  for (auto& cb : callbacks) cb->OnEnd(*this, summary);
  return summary;
}

}  // namespace automl
