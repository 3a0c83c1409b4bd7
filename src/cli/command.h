// A subcommand of the `automl` CLI: it registers its options with CLI11, then runs.
#ifndef AUTOML_SRC_CLI_COMMAND_H_
#define AUTOML_SRC_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/storage.h"

namespace automl::cli {

// Exit codes of the CLI (see README).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline constexpr const char* kDefaultStorage = "sqlite:///automl.db";

class Command {
 public:
  virtual ~Command() = default;
  // Adds the subcommand, with its options, to |app|.
  virtual CLI::App* Register(CLI::App& app) = 0;
  // Whether it runs in automl-torch (cli/torch_backend.h): `automl` then hands the whole
  // command line over before parsing it.
  virtual bool NeedsTorch() const { return false; }
  // Runs it once the command line is parsed; returns the exit code. Errors are thrown as
  // automl::Error and reported by main().
  virtual int Execute() = 0;
};

std::unique_ptr<Command> MakeRunCommand();
std::unique_ptr<Command> MakeWorkerCommand();
std::unique_ptr<Command> MakeListCommand();
std::unique_ptr<Command> MakeShowCommand();
std::unique_ptr<Command> MakeBestCommand();
std::unique_ptr<Command> MakeExportCommand();
std::unique_ptr<Command> MakeRetryCommand();
std::unique_ptr<Command> MakeEnqueueCommand();
std::unique_ptr<Command> MakeTrainCommand();
std::unique_ptr<Command> MakeModelCommand();
std::unique_ptr<Command> MakeNasCommand();
// `nas darts` or `nas hmnas` (|method|), registered under `nas` by MakeNasCommand's command.
std::unique_ptr<Command> MakeDifferentiableSearchCommand(const std::string& method);
std::unique_ptr<Command> MakeProxyRankCommand();
std::unique_ptr<Command> MakeSupernetRankCommand();
std::unique_ptr<Command> MakeSupernetSearchCommand();
std::unique_ptr<Command> MakeScaleCommand();
std::unique_ptr<Command> MakePolicyCommand();

// Adds `--storage URL` (default automl.db in the working directory) to |command|.
void AddStorageOption(CLI::App* command, std::string* url);
// What a search that runs as a study takes on its command line (nas darts|hmnas, policy
// augment|loss): --storage, --name (the study's base name), --seed, --json (a result file).
struct StudyRunFlags {
  std::string storage;
  std::string name;
  std::optional<uint64_t> seed;
  std::string json_path;
};
void AddStudyRunFlags(CLI::App* command, StudyRunFlags* flags);

// Opens the storage given with --storage (|url|), or the default when none was given.
std::shared_ptr<Storage> OpenCliStorage(const std::string& url);

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_COMMAND_H_
