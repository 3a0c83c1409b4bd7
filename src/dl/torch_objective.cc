#include "automl/dl/torch_objective.h"

#include <filesystem>
#include <optional>

#include "automl/dl/model_file.h"
#include "automl/dl/trainer.h"
#include "automl/error.h"
#include "automl/samplers/econas_sampler.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "automl/substitution.h"

namespace automl::dl {
namespace {

// Keys of the objective that are not part of the training config.
constexpr const char* kKeepModels = "keep_models";
constexpr const char* kModelsDir = "models_dir";
constexpr const char* kMaxParams = "max_params";
// Where a network trained in chunks left its checkpoint (a trial system attribute).
constexpr const char* kCheckpoint = "checkpoint";

// Every string in |json| may hold placeholders; each must name a parameter of |space|.
void CheckAllPlaceholders(const Json& json, const SearchSpace& space, const std::string& where) {
  if (json.is_string()) {
    CheckPlaceholders(json.get<std::string>(), space, where);
  } else if (json.is_array()) {
    for (size_t i = 0; i < json.size(); ++i) {
      CheckAllPlaceholders(json[i], space, where + "[" + std::to_string(i) + "]");
    }
  } else if (json.is_object()) {
    for (const auto& [key, value] : json.items()) {
      CheckAllPlaceholders(value, space, where + "." + key);
    }
  }
}

// Parameters with a value in the middle of each range, active ones only: enough to read the
// config once before any trial runs, so that a typo fails the study at once, not every trial.
ParamMap MiddleOfTheSpace(const SearchSpace& space) {
  ParamMap params;
  for (const ParamSpec& spec : space.params()) {
    if (space.IsActive(spec, params)) params.emplace(spec.name(), spec.FromUnit(0.5));
  }
  return params;
}

// Reports each epoch's metric to the trial at step = epochs completed (1, 2, ...), the resource
// spent so far, so that `max_resource: 9` means nine epochs; stops training when the pruner says
// so.
class ReportToTrial : public TrainCallback {
 public:
  ReportToTrial(Trial& trial, const std::atomic<bool>* stop_flag)
      : trial_(trial), stop_flag_(stop_flag) {}
  bool Interrupted() const override { return stop_flag_ && stop_flag_->load(); }
  bool OnEpoch(const EpochMetrics& m) override {
    trial_.Report(m.epoch + 1, m.metric);
    if (!trial_.ShouldPrune()) return true;
    pruned_at_ = m.epoch + 1;
    return false;
  }
  int64_t pruned_at() const { return pruned_at_; }

 private:
  Trial& trial_;
  const std::atomic<bool>* stop_flag_;
  int64_t pruned_at_ = -1;
};

// The input shape of the full setting: the proxy's data with the full setting's resolution.
std::vector<int64_t> FullInputShape(const TrainConfig& full, const DataSplits& proxy_data) {
  std::vector<int64_t> shape(proxy_data.train.inputs.sizes().begin() + 1,
                             proxy_data.train.inputs.sizes().end());
  if (full.task == "fashion-mnist" && shape.size() == 3) {
    shape[1] = shape[2] = full.data.resolution.value_or(kFashionMnistSide);
  }
  return shape;
}

// The epoch where a network's chunk ends: every chunk needs an epoch of its own.
int64_t ChunkEnd(const EcoNasDirective& d, int64_t epochs) {
  if (epochs < d.levels) {
    throw InvalidArgument("econas trains each network in " + std::to_string(d.levels) +
                          " chunks, but the training has only " + std::to_string(epochs) +
                          " epochs");
  }
  return d.EndEpoch(epochs);
}

// Whether |value| is at least as good as every COMPLETE trial of the study so far.
bool IsBestSoFar(const Study& study, double value) {
  const Direction d = study.directions().front();
  for (const FrozenTrial& t : study.Trials({TrialState::kComplete})) {
    if (Better(d, t.value(), value)) return false;
  }
  return true;
}

}  // namespace

TorchObjective::TorchObjective(const Json& objective, const SearchSpace& space,
                               const std::vector<Direction>& directions)
    : space_(space) {
  if (!objective.is_object()) throw InvalidArgument("objective: must be a mapping");
  template_ = objective;
  if (template_.contains(kKeepModels)) {
    const Json& keep = template_.at(kKeepModels);
    if (keep != "best" && keep != "all" && keep != "none") {
      throw InvalidArgument("objective: keep_models must be best, all or none");
    }
    keep_models_ = keep.get<std::string>();
    template_.erase(kKeepModels);
  }
  if (template_.contains(kModelsDir)) {
    if (!template_.at(kModelsDir).is_string())
      throw InvalidArgument("objective: models_dir must be a path");
    models_dir_ = template_.at(kModelsDir).get<std::string>();
    template_.erase(kModelsDir);
  }
  if (template_.contains(kMaxParams)) {
    const Json& cap = template_.at(kMaxParams);
    if (!cap.is_number_integer() || cap.get<int64_t>() < 1) {
      throw InvalidArgument("objective: max_params must be a positive integer, not " + cap.dump());
    }
    max_params_ = cap.get<int64_t>();
    template_.erase(kMaxParams);
  }
  CheckAllPlaceholders(template_, space, "objective");
  const ParamMap middle = MiddleOfTheSpace(space);
  const TrainConfig probe = TrainConfig::FromJson(
      SubstituteJson(template_, middle, space.StructuredValues(middle)), "objective");
  probe.AtProxy();  // a proxy that cannot apply fails the study now, not every trial
  if (directions.size() != 1) {
    throw InvalidArgument("objective: in-process training gives one value (" + probe.metric +
                          "); the study has " + std::to_string(directions.size()) + " objectives");
  }
  const Direction wanted = probe.maximize() ? Direction::kMaximize : Direction::kMinimize;
  if (directions.front() != wanted) {
    throw InvalidArgument(std::string("objective: the metric ") + probe.metric + " is to be " +
                          (probe.maximize() ? "maximized" : "minimized") +
                          "; set `direction: " + DirectionName(wanted) + "`");
  }
}

const DataSplits& TorchObjective::Data(const std::string& task, const DataOptions& options) {
  const std::string key = task + " " + options.ToJson().dump();
  std::lock_guard<std::mutex> lock(data_mutex_);
  auto it = data_cache_.find(key);
  if (it == data_cache_.end()) {
    it = data_cache_.emplace(key, std::make_unique<DataSplits>(LoadData(task, options))).first;
  }
  return *it->second;
}

TrialOutcome TorchObjective::Run(Trial& trial) {
  const Study study = trial.study();
  std::optional<EcoNasDirective> chunk;
  std::string parent_checkpoint;
  Json json = SubstituteJson(template_, trial.params(), space_.StructuredValues(trial.params()));
  try {
    // Read from the storage rather than the trial's record, which holds what was known at the
    // claim.
    const FrozenTrial stored = study.storage().GetTrial(trial.id());
    if (stored.system_attrs.contains(kEcoNasAttr)) {
      chunk = EcoNasDirective::Of(stored);
      if (!chunk) {
        return TrialOutcome::Failed("the trial's econas directive is malformed: " +
                                    stored.system_attrs.at(kEcoNasAttr).dump());
      }
    }
    if (chunk && chunk->continues) {
      const FrozenTrial parent = study.storage().GetTrialByNumber(study.id(), *chunk->continues);
      if (!parent.system_attrs.contains(kCheckpoint)) {
        return TrialOutcome::Failed("trial " + std::to_string(*chunk->continues) +
                                    ", which this trial continues, left no checkpoint");
      }
      parent_checkpoint = parent.system_attrs.at(kCheckpoint).get<std::string>();
      // A continued network keeps the seed it started with: its batches, augmentation and
      // dropout go on as one run's would.
      if (!json.contains("seed")) json["seed"] = Trainer::CheckpointConfig(parent_checkpoint).seed;
    }
  } catch (const InvalidArgument& e) {
    return TrialOutcome::Failed(e.what());
  }
  // The trial's seed drives the training unless the config fixes one (DESIGN: Seeds).
  if (!json.contains("seed")) json["seed"] = trial.seed();
  TrainConfig full, config;
  try {
    full = TrainConfig::FromJson(json, "objective");
    // The full setting (with its proxy) is what `automl train` retrains; the proxy is what a
    // search trains (DESIGN: Training settings).
    trial.SetSystemAttr("training_config", full.ToJson());
    config = full.AtProxy();
    if (full.proxy) trial.SetSystemAttr("proxy_config", config.ToJson());
  } catch (const InvalidArgument& e) {
    return TrialOutcome::Failed(e.what());
  }

  const DataSplits& data = Data(config.task, config.data);
  // The parameter budget binds the network that is retrained in the end: the full setting's.
  try {
    const int64_t full_params =
        Summarize(full.model, FullInputShape(full, data), data.train.classes).params;
    trial.SetSystemAttr("full_params", full_params);
    if (max_params_ && full_params > *max_params_) {
      return TrialOutcome::Failed("the network has " + std::to_string(full_params) +
                                  " parameters at the full setting, above max_params " +
                                  std::to_string(*max_params_));
    }
  } catch (const InvalidArgument& e) {
    return TrialOutcome::Failed(e.what());
  }
  Trainer trainer(config, data);
  std::optional<int64_t> until_epoch;
  try {
    if (!parent_checkpoint.empty()) trainer.LoadCheckpoint(parent_checkpoint);
    if (chunk) {
      until_epoch = ChunkEnd(*chunk, trainer.total_epochs());
      if (trainer.epochs_done() != chunk->FirstEpoch(trainer.total_epochs())) {
        return TrialOutcome::Failed(
            "the checkpoint of trial " + std::to_string(chunk->continues.value_or(-1)) +
            " ends at epoch " + std::to_string(trainer.epochs_done()) + ", this chunk starts at " +
            std::to_string(chunk->FirstEpoch(trainer.total_epochs())));
      }
    }
  } catch (const Error& e) {
    return TrialOutcome::Failed(e.what());
  }
  ReportToTrial report(trial, stop_flag_);
  TrainResult result;
  try {
    result = trainer.Train(&report, until_epoch);
  } catch (const TrainingDiverged& e) {
    return TrialOutcome::Failed(e.what());
  }
  trial.SetSystemAttr("training", result.ToJson());
  if (result.interrupted) return TrialOutcome::Failed("interrupted");
  if (result.stopped_early) {
    return TrialOutcome::Pruned("pruned after epoch " + std::to_string(report.pruned_at()));
  }
  const double value = config.maximize() ? result.val_accuracy : result.val_loss;

  const std::filesystem::path dir = std::filesystem::absolute(models_dir_) / trial.study_name();
  if (chunk && chunk->level < chunk->levels) {
    // A later trial may continue this network.
    std::filesystem::create_directories(dir / "checkpoints");
    const std::string path =
        (dir / "checkpoints" / ("trial-" + std::to_string(trial.number()) + ".ckpt")).string();
    trainer.SaveCheckpoint(path);
    trial.SetSystemAttr(kCheckpoint, path);
  }
  const bool keep = keep_models_ == "all" || (keep_models_ == "best" && IsBestSoFar(study, value));
  if (keep) {
    std::filesystem::create_directories(dir);
    const std::string path = (dir / ("trial-" + std::to_string(trial.number()) + ".pt")).string();
    SaveModelFile(path, config, trainer.net(), data, result.ToJson());
    trial.SetSystemAttr("model_file", path);
  }
  return TrialOutcome::Complete({value});
}

}  // namespace automl::dl
