// automl supernet-rank CONFIG: how truthfully a weight-sharing supernet ranks architectures, per
// path sampler. K paths sampled at random from the chain space are evaluated twice: with the
// weights they inherit from a supernet trained by each sampler (batchnorm recalibrated), and
// trained stand-alone with the objective's recipe; each sampler is scored by Kendall's tau and
// Spearman's rho between the two rankings (automl/rank_correlation.h), next to its training cost.
//
//   (the keys of cli/supernet_config.h, and)
//   supernet: {samplers: [uniform, greedy, pcnas], epochs: 10, greedy: {...}, pcnas: {...}}
//   paths: 30                     # K
//
// Every evaluation is a trial: the stand-alone trainings of study NAME.standalone, the supernet
// evaluations of NAME.<sampler>; supernets are saved under models_dir/NAME after every epoch.
// An interrupted run resumes where it stopped. The test set plays no part: both rankings are by
// validation accuracy.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/rank_correlation.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/table.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/torch_objective.h"
#include "cli/supernet_config.h"
#endif

namespace automl::cli {
namespace {

#ifdef AUTOML_HAVE_TORCH

std::string Fixed(double value, const char* format = "%.3f") {
  if (std::isnan(value)) return "nan";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

Json Number(double value) { return std::isnan(value) ? Json(nullptr) : Json(value); }

struct SamplerRun {
  dl::SupernetOptions options;
  std::optional<Study> study;
  ArchitectureValues values;
  double train_seconds = 0, score_seconds = 0;
  Json history = Json::array();
};

class SupernetRankCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "supernet-rank",
        "Rank correlation of weight-sharing supernets with stand-alone training, per sampler");
    cmd->add_option("config", config_path_, "supernet-rank config (YAML or JSON)")->required();
    cmd->add_option("--paths,-k", paths_, "Number of sampled paths K (overrides the config's)")
        ->check(CLI::Range(kMinRankCorrelationPairs, int64_t{1} << 30));
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }

  int Execute() override {
    const SupernetRunConfig config = ReadSupernetRunConfig(config_path_);
    int64_t k = 30;
    if (config.raw.contains("paths")) {
      const Json& p = config.raw.at("paths");
      if (!p.is_number_integer() || p.get<int64_t>() < kMinRankCorrelationPairs) {
        throw InvalidArgument(config_path_ + ": paths: must be an integer of at least " +
                              std::to_string(kMinRankCorrelationPairs) + ", not " + p.dump());
      }
      k = p.get<int64_t>();
    }
    if (paths_) k = *paths_;
    std::vector<SamplerRun> runs;
    for (dl::SupernetOptions& o : SupernetOptionsOf(config)) {
      runs.push_back({std::move(o), std::nullopt, {}, 0, 0, Json::array()});
    }
    const std::string url = !storage_.empty() ? storage_ : config.storage.value_or(kDefaultStorage);

    Json objective_json = config.objective;
    if (!objective_json.contains("keep_models")) objective_json["keep_models"] = "none";
    if (!objective_json.contains("models_dir")) objective_json["models_dir"] = config.models_dir;
    if (!objective_json.contains("seed")) objective_json["seed"] = config.seed;
    dl::TorchObjective standalone_objective(objective_json, config.space, {Direction::kMaximize});
    standalone_objective.set_stop_flag(&InterruptFlag());

    const std::vector<ParamMap> sampled = SampleArchitectures(config.space, config.seed, k);
    auto storage = OpenStorage(url);
    InstallInterruptHandlers();
    auto study_for = [&](const std::string& suffix, const Json& what) {
      StudyOptions options;
      options.name = config.name + "." + suffix;
      options.directions = {Direction::kMaximize};
      options.space = config.space;
      options.seed = config.seed;
      options.config = config.raw;
      options.system_attrs = {{"supernet_rank", what}};
      return Study::CreateOrLoad(storage, options);
    };

    Study standalone = study_for("standalone", {{"config", config_path_}});
    EvaluateArchitectures(
        standalone, sampled, "standalone", "trained",
        [&](Trial& trial) { return standalone_objective.Run(trial); }, InterruptFlag());
    if (Interrupted()) return kExitFailure;
    const ArchitectureValues reference = CollectArchitectures(standalone, k);

    const dl::DataSplits data = dl::LoadData(config.recipe.task, config.recipe.data);
    for (SamplerRun& run : runs) {
      const std::string label = run.options.sampler;
      auto trainer = TrainSupernet(config, run.options, data, label, InterruptFlag());
      if (Interrupted()) return kExitFailure;
      for (const dl::SupernetEpoch& e : trainer->history()) {
        run.train_seconds += e.seconds;
        run.score_seconds += e.score_seconds;
        run.history.push_back(e.ToJson());
      }
      run.study = study_for(label, {{"config", config_path_}, {"supernet", run.options.ToJson()}});
      EvaluateArchitectures(
          *run.study, sampled, label, "evaluated",
          [&](Trial& trial) {
            const std::vector<int64_t> path = config.PathOf(trial.params());
            const dl::Evaluation e = trainer->EvaluatePath(path, data.validation);
            trial.SetUserAttr("val_loss", e.loss);
            trial.SetUserAttr("params", trainer->supernet()->PathParams(path));
            trial.SetUserAttr("flops", trainer->supernet()->PathFlops(path));
            return TrialOutcome::Complete({e.accuracy});
          },
          InterruptFlag());
      if (Interrupted()) return kExitFailure;
      run.values = CollectArchitectures(*run.study, k);
    }
    return Report(config, url, k, reference, runs);
  }

 private:
  static bool Interrupted() {
    if (!InterruptFlag().load()) return false;
    std::fprintf(stderr, "interrupted: run the command again to resume\n");
    return true;
  }

  int Report(const SupernetRunConfig& config, const std::string& url, int64_t k,
             const ArchitectureValues& reference, const std::vector<SamplerRun>& runs) const {
    Table table(
        {"sampler", "epochs", "pairs", "kendall", "spearman", "95% CI", "train s", "scoring s"});
    Json rows = Json::array();
    bool all_ranked = true;
    for (const SamplerRun& run : runs) {
      std::vector<double> x, y;
      for (size_t i = 0; i < run.values.values.size(); ++i) {
        if (run.values.values[i] && reference.values[i]) {
          x.push_back(*run.values.values[i]);
          y.push_back(*reference.values[i]);
        }
      }
      const auto pairs = static_cast<int64_t>(x.size());
      Json row = {{"sampler", run.options.sampler},
                  {"supernet", run.options.ToJson()},
                  {"study", run.study->name()},
                  {"pairs", pairs},
                  {"kendall", nullptr},
                  {"spearman", nullptr},
                  {"spearman_ci", nullptr},
                  {"train_seconds", run.train_seconds},
                  {"score_seconds", run.score_seconds},
                  {"history", run.history},
                  {"supernet_accuracy", Json::array()}};
      for (const auto& v : run.values.values) {
        row["supernet_accuracy"].push_back(v ? Json(*v) : Json(nullptr));
      }
      std::string tau = "-", rho = "-", ci = "-";
      if (pairs >= kMinRankCorrelationPairs) {
        const RankCorrelation c = CompareRankings(x, y, 0.95);
        tau = Fixed(c.kendall);
        rho = Fixed(c.spearman);
        ci = "[" + Fixed(c.spearman_lower) + ", " + Fixed(c.spearman_upper) + "]";
        row["kendall"] = Number(c.kendall);
        row["spearman"] = Number(c.spearman);
        row["spearman_ci"] = {Number(c.spearman_lower), Number(c.spearman_upper)};
      } else {
        all_ranked = false;
      }
      table.Add({run.options.sampler, std::to_string(run.options.epochs), std::to_string(pairs),
                 tau, rho, ci, Fixed(run.train_seconds, "%.1f"), Fixed(run.score_seconds, "%.1f")});
      rows.push_back(row);
    }
    table.Print(stdout);
    std::printf(
        "stand-alone: %lld of %lld paths trained, %s s each\n",
        static_cast<long long>(std::count_if(reference.values.begin(), reference.values.end(),
                                             [](const auto& v) { return v.has_value(); })),
        static_cast<long long>(k), Fixed(reference.seconds, "%.1f").c_str());
    if (!json_path_.empty()) {
      Json standalone = Json::array();
      for (const auto& v : reference.values) standalone.push_back(v ? Json(*v) : Json(nullptr));
      Json out = {{"name", config.name},
                  {"paths", k},
                  {"seed", config.seed},
                  {"storage", url},
                  {"standalone",
                   {{"accuracy", standalone},
                    {"failed", reference.failed},
                    {"seconds_per_path", Number(reference.seconds)}}},
                  {"samplers", rows}};
      WriteJsonFile(json_path_, out);
    }
    return all_ranked ? kExitSuccess : kExitFailure;
  }

  std::string config_path_;
  std::optional<int64_t> paths_;
  std::string storage_;
  std::string json_path_;
};

#else

class SupernetRankCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("supernet-rank",
                                       "Rank correlation of weight-sharing supernets (LibTorch)");
    cmd->add_option("config", config_path_, "supernet-rank config (YAML or JSON)")->required();
    cmd->add_option("--paths,-k", paths_, "Number of sampled paths K");
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }
  int Execute() override { RunWithTorch(); }

 private:
  std::string config_path_;
  int64_t paths_ = 0;
  std::string storage_;
  std::string json_path_;
};

#endif

}  // namespace

std::unique_ptr<Command> MakeSupernetRankCommand() {
  return std::make_unique<SupernetRankCommand>();
}

}  // namespace automl::cli
