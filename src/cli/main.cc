// automl: the command-line interface. Errors are caught here, once: one line on stderr and an
// exit code (0 success, 1 failure, 2 usage or invalid input).
#include <cstdio>
#include <exception>
#include <string>

#include "automl/error.h"
#include "automl/version.h"
#include "cli/command.h"
#include "cli/torch_backend.h"

namespace {

// One line, whatever the message holds.
std::string OneLine(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace automl::cli;
  KeepCommandLine(argc, argv);
  CLI::App app{"automl: hyperparameter, architecture and training-policy search", "automl"};
  app.set_version_flag("--version", AUTOML_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'automl COMMAND --help' for a command's options.");

  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeRunCommand());
  commands.push_back(MakeWorkerCommand());
  commands.push_back(MakeListCommand());
  commands.push_back(MakeShowCommand());
  commands.push_back(MakeBestCommand());
  commands.push_back(MakeExportCommand());
  commands.push_back(MakeRetryCommand());
  commands.push_back(MakeEnqueueCommand());
  commands.push_back(MakeTrainCommand());
  commands.push_back(MakeModelCommand());
  commands.push_back(MakeNasCommand());
  commands.push_back(MakeProxyRankCommand());
  commands.push_back(MakeSupernetRankCommand());
  commands.push_back(MakeSupernetSearchCommand());
  commands.push_back(MakeScaleCommand());
  commands.push_back(MakePolicyCommand());
  std::vector<CLI::App*> subcommands;
  subcommands.reserve(commands.size());
  for (auto& command : commands) subcommands.push_back(command->Register(app));
#ifndef AUTOML_HAVE_TORCH
  // The subcommand is the first word that is not an option (the app's own are flags).
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    for (size_t k = 0; k < commands.size(); ++k) {
      if (subcommands[k]->get_name() == argv[i] && commands[k]->NeedsTorch()) {
        try {
          RunWithTorch();
        } catch (const automl::Error& e) {
          std::fprintf(stderr, "automl: error: %s\n", OneLine(e.what()).c_str());
          return kExitFailure;
        }
      }
    }
    break;
  }
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help and version itself (exit code 0); every other parse error is usage.
    const int code = app.exit(e);
    return code == 0 ? kExitSuccess : kExitUsage;
  }

  try {
    for (size_t i = 0; i < commands.size(); ++i) {
      if (subcommands[i]->parsed()) return commands[i]->Execute();
    }
    return kExitUsage;
  } catch (const automl::Error& e) {
    std::fprintf(stderr, "automl: error: %s\n", OneLine(e.what()).c_str());
    return e.kind() == automl::ErrorKind::kInvalidArgument ? kExitUsage : kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "automl: error: %s\n", OneLine(e.what()).c_str());
    return kExitFailure;
  }
}
