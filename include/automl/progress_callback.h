// ProgressCallback: shows a study's progress. On a terminal a live line, rewritten in place:
//   [ 37/100] best 0.398 (#21) | 2 running | 12.3 trials/s | ETA 5s
// otherwise one plain line per finished trial, for logs.
#ifndef AUTOML_PROGRESS_CALLBACK_H_
#define AUTOML_PROGRESS_CALLBACK_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "automl/optimize.h"

namespace automl {

class ProgressCallback : public OptimizeCallback {
 public:
  enum class Mode { kAuto, kLive, kLines, kQuiet };

  // |target| is the study's target of finished trials, if any. kAuto picks kLive when |out| is
  // a terminal.
  explicit ProgressCallback(std::optional<int64_t> target, std::FILE* out = stderr,
                            Mode mode = Mode::kAuto);

  void OnStart(const Study& study) override;
  void OnTrialStart(const Study& study, const FrozenTrial& trial) override;
  void OnTrialEnd(const Study& study, const FrozenTrial& trial) override;
  void OnWait(const Study& study, const TrialCounts& counts) override;
  void OnEnd(const Study& study, const OptimizeSummary& summary) override;

 private:
  void Refresh(const Study& study, const std::string& note);
  std::string TrialLine(const Study& study, const FrozenTrial& trial) const;
  void UpdateBest(const Study& study);

  std::optional<int64_t> target_;
  std::FILE* out_;
  Mode mode_;
  std::chrono::steady_clock::time_point start_;
  int64_t finished_at_start_ = 0;
  int64_t finished_ = 0;
  int64_t running_ = 0;
  int64_t last_seq_ = 0;
  std::optional<FrozenTrial> best_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool line_open_ = false;
};

}  // namespace automl

#endif  // AUTOML_PROGRESS_CALLBACK_H_
