// StudyConfig: a study as a config file describes it (the keys of `automl run CONFIG`):
//
//   study: branin
//   direction: minimize            # or directions: [minimize, maximize]
//   trials: 100                    # target of finished trials over all processes
//   seed: 0
//   sampler: random                # or {name: grid, resolution: 5}
//   pruner: none
//   max_failures: 10               # stop a run after this many failed trials
//   stop_after: 30                 # optional: stop when the best has not improved for 30 trials
//   max_retries: 2                 # re-runs of a trial whose worker was lost
//   heartbeat_timeout: 60          # seconds without a heartbeat after which a trial is lost
//   storage: sqlite:///automl.db   # optional; the CLI's --storage wins
//   space: {x: {type: float, low: -5, high: 10}, ...}
//   objective: {command: [...], timeout: 600}
//
// Unknown keys are refused, with a suggestion when a known key is close.
#ifndef AUTOML_STUDY_CONFIG_H_
#define AUTOML_STUDY_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/optimize.h"
#include "automl/registry.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/study.h"

namespace automl {

struct StudyConfig {
  std::string study;
  std::vector<Direction> directions{Direction::kMinimize};
  std::optional<int64_t> trials;
  uint64_t seed = 0;
  Json sampler = "random";
  Json pruner = "none";
  int64_t max_failures = 10;
  std::optional<int64_t> stop_after;
  int64_t max_retries = 2;
  double heartbeat_timeout = 60;
  std::optional<std::string> storage;
  SearchSpace space;
  Json objective;             // interpreted by the objective's runner (command, torch task)
  Json raw = Json::object();  // the whole config as read, with overrides applied

  // Throws InvalidArgument naming |source| and the offending key.
  static StudyConfig FromJson(const Json& json, const std::string& source = "config");
  static StudyConfig FromFile(const std::string& path);

  StudyOptions ToStudyOptions() const;
  OptimizeOptions ToOptimizeOptions() const;
};

// Builds the sampler and pruner |config| names from |components| and opens the study in
// |storage|, creating it (with |system_attrs|, such as the environment) when needed.
Study OpenStudy(const StudyConfig& config, std::shared_ptr<Storage> storage,
                const Components& components, const Json& system_attrs = Json::object());

}  // namespace automl

#endif  // AUTOML_STUDY_CONFIG_H_
