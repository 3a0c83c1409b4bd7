// automl retry STUDY and automl enqueue STUDY --params JSON: adding trials to a study's queue.
#include <set>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/command.h"

namespace automl::cli {
namespace {

class RetryCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "retry", "Re-enqueue the parameters of FAILED trials (each once); 'automl run' runs them");
    cmd->add_option("study", study_, "Study name")->required();
    AddStorageOption(cmd, &storage_);
    return cmd;
  }

  int Execute() override {
    auto storage = OpenCliStorage(storage_);
    const Study study = Study::Load(storage, study_);
    const std::vector<FrozenTrial> trials = study.Trials();
    std::set<int64_t> retried;
    for (const FrozenTrial& t : trials) {
      if (t.retry_of) retried.insert(*t.retry_of);
    }
    int64_t count = 0;
    for (const FrozenTrial& t : trials) {
      if (t.state != TrialState::kFailed || retried.count(t.number) || !t.has_params) continue;
      const int64_t number = storage->EnqueueTrial(study.id(), t.params, t.user_attrs, t.number);
      std::printf("trial %lld re-enqueued as trial %lld\n", static_cast<long long>(t.number),
                  static_cast<long long>(number));
      ++count;
    }
    std::printf("%lld trial%s re-enqueued\n", static_cast<long long>(count), count == 1 ? "" : "s");
    return kExitSuccess;
  }

 private:
  std::string study_;
  std::string storage_;
};

class EnqueueCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "enqueue", "Add a trial with given parameters (others are sampled when it runs)");
    cmd->add_option("study", study_, "Study name")->required();
    cmd->add_option("--params", params_,
                    "Parameters as JSON, e.g. '{\"x\": 1.5, \"opt\": \"sgd\"}'")
        ->required();
    AddStorageOption(cmd, &storage_);
    return cmd;
  }

  int Execute() override {
    Study study = Study::Load(OpenCliStorage(storage_), study_);
    const Json json = ParseYaml(params_, "--params");  // YAML reads JSON too
    if (!json.is_object()) throw InvalidArgument("--params: must be a JSON object of parameters");
    ParamMap params;
    try {
      params = ParamsFromJson(json);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--params: ") + e.what());
    }
    const int64_t number = study.Enqueue(params);
    std::printf("enqueued as trial %lld\n", static_cast<long long>(number));
    return kExitSuccess;
  }

 private:
  std::string study_;
  std::string storage_;
  std::string params_;
};

}  // namespace

std::unique_ptr<Command> MakeRetryCommand() { return std::make_unique<RetryCommand>(); }
std::unique_ptr<Command> MakeEnqueueCommand() { return std::make_unique<EnqueueCommand>(); }

}  // namespace automl::cli
