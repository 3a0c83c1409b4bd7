#include "automl/frozen_trial.h"

#include <chrono>

#include "automl/error.h"

namespace automl {

double FrozenTrial::value() const {
  if (values.size() != 1) {
    throw FailedPrecondition("trial " + std::to_string(number) + " has " +
                             std::to_string(values.size()) + " values, not one");
  }
  return values.front();
}

std::optional<double> FrozenTrial::Duration() const {
  if (!started) return std::nullopt;
  if (finished) return *finished - *started;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return now - *started;
}

std::optional<std::vector<double>> FrozenTrial::LastIntermediate() const {
  if (intermediate.empty()) return std::nullopt;
  return intermediate.rbegin()->second;
}

}  // namespace automl
