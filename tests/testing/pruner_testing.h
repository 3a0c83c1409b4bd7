// Helpers for the pruner tests: a study in memory with a given pruner, and trials that follow
// synthetic learning curves.
#ifndef AUTOML_TESTS_TESTING_PRUNER_TESTING_H_
#define AUTOML_TESTS_TESTING_PRUNER_TESTING_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/json.h"
#include "automl/pruner.h"
#include "automl/registry.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"

namespace automl::testing {

using Curve = std::function<double(int64_t step)>;

// curve(step) = a + b / (step + 1): decreasing towards a, so a orders the configurations (lower
// is better when minimizing) at every step.
inline Curve Hyperbolic(double a, double b = 1.0) {
  return [a, b](int64_t step) { return a + b / static_cast<double>(step + 1); };
}

inline Study PrunerStudy(std::unique_ptr<Pruner> pruner, Direction direction = Direction::kMinimize,
                         uint64_t seed = 0) {
  StudyOptions options;
  options.name = "pruner";
  options.directions = {direction};
  options.seed = seed;
  return Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), options, nullptr,
                             std::move(pruner));
}

// Runs a new trial over steps 0..last, reporting curve(step) and asking the pruner after each
// report. Returns the step at which it was pruned (the trial is then PRUNED), or -1 when it ran
// to the end (COMPLETE with curve(last)).
inline int64_t RunCurve(Study& study, const Curve& curve, int64_t last) {
  Trial trial = study.Ask();
  for (int64_t step = 0; step <= last; ++step) {
    trial.Report(step, curve(step));
    if (trial.ShouldPrune()) {
      study.Tell(trial, TrialState::kPruned);
      return step;
    }
  }
  study.Tell(trial, curve(last));
  return -1;
}

// A trial that reports curve(step) for the steps 0..last, never asks the pruner, and completes.
inline void CompleteCurve(Study& study, const Curve& curve, int64_t last) {
  Trial trial = study.Ask();
  for (int64_t step = 0; step <= last; ++step) trial.Report(step, curve(step));
  study.Tell(trial, curve(last));
}

// Each spec of |bad| is refused by the registry with InvalidArgument whose message contains its
// paired text (the option it names).
inline void ExpectEachRefused(const Components& components, const PrunerContext& context,
                              const std::vector<std::pair<Json, std::string>>& bad) {
  for (const auto& [json, name] : bad) {
    try {
      components.pruners.Create(json, context);
      ADD_FAILURE() << json.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_PRUNER_TESTING_H_
