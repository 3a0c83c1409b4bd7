// automl ls: the studies in a storage.
#include "automl/format.h"
#include "automl/report/trial_json.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/command.h"
#include "cli/table.h"

namespace automl::cli {
namespace {

class ListCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("ls", "List the studies in a storage");
    AddStorageOption(cmd, &storage_);
    cmd->add_flag("--json", json_, "Print JSON");
    return cmd;
  }

  int Execute() override {
    auto storage = OpenCliStorage(storage_);
    Json list = Json::array();
    Table table({"study", "directions", "complete", "pruned", "failed", "running", "waiting",
                 "best", "created"});
    for (const StudyRecord& record : storage->ListStudies()) {
      const Study study = Study::Load(storage, record.name);
      const TrialCounts c = study.Counts();
      std::string directions;
      Json dir_json = Json::array();
      for (Direction d : record.directions) {
        directions += (directions.empty() ? "" : ",") + std::string(DirectionName(d));
        dir_json.push_back(DirectionName(d));
      }
      std::optional<FrozenTrial> best;
      if (!study.is_multi_objective()) best = study.BestTrial();
      table.Add(
          {record.name, directions, std::to_string(c.complete), std::to_string(c.pruned),
           std::to_string(c.failed), std::to_string(c.running), std::to_string(c.waiting),
           best ? FormatShort(best->value()) + " (#" + std::to_string(best->number) + ")" : "",
           report::IsoTime(record.created)});
      list.push_back({{"study", record.name},
                      {"directions", dir_json},
                      {"counts",
                       {{"complete", c.complete},
                        {"pruned", c.pruned},
                        {"failed", c.failed},
                        {"running", c.running},
                        {"waiting", c.waiting}}},
                      {"best", best ? Json(best->value()) : Json(nullptr)},
                      {"created", report::IsoTime(record.created)}});
    }
    if (json_) {
      std::printf("%s\n", list.dump(2).c_str());
    } else {
      table.Print(stdout);
    }
    return kExitSuccess;
  }

 private:
  std::string storage_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeListCommand() { return std::make_unique<ListCommand>(); }

}  // namespace automl::cli
