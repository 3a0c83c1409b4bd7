// Running the built `automl` tool from tests, as a user would.
#ifndef AUTOML_TESTS_TESTING_CLI_H_
#define AUTOML_TESTS_TESTING_CLI_H_

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "automl/exec/subprocess.h"
#include "automl/json.h"

namespace automl::testing {

struct CliResult {
  int code = -1;    // exit status (128 + signal when killed)
  std::string out;  // stdout
  std::string err;  // stderr (its end, up to 1 MiB)
  // stdout parsed as JSON (null when it is not JSON).
  Json json() const { return Json::parse(out, nullptr, false); }
};

// Runs `automl ARGS...` in |cwd| and waits for it (at most |timeout|).
inline CliResult RunCli(const std::vector<std::string>& args, const std::string& cwd = "",
                        std::chrono::seconds timeout = std::chrono::seconds(120)) {
  exec::SubprocessOptions options;
  options.argv = {AUTOML_CLI};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.working_directory = cwd;
  options.stderr_tail_bytes = 1 << 20;
  exec::Subprocess process(options);
  CliResult result;
  const auto keep = [&](std::string_view line) { result.out.append(line).push_back('\n'); };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process.ReadOutput(std::chrono::milliseconds(100), keep)) {
    if (std::chrono::steady_clock::now() > deadline) {
      process.Terminate(std::chrono::milliseconds(500));
      result.err = process.stderr_tail() + "\n[test: timed out]";
      return result;
    }
  }
  const exec::ExitStatus status = process.Finish(keep);
  result.code = status.signal ? 128 + status.signal : status.code;
  result.err = process.stderr_tail();
  return result;
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Lines of |text| (without their newlines).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_CLI_H_
