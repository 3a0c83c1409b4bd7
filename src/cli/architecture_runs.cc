#include "cli/architecture_runs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/format.h"
#include "automl/storage.h"

namespace automl::cli {

std::optional<int64_t> ArchitectureOf(const FrozenTrial& t) {
  const Json& a =
      t.user_attrs.contains(kArchitectureAttr) ? t.user_attrs.at(kArchitectureAttr) : Json();
  if (!a.is_number_integer()) return std::nullopt;
  return a.get<int64_t>();
}

bool Settles(const FrozenTrial& t) {
  if (t.state == TrialState::kComplete || t.state == TrialState::kPruned) return true;
  if (t.state != TrialState::kFailed) return false;
  return t.reason != "interrupted" && t.reason.rfind("worker lost", 0) != 0;
}

std::vector<ParamMap> SampleArchitectures(const SearchSpace& space, uint64_t seed, int64_t k) {
  StudyOptions options;
  options.name = "architectures";
  options.space = space;
  options.seed = seed;
  Study sampler = Study::CreateOrLoad(OpenStorage("memory"), options);
  std::vector<ParamMap> params;
  for (int64_t i = 0; i < k; ++i) {
    Trial trial = sampler.Ask();
    params.push_back(trial.params());
    sampler.Tell(trial, 0.0);
  }
  return params;
}

void EvaluateArchitectures(Study& study, const std::vector<ParamMap>& sampled,
                           const std::string& label, const std::string& verb,
                           const std::function<TrialOutcome(Trial&)>& evaluate,
                           const std::atomic<bool>& interrupted) {
  study.FailLostTrials();  // a killed run's RUNNING trials: FAILED and queued again
  const auto k = static_cast<int64_t>(sampled.size());
  std::vector<bool> settled(sampled.size(), false), queued(sampled.size(), false);
  const SearchSpace& space = study.space();
  for (const FrozenTrial& t : study.Trials()) {
    const std::optional<int64_t> a = ArchitectureOf(t);
    if (!a || *a < 0 || *a >= k) continue;
    if (t.has_params && space.CanonicalParams(t.params) != space.CanonicalParams(sampled[*a])) {
      throw FailedPrecondition(
          "study '" + study.name() + "' holds architecture " + std::to_string(*a) +
          " with other parameters (were space or seed changed?); choose another name or "
          "storage");
    }
    if (Settles(t)) settled[*a] = true;
    if (t.state == TrialState::kWaiting) queued[*a] = true;
  }
  for (int64_t a = 0; a < k; ++a) {
    if (!settled[a] && !queued[a]) study.Enqueue(sampled[a], {{kArchitectureAttr, a}});
  }
  const int64_t already = std::count(settled.begin(), settled.end(), true);
  if (already > 0) {
    std::fprintf(stderr, "[%s] %lld of %lld architectures already %s\n", label.c_str(),
                 static_cast<long long>(already), static_cast<long long>(k), verb.c_str());
  }
  while (!interrupted.load() && study.Counts().waiting > 0) {
    Trial trial = study.Ask();
    TrialOutcome outcome;
    try {
      outcome = evaluate(trial);
    } catch (const std::exception& e) {
      outcome = TrialOutcome::Failed(e.what());
    }
    if (!trial.finished()) study.Tell(trial, outcome);
    const FrozenTrial done = study.GetTrial(trial.number());
    const int64_t shown = ArchitectureOf(done).value_or(-1) + 1;  // 1-based; 0 if unknown
    const std::string result = done.state == TrialState::kComplete
                                   ? "value " + FormatShort(done.value())
                                   : std::string(TrialStateName(done.state)) + ": " + done.reason;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", done.Duration().value_or(0));
    std::fprintf(stderr, "[%s] architecture %lld/%lld (trial %lld): %s in %s s\n", label.c_str(),
                 static_cast<long long>(shown), static_cast<long long>(k),
                 static_cast<long long>(done.number), result.c_str(), seconds);
  }
}

ArchitectureValues CollectArchitectures(const Study& study, int64_t k) {
  ArchitectureValues out;
  out.values.assign(static_cast<size_t>(k), std::nullopt);
  std::vector<double> durations(static_cast<size_t>(k), -1);
  std::vector<bool> failed(static_cast<size_t>(k), false);
  for (const FrozenTrial& t : study.Trials()) {
    const std::optional<int64_t> a = ArchitectureOf(t);
    if (!a || *a < 0 || *a >= k) continue;
    const auto i = static_cast<size_t>(*a);
    if (t.state == TrialState::kComplete) {
      out.values[i] = t.value();
      durations[i] = t.Duration().value_or(0);
    } else if (t.state == TrialState::kFailed || t.state == TrialState::kPruned) {
      failed[i] = true;
    }
  }
  double total = 0;
  int64_t complete = 0;
  for (size_t i = 0; i < out.values.size(); ++i) {
    if (out.values[i]) {
      total += durations[i];
      ++complete;
    } else if (failed[i]) {
      ++out.failed;
    }
  }
  out.seconds = complete > 0 ? total / static_cast<double>(complete) : std::nan("");
  return out;
}

void WriteJsonFile(const std::string& path, const Json& json) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw InvalidArgument("cannot write '" + path + "'");
  file << json.dump(2) << "\n";
  if (!file.flush()) throw StorageError("writing '" + path + "' failed");
}

}  // namespace automl::cli
