// Runs that evaluate a fixed list of K architectures in a study, one trial each (proxy-rank,
// supernet-rank): the architectures are sampled once, queued, evaluated in order, and a run that
// was stopped resumes with the ones not settled yet.
#ifndef AUTOML_SRC_CLI_ARCHITECTURE_RUNS_H_
#define AUTOML_SRC_CLI_ARCHITECTURE_RUNS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/optimize.h"
#include "automl/param_value.h"
#include "automl/search_space.h"
#include "automl/study.h"
#include "automl/trial.h"

namespace automl::cli {

// The user attribute that ties a trial to its architecture (0 .. K-1); re-runs keep it.
inline constexpr const char* kArchitectureAttr = "architecture";

std::optional<int64_t> ArchitectureOf(const FrozenTrial& t);

// Whether |t| settles its architecture: finished, unless it was stopped from outside (a signal,
// a lost process), which the next run evaluates again.
bool Settles(const FrozenTrial& t);

// K parameter sets from the random sampler, seeded: the same for every run with this seed.
std::vector<ParamMap> SampleArchitectures(const SearchSpace& space, uint64_t seed, int64_t k);

// Queues the architectures |study| has not settled yet and evaluates them in order, until done
// or |interrupted|; one line per trial on stderr, "[label] architecture i/K (trial n): ...", and
// first "[label] S of K architectures already <verb>" when some were settled before.
// Throws FailedPrecondition when the study holds an architecture with other parameters.
void EvaluateArchitectures(Study& study, const std::vector<ParamMap>& sampled,
                           const std::string& label, const std::string& verb,
                           const std::function<TrialOutcome(Trial&)>& evaluate,
                           const std::atomic<bool>& interrupted);

// What a study gave for each architecture: its latest COMPLETE value (nullopt: none), how many
// failed, and the mean duration of the COMPLETE trials (NaN: none).
struct ArchitectureValues {
  std::vector<std::optional<double>> values;
  int64_t failed = 0;
  double seconds = 0;
};
ArchitectureValues CollectArchitectures(const Study& study, int64_t k);

// Writes |json| (indented) to |path| for a command's --json; throws InvalidArgument when the file
// cannot be opened, StorageError when writing fails.
void WriteJsonFile(const std::string& path, const Json& json);

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_ARCHITECTURE_RUNS_H_
