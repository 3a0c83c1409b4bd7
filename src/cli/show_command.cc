// automl show STUDY and automl best STUDY.
#include "automl/error.h"
#include "automl/format.h"
#include "automl/report/trial_json.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/command.h"
#include "cli/table.h"

namespace automl::cli {
namespace {

std::vector<std::string> ParamOrder(const Study& study) {
  std::vector<std::string> order;
  for (const ParamSpec& p : study.space().params()) order.push_back(p.name());
  return order;
}

std::string Directions(const Study& study) {
  std::string out;
  for (Direction d : study.directions())
    out += (out.empty() ? "" : ", ") + std::string(DirectionName(d));
  return out;
}

// "step: value" of the last intermediate report; empty without reports.
std::string LastReport(const FrozenTrial& t) {
  if (t.intermediate.empty()) return "";
  const auto& [step, values] = *t.intermediate.rbegin();
  return std::to_string(step) + ": " + FormatShort(values);
}

void PrintTrials(const Study& study, const std::vector<FrozenTrial>& trials) {
  Table table({"#", "state", study.is_multi_objective() ? "values" : "value", "last report",
               "seconds", "params", "reason"});
  const auto order = ParamOrder(study);
  for (const FrozenTrial& t : trials) {
    const auto duration = t.Duration();
    table.Add({std::to_string(t.number), TrialStateName(t.state),
               t.values.empty() ? "" : FormatShort(t.values), LastReport(t),
               duration ? FormatShort(*duration) : "", CellParams(t.params, order), t.reason});
  }
  table.Print(stdout);
}

// One line per trial with reports: its number, state and every "step: value", so that pruned
// trials' curves can be read beside the finished ones'.
void PrintCurves(const std::vector<FrozenTrial>& trials) {
  for (const FrozenTrial& t : trials) {
    if (t.intermediate.empty()) continue;
    std::string line = "#" + std::to_string(t.number) + " " + TrialStateName(t.state) + ":";
    for (const auto& [step, values] : t.intermediate) {
      line += " " + std::to_string(step) + ": " + FormatShort(values) + ",";
    }
    line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

void PrintTrialDetail(const Study& study, const FrozenTrial& t) {
  std::printf("%s\n", report::TrialToJson(t, study.directions().size()).dump(2).c_str());
  const TrialLog log = study.storage().GetTrialLog(t.id);
  if (!log.output.empty()) std::printf("--- output ---\n%s", log.output.c_str());
  if (!log.error_tail.empty()) std::printf("--- end of stderr ---\n%s\n", log.error_tail.c_str());
}

class ShowCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("show", "Show a study and its trials");
    cmd->add_option("study", study_, "Study name")->required();
    AddStorageOption(cmd, &storage_);
    cmd->add_flag("--json", json_, "Print JSON");
    cmd->add_option("--trial", trial_, "Show one trial in full, with its output");
    cmd->add_flag("--curves", curves_,
                  "Print every trial's intermediate values (its learning curve), pruned or not");
    return cmd;
  }

  int Execute() override {
    const Study study = Study::Load(OpenCliStorage(storage_), study_);
    if (trial_) {
      const FrozenTrial t = study.GetTrial(*trial_);
      if (json_) {
        Json j = report::TrialToJson(t, study.directions().size());
        const TrialLog log = study.storage().GetTrialLog(t.id);
        j["output"] = log.output;
        j["stderr_tail"] = log.error_tail;
        std::printf("%s\n", j.dump(2).c_str());
      } else {
        PrintTrialDetail(study, t);
      }
      return kExitSuccess;
    }
    const std::vector<FrozenTrial> trials = study.Trials();
    if (json_) {
      std::printf("%s\n", report::StudyToJson(study, trials, /*full=*/true).dump(2).c_str());
      return kExitSuccess;
    }
    const TrialCounts c = study.Counts();
    std::printf("study %s (%s) in %s\n", study.name().c_str(), Directions(study).c_str(),
                study.storage().Describe().c_str());
    std::printf("trials: %lld complete, %lld pruned, %lld failed, %lld running, %lld waiting\n",
                static_cast<long long>(c.complete), static_cast<long long>(c.pruned),
                static_cast<long long>(c.failed), static_cast<long long>(c.running),
                static_cast<long long>(c.waiting));
    if (!study.is_multi_objective()) {
      if (const auto best = study.BestTrial()) {
        std::printf("best: %s (trial %lld) %s\n", FormatShort(best->value()).c_str(),
                    static_cast<long long>(best->number),
                    CellParams(best->params, ParamOrder(study)).c_str());
      }
    } else {
      std::printf("Pareto front: %zu trials\n", study.ParetoFront().size());
    }
    std::printf("\n");
    PrintTrials(study, trials);
    if (curves_) {
      std::printf("\ncurves (step: value):\n");
      PrintCurves(trials);
    }
    return kExitSuccess;
  }

 private:
  std::string study_;
  std::string storage_;
  bool json_ = false;
  bool curves_ = false;
  std::optional<int64_t> trial_;
};

class BestCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "best", "Print the best trial (for several objectives: the Pareto front)");
    cmd->add_option("study", study_, "Study name")->required();
    AddStorageOption(cmd, &storage_);
    cmd->add_flag("--json", json_, "Print JSON");
    return cmd;
  }

  int Execute() override {
    const Study study = Study::Load(OpenCliStorage(storage_), study_);
    std::vector<FrozenTrial> best;
    if (study.is_multi_objective()) {
      best = study.ParetoFront();
    } else if (auto trial = study.BestTrial()) {
      best.push_back(std::move(*trial));
    }
    if (best.empty()) throw NotFound("study '" + study.name() + "' has no complete trial yet");
    const size_t objectives = study.directions().size();
    if (json_) {
      if (study.is_multi_objective()) {
        Json front = Json::array();
        for (const FrozenTrial& t : best) front.push_back(report::TrialToJson(t, objectives));
        std::printf("%s\n", front.dump(2).c_str());
      } else {
        std::printf("%s\n", report::TrialToJson(best.front(), objectives).dump(2).c_str());
      }
      return kExitSuccess;
    }
    if (!study.is_multi_objective()) {
      const FrozenTrial& t = best.front();
      std::printf("trial %lld: value %s\n", static_cast<long long>(t.number),
                  FormatShort(t.value()).c_str());
      for (const std::string& name : ParamOrder(study)) {
        auto it = t.params.find(name);
        if (it != t.params.end())
          std::printf("  %s: %s\n", name.c_str(), it->second.ToText().c_str());
      }
      return kExitSuccess;
    }
    std::printf("Pareto front of study %s (%s):\n", study.name().c_str(),
                Directions(study).c_str());
    PrintTrials(study, best);
    return kExitSuccess;
  }

 private:
  std::string study_;
  std::string storage_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeShowCommand() { return std::make_unique<ShowCommand>(); }
std::unique_ptr<Command> MakeBestCommand() { return std::make_unique<BestCommand>(); }

}  // namespace automl::cli
