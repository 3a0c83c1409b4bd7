// automl policy augment CONFIG, automl policy loss CONFIG: training-policy searches inside one
// training, run as a study with one trial per round.
//
//   name: ohl-fm                 # the study is NAME.ohl (augment) or NAME.amlfs (loss)
//   task: fashion-mnist          # ... and every other key of a training config (automl train)
//   model: {cnn: {...}}
//   epochs: 12
//   augment: {crop: 2}           # applied after the searched policy
//   ohl: {copies: 4, trunk_epochs: 1}          # automl/dl/ohl_search.h
//   amlfs: {copies: 4, intervals: 6}           # automl/dl/amlfs_search.h
//   storage: sqlite:///automl.db
//   models_dir: automl_models
//
// Every round (OHL's trunk, AM-LFS's epoch) is a trial of the study (parameter `round`, value
// the best copy's validation accuracy) with each copy's policy and reward, the best copy and the
// distribution (OHL: its top sub-policies and entropy; AM-LFS: the mean loss) as attributes.
// At the end the learned policy is written to models_dir/STUDY/policy.json (loss.json), the
// final model to models_dir/STUDY/model.pt (its config holds the learned policy, so
// `automl model evaluate` and `automl train` read it back), and the final model is evaluated
// once on the test split, for the report only. `augment: {policy: FILE}` and `loss: FILE` train
// with what was learned. A stopped run is not resumed: its study is left as it stands.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/amlfs_search.h"
#include "automl/dl/data.h"
#include "automl/dl/evaluate.h"
#include "automl/dl/model_file.h"
#include "automl/dl/ohl_search.h"
#include "automl/dl/trainer.h"
#endif

namespace automl::cli {
namespace {

// The command's own keys; everything else is the training config.
struct PolicyRunConfig {
  std::string name = "policy";
  Json search = Json::object();  // `ohl:` or `amlfs:`
  std::optional<std::string> storage;
  std::string models_dir = "automl_models";
  Json training;
  Json raw;
};

#ifdef AUTOML_HAVE_TORCH
// Only the LibTorch build runs the search.
PolicyRunConfig ReadPolicyRunConfig(const std::string& file, const std::string& method_key,
                                    std::optional<uint64_t> seed) {
  PolicyRunConfig c;
  c.raw = ReadConfigFile(file);
  if (!c.raw.is_object()) throw InvalidArgument(file + ": a config must be a mapping of keys");
  c.training = c.raw;
  try {
    if (c.raw.contains("name")) {
      if (!c.raw.at("name").is_string() || c.raw.at("name").get<std::string>().empty()) {
        throw InvalidArgument("name: must be a non-empty string");
      }
      c.name = c.raw.at("name").get<std::string>();
    }
    if (c.raw.contains(method_key)) c.search = c.raw.at(method_key);
    if (c.raw.contains("storage")) c.storage = c.raw.at("storage").get<std::string>();
    if (c.raw.contains("models_dir")) c.models_dir = c.raw.at("models_dir").get<std::string>();
  } catch (const Json::exception& e) {
    throw InvalidArgument(file + ": " + e.what());
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(file + ": " + e.what());
  }
  // One file may hold both searches' options; each command reads its own.
  for (const char* key : {"name", "ohl", "amlfs", "storage", "models_dir", "description"}) {
    c.training.erase(key);
  }
  if (seed) c.training["seed"] = *seed;
  return c;
}
#endif  // AUTOML_HAVE_TORCH

class PolicyCommand : public Command {
 public:
  explicit PolicyCommand(std::string kind) : kind_(std::move(kind)) {}

  CLI::App* Register(CLI::App& policy) override {
    CLI::App* cmd = policy.add_subcommand(
        kind_, kind_ == "augment"
                   ? "OHL: learn an augmentation policy within one training, one trial per trunk"
                   : "AM-LFS: learn a loss function within one training, one trial per round");
    cmd->add_option("config", config_path_, "training and search config (YAML or JSON)")
        ->required();
    AddStudyRunFlags(cmd, &flags_);
    return cmd;
  }

  int Execute() override {
#ifndef AUTOML_HAVE_TORCH
    RunWithTorch();
#else
    const bool augment = kind_ == "augment";
    const std::string method = augment ? "ohl" : "amlfs";
    PolicyRunConfig run = ReadPolicyRunConfig(config_path_, method, flags_.seed);
    if (!flags_.name.empty()) run.name = flags_.name;
    const dl::TrainConfig config = dl::TrainConfig::FromJson(run.training, config_path_);
    if (config.proxy) {
      throw InvalidArgument(config_path_ +
                            ": proxy: an online policy search trains the full setting; remove it");
    }
    const std::string url =
        !flags_.storage.empty() ? flags_.storage : run.storage.value_or(kDefaultStorage);
    const std::string study_name = run.name + "." + method;
    const std::filesystem::path dir = std::filesystem::path(run.models_dir) / study_name;

    // Options are checked before the data are loaded.
    dl::OhlOptions ohl;
    dl::AmLfsOptions amlfs;
    try {
      if (augment) {
        ohl = dl::OhlOptions::FromJson(run.search);
      } else {
        amlfs = dl::AmLfsOptions::FromJson(run.search);
      }
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(config_path_ + ": " + e.what());
    }
    const dl::DataSplits data = dl::LoadData(config.task, config.data);
    std::fprintf(stderr, "[%s] %s\n", study_name.c_str(), data.description.c_str());
    Json result = augment ? RunOhl(ohl, run, config, data, url, study_name, dir)
                          : RunAmLfs(amlfs, run, config, data, url, study_name, dir);
    if (result.is_null()) {
      ReportInterrupted();
      return kExitFailure;
    }
    if (!flags_.json_path.empty()) WriteJsonFile(flags_.json_path, result);
    std::printf("%s\n", result.at(augment ? "policy" : "loss").dump(2).c_str());
    return kExitSuccess;
#endif
  }

 private:
#ifdef AUTOML_HAVE_TORCH
  // The study of |rounds| rounds; a study that already holds one is not continued.
  static Study OpenStudy(const std::string& url, const std::string& name, int64_t rounds,
                         const PolicyRunConfig& run, uint64_t seed) {
    StudyOptions options;
    options.name = name;
    options.directions = {Direction::kMaximize};
    options.space = SearchSpace::FromJson(Json{
        { "round",
          { {"type", "int"},
            {"low", 0},
            { "high",
              std::max<int64_t>(rounds - 1, 1) } } }});
    options.seed = seed;
    options.config = run.raw;
    options.max_retries = 0;
    Study study = Study::CreateOrLoad(OpenStorage(url), options);
    if (!study.Trials().empty()) {
      throw FailedPrecondition("study '" + name +
                               "' already holds a run (an online search is not resumed); choose "
                               "another name or storage");
    }
    return study;
  }

  static void Record(Study& study, int64_t round, double value, const Json& attributes) {
    study.Enqueue({{ "round", ParamValue(round) }});
    Trial trial = study.Ask();
    for (const auto& [key, attribute] : attributes.items()) {
      if (key != "round" && key != "trunk") trial.SetUserAttr(key, attribute);
    }
    study.Tell(trial, value);
  }

  // Writes the final model and evaluates it once on the test split (it decides nothing).
  static Json Finish(dl::Trainer& model, const dl::TrainConfig& config, const dl::DataSplits& data,
                     const std::filesystem::path& dir, const std::string& study_name) {
    std::filesystem::create_directories(dir);
    const dl::Evaluation validation = dl::Evaluate(
        model.net(), data.validation, config.eval_batch_size, dl::ResolveDevice(config.device));
    const dl::Evaluation test = dl::Evaluate(model.net(), data.test, config.eval_batch_size,
                                             dl::ResolveDevice(config.device));
    Json metrics = {{"val_accuracy", validation.accuracy},
                    {"test_accuracy", test.accuracy},
                    {"test_loss", test.loss},
                    { "params",
                      model.net()->summary().params }};
    dl::SaveModelFile((dir / "model.pt").string(), config, model.net(), data, metrics);
    std::fprintf(stderr, "[%s] final model: validation accuracy %.4f, test accuracy %.4f -> %s\n",
                 study_name.c_str(), validation.accuracy, test.accuracy,
                 (dir / "model.pt").string().c_str());
    return metrics;
  }

  static Json RunOhl(const dl::OhlOptions& options, const PolicyRunConfig& run,
                     const dl::TrainConfig& config, const dl::DataSplits& data,
                     const std::string& url, const std::string& study_name,
                     const std::filesystem::path& dir) {
    dl::OhlSearch search(options, config, data);
    Study study = OpenStudy(url, study_name, search.total_trunks(), run, config.seed);
    std::fprintf(stderr, "[%s] %zu sub-policies, %lld copies, %lld trunks\n", study_name.c_str(),
                 search.space().size(), static_cast<long long>(options.copies),
                 static_cast<long long>(search.total_trunks()));
    const std::atomic<bool>& interrupted = InstallInterruptHandlers();
    const bool done = search.Run(
        [&](const dl::OhlTrunk& t) {
          const Json j = t.ToJson(search.space());
          Record(study, t.trunk, j.at("val_accuracy").get<double>(), j);
          std::fprintf(stderr,
                       "[%s] trunk %lld/%lld: best copy %lld val acc %.4f, entropy %.3f, top %s, "
                       "%.1f s\n",
                       study_name.c_str(), static_cast<long long>(t.trunk) + 1,
                       static_cast<long long>(search.total_trunks()),
                       static_cast<long long>(t.best_copy), j.at("val_accuracy").get<double>(),
                       t.entropy, t.top.sub_policies.front().ToString().c_str(), t.seconds);
          return !interrupted.load();
        },
        [&] { return interrupted.load(); });
    if (!done) return nullptr;
    const dl::AugmentPolicy learned = search.LearnedPolicy();
    dl::TrainConfig final_config = config;
    final_config.augment.policy = std::make_shared<const dl::AugmentPolicy>(learned);
    Json result = {{"study", study_name}, {"method", "ohl"}, { "policy", learned.ToJson() }};
    result["final_model"] = Finish(search.final_model(), final_config, data, dir, study_name);
    double seconds = 0;
    for (const dl::OhlTrunk& t : search.history()) seconds += t.seconds;
    result["search_seconds"] = seconds;
    result["copies"] = options.copies;
    result["epochs"] = search.final_model().epochs_done();
    result["trunks"] = search.trunks_done();
    result["distinct_policies"] = DistinctChoices(search);
    result["entropy"] = search.distribution().Entropy();
    WriteJsonFile((dir / "policy.json").string(), learned.ToJson());
    study.SetUserAttr("result", result);
    return result;
  }

  // How many distinct sub-policies the copies trained with, over the whole run.
  static int64_t DistinctChoices(const dl::OhlSearch& search) {
    std::vector<bool> seen(search.space().size(), false);
    int64_t count = 0;
    for (const dl::OhlTrunk& t : search.history()) {
      for (const auto& choices : t.choices) {
        for (const size_t c : choices) {
          if (!seen[c]) ++count;
          seen[c] = true;
        }
      }
    }
    return count;
  }

  static Json RunAmLfs(const dl::AmLfsOptions& options, const PolicyRunConfig& run,
                       const dl::TrainConfig& config, const dl::DataSplits& data,
                       const std::string& url, const std::string& study_name,
                       const std::filesystem::path& dir) {
    dl::AmLfsSearch search(options, config, data);
    Study study = OpenStudy(url, study_name, search.total_rounds(), run, config.seed);
    const std::atomic<bool>& interrupted = InstallInterruptHandlers();
    const bool done = search.Run(
        [&](const dl::AmLfsRound& r) {
          const Json j = r.ToJson();
          Record(study, r.round, j.at("val_accuracy").get<double>(), j);
          std::fprintf(stderr, "[%s] round %lld/%lld: best copy %lld val acc %.4f, %.1f s\n",
                       study_name.c_str(), static_cast<long long>(r.round) + 1,
                       static_cast<long long>(search.total_rounds()),
                       static_cast<long long>(r.best_copy), j.at("val_accuracy").get<double>(),
                       r.seconds);
          return !interrupted.load();
        },
        [&] { return interrupted.load(); });
    if (!done) return nullptr;
    const dl::LossOptions learned = search.LearnedLoss();
    dl::TrainConfig final_config = config;
    final_config.loss = learned;
    Json result = {{"study", study_name}, {"method", "amlfs"}, { "loss", learned.ToJson() }};
    result["final_model"] = Finish(search.final_model(), final_config, data, dir, study_name);
    double seconds = 0;
    for (const dl::AmLfsRound& r : search.history()) seconds += r.seconds;
    result["search_seconds"] = seconds;
    result["copies"] = options.copies;
    result["epochs"] = search.final_model().epochs_done();
    WriteJsonFile((dir / "loss.json").string(), learned.ToJson());
    study.SetUserAttr("result", result);
    return result;
  }
#endif

  std::string kind_;
  std::string config_path_;
  StudyRunFlags flags_;
};

class PolicyGroupCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd =
        app.add_subcommand("policy", "Training-policy search: augmentation (OHL), loss (AM-LFS)");
    cmd->require_subcommand(1);
    for (const char* kind : {"augment", "loss"}) {
      commands_.push_back(std::make_unique<PolicyCommand>(kind));
      apps_.push_back(commands_.back()->Register(*cmd));
    }
    return cmd;
  }

  int Execute() override {
    for (size_t i = 0; i < commands_.size(); ++i) {
      if (apps_[i]->parsed()) return commands_[i]->Execute();
    }
    throw InvalidArgument("policy: name a search, augment or loss");
  }

 private:
  std::vector<std::unique_ptr<Command>> commands_;
  std::vector<CLI::App*> apps_;
};

}  // namespace

std::unique_ptr<Command> MakePolicyCommand() { return std::make_unique<PolicyGroupCommand>(); }

}  // namespace automl::cli
