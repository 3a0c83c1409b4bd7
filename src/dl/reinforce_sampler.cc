#include "automl/dl/reinforce_sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "dl/nas/controller.h"
#include "dl/nas/decision_steps.h"
#include "dl/nas/policy_learner.h"
#include "dl/nas/single_torch_thread.h"
#include "dl/nas/untried_configurations.h"

namespace automl::dl {

namespace internal {

// What the sampler has read of a study and learned from it: a function of the study's finished
// trials in the order they finished, which keeps the sampler pure.
struct ReinforceMemo {
  std::mutex mutex;
  const Storage* storage = nullptr;
  int64_t study_id = -1;
  int64_t last_seq = 0;                    // the last finished trial read (its finish_seq)
  std::unique_ptr<PolicyLearner> learner;  // after the last full batch
  std::vector<RewardedPath> pending;       // rewarded trials not yet in a full batch
  std::set<std::string> finished_keys;     // every finished trial's configuration
};

}  // namespace internal

using internal::Controller;
using internal::PolicyLearner;
using internal::RewardedPath;

namespace {

// Draws from the controller before giving up on a new configuration. Attempt k divides the
// logits by 1 + k / kFlattenEvery: a controller that has converged on configurations already
// tried then proposes the likeliest untried ones near them, rather than none (100 draws at its own
// temperature rarely leave a converged mode) or uniform ones far away.
constexpr int kControllerAttempts = 100;
constexpr double kFlattenEvery = 20;

uint64_t ReinforceStream(const char* what) {
  return kSamplerStream ^ HashName("reinforce") ^ HashName(what);
}

// The reward of a finished trial (larger is better), or nullopt when it carries none: COMPLETE
// trials by their value, PRUNED ones by their last reported value.
std::optional<double> RewardOf(const FrozenTrial& trial, double sign) {
  double value = 0;
  if (trial.state == TrialState::kComplete && trial.values.size() == 1) {
    value = trial.values[0];
  } else if (trial.state == TrialState::kPruned) {
    const std::optional<std::vector<double>> last = trial.LastIntermediate();
    if (!last || last->empty()) return std::nullopt;
    value = (*last)[0];
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;
  return sign * value;
}

// The index that |u| in [0, 1) picks by inverse CDF from |probs| raised to 1 / |flatten|, which
// divides the logits by |flatten| (1: the controller's own distribution).
int64_t PickIndex(const std::vector<double>& probs, double flatten, double u) {
  std::vector<double> weights(probs.size());
  double total = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    weights[i] = flatten == 1.0 ? probs[i] : std::pow(probs[i], 1.0 / flatten);
    total += weights[i];
  }
  double cumulative = 0;
  size_t last_possible = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    last_possible = i;
    cumulative += weights[i];
    if (u * total < cumulative) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(last_possible);  // u * total rounded past the last mass
}

// A configuration for |trial| from |controller| with its logits divided by |flatten|, the
// trial's given values kept, drawn with |rng|.
ParamMap DrawFromController(const internal::DecisionSteps& steps, const Controller& controller,
                            const FrozenTrial& trial, double flatten, Rng& rng) {
  Controller::Walk walk = controller.Start();
  const ParamMap given = trial.has_params ? trial.params : ParamMap{};
  return steps.Walk(given, [&](size_t step, std::optional<int64_t> given_choice) {
    const std::vector<double> probs = controller.Step(walk, step);
    const int64_t choice = given_choice ? *given_choice : PickIndex(probs, flatten, rng.Uniform());
    controller.Choose(walk, step, choice);
    return choice;
  });
}

// Whether |params| hold exactly the active parameters of |space|, each a value it can take.
bool IsComplete(const SearchSpace& space, const ParamMap& params) {
  try {
    space.CheckParams(params);
    return true;
  } catch (const InvalidArgument&) {
    return false;
  }
}

ReinforceUpdate ParseUpdate(const ComponentOptions& options) {
  const std::string update = options.String("update", "reinforce");
  if (update == "reinforce") return ReinforceUpdate::kReinforce;
  if (update == "ppo") return ReinforceUpdate::kPpo;
  throw InvalidArgument(options.Describe("update") + " must be 'reinforce' or 'ppo', not '" +
                        update + "'");
}

}  // namespace

// ---- Options -----------------------------------------------------------------------------------

void ReinforceSamplerOptions::Validate() const {
  const auto fail = [](const std::string& option, const std::string& rule) {
    throw InvalidArgument("sampler 'reinforce': option '" + option + "' " + rule);
  };
  if (lr && !(*lr > 0 && std::isfinite(*lr))) fail("lr", "must be positive");
  if (batch_size < 1) fail("batch_size", "must be at least 1");
  if (!(baseline_decay >= 0 && baseline_decay < 1)) fail("baseline_decay", "must lie in [0, 1)");
  if (!(entropy_weight >= 0 && std::isfinite(entropy_weight))) {
    fail("entropy_weight", "must be at least 0");
  }
  if (hidden < 1 || hidden > 4096) fail("hidden", "must lie in [1, 4096]");
  if (layers < 1 || layers > 16) fail("layers", "must lie in [1, 16]");
  if (!(temperature > 0 && std::isfinite(temperature))) fail("temperature", "must be positive");
  if (!(tanh_constant >= 0 && std::isfinite(tanh_constant))) {
    fail("tanh_constant", "must be at least 0 (0: no clipping)");
  }
  if (ppo_epochs < 1) fail("ppo_epochs", "must be at least 1");
  if (!(ppo_clip > 0 && ppo_clip < 1)) fail("ppo_clip", "must lie in (0, 1)");
}

ReinforceSamplerOptions ReinforceSamplerOptions::FromComponentOptions(
    const ComponentOptions& options) {
  ReinforceSamplerOptions o;
  o.update = ParseUpdate(options);
  if (options.Has("lr")) o.lr = options.Double("lr", 0);
  o.batch_size = options.Int("batch_size", o.batch_size);
  o.baseline_decay = options.Double("baseline_decay", o.baseline_decay);
  o.entropy_weight = options.Double("entropy_weight", o.entropy_weight);
  o.hidden = options.Int("hidden", o.hidden);
  o.layers = options.Int("layers", o.layers);
  o.temperature = options.Double("temperature", o.temperature);
  o.tanh_constant = options.Double("tanh_constant", o.tanh_constant);
  // PPO's options would silently do nothing with REINFORCE's update: refuse them.
  for (const char* ppo_only : {"ppo_epochs", "ppo_clip"}) {
    if (options.Has(ppo_only) && o.update != ReinforceUpdate::kPpo) {
      throw InvalidArgument(options.Describe(ppo_only) + " applies to update: ppo only");
    }
  }
  o.ppo_epochs = options.Int("ppo_epochs", o.ppo_epochs);
  o.ppo_clip = options.Double("ppo_clip", o.ppo_clip);
  o.Validate();
  return o;
}

// ---- Construction ------------------------------------------------------------------------------

ReinforceSampler::ReinforceSampler(const SearchSpace& space,
                                   const std::vector<Direction>& directions, uint64_t seed,
                                   ReinforceSamplerOptions options)
    : space_(space), seed_(seed), options_(options) {
  options_.Validate();
  if (directions.size() != 1) {
    throw InvalidArgument("sampler 'reinforce' optimizes a single objective; this study has " +
                          std::to_string(directions.size()));
  }
  sign_ = directions[0] == Direction::kMaximize ? 1.0 : -1.0;
  steps_ = std::make_unique<internal::DecisionSteps>(space_);
  memo_ = std::make_unique<internal::ReinforceMemo>();
}

ReinforceSampler::~ReinforceSampler() = default;

// ---- Learning ----------------------------------------------------------------------------------

void ReinforceSampler::Sync(const Study& study) const {
  internal::ReinforceMemo& memo = *memo_;
  if (!memo.learner || memo.storage != &study.storage() || memo.study_id != study.id()) {
    memo.storage = &study.storage();
    memo.study_id = study.id();
    memo.last_seq = 0;
    memo.pending.clear();
    memo.finished_keys.clear();
    memo.learner = std::make_unique<PolicyLearner>(
        steps_->choices(), options_, DeriveSeed(seed_, 0, ReinforceStream("controller")));
  }
  for (const FrozenTrial& trial :
       study.storage().GetTrialsFinishedAfter(study.id(), memo.last_seq)) {
    memo.last_seq = std::max(memo.last_seq, trial.finish_seq);
    if (!trial.has_params) continue;
    if (std::optional<std::string> key = internal::CanonicalKey(space_, trial.params)) {
      memo.finished_keys.insert(std::move(*key));
    }
    const std::optional<double> reward = RewardOf(trial, sign_);
    if (!reward) continue;
    std::optional<std::vector<int64_t>> path = steps_->PathOf(trial.params);
    if (!path) continue;
    memo.pending.push_back(RewardedPath{std::move(*path), *reward});
    if (static_cast<int64_t>(memo.pending.size()) == options_.batch_size) {
      memo.learner->Learn(memo.pending);
      memo.pending.clear();
    }
  }
}

// ---- Sampling ----------------------------------------------------------------------------------

std::vector<std::string> ReinforceSampler::RelativeParams(const Study& /*study*/,
                                                          const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap ReinforceSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                          const std::vector<std::string>& /*names*/) const {
  // A trial given every parameter (a retry, a warm start) has nothing to draw, even when its
  // configuration was tried before.
  if (trial.has_params && IsComplete(space_, trial.params)) return trial.params;
  std::lock_guard<std::mutex> lock(memo_->mutex);
  const internal::SingleTorchThread one_thread;
  Sync(study);
  const Controller& controller = memo_->learner->controller();
  const std::set<std::string> unfinished = internal::UnfinishedKeys(study, space_, trial.number);
  const auto is_taken = [&](const std::string& key) {
    return memo_->finished_keys.count(key) != 0 || unfinished.count(key) != 0;
  };

  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), ReinforceStream("draw")));
  ParamMap first;
  for (int attempt = 0; attempt < kControllerAttempts; ++attempt) {
    const double flatten = 1 + attempt / kFlattenEvery;
    ParamMap params = DrawFromController(*steps_, controller, trial, flatten, rng);
    const std::optional<std::string> key = internal::CanonicalKey(space_, params);
    if (!key || !is_taken(*key)) return params;
    if (attempt == 0) first = std::move(params);
  }
  // The controller has concentrated on configurations already tried: look elsewhere.
  Rng uniform(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), ReinforceStream("uniform")));
  if (std::optional<ParamMap> untried =
          internal::UntriedUniform(space_, *steps_, trial, is_taken, uniform)) {
    return *untried;
  }
  return first;  // every configuration has been tried: repeating is unavoidable
}

ParamValue ReinforceSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                               const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

// ---- Inspection --------------------------------------------------------------------------------

std::map<std::string, std::vector<double>> ReinforceSampler::DecisionProbabilities(
    const Study& study, const ParamMap& params) const {
  const std::optional<std::vector<int64_t>> path = steps_->PathOf(params);
  if (!path) {
    throw InvalidArgument("sampler 'reinforce': a value of " + ParamsToJson(params).dump() +
                          " is not one its parameter can take");
  }
  std::lock_guard<std::mutex> lock(memo_->mutex);
  const internal::SingleTorchThread one_thread;
  Sync(study);
  const Controller& controller = memo_->learner->controller();
  Controller::Walk walk = controller.Start();
  std::map<std::string, std::vector<double>> probabilities;
  for (size_t step = 0; step < path->size(); ++step) {
    const int64_t choice = (*path)[step];
    if (choice == internal::kNoChoice) continue;
    probabilities.emplace(steps_->SpecOf(step).name(), controller.Step(walk, step));
    controller.Choose(walk, step, choice);
  }
  return probabilities;
}

int64_t ReinforceSampler::LearnedBatches(const Study& study) const {
  std::lock_guard<std::mutex> lock(memo_->mutex);
  const internal::SingleTorchThread one_thread;
  Sync(study);
  return memo_->learner->batches();
}

}  // namespace automl::dl
