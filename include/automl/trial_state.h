// Trial states and objective directions.
#ifndef AUTOML_TRIAL_STATE_H_
#define AUTOML_TRIAL_STATE_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace automl {

// Numbered as in Optuna, so that records read the same in both.
enum class TrialState : int {
  kRunning = 0,
  kComplete = 1,
  kPruned = 2,
  kFailed = 3,
  kWaiting = 4,  // enqueued, not yet picked up by a worker
};

// "RUNNING", "COMPLETE", "PRUNED", "FAILED", "WAITING".
const char* TrialStateName(TrialState state);
std::optional<TrialState> ParseTrialState(std::string_view name);

// Finished trials are read-only.
inline bool IsFinished(TrialState s) {
  return s == TrialState::kComplete || s == TrialState::kPruned || s == TrialState::kFailed;
}

// A set of trial states.
class StateMask {
 public:
  constexpr StateMask() = default;
  constexpr StateMask(std::initializer_list<TrialState> states) {
    for (TrialState s : states) bits_ |= Bit(s);
  }
  static constexpr StateMask All() {
    return {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFailed,
            TrialState::kWaiting};
  }
  constexpr bool Contains(TrialState s) const { return (bits_ & Bit(s)) != 0; }
  constexpr bool IsAll() const { return bits_ == All().bits_; }

 private:
  static constexpr uint32_t Bit(TrialState s) { return 1u << static_cast<int>(s); }
  uint32_t bits_ = 0;
};

// Counts of a study's trials by state.
struct TrialCounts {
  int64_t waiting = 0;
  int64_t running = 0;
  int64_t complete = 0;
  int64_t pruned = 0;
  int64_t failed = 0;

  // Finished trials in the sense of a study's target: COMPLETE or PRUNED (FAILED ones do not
  // count towards `trials: N`).
  int64_t finished() const { return complete + pruned; }
  int64_t total() const { return waiting + running + complete + pruned + failed; }
  void Add(TrialState state, int64_t n);
};

enum class Direction { kMinimize, kMaximize };

const char* DirectionName(Direction d);  // "minimize" | "maximize"
std::optional<Direction> ParseDirection(std::string_view name);

// Whether value |a| is strictly better than |b| in direction |d|.
inline bool Better(Direction d, double a, double b) {
  return d == Direction::kMinimize ? a < b : a > b;
}

// Whether values |a| dominate |b| (Pareto): no worse in any objective, better in at least one.
// All three have one entry per objective.
bool Dominates(const std::vector<Direction>& directions, const std::vector<double>& a,
               const std::vector<double>& b);

}  // namespace automl

#endif  // AUTOML_TRIAL_STATE_H_
