// automl nas best STUDY: the best trial's architecture; automl nas darts|hmnas CONFIG: a
// differentiable search (cli/darts_command.cc).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"
#include "automl/storage.h"
#include "automl/structured_param.h"
#include "automl/study.h"
#include "cli/command.h"

namespace automl::cli {
namespace {

// The structured parameter to print: |name|, or the study's only one.
const StructuredParam& PickArchitecture(const Study& study, const std::string& name) {
  const auto& structured = study.space().structured();
  if (!name.empty()) {
    if (const StructuredParam* p = study.space().FindStructured(name)) return *p;
    throw InvalidArgument("study '" + study.name() + "' has no architecture parameter '" + name +
                          "'");
  }
  if (structured.empty()) {
    throw InvalidArgument("study '" + study.name() +
                          "' has no architecture parameter (a space entry of type nasnet-cell or "
                          "chain); a nas darts|hmnas study's genotype is in its trials' user "
                          "attribute 'architecture' and in models_dir/STUDY/genotype.json");
  }
  if (structured.size() > 1) {
    std::string names;
    for (const auto& p : structured) names += (names.empty() ? "" : ", ") + p->name();
    throw InvalidArgument("study '" + study.name() + "' has several architecture parameters (" +
                          names + "); choose one with --param");
  }
  return *structured.front();
}

class NasCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("nas", "Neural architecture search results");
    cmd->require_subcommand(1);
    CLI::App* best = cmd->add_subcommand("best", "Print the best trial's architecture as JSON");
    best->add_option("study", study_, "Study name")->required();
    AddStorageOption(best, &storage_);
    best->add_option("--param", param_, "The architecture parameter (when there are several)");
    best->add_option("--svg", svg_, "Also draw its cells into this SVG file (nasnet-cell only)");
    for (const char* method : {"darts", "hmnas"}) {
      searches_.push_back(MakeDifferentiableSearchCommand(method));
      search_apps_.push_back(searches_.back()->Register(*cmd));
    }
    return cmd;
  }

  int Execute() override {
    for (size_t i = 0; i < searches_.size(); ++i) {
      if (search_apps_[i]->parsed()) return searches_[i]->Execute();
    }
    const Study study = Study::Load(OpenCliStorage(storage_), study_);
    const StructuredParam& arch = PickArchitecture(study, param_);
    const std::optional<FrozenTrial> best = study.BestTrial();
    if (!best) throw NotFound("study '" + study.name() + "' has no complete trial yet");
    const Json genotype = arch.Compose(best->params);
    if (!svg_.empty()) {
      // Only cells have a drawing; refused before the file is created, so none is left behind.
      const Json type = arch.ToJson().at("type");
      if (type != "nasnet-cell") {
        throw InvalidArgument("--svg draws nasnet-cell architectures; '" + arch.name() +
                              "' is of type " + type.get<std::string>());
      }
      std::ofstream file(svg_, std::ios::binary | std::ios::trunc);
      if (!file) throw InvalidArgument("cannot write '" + svg_ + "'");
      // The composed value is a valid genotype of the space; any options read it back.
      const nas::CellSpaceOptions options = nas::CellSpaceOptions::FromJson(arch.ToJson());
      file << nas::GenotypeSvg(nas::FromJson(genotype, options));
      if (!file.flush()) throw StorageError("writing '" + svg_ + "' failed");
    }
    std::printf("%s\n", genotype.dump(2).c_str());
    std::fprintf(stderr, "trial %lld, value %s\n", static_cast<long long>(best->number),
                 Json(best->value()).dump().c_str());
    return kExitSuccess;
  }

 private:
  std::vector<std::unique_ptr<Command>> searches_;
  std::vector<CLI::App*> search_apps_;
  std::string study_;
  std::string storage_;
  std::string param_;
  std::string svg_;
};

}  // namespace

std::unique_ptr<Command> MakeNasCommand() { return std::make_unique<NasCommand>(); }

}  // namespace automl::cli
