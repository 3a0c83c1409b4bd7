#include "automl/study.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "automl/error.h"
#include "automl/format.h"
#include "automl/pruners/nop_pruner.h"
#include "automl/samplers/random_sampler.h"
#include "automl/version.h"
#include "automl/worker.h"
#include "core/storages/storage_util.h"
#include "core/study_state.h"

namespace automl {
namespace {

// The canonical form of a value the user gave for |spec| (an int given for a float parameter
// becomes a float; a choice becomes the choice itself), so that stored values have one type.
ParamValue Normalize(const ParamSpec& spec, const ParamValue& value) {
  if (spec.type() == ParamType::kFloat && !spec.step()) return ParamValue(value.AsDouble());
  return spec.ValueAt(spec.IndexOf(value));
}

std::string Plural(int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

// ---- Options ----------------------------------------------------------------------------------

bool StudyOptions::IsValid(std::string* error) const {
  if (name.empty()) {
    *error = "name: must not be empty";
    return false;
  }
  if (directions.empty()) {
    *error = "directions: at least one objective is needed";
    return false;
  }
  if (max_retries < 0) {
    *error = "max_retries: must be >= 0";
    return false;
  }
  if (!(heartbeat_timeout > 0) || !std::isfinite(heartbeat_timeout)) {
    *error = "heartbeat_timeout: must be a positive number of seconds";
    return false;
  }
  if (!config.is_object() || !system_attrs.is_object()) {
    *error = "config and system_attrs: must be JSON objects";
    return false;
  }
  return true;
}

// ---- Opening ----------------------------------------------------------------------------------

namespace {

std::shared_ptr<internal::StudyState> MakeState(std::shared_ptr<Storage> storage,
                                                StudyRecord record,
                                                std::unique_ptr<Sampler> sampler,
                                                std::unique_ptr<Pruner> pruner,
                                                const StudyOptions& options) {
  auto state = std::make_shared<internal::StudyState>();
  if (!sampler) sampler = std::make_unique<RandomSampler>(record.seed);
  if (!pruner) pruner = std::make_unique<NopPruner>();
  state->storage = std::move(storage);
  state->record = std::move(record);
  state->sampler = std::move(sampler);
  state->pruner = std::move(pruner);
  state->max_retries = options.max_retries;
  state->heartbeat_timeout = options.heartbeat_timeout;
  state->worker = CurrentWorker();
  state->heartbeats = std::make_unique<internal::HeartbeatKeeper>(
      state->storage, internal::HeartbeatKeeper::IntervalFor(options.heartbeat_timeout));
  return state;
}

void CheckCompatible(const StudyRecord& stored, const StudyOptions& options,
                     const Storage& storage) {
  const std::string where =
      "study '" + options.name + "' already exists in " + storage.Describe() + " ";
  if (stored.directions != options.directions) {
    throw InvalidArgument(where + "with other objective directions; use another study name");
  }
  if (stored.space != options.space) {
    throw InvalidArgument(where + "with another search space (" + stored.space.ToJson().dump() +
                          "); use another study name");
  }
  if (stored.seed != options.seed) {
    throw InvalidArgument(where + "with seed " + std::to_string(stored.seed) + ", not " +
                          std::to_string(options.seed) + "; a study keeps its seed");
  }
}

}  // namespace

Study Study::CreateOrLoad(std::shared_ptr<Storage> storage, const StudyOptions& options,
                          std::unique_ptr<Sampler> sampler, std::unique_ptr<Pruner> pruner) {
  if (!storage) throw InvalidArgument("no storage given");
  std::string error;
  if (!options.IsValid(&error)) throw InvalidArgument("study options: " + error);

  std::optional<StudyRecord> stored = storage->FindStudy(options.name);
  if (!stored) {
    StudyRecord record;
    record.name = options.name;
    record.directions = options.directions;
    record.space = options.space;
    record.seed = options.seed;
    record.config = options.config;
    record.system_attrs = options.system_attrs;
    record.system_attrs["automl_version"] = AUTOML_VERSION;
    try {
      storage->CreateStudy(record);
    } catch (const AlreadyExists&) {
      // Another process created it first; use theirs.
    }
    stored = storage->FindStudy(options.name);
    if (!stored) throw StorageError("study '" + options.name + "' vanished after its creation");
  }
  CheckCompatible(*stored, options, *storage);
  return Study(MakeState(std::move(storage), std::move(*stored), std::move(sampler),
                         std::move(pruner), options));
}

Study Study::Load(std::shared_ptr<Storage> storage, const std::string& name,
                  std::unique_ptr<Sampler> sampler, std::unique_ptr<Pruner> pruner) {
  if (!storage) throw InvalidArgument("no storage given");
  std::optional<StudyRecord> stored = storage->FindStudy(name);
  if (!stored) throw NotFound("no study named '" + name + "' in " + storage->Describe());
  return Study(MakeState(std::move(storage), std::move(*stored), std::move(sampler),
                         std::move(pruner), StudyOptions{}));
}

int64_t Study::id() const { return state_->record.id; }
const std::string& Study::name() const { return state_->record.name; }
const std::vector<Direction>& Study::directions() const { return state_->record.directions; }
const SearchSpace& Study::space() const { return state_->record.space; }
uint64_t Study::seed() const { return state_->record.seed; }
const Sampler& Study::sampler() const { return *state_->sampler; }
const Pruner& Study::pruner() const { return *state_->pruner; }
Storage& Study::storage() const { return *state_->storage; }
StudyRecord Study::Record() const { return state_->storage->GetStudy(id()); }

// ---- Ask --------------------------------------------------------------------------------------

namespace {

// Completes |trial|'s parameters: given (enqueued) values first, then the sampler's joint
// values, then one parameter at a time; inactive parameters are dropped.
ParamMap SampleParams(const Study& study, const FrozenTrial& trial) {
  const Sampler& sampler = study.sampler();
  const SearchSpace& space = study.space();
  const std::vector<std::string> names = sampler.RelativeParams(study, trial);
  const ParamMap relative =
      names.empty() ? ParamMap{} : sampler.SampleRelative(study, trial, names);

  ParamMap params = trial.has_params ? trial.params : ParamMap{};
  for (const ParamSpec& spec : space.params()) {
    if (!space.IsActive(spec, params)) {
      params.erase(spec.name());
      continue;
    }
    if (params.count(spec.name())) continue;
    auto it = relative.find(spec.name());
    ParamValue value =
        it != relative.end() ? it->second : sampler.SampleIndependent(study, trial, spec);
    if (!spec.Contains(value)) {
      throw InternalError("sampler '" + sampler.name() + "' proposed " + value.ToJson().dump() +
                          " for parameter '" + spec.name() + "', outside its range");
    }
    params.insert_or_assign(spec.name(), Normalize(spec, value));
  }
  return params;
}

}  // namespace

Trial Study::Ask() {
  AskResult result = TryAsk({});
  if (result.status == ClaimStatus::kExhausted) {
    throw Exhausted("study '" + name() + "': sampler '" + sampler().name() +
                    "' has proposed every point it has");
  }
  return std::move(*result.trial);
}

std::optional<ClaimRequest::Speculation> Study::Speculate() const {
  // A sampler that writes about the trial it samples needs the claimed trial's id.
  if (!state_->sampler->MaySampleAhead()) return std::nullopt;
  std::optional<internal::StudyState::FreshTrial> next;
  {
    std::lock_guard<std::mutex> lock(state_->prediction_mutex);
    if (state_->prediction_holds) next = state_->next_fresh;
  }
  if (!next) return std::nullopt;
  // The trial as the claim would create it. Samplers see the same history either way: a
  // claimed trial without parameters is not part of it.
  FrozenTrial provisional;
  provisional.number = next->number;
  provisional.sample_index = next->sample_index;
  provisional.seed = internal::TrialSeed(seed(), next->number);
  provisional.state = TrialState::kRunning;
  provisional.worker = state_->worker;
  try {
    return ClaimRequest::Speculation{next->number, next->sample_index,
                                     SampleParams(*this, provisional)};
  } catch (const Exhausted&) {
    return std::nullopt;  // the claim will say so
  }
}

void Study::LearnPrediction(const std::optional<ClaimRequest::Speculation>& speculation,
                            const ClaimResult& claim) {
  std::lock_guard<std::mutex> lock(state_->prediction_mutex);
  if (claim.status != ClaimStatus::kClaimed) return;
  if (!claim.trial.sample_index) {
    state_->next_fresh.reset();  // an enqueued trial: the next fresh number is unknown
    return;
  }
  // Would the prediction made before this claim have come true?
  const auto& predicted = state_->next_fresh;
  state_->prediction_holds = !predicted || (predicted->number == claim.trial.number &&
                                            predicted->sample_index == *claim.trial.sample_index);
  if (speculation && !claim.trial.has_params) state_->prediction_holds = false;
  state_->next_fresh =
      internal::StudyState::FreshTrial{claim.trial.number + 1, *claim.trial.sample_index + 1};
}

AskResult Study::TryAsk(const AskOptions& options) {
  ClaimRequest request;
  request.target = options.target;
  request.capacity = state_->sampler->Capacity();
  request.worker = state_->worker;
  request.speculation = Speculate();
  ClaimResult claim = state_->storage->ClaimTrial(id(), request);
  LearnPrediction(request.speculation, claim);

  AskResult result;
  result.status = claim.status;
  result.counts = claim.counts;
  if (claim.status != ClaimStatus::kClaimed) return result;

  FrozenTrial& trial = claim.trial;
  // A fresh trial that has parameters got the speculated ones: nothing is left to sample.
  const bool sampled_ahead = trial.sample_index && trial.has_params;
  try {
    if (!sampled_ahead) {
      ParamMap params = SampleParams(*this, trial);
      if (!trial.has_params || params != trial.params) {
        state_->storage->SetTrialParams(trial.id, params);
      }
      trial.params = std::move(params);
      trial.has_params = true;
    }
    // What the sampler recorded about the trial while sampling it (see MaySampleAhead).
    if (!state_->sampler->MaySampleAhead()) {
      trial.system_attrs = state_->storage->GetTrial(trial.id).system_attrs;
    }
  } catch (const std::exception& e) {
    // The trial is claimed: record why it could not be sampled rather than leave it RUNNING.
    state_->storage->FinishTrial(trial.id, TrialState::kFailed, {},
                                 std::string("sampling failed: ") + e.what());
    throw;
  }
  state_->heartbeats->Hold(trial.id);
  result.trial = Trial(state_, std::move(trial));
  return result;
}

// ---- Tell -------------------------------------------------------------------------------------

TrialState Study::Tell(Trial& trial, double value) {
  return Tell(trial, TrialOutcome::Complete({value}));
}

TrialState Study::Tell(Trial& trial, const std::vector<double>& values) {
  return Tell(trial, TrialOutcome::Complete(values));
}

TrialState Study::Tell(Trial& trial, TrialState state, const std::string& reason) {
  if (state != TrialState::kPruned && state != TrialState::kFailed) {
    throw InvalidArgument(std::string("Tell(trial, state) takes PRUNED or FAILED, not ") +
                          TrialStateName(state) + "; give values to complete a trial");
  }
  return Tell(trial, TrialOutcome{state, {}, reason});
}

TrialState Study::Tell(Trial& trial, const TrialOutcome& outcome) {
  if (trial.study_ != state_) {
    throw InvalidArgument("trial " + std::to_string(trial.number()) + " belongs to another study");
  }
  if (trial.finished()) {
    throw FailedPrecondition("trial " + std::to_string(trial.number()) + " was already told");
  }
  TrialState state = outcome.state;
  std::string reason = outcome.reason;
  if (state == TrialState::kComplete) {
    if (outcome.values.size() != directions().size()) {
      state = TrialState::kFailed;
      reason = "the objective gave " +
               Plural(static_cast<int64_t>(outcome.values.size()), "value") + "; the study has " +
               Plural(static_cast<int64_t>(directions().size()), "objective");
    } else {
      for (double v : outcome.values) {
        if (!std::isfinite(v)) {
          state = TrialState::kFailed;
          reason = "the objective value is " + ParamValue(v).ToText();
          break;
        }
      }
    }
  } else if (state == TrialState::kRunning || state == TrialState::kWaiting) {
    throw InvalidArgument(std::string("a trial cannot be told ") + TrialStateName(state));
  }
  if (state == TrialState::kFailed && reason.empty()) reason = "failed";
  if (state == TrialState::kPruned && reason.empty()) reason = "pruned";
  state_->heartbeats->Release(trial.id());
  state_->storage->FinishTrial(
      trial.id(), state, state == TrialState::kComplete ? outcome.values : std::vector<double>{},
      reason);
  trial.finished_ = true;
  trial.record_.state = state;
  trial.record_.reason = reason;
  if (state == TrialState::kComplete) trial.record_.values = outcome.values;
  return state;
}

int64_t Study::Enqueue(const ParamMap& params, const Json& user_attrs) {
  space().CheckParams(params, /*allow_missing=*/true);
  ParamMap normalized;
  for (const auto& [name, value] : params) {
    normalized.emplace(name, Normalize(space().Get(name), value));
  }
  return state_->storage->EnqueueTrial(id(), normalized, user_attrs, std::nullopt);
}

// ---- Reading ----------------------------------------------------------------------------------

std::vector<FrozenTrial> Study::Trials(StateMask states) const {
  return state_->storage->GetTrials(id(), states);
}

FrozenTrial Study::GetTrial(int64_t number) const {
  return state_->storage->GetTrialByNumber(id(), number);
}

TrialCounts Study::Counts() const { return state_->storage->CountTrials(id()); }

std::optional<FrozenTrial> Study::BestTrial() const {
  if (is_multi_objective()) {
    throw FailedPrecondition("study '" + name() +
                             "' has several objectives: it has a Pareto front, not one best trial");
  }
  const Direction direction = directions().front();
  std::optional<FrozenTrial> best;
  for (FrozenTrial& t : Trials({TrialState::kComplete})) {
    if (!best || Better(direction, t.value(), best->value())) best = std::move(t);
  }
  return best;
}

std::vector<FrozenTrial> Study::ParetoFront() const {
  std::vector<FrozenTrial> complete = Trials({TrialState::kComplete});
  std::vector<FrozenTrial> front;
  for (const FrozenTrial& t : complete) {
    const bool dominated = std::any_of(complete.begin(), complete.end(), [&](const FrozenTrial& o) {
      return Dominates(directions(), o.values, t.values);
    });
    if (!dominated) front.push_back(t);
  }
  return front;
}

void Study::SetUserAttr(const std::string& key, const Json& value) {
  state_->storage->SetStudyUserAttr(id(), key, value);
}

void Study::SetSystemAttr(const std::string& key, const Json& value) {
  state_->storage->SetStudySystemAttr(id(), key, value);
}

namespace {

// Why |t| counts as lost, or nothing while its worker may still be at it. |now| and the
// heartbeat are seconds since the epoch on the workers' clocks.
std::optional<std::string> LossReason(const FrozenTrial& t, double now, double timeout) {
  const std::string process = "process " + std::to_string(t.worker.pid) + " on " + t.worker.host;
  if (CheckLiveness(t.worker) == Liveness::kDead) return process + " ended while the trial ran";
  const std::optional<double> last = t.heartbeat ? t.heartbeat : t.started;
  if (last && now - *last > timeout) {
    return "no heartbeat from " + process + " for " + std::to_string(std::lround(now - *last)) +
           " s (heartbeat_timeout " + FormatShort(timeout) + " s)";
  }
  return std::nullopt;
}

}  // namespace

int64_t Study::FailLostTrials() {
  int64_t failed = 0;
  const double now = internal::Now();
  for (const FrozenTrial& t : Trials({TrialState::kRunning})) {
    if (t.worker.token == state_->worker.token) continue;  // ours
    const std::optional<std::string> why = LossReason(t, now, state_->heartbeat_timeout);
    if (!why) continue;
    // How many re-runs came before this one.
    int64_t depth = 0;
    for (std::optional<int64_t> of = t.retry_of; of && depth <= state_->max_retries; ++depth) {
      of = GetTrial(*of).retry_of;
    }
    const bool requeue = depth < state_->max_retries;
    const std::string reason = "worker lost: " + *why + (requeue ? " (re-queued)" : "");
    if (state_->storage->FailLostTrial(t.id, reason, requeue)) ++failed;
  }
  return failed;
}

}  // namespace automl
