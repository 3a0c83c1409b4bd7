#include "automl/exec/command_objective.h"

#include <chrono>
#include <cmath>
#include <regex>

#include "automl/error.h"
#include "automl/exec/subprocess.h"
#include "automl/substitution.h"

namespace automl::exec {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps the last |limit| bytes of what is appended, counting what it dropped.
class TailBuffer {
 public:
  explicit TailBuffer(size_t limit) : limit_(limit) {}
  void AppendLine(std::string_view line) {
    text_.append(line);
    text_.push_back('\n');
    if (text_.size() > limit_) {
      const size_t drop = text_.size() - limit_;
      dropped_ += drop;
      text_.erase(0, drop);
    }
  }
  std::string Text() const {
    if (dropped_ == 0) return text_;
    return "[... " + std::to_string(dropped_) + " earlier bytes dropped ...]\n" + text_;
  }

 private:
  size_t limit_;
  size_t dropped_ = 0;
  std::string text_;
};

// Python's json module writes NaN, Infinity and -Infinity, which JSON lacks; read them as the
// strings automl's value lists use for non-finite numbers.
std::string PythonNonFinite(std::string_view line) {
  static const std::regex kToken(R"(([:\[,]\s*)(-?Infinity|NaN)(?=\s*[,\]\}]))");
  std::string out;
  std::regex_replace(std::back_inserter(out), line.begin(), line.end(), kToken, "$1\"$2\"");
  return out;
}

std::optional<double> NumberOf(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN" || s == "nan") return std::nan("");
    if (s == "Infinity" || s == "inf") return HUGE_VAL;
    if (s == "-Infinity" || s == "-inf") return -HUGE_VAL;
  }
  return std::nullopt;
}

// The values of a protocol line ("value": v or "values": [...]), or nullopt if it has none.
std::optional<std::vector<double>> ValuesOf(const Json& line) {
  if (line.contains("value")) {
    if (auto v = NumberOf(line.at("value"))) return std::vector<double>{*v};
    return std::nullopt;
  }
  if (line.contains("values") && line.at("values").is_array()) {
    std::vector<double> values;
    for (const Json& item : line.at("values")) {
      auto v = NumberOf(item);
      if (!v) return std::nullopt;
      values.push_back(*v);
    }
    return values;
  }
  return std::nullopt;
}

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  std::string line = text.substr(start == std::string::npos ? 0 : start + 1,
                                 end - (start == std::string::npos ? 0 : start + 1) + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

std::string WithStderr(const std::string& reason, const std::string& stderr_tail) {
  const std::string last = LastLine(stderr_tail);
  return last.empty() ? reason : reason + ": " + last;
}

std::string Seconds(double s) { return ParamValue(s).ToText() + " s"; }

}  // namespace

CommandObjectiveOptions CommandObjectiveOptions::FromJson(const Json& json) {
  auto fail = [](const std::string& problem) -> void {
    throw InvalidArgument("objective: " + problem);
  };
  if (!json.is_object()) fail("must be a mapping with a 'command'");
  CommandObjectiveOptions o;
  for (const auto& [key, value] : json.items()) {
    if (key == "command") {
      if (!value.is_array() || value.empty()) fail("command must be a non-empty list of strings");
      for (const Json& arg : value) {
        if (arg.is_string()) {
          o.command.push_back(arg.get<std::string>());
        } else if (arg.is_number() || arg.is_boolean()) {
          o.command.push_back(ParamValue::FromJson(arg).ToText());
        } else {
          fail("command must be a list of strings, not " + value.dump());
        }
      }
    } else if (key == "timeout") {
      if (!value.is_number() || !(value.get<double>() > 0))
        fail("timeout must be a positive number of seconds");
      o.timeout_seconds = value.get<double>();
    } else if (key == "grace") {
      if (!value.is_number() || value.get<double>() < 0)
        fail("grace must be a number of seconds >= 0");
      o.grace_seconds = value.get<double>();
    } else if (key == "env") {
      if (!value.is_object()) fail("env must be a mapping from variable names to strings");
      for (const auto& [name, v] : value.items()) {
        if (v.is_string()) {
          o.environment[name] = v.get<std::string>();
        } else if (v.is_number() || v.is_boolean()) {
          o.environment[name] = ParamValue::FromJson(v).ToText();
        } else {
          fail("env: " + name + " must be a string");
        }
      }
    } else if (key == "cwd") {
      if (!value.is_string()) fail("cwd must be a path");
      o.working_directory = value.get<std::string>();
    } else {
      fail("unknown key '" + key +
           "' for a command objective (known: command, timeout, grace, env, cwd)");
    }
  }
  if (o.command.empty()) fail("missing 'command'");
  return o;
}

bool CommandObjectiveOptions::IsValid(std::string* error) const {
  if (command.empty()) {
    *error = "command: must not be empty";
  } else if (timeout_seconds && !(*timeout_seconds > 0)) {
    *error = "timeout_seconds: must be positive";
  } else if (grace_seconds < 0) {
    *error = "grace_seconds: must be >= 0";
  } else {
    return true;
  }
  return false;
}

CommandObjective::CommandObjective(CommandObjectiveOptions options, const SearchSpace& space,
                                   size_t objectives)
    : options_(std::move(options)), objectives_(objectives), space_(space) {
  std::string error;
  if (!options_.IsValid(&error)) throw InvalidArgument("objective: " + error);
  for (size_t i = 0; i < options_.command.size(); ++i) {
    CheckPlaceholders(options_.command[i], space, "objective: command[" + std::to_string(i) + "]");
  }
  for (const auto& [name, value] : options_.environment) {
    CheckPlaceholders(value, space, "objective: env: " + name);
  }
  // Refuse a missing program now rather than fail every trial with it.
  if (Placeholders(options_.command[0]).empty()) {
    try {
      ResolveProgram(options_.command[0]);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("objective: ") + e.what());
    }
  }
}

std::vector<std::string> CommandObjective::Argv(const ParamMap& params) const {
  const StructuredValues structured = space_.StructuredValues(params);
  std::vector<std::string> argv;
  for (const std::string& arg : options_.command) {
    if (auto text = SubstituteText(arg, params, structured)) argv.push_back(std::move(*text));
  }
  return argv;
}

TrialOutcome CommandObjective::Run(Trial& trial, const std::atomic<bool>* stop_flag) const {
  SubprocessOptions sub;
  sub.argv = Argv(trial.params());
  sub.working_directory = options_.working_directory;
  const StructuredValues structured = space_.StructuredValues(trial.params());
  for (const auto& [name, value] : options_.environment) {
    if (auto text = SubstituteText(value, trial.params(), structured))
      sub.environment.emplace_back(name, *text);
  }
  // The parameters, with each architecture also as its composed value.
  Json params = ParamsToJson(trial.params());
  for (const auto& [name, value] : structured) params[name] = value;
  sub.environment.emplace_back("AUTOML_PARAMS", params.dump());
  sub.environment.emplace_back("AUTOML_TRIAL", std::to_string(trial.number()));
  sub.environment.emplace_back("AUTOML_SEED", std::to_string(trial.seed()));
  sub.environment.emplace_back("AUTOML_STUDY", trial.study_name());
  trial.SetSystemAttr("command", sub.argv);

  if (sub.argv.empty()) return TrialOutcome::Failed("the command is empty for these parameters");
  std::optional<Subprocess> process;
  try {
    process.emplace(sub);
  } catch (const InvalidArgument& e) {
    return TrialOutcome::Failed(e.what());
  }

  TailBuffer log(options_.max_log_bytes);
  std::optional<std::vector<double>> result;
  std::optional<int64_t> prune_step;
  std::string protocol_error;
  auto on_line = [&](std::string_view line) {
    if (line.empty() || line.front() != '{') {
      log.AppendLine(line);
      return;
    }
    Json parsed = Json::parse(PythonNonFinite(line), nullptr, /*allow_exceptions=*/false);
    std::optional<std::vector<double>> values;
    if (!parsed.is_object() || !(values = ValuesOf(parsed))) {
      log.AppendLine(line);  // JSON, but not ours
      return;
    }
    if (!parsed.contains("step")) {
      result = std::move(values);
      return;
    }
    const Json& step = parsed.at("step");
    if (!step.is_number_integer() || step.get<int64_t>() < 0) {
      log.AppendLine(line);
      if (protocol_error.empty()) {  // the first bad line is the one to report
        protocol_error = "a step must be an integer >= 0: " + std::string(line);
      }
      return;
    }
    if (values->size() != objectives_) {
      if (protocol_error.empty()) {
        protocol_error = "step " + step.dump() + " reported " + std::to_string(values->size()) +
                         " values; the study has " + std::to_string(objectives_) + " objectives";
      }
      return;
    }
    if (prune_step) return;  // already stopping
    trial.Report(step.get<int64_t>(), *values);
    if (trial.ShouldPrune()) prune_step = step.get<int64_t>();
  };

  const auto log_only = [&](std::string_view line) { log.AppendLine(line); };
  const auto started = Clock::now();
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(options_.grace_seconds * 1000));
  auto finish = [&](TrialOutcome outcome) {
    trial.SetLog({log.Text(), process->stderr_tail()});
    return outcome;
  };

  for (;;) {
    if (stop_flag && stop_flag->load()) {
      process->Terminate(grace, log_only);
      return finish(TrialOutcome::Failed("interrupted"));
    }
    if (prune_step) {
      process->Terminate(grace, log_only);
      return finish(TrialOutcome::Pruned("pruned at step " + std::to_string(*prune_step)));
    }
    std::chrono::milliseconds wait(100);
    if (options_.timeout_seconds) {
      const double left =
          *options_.timeout_seconds - std::chrono::duration<double>(Clock::now() - started).count();
      if (left <= 0) {
        process->Terminate(grace, log_only);
        return finish(TrialOutcome::Failed(WithStderr(
            "timed out after " + Seconds(*options_.timeout_seconds), process->stderr_tail())));
      }
      wait = std::min(wait, std::chrono::milliseconds(static_cast<int64_t>(left * 1000) + 1));
    }
    const bool open = process->ReadOutput(wait, on_line);
    if (!open || process->TryWait()) break;
  }
  const ExitStatus status = process->Finish(on_line);
  if (prune_step) {
    return finish(TrialOutcome::Pruned("pruned at step " + std::to_string(*prune_step)));
  }
  if (!status.success()) {
    return finish(
        TrialOutcome::Failed(WithStderr("command " + status.Describe(), process->stderr_tail())));
  }
  if (!protocol_error.empty())
    return finish(TrialOutcome::Failed("bad report line: " + protocol_error));
  if (!result) {
    return finish(TrialOutcome::Failed(
        "command printed no result line ({\"value\": v} or {\"values\": [...]}) on stdout"));
  }
  if (result->size() != objectives_) {
    return finish(TrialOutcome::Failed("command reported " + std::to_string(result->size()) +
                                       " values; the study has " + std::to_string(objectives_) +
                                       " objectives"));
  }
  for (double v : *result) {
    if (!std::isfinite(v)) {
      return finish(TrialOutcome::Failed("command reported a non-finite value (" +
                                         ParamValue(v).ToText() + ")"));
    }
  }
  return finish(TrialOutcome::Complete(*result));
}

}  // namespace automl::exec
