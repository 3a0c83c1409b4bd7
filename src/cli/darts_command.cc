// automl nas darts CONFIG, automl nas hmnas CONFIG: a differentiable architecture search
// (automl/dl/darts_search.h) run as a study, one trial per epoch.
//
//   name: darts-fm                   # the study is NAME.darts (NAME.hmnas)
//   task: fashion-mnist
//   data: {fraction: 0.2, resolution: 14}
//   darts: {filters: 8, layers: 5, epochs: 10, order: 1}   # automl/dl/darts_search.h
//   hmnas: {filters: 8, layers: 5, epochs: 6, mask_epochs: 2, finetune_epochs: 4}
//   seed: 0
//   threads: 2                       # LibTorch's threads (0: its default)
//   device: cpu
//   storage: sqlite:///automl.db
//   models_dir: automl_models        # the checkpoint: models_dir/STUDY/search.pt
//
// One file may hold both `darts` and `hmnas`; each command reads its own. Every epoch is a trial
// of the study (parameter `epoch`, value the validation accuracy), with the phase, temperature,
// learning rate, losses, parameters and the architecture (alphas, discretized genotype, HM-NAS's
// edge weights and masks) as user attributes. The checkpoint is written after every epoch, so a
// run stopped by a signal or a crash goes on from the last epoch when started again. At the end
// the command prints the genotype (DARTS: the discretized cells in nasnet-cell form, trainable by
// `automl train` with `model: {nasnet: {genotype: FILE}}`; HM-NAS: the masked cells) and writes it
// to models_dir/STUDY/genotype.json; HM-NAS's fine-tuned sub-network is then evaluated once on the
// test split, for the report only.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "automl/config_file.h"
#include "automl/config_keys.h"
#include "automl/error.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/darts_search.h"
#include "automl/dl/data.h"
#include "automl/dl/trainer.h"
#include "automl/nas/masked_cell.h"
#endif

namespace automl::cli {
namespace {

struct DartsRunConfig {
  std::string name = "darts";
  std::string task = "fashion-mnist";
  Json data = Json::object();
  Json search;  // `darts:` or `hmnas:`
  uint64_t seed = 0;
  int threads = 0;
  std::string device = "cpu";
  std::optional<std::string> storage;
  std::string models_dir = "automl_models";
  Json raw;
};

#ifdef AUTOML_HAVE_TORCH
// Only the LibTorch build runs the search.
DartsRunConfig ReadDartsRunConfig(const std::string& file, const std::string& method) {
  DartsRunConfig c;
  c.raw = ReadConfigFile(file);
  const Json& raw = c.raw;
  if (!raw.is_object()) throw InvalidArgument(file + ": a config must be a mapping of keys");
  try {
    CheckKnownKeys(raw,
                   {"name", "task", "data", "darts", "hmnas", "seed", "threads", "device",
                    "storage", "models_dir", "description"},
                   file);
    if (raw.contains("name")) {
      if (!raw.at("name").is_string() || raw.at("name").get<std::string>().empty()) {
        throw InvalidArgument("name: must be a non-empty string");
      }
      c.name = raw.at("name").get<std::string>();
    }
    if (raw.contains("task")) c.task = raw.at("task").get<std::string>();
    if (c.task != "fashion-mnist") {
      throw InvalidArgument("task: differentiable search needs images (fashion-mnist), not " +
                            c.task);
    }
    if (raw.contains("data")) c.data = raw.at("data");
    if (!raw.contains(method)) {
      throw InvalidArgument(method + ": missing: the search's options (an empty mapping {} for " +
                            "the defaults)");
    }
    c.search = raw.at(method);
    if (raw.contains("seed")) {
      if (!raw.at("seed").is_number_integer() || raw.at("seed").get<int64_t>() < 0) {
        throw InvalidArgument("seed: must be a non-negative integer");
      }
      c.seed = raw.at("seed").get<uint64_t>();
    }
    if (raw.contains("threads")) {
      if (!raw.at("threads").is_number_integer() || raw.at("threads").get<int64_t>() < 0) {
        throw InvalidArgument("threads: must be a non-negative integer");
      }
      c.threads = raw.at("threads").get<int>();
    }
    if (raw.contains("device")) c.device = raw.at("device").get<std::string>();
    if (raw.contains("storage")) c.storage = raw.at("storage").get<std::string>();
    if (raw.contains("models_dir")) c.models_dir = raw.at("models_dir").get<std::string>();
  } catch (const Json::exception& e) {
    throw InvalidArgument(file + ": " + e.what());
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(file + ": " + e.what());
  }
  return c;
}
#endif  // AUTOML_HAVE_TORCH

class DartsCommand : public Command {
 public:
  explicit DartsCommand(std::string method) : method_(std::move(method)) {}

  CLI::App* Register(CLI::App& nas) override {
    CLI::App* cmd = nas.add_subcommand(
        method_, method_ == "darts"
                     ? "DARTS: differentiable architecture search, one study trial per epoch"
                     : "HM-NAS: DARTS with hierarchical masks, then the found network fine-tuned");
    cmd->add_option("config", config_path_, "search config (YAML or JSON)")->required();
    AddStudyRunFlags(cmd, &flags_);
    return cmd;
  }

  int Execute() override {
#ifndef AUTOML_HAVE_TORCH
    RunWithTorch();
#else
    DartsRunConfig config = ReadDartsRunConfig(config_path_, method_);
    if (!flags_.name.empty()) config.name = flags_.name;
    if (flags_.seed) config.seed = *flags_.seed;
    dl::DartsSearchOptions options;
    dl::DataOptions data_options;
    try {
      options = dl::DartsSearchOptions::FromJson(config.search, method_);
      data_options = dl::DataOptions::FromJson(config.data, config.task);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(config_path_ + ": " + e.what());
    }
    const std::string url =
        !flags_.storage.empty() ? flags_.storage : config.storage.value_or(kDefaultStorage);
    const std::string study_name = config.name + "." + method_;
    const std::filesystem::path dir = std::filesystem::path(config.models_dir) / study_name;
    std::filesystem::create_directories(dir);
    const std::string checkpoint = (dir / "search.pt").string();

    if (config.threads > 0) torch::set_num_threads(config.threads);
    const dl::DataSplits data = dl::LoadData(config.task, data_options);
    std::fprintf(stderr, "[%s] %s\n", study_name.c_str(), data.description.c_str());
    dl::DartsSearch search(options, data, config.seed, config.device);
    if (std::filesystem::exists(checkpoint)) {
      search.Load(checkpoint);
      std::fprintf(stderr, "[%s] resumed after epoch %lld of %lld\n", study_name.c_str(),
                   static_cast<long long>(search.epochs_done()),
                   static_cast<long long>(options.total_epochs()));
    }

    StudyOptions study_options;
    study_options.name = study_name;
    study_options.directions = {Direction::kMaximize};
    // Epochs 0 .. total - 1; the range is at least 0 .. 1, as an int range must be.
    const int64_t high = std::max<int64_t>(options.total_epochs() - 1, 1);
    study_options.space =
        SearchSpace::FromJson(Json{{"epoch", {{"type", "int"}, {"low", 0}, {"high", high}}}});
    study_options.seed = config.seed;
    study_options.config = config.raw;
    // An epoch is recorded after the checkpoint is written; nothing is re-run from the study.
    study_options.max_retries = 0;
    Study study = Study::CreateOrLoad(OpenStorage(url), study_options);
    study.FailLostTrials();
    RecordMissingEpochs(study, search);

    const std::atomic<bool>& interrupted = InstallInterruptHandlers();
    search.Run(
        [&](const dl::DartsEpoch& e) {
          search.Save(checkpoint);
          Record(study, e);
          std::fprintf(stderr,
                       "[%s] epoch %lld/%lld (%s): train loss %.4f acc %.4f, val acc %.4f, "
                       "T %.3g, params %lld, %.1f s\n",
                       study_name.c_str(), static_cast<long long>(e.epoch + 1),
                       static_cast<long long>(options.total_epochs()), dl::DartsPhaseName(e.phase),
                       e.train_loss, e.train_accuracy, e.val_accuracy, e.temperature,
                       static_cast<long long>(e.params), e.seconds);
          return !interrupted.load();
        },
        [&] { return interrupted.load(); });
    if (search.epochs_done() < options.total_epochs()) {
      ReportInterrupted();
      return kExitFailure;
    }
    Json result = Result(search, data, study_name);
    study.SetUserAttr("result", result);
    WriteJsonFile((dir / "genotype.json").string(), result.at("genotype"));
    if (!flags_.json_path.empty()) WriteJsonFile(flags_.json_path, result);
    std::printf("%s\n", result.at("genotype").dump(2).c_str());
    return kExitSuccess;
#endif
  }

 private:
#ifdef AUTOML_HAVE_TORCH
  // The epoch as a trial: queued with its parameter, claimed, completed with its attributes.
  static void Record(Study& study, const dl::DartsEpoch& e) {
    study.Enqueue({{ "epoch", ParamValue(e.epoch) }});
    Trial trial = study.Ask();
    const Json j = e.ToJson();
    for (const auto& [key, value] : j.items()) {
      if (key != "epoch") trial.SetUserAttr(key, value);
    }
    study.Tell(trial, e.val_accuracy);
  }

  // Epochs the checkpoint holds but the study does not (a run stopped between the two writes)
  // are recorded now; a study with epochs the checkpoint lacks cannot be continued.
  static void RecordMissingEpochs(Study& study, const dl::DartsSearch& search) {
    std::vector<bool> recorded(static_cast<size_t>(search.options().total_epochs()), false);
    for (const FrozenTrial& t : study.Trials()) {
      if (t.state != TrialState::kComplete || !t.params.count("epoch")) continue;
      const auto epoch = static_cast<size_t>(t.params.at("epoch").AsInt());
      if (epoch < recorded.size()) recorded[epoch] = true;
      if (static_cast<int64_t>(epoch) >= search.epochs_done()) {
        throw FailedPrecondition("study '" + study.name() + "' holds epoch " +
                                 std::to_string(epoch) +
                                 ", which the checkpoint lacks (was it deleted?); choose another "
                                 "name or storage");
      }
    }
    for (const dl::DartsEpoch& e : search.history()) {
      if (recorded[static_cast<size_t>(e.epoch)]) continue;
      Record(study, e);
    }
  }

  Json Result(dl::DartsSearch& search, const dl::DataSplits& data,
              const std::string& study_name) const {
    double seconds = 0;
    for (const dl::DartsEpoch& e : search.history()) seconds += e.seconds;
    const dl::DartsEpoch& last = search.history().back();
    Json result = {{"study", study_name},
                   {"method", method_},
                   {"epochs", search.options().total_epochs()},
                   {"search_seconds", seconds},
                   {"val_accuracy", last.val_accuracy},
                   {"darts_genotype", last.architecture.at("genotype")},
                   {"skip_connections", last.architecture.at("skip_connections")},
                   { "history",
                     Json::array() }};
    for (const dl::DartsEpoch& e : search.history()) {
      result["history"].push_back({{"epoch", e.epoch},
                                   {"phase", dl::DartsPhaseName(e.phase)},
                                   {"temperature", e.temperature},
                                   {"val_accuracy", e.val_accuracy},
                                   {"params", e.params},
                                   {"seconds", e.seconds},
                                   { "skip_connections",
                                     e.architecture.at("skip_connections") }});
    }
    if (method_ == "darts") {
      result["genotype"] = last.architecture.at("genotype");
      return result;
    }
    result["genotype"] = last.architecture.at("masked_genotype");
    result["edge_weights"] = last.architecture.at("edge_weights");
    result["kept_weights"] = last.architecture.at("kept_weights");
    result["params"] = last.params;
    // The test split measures the fine-tuned sub-network once, after the search: it decides
    // nothing.
    const dl::Evaluation test = search.Evaluate(data.test);
    result["test_accuracy"] = test.accuracy;
    result["test_loss"] = test.loss;
    std::fprintf(stderr, "[%s] fine-tuned sub-network: %lld parameters, test accuracy %.4f\n",
                 study_name.c_str(), static_cast<long long>(last.params), test.accuracy);
    return result;
  }
#endif

  std::string method_;
  std::string config_path_;
  StudyRunFlags flags_;
};

}  // namespace

std::unique_ptr<Command> MakeDifferentiableSearchCommand(const std::string& method) {
  return std::make_unique<DartsCommand>(method);
}

}  // namespace automl::cli
