// automl run CONFIG [--workers N]: runs a study until its target of finished trials is met, in
// this process and N - 1 more (cli/worker_pool.h). automl worker CONFIG: joins a study as one
// more worker, on this machine or any other that reaches its storage.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/exec/command_objective.h"
#include "automl/exec/environment.h"
#include "automl/progress_callback.h"
#include "automl/registry.h"
#include "automl/report/trial_json.h"
#include "automl/study_config.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/torch_backend.h"
#include "cli/worker_pool.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/components.h"
#include "automl/dl/torch_objective.h"
#endif

namespace automl::cli {
namespace {

// The samplers and pruners a config may name: automl::core's, and automl::torch's when this
// automl has LibTorch.
Components StudyComponents() {
  Components components = BuiltinComponents();
#ifdef AUTOML_HAVE_TORCH
  dl::AddTorchComponents(components);
#endif
  return components;
}

class RunCommand : public Command {
 public:
  // |worker|: `automl worker`, one more worker of a study others may be running.
  explicit RunCommand(bool worker) : worker_(worker) {}

  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd =
        worker_ ? app.add_subcommand("worker",
                                     "Join a study as one more worker, until its target is met")
                : app.add_subcommand("run", "Run a study from a config file until its target");
    cmd->add_option("config", config_path_, "Study config (YAML or JSON)")->required();
    if (!worker_) {
      cmd->add_option("--workers", workers_,
                      "Run N workers on this machine: this process and N - 1 more")
          ->check(CLI::Range(1, 1024));
    }
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--study", study_, "Study name (overrides the config's)");
    cmd->add_option("--trials", trials_, "Target of finished trials over all processes")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--seed", seed_, "Study seed")->check(CLI::NonNegativeNumber);
    cmd->add_option("--sampler", sampler_,
                    "Sampler: a name, or YAML such as '{name: grid, resolution: 4}'");
    cmd->add_option("--pruner", pruner_, "Pruner: a name, or YAML with options");
    cmd->add_option("--max-failures", max_failures_, "Stop after this many failed trials")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--stop-after", stop_after_,
                    "Stop when the best has not improved for this many finished trials")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--progress", progress_, "Progress output: auto, live, lines or quiet")
        ->check(CLI::IsMember({"auto", "live", "lines", "quiet"}));
    return cmd;
  }

  int Execute() override {
    Json raw = ReadConfigFile(config_path_);
    if (!raw.is_object())
      throw InvalidArgument(config_path_ + ": a config must be a mapping of keys");
    if (study_) raw["study"] = *study_;
    if (trials_) raw["trials"] = *trials_;
    if (seed_) raw["seed"] = *seed_;
    if (sampler_) raw["sampler"] = ParseYaml(*sampler_, "--sampler");
    if (pruner_) raw["pruner"] = ParseYaml(*pruner_, "--pruner");
    if (max_failures_) raw["max_failures"] = *max_failures_;
    if (stop_after_) raw["stop_after"] = *stop_after_;
#ifndef AUTOML_HAVE_TORCH
    if (StudyConfigNeedsTorch(raw, StudyComponents())) RunWithTorch();
#endif
    SplitObjectiveThreads(raw);
    const StudyConfig config = StudyConfig::FromJson(raw, config_path_);
    const std::string url = !storage_.empty() ? storage_ : config.storage.value_or(kDefaultStorage);
    // Built (and so checked) once, before the other workers are forked: they inherit it.
    const Objective objective = MakeStudyObjective(config);
    InstallInterruptHandlers();
    std::unique_ptr<WorkerPool> others;
    if (workers_ > 1) {
      if (url == "memory") {
        throw InvalidArgument(
            "--workers: the in-memory storage cannot be shared between "
            "processes; use a SQLite or PostgreSQL storage");
      }
      others = StartOtherWorkers(config, url, objective);
    }
    const bool success = RunStudy(config, url, objective);
    bool workers_succeeded = true;
    if (others) {
      for (const exec::ExitStatus& status : others->Wait()) {
        workers_succeeded = workers_succeeded && status.success();
      }
    }
    return success && workers_succeeded ? kExitSuccess : kExitFailure;
  }

 private:
  // Works on the study until its target is met or this process is interrupted; true when the
  // run ended well.
  bool RunStudy(const StudyConfig& config, const std::string& url, const Objective& objective) {
    auto storage = OpenStorage(url);
    const Json environment = exec::CaptureEnvironment();
    Study study = OpenStudy(config, storage, StudyComponents(), {{"environment", environment}});
    const std::string run_key = RecordRunStart(study, environment);

    OptimizeOptions options = config.ToOptimizeOptions();
    options.stop_flag = &InterruptFlag();
    options.callbacks.push_back(
        std::make_shared<ProgressCallback>(config.trials, stderr, ProgressMode()));
    const OptimizeSummary summary = study.Run(objective, options);
    RecordRunEnd(study, run_key, summary);
    return summary.success();
  }

  // The other N - 1 workers of `run --workers N`: copies of this process (fork), each one more
  // quiet worker of the study, as `automl worker` would be. Forked, not started afresh: the
  // copies share what this process has loaded and parsed (for automl-torch, half a second of CPU
  // in LibTorch's initializers each; BENCHMARKS.md, "Several workers"). Forking is safe here
  // because this process has started no thread of its own yet (no storage, study, heartbeat or
  // training); the one thread a library starts as it loads, OpenBLAS's pool in automl-torch, is
  // shut down by OpenBLAS's own fork handler.
  std::unique_ptr<WorkerPool> StartOtherWorkers(const StudyConfig& config, const std::string& url,
                                                const Objective& objective) {
    exec::SubprocessOptions child;
    child.argv = {"worker"};
    child.function = [this, &config, url, &objective] {
      worker_ = true;
      workers_ = 1;
      progress_ = "quiet";
      InstallInterruptHandlers();  // the child starts with default dispositions
      return RunStudy(config, url, objective) ? kExitSuccess : kExitFailure;
    };
    const std::vector<exec::SubprocessOptions> children(static_cast<size_t>(workers_ - 1), child);
    return std::make_unique<WorkerPool>(children, InterruptFlag());
  }

  // With --workers N, in-process training (objective: {task: ...}) gets the objective's threads
  // (or this machine's) split N ways.
  void SplitObjectiveThreads(Json& raw) const {
    if (workers_ <= 1 || !raw.contains("objective") || !raw.at("objective").is_object() ||
        !raw.at("objective").contains("task")) {
      return;
    }
    Json& objective = raw["objective"];
    const Json& given = objective.value("threads", Json(0));
    const int64_t threads =
        given.is_number_integer() && given.get<int64_t>() > 0
            ? given.get<int64_t>()
            : static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    objective["threads"] = std::max<int64_t>(1, threads / workers_);
  }

  // A program to run (objective: {command: [...]}) or a model to train in this process
  // (objective: {task: ...}).
  Objective MakeStudyObjective(const StudyConfig& config) const {
    if (config.objective.is_null()) {
      throw InvalidArgument(config_path_ +
                            ": objective: missing (e.g. {command: [python3, train.py, '{x}']})");
    }
    try {
      if (config.objective.is_object() && config.objective.contains("task")) {
#ifdef AUTOML_HAVE_TORCH
        auto training =
            std::make_shared<dl::TorchObjective>(config.objective, config.space, config.directions);
        training->set_stop_flag(&InterruptFlag());
        return [training](Trial& trial) { return training->Run(trial); };
#else
        throw InvalidArgument("objective: task " + config.objective.at("task").dump() +
                              " trains in process, and this automl was built without LibTorch");
#endif
      }
      auto command = std::make_shared<exec::CommandObjective>(
          exec::CommandObjectiveOptions::FromJson(config.objective), config.space,
          config.directions.size());
      return [command](Trial& trial) { return command->Run(trial, &InterruptFlag()); };
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(config_path_ + ": " + e.what());
    }
  }

  ProgressCallback::Mode ProgressMode() const {
    if (progress_ == "live") return ProgressCallback::Mode::kLive;
    if (progress_ == "lines") return ProgressCallback::Mode::kLines;
    if (progress_ == "quiet") return ProgressCallback::Mode::kQuiet;
    return ProgressCallback::Mode::kAuto;
  }

  // Each run of the study is recorded under a key of its own, so that processes running the
  // study at once never overwrite each other's record.
  std::string RecordRunStart(Study& study, const Json& environment) const {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::string key = "run " + report::IsoTime(now) + " pid " + std::to_string(getpid());
    Json run = {{"started", report::IsoTime(now)}, {"config", config_path_}};
    const Json created_in = study.Record().system_attrs.value("environment", Json());
    run["environment"] = environment == created_in ? Json("as recorded at creation") : environment;
    study.SetSystemAttr(key, run);
    return key;
  }

  void RecordRunEnd(Study& study, const std::string& key, const OptimizeSummary& summary) const {
    Json run = study.Record().system_attrs.value(key, Json::object());
    run["ended"] = report::IsoTime(
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    run["stop"] = summary.stop.message;
    run["complete"] = summary.complete;
    run["pruned"] = summary.pruned;
    run["failed"] = summary.failed;
    study.SetSystemAttr(key, run);
  }

  std::string config_path_;
  std::string storage_;
  std::optional<std::string> study_;
  std::optional<int64_t> trials_;
  std::optional<int64_t> seed_;
  std::optional<std::string> sampler_;
  std::optional<std::string> pruner_;
  std::optional<int64_t> max_failures_;
  std::optional<int64_t> stop_after_;
  std::string progress_ = "auto";
  bool worker_ = false;
  int64_t workers_ = 1;
};

}  // namespace

std::unique_ptr<Command> MakeRunCommand() { return std::make_unique<RunCommand>(false); }
std::unique_ptr<Command> MakeWorkerCommand() { return std::make_unique<RunCommand>(true); }

void AddStudyRunFlags(CLI::App* command, StudyRunFlags* flags) {
  AddStorageOption(command, &flags->storage);
  command->add_option("--name", flags->name, "The study's base name (overrides the config's name)");
  command->add_option("--seed", flags->seed, "The seed (overrides the config's seed)");
  command->add_option("--json", flags->json_path, "Also write the result to this JSON file");
}

std::shared_ptr<Storage> OpenCliStorage(const std::string& url) {
  return OpenStorage(url.empty() ? kDefaultStorage : url);
}

void AddStorageOption(CLI::App* command, std::string* url) {
  command->add_option("--storage", *url,
                      "Storage URL: sqlite:///file.db (default: automl.db here), memory");
}

}  // namespace automl::cli
