#include "automl/trial_state.h"

namespace automl {

const char* TrialStateName(TrialState state) {
  switch (state) {
    case TrialState::kRunning:
      return "RUNNING";
    case TrialState::kComplete:
      return "COMPLETE";
    case TrialState::kPruned:
      return "PRUNED";
    case TrialState::kFailed:
      return "FAILED";
    case TrialState::kWaiting:
      return "WAITING";
  }
  return "?";
}

std::optional<TrialState> ParseTrialState(std::string_view name) {
  for (TrialState s : {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned,
                       TrialState::kFailed, TrialState::kWaiting}) {
    if (name == TrialStateName(s)) return s;
  }
  return std::nullopt;
}

void TrialCounts::Add(TrialState state, int64_t n) {
  switch (state) {
    case TrialState::kWaiting:
      waiting += n;
      break;
    case TrialState::kRunning:
      running += n;
      break;
    case TrialState::kComplete:
      complete += n;
      break;
    case TrialState::kPruned:
      pruned += n;
      break;
    case TrialState::kFailed:
      failed += n;
      break;
  }
}

const char* DirectionName(Direction d) {
  return d == Direction::kMinimize ? "minimize" : "maximize";
}

bool Dominates(const std::vector<Direction>& directions, const std::vector<double>& a,
               const std::vector<double>& b) {
  bool better = false;
  for (size_t i = 0; i < directions.size(); ++i) {
    if (Better(directions[i], b[i], a[i])) return false;
    better |= Better(directions[i], a[i], b[i]);
  }
  return better;
}

std::optional<Direction> ParseDirection(std::string_view name) {
  if (name == "minimize") return Direction::kMinimize;
  if (name == "maximize") return Direction::kMaximize;
  return std::nullopt;
}

}  // namespace automl
