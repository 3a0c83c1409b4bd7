#include "automl/progress_callback.h"

#include <unistd.h>

#include <cmath>
#include <sstream>

#include "automl/format.h"
#include "automl/study.h"

namespace automl {
namespace {

using Clock = std::chrono::steady_clock;

std::string Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  std::ostringstream out;
  if (s >= 3600)
    out << s / 3600 << "h" << (s % 3600) / 60 << "m";
  else if (s >= 60)
    out << s / 60 << "m" << s % 60 << "s";
  else
    out << s << "s";
  return out.str();
}

}  // namespace

ProgressCallback::ProgressCallback(std::optional<int64_t> target, std::FILE* out, Mode mode)
    : target_(target), out_(out), mode_(mode) {
  if (mode_ == Mode::kAuto) mode_ = isatty(fileno(out_)) ? Mode::kLive : Mode::kLines;
}

void ProgressCallback::OnStart(const Study& study) {
  start_ = Clock::now();
  const TrialCounts counts = study.Counts();
  finished_at_start_ = finished_ = counts.finished();
  running_ = counts.running;
  UpdateBest(study);
  if (mode_ == Mode::kQuiet) return;
  std::fprintf(out_, "study '%s' in %s: %lld finished, %lld running%s\n", study.name().c_str(),
               study.storage().Describe().c_str(), static_cast<long long>(finished_),
               static_cast<long long>(running_),
               target_ ? (", target " + std::to_string(*target_)).c_str() : "");
  std::fflush(out_);
}

void ProgressCallback::UpdateBest(const Study& study) {
  // Only trials finished since the last look are read, so this stays cheap at any size.
  for (FrozenTrial& t : study.storage().GetTrialsFinishedAfter(study.id(), last_seq_)) {
    last_seq_ = t.finish_seq;
    if (t.state != TrialState::kComplete) continue;
    if (!best_ || Dominates(study.directions(), t.values, best_->values)) best_ = std::move(t);
  }
}

void ProgressCallback::OnTrialStart(const Study& study, const FrozenTrial& /*trial*/) {
  ++running_;
  if (mode_ == Mode::kLive) Refresh(study, "");
}

void ProgressCallback::OnTrialEnd(const Study& study, const FrozenTrial& trial) {
  const TrialCounts counts = study.Counts();
  finished_ = counts.finished();
  running_ = counts.running;
  UpdateBest(study);
  if (mode_ == Mode::kLines) {
    std::fprintf(out_, "%s\n", TrialLine(study, trial).c_str());
    std::fflush(out_);
  } else if (mode_ == Mode::kLive) {
    if (trial.state == TrialState::kFailed) {
      // Failures get a line of their own above the live line, so their reason is not lost.
      std::fprintf(out_, "\r\033[K%s\n", TrialLine(study, trial).c_str());
      line_open_ = false;
    }
    Refresh(study, "");
  }
}

void ProgressCallback::OnWait(const Study& study, const TrialCounts& counts) {
  finished_ = counts.finished();
  running_ = counts.running;
  if (mode_ == Mode::kLive) {
    Refresh(study, "waiting for trials of other processes");
  } else if (mode_ == Mode::kLines && Clock::now() - last_draw_ > std::chrono::seconds(30)) {
    last_draw_ = Clock::now();
    std::fprintf(out_, "waiting for %lld running trials of other processes\n",
                 static_cast<long long>(counts.running));
    std::fflush(out_);
  }
}

void ProgressCallback::OnEnd(const Study& /*study*/, const OptimizeSummary& summary) {
  if (mode_ == Mode::kQuiet) return;
  if (line_open_) std::fprintf(out_, "\n");
  line_open_ = false;
  std::fprintf(out_, "%s\n", summary.BriefReport().c_str());
  std::fflush(out_);
}

std::string ProgressCallback::TrialLine(const Study& /*study*/, const FrozenTrial& trial) const {
  std::ostringstream line;
  line << "trial " << trial.number << " " << TrialStateName(trial.state);
  if (trial.state == TrialState::kComplete) line << " " << FormatShort(trial.values);
  line << " " << ParamsToJson(trial.params).dump();
  if (const auto d = trial.Duration()) line << " in " << FormatShort(*d) << "s";
  if (!trial.reason.empty() && trial.state != TrialState::kComplete) line << ": " << trial.reason;
  if (best_) line << " | best " << FormatShort(best_->values) << " (#" << best_->number << ")";
  return line.str();
}

void ProgressCallback::Refresh(const Study& /*study*/, const std::string& note) {
  const auto now = Clock::now();
  // At most ten redraws a second: fast trials must not spend their time drawing.
  if (line_open_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double done = static_cast<double>(finished_ - finished_at_start_);
  const double rate = elapsed > 0 ? done / elapsed : 0;
  std::ostringstream line;
  line << "[" << finished_;
  if (target_) line << "/" << *target_;
  line << "]";
  if (best_) line << " best " << FormatShort(best_->values) << " (#" << best_->number << ")";
  if (running_ > 0) line << " | " << running_ << " running";
  if (done > 0) line << " | " << FormatShort(rate) << " trials/s";
  if (target_ && rate > 0 && *target_ > finished_) {
    line << " | ETA " << Duration(static_cast<double>(*target_ - finished_) / rate);
  }
  if (!note.empty()) line << " | " << note;
  std::fprintf(out_, "\r\033[K%s", line.str().c_str());
  std::fflush(out_);
  line_open_ = true;
}

}  // namespace automl
