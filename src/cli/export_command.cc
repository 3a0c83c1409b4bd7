// automl export STUDY --format csv|json.
#include <fstream>
#include <iostream>

#include "automl/error.h"
#include "automl/report/trial_json.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/command.h"

namespace automl::cli {
namespace {

class ExportCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("export", "Export a study's trials as CSV or JSON");
    cmd->add_option("study", study_, "Study name")->required();
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--format", format_, "csv or json")->check(CLI::IsMember({"csv", "json"}));
    cmd->add_option("--output,-o", output_, "Write to this file instead of stdout");
    return cmd;
  }

  int Execute() override {
    const Study study = Study::Load(OpenCliStorage(storage_), study_);
    const std::vector<FrozenTrial> trials = study.Trials();
    std::ofstream file;
    if (!output_.empty()) {
      file.open(output_, std::ios::binary | std::ios::trunc);
      if (!file) throw InvalidArgument("cannot write '" + output_ + "'");
    }
    std::ostream& out = output_.empty() ? std::cout : file;
    if (format_ == "csv") {
      report::WriteCsv(study, trials, out);
    } else {
      out << report::StudyToJson(study, trials, /*full=*/true).dump(2) << "\n";
    }
    out.flush();
    if (!out) throw StorageError("writing the export failed");
    return kExitSuccess;
  }

 private:
  std::string study_;
  std::string storage_;
  std::string format_ = "csv";
  std::string output_;
};

}  // namespace

std::unique_ptr<Command> MakeExportCommand() { return std::make_unique<ExportCommand>(); }

}  // namespace automl::cli
