// automl train CONFIG, automl model export STUDY, automl model evaluate FILE: LibTorch training
// from the command line. Without LibTorch (AUTOML_WITH_TORCH=OFF) the commands exist and say so.
#include <cstdio>
#include <filesystem>
#include <string>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/format.h"
#include "automl/study.h"
#include "cli/command.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/model_file.h"
#include "automl/dl/trainer.h"
#endif

namespace automl::cli {
namespace {

#ifdef AUTOML_HAVE_TORCH

// Prints one line per epoch on stderr ("epoch 3/10", or "epoch 3" under a step budget, where the
// number of epochs is not known in advance: |epochs| is 0 then).
class EpochPrinter : public dl::TrainCallback {
 public:
  explicit EpochPrinter(int64_t epochs) : epochs_(epochs) {}
  bool OnEpoch(const dl::EpochMetrics& m) override {
    std::string epoch = std::to_string(m.epoch + 1);
    if (epochs_ > 0) epoch += "/" + std::to_string(epochs_);
    std::fprintf(stderr, "epoch %s: train loss %s acc %s | val loss %s acc %s | lr %s | %s s\n",
                 epoch.c_str(), FormatShort(m.train_loss).c_str(),
                 FormatShort(m.train_accuracy).c_str(), FormatShort(m.val_loss).c_str(),
                 FormatShort(m.val_accuracy).c_str(), FormatShort(m.lr).c_str(),
                 FormatShort(m.seconds).c_str());
    return true;
  }

 private:
  int64_t epochs_;
};

void PrintResult(const dl::TrainResult& r) {
  std::printf("val_accuracy    %s (best epoch %lld of %lld)\n", FormatShort(r.val_accuracy).c_str(),
              static_cast<long long>(r.best_epoch) + 1, static_cast<long long>(r.epochs_run));
  std::printf("test_accuracy   %s\n", FormatShort(r.test_accuracy).c_str());
  std::printf("params          %lld\n", static_cast<long long>(r.params));
  std::printf("flops           %lld multiply-adds per example\n", static_cast<long long>(r.flops));
  std::printf("images_per_sec  %s (device %s)\n", FormatShort(r.images_per_sec).c_str(),
              r.device.c_str());
  std::printf("seconds         %s (training steps %s, batches %s)\n",
              FormatShort(r.seconds).c_str(), FormatShort(r.train_seconds).c_str(),
              FormatShort(r.data_seconds).c_str());
  std::printf("peak_memory     %s MiB\n",
              FormatShort(static_cast<double>(r.peak_memory_bytes) / 1048576.0).c_str());
}

#else

[[noreturn]] void NotBuilt() { RunWithTorch(); }

#endif

class TrainCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("train", "Train one model from a training config");
    cmd->add_option("config", config_path_, "Training config (YAML or JSON)")->required();
    cmd->add_flag("--json", json_, "Print the result as one JSON object");
    cmd->add_option("--out,-o", out_, "Write the trained model to this file");
    auto* epochs = cmd->add_option("--epochs", epochs_, "Override the config's budget with epochs")
                       ->check(CLI::PositiveNumber);
    cmd->add_option("--steps", steps_, "Override the config's budget with optimizer steps")
        ->check(CLI::PositiveNumber)
        ->excludes(epochs);
    cmd->add_option("--seed", seed_, "Override the config's seed")->check(CLI::NonNegativeNumber);
    cmd->add_option("--threads", threads_, "Override the config's threads")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--device", device_, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    cmd->add_option("--data", data_path_, "Where the data are (overrides data.path)");
    cmd->add_flag("--proxy", proxy_,
                  "Train the config's proxy setting (default: the full setting)");
    return cmd;
  }

  int Execute() override {
#ifdef AUTOML_HAVE_TORCH
    Json raw = ReadConfigFile(config_path_);
    if (!raw.is_object()) throw InvalidArgument(config_path_ + ": a config must be a mapping");
    if (epochs_) {
      raw.erase("steps");
      raw["epochs"] = *epochs_;
    }
    if (steps_) {
      raw.erase("epochs");
      raw["steps"] = *steps_;
    }
    if (seed_) raw["seed"] = *seed_;
    if (threads_) raw["threads"] = *threads_;
    if (device_) raw["device"] = *device_;
    if (data_path_) {
      if (!raw.contains("data")) raw["data"] = Json::object();
      raw["data"]["path"] = *data_path_;
    }
    const dl::TrainConfig given = dl::TrainConfig::FromJson(raw, config_path_);
    if (proxy_ && !given.proxy) {
      throw InvalidArgument(config_path_ + ": --proxy needs a `proxy:` setting in the config");
    }
    if (given.proxy && !proxy_) {
      std::fprintf(stderr,
                   "training the full setting (the config's proxy is what a search "
                   "trains; --proxy trains it)\n");
    }
    dl::TrainConfig config = given;
    config.proxy.reset();
    if (proxy_) {
      config = given.AtProxy();
      // --epochs and --steps override the proxy's budget too.
      if (epochs_) config.epochs = *epochs_;
      if (epochs_ || steps_) config.steps = steps_;
    }
    const dl::DataSplits data = dl::LoadData(config.task, config.data);
    std::fprintf(stderr, "%s\n", data.description.c_str());
    dl::Trainer trainer(config, data);
    std::fprintf(stderr, "%s", trainer.net()->summary().ToString().c_str());
    EpochPrinter printer(config.steps ? 0 : config.epochs);
    dl::TrainResult result;
    try {
      result = trainer.Train(&printer);
    } catch (const dl::TrainingDiverged& e) {
      throw FailedPrecondition(e.what());
    }
    if (!out_.empty()) {
      dl::SaveModelFile(out_, config, trainer.net(), data, result.ToJson());
      std::fprintf(stderr, "model written to %s\n", out_.c_str());
    }
    if (json_) {
      Json j = result.ToJson();
      j["config"] = config.ToJson();
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      PrintResult(result);
    }
    return kExitSuccess;
#else
    NotBuilt();
#endif
  }

 private:
  std::string config_path_;
  bool json_ = false;
  std::string out_;
  std::optional<int64_t> epochs_;
  bool proxy_ = false;
  std::optional<int64_t> steps_;
  std::optional<int64_t> seed_;
  std::optional<int64_t> threads_;
  std::optional<std::string> device_;
  std::optional<std::string> data_path_;
};

class ModelCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("model", "Export and evaluate trained models");
    cmd->require_subcommand(1);
    export_ = cmd->add_subcommand("export", "Write a trial's trained model to one file");
    export_->add_option("study", study_, "Study name")->required();
    export_->add_option("--trial", trial_, "Trial number (default: the best trial)");
    export_->add_option("--out,-o", out_, "The model file to write")->required();
    AddStorageOption(export_, &storage_);
    evaluate_ =
        cmd->add_subcommand("evaluate", "Rebuild a model file and report its test accuracy");
    evaluate_->add_option("file", file_, "A model file (from `automl train --out` or export)")
        ->required();
    evaluate_->add_flag("--json", json_, "Print JSON");
    evaluate_->add_option("--data", data_path_, "Where the data are (overrides the file's)");
    return cmd;
  }

  int Execute() override { return export_->parsed() ? Export() : EvaluateFile(); }

 private:
  int Export() const {
    const Study study = Study::Load(OpenCliStorage(storage_), study_);
    FrozenTrial trial;
    if (trial_) {
      trial = study.GetTrial(*trial_);
    } else if (auto best = study.BestTrial()) {
      trial = *best;
    } else {
      throw NotFound("study '" + study.name() + "' has no complete trial");
    }
    if (!trial.system_attrs.contains("model_file")) {
      throw NotFound("trial " + std::to_string(trial.number) +
                     " kept no model (keep_models: best keeps the trials that were the best when "
                     "they finished; use keep_models: all, or `automl train` its config)");
    }
    const std::string from = trial.system_attrs.at("model_file").get<std::string>();
    std::error_code ec;
    std::filesystem::copy_file(from, out_, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) throw StorageError("cannot copy '" + from + "' to '" + out_ + "': " + ec.message());
    std::printf("trial %lld's model written to %s\n", static_cast<long long>(trial.number),
                out_.c_str());
    return kExitSuccess;
  }

  int EvaluateFile() const {
#ifdef AUTOML_HAVE_TORCH
    dl::ModelFile model = dl::LoadModelFile(file_);
    dl::DataOptions data_options = model.config.data;
    if (data_path_) data_options.path = *data_path_;
    dl::DataSplits data = dl::LoadData(model.config.task, data_options);
    dl::MatchPreprocessing(model, data);
    const torch::Device device = dl::ResolveDevice(model.config.device);
    model.net->to(device);
    const dl::Evaluation test =
        dl::Evaluate(model.net, data.test, model.config.eval_batch_size, device);
    if (json_) {
      const Json j = {{"test_accuracy", test.accuracy},
                      {"test_loss", test.loss},
                      {"examples", test.examples},
                      {"params", model.net->summary().params},
                      { "flops",
                        model.net->summary().flops }};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("test_accuracy  %s on %lld examples\ntest_loss      %s\nparams         %lld\n",
                  FormatShort(test.accuracy).c_str(), static_cast<long long>(test.examples),
                  FormatShort(test.loss).c_str(),
                  static_cast<long long>(model.net->summary().params));
    }
    return kExitSuccess;
#else
    NotBuilt();
#endif
  }

  CLI::App* export_ = nullptr;
  CLI::App* evaluate_ = nullptr;
  std::string study_;
  std::optional<int64_t> trial_;
  std::string out_;
  std::string storage_;
  std::string file_;
  bool json_ = false;
  std::optional<std::string> data_path_;
};

}  // namespace

std::unique_ptr<Command> MakeTrainCommand() { return std::make_unique<TrainCommand>(); }
std::unique_ptr<Command> MakeModelCommand() { return std::make_unique<ModelCommand>(); }

}  // namespace automl::cli
