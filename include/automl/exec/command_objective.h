// CommandObjective: a trial runs a program (any language) as its objective.
//
//   objective:
//     command: ["python3", "train.py", "--lr={lr}", "{x}"]
//     timeout: 600          # seconds per trial (default: none)
//     grace: 5              # seconds between SIGTERM and SIGKILL when stopping it (default 5)
//     env: {OMP_NUM_THREADS: "2"}
//     cwd: path             # working directory (default: the current one)
//
// The argv is used as it is, each {name} replaced by the trial's value; it never passes through
// a shell, so no value can inject a command. An element that refers to a parameter inactive in
// the trial is left out (so "--momentum={momentum}" disappears when momentum does not apply).
// The program also finds AUTOML_PARAMS (the parameters as JSON), AUTOML_TRIAL (the number),
// AUTOML_SEED and AUTOML_STUDY in its environment.
//
// It reports on stdout with JSON lines: {"step": k, "value": v} (or "values": [...]) is an
// intermediate value, fed to the pruner as it arrives; the last {"value": v} (or {"values": [..]})
// is the result. Python's NaN and Infinity are understood. Every other line is kept as the trial's
// log. A non-zero exit, a death by a signal, no result line, a NaN or infinite result, a wrong
// number of values, or the timeout make the trial FAILED with the reason (and the last line of
// stderr); the end of stderr is stored with the trial. A pruned trial's process gets SIGTERM, then
// SIGKILL after the grace period, and the trial becomes PRUNED.
#ifndef AUTOML_EXEC_COMMAND_OBJECTIVE_H_
#define AUTOML_EXEC_COMMAND_OBJECTIVE_H_

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/optimize.h"
#include "automl/search_space.h"
#include "automl/trial.h"

namespace automl::exec {

struct CommandObjectiveOptions {
  std::vector<std::string> command;
  std::optional<double> timeout_seconds;
  double grace_seconds = 5;
  std::map<std::string, std::string> environment;
  std::string working_directory;
  size_t max_log_bytes = 1 << 20;  // stdout log kept per trial (its end, past this size)

  // Reads the `objective:` mapping; throws InvalidArgument naming the key.
  static CommandObjectiveOptions FromJson(const Json& json);
  bool IsValid(std::string* error) const;
};

class CommandObjective {
 public:
  // Checks that every {name} is a parameter of |space| and that the program exists (when its
  // name holds no placeholder); throws InvalidArgument otherwise.
  CommandObjective(CommandObjectiveOptions options, const SearchSpace& space, size_t objectives);

  // Runs the command for |trial|. While it runs, raising |*stop_flag| terminates it (the trial
  // FAILS as interrupted).
  TrialOutcome Run(Trial& trial, const std::atomic<bool>* stop_flag = nullptr) const;

  // The argv for |params| (elements referring to inactive parameters left out).
  std::vector<std::string> Argv(const ParamMap& params) const;

  const CommandObjectiveOptions& options() const { return options_; }

 private:
  CommandObjectiveOptions options_;
  size_t objectives_;
  SearchSpace space_;  // composes structured parameters (architectures) for substitution
};

}  // namespace automl::exec

#endif  // AUTOML_EXEC_COMMAND_OBJECTIVE_H_
