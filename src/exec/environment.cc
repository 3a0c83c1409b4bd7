#include "automl/exec/environment.h"

#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <boost/version.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "automl/exec/subprocess.h"
#include "automl/version.h"
#include "automl/worker.h"

namespace automl::exec {
namespace {

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  const size_t b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// The value after "key:" on the first line of |path| that starts with |key|.
std::string ProcField(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return Trim(line.substr(colon + 1));
    }
  }
  return "";
}

// Runs a small command (no shell) and returns its stdout, or nullopt if it fails.
std::optional<std::string> Capture(const std::vector<std::string>& argv, const std::string& dir) {
  try {
    SubprocessOptions options;
    options.argv = argv;
    options.working_directory = dir;
    Subprocess process(options);
    std::string out;
    const auto start = std::chrono::steady_clock::now();
    while (process.ReadOutput(std::chrono::milliseconds(100),
                              [&](std::string_view line) { out.append(line).push_back('\n'); })) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) {
        process.Terminate(std::chrono::milliseconds(100));
        return std::nullopt;
      }
    }
    if (!process.Finish([&](std::string_view line) { out.append(line).push_back('\n'); })
             .success()) {
      return std::nullopt;
    }
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Json Gpus() {
  // NVIDIA's driver lists its GPUs under /proc; no tool needs to be installed for this.
  Json gpus = Json::array();
  std::error_code ec;
  const std::filesystem::path root("/proc/driver/nvidia/gpus");
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string model = ProcField((entry.path() / "information").string(), "Model");
    if (!model.empty()) gpus.push_back(model);
  }
  return gpus;
}

}  // namespace

Json CaptureEnvironment(const std::string& directory) {
  Json env = Json::object();
  env["automl"] = AUTOML_VERSION;
  const WorkerInfo self = CurrentWorker();
  env["host"] = self.host;
  utsname uts{};
  if (uname(&uts) == 0)
    env["os"] = std::string(uts.sysname) + " " + uts.release + " " + uts.machine;
  const std::string pretty = ProcField("/etc/os-release", "PRETTY_NAME");
  if (!pretty.empty()) {
    std::string name = pretty;
    name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
    if (const size_t eq = name.find('='); eq != std::string::npos) name = name.substr(eq + 1);
    env["distribution"] = name;
  }
  env["cpu"] = {{"cores", std::thread::hardware_concurrency()}};
  const std::string model = ProcField("/proc/cpuinfo", "model name");
  if (!model.empty()) env["cpu"]["model"] = model;
  // MemTotal is in KiB.
  const double mem_kib = std::strtod(ProcField("/proc/meminfo", "MemTotal").c_str(), nullptr);
  if (mem_kib > 0) env["memory_gib"] = std::round(mem_kib / 1048576.0 * 10) / 10;
  env["gpus"] = Gpus();
#if defined(__clang__)
  env["compiler"] = "clang " __clang_version__;
#elif defined(__GNUC__)
  env["compiler"] = "g++ " __VERSION__;
#endif
  env["libraries"] = {{"sqlite", sqlite3_libversion()},
                      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
                      {"boost", std::to_string(BOOST_VERSION / 100000) + "." +
                                    std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                                    std::to_string(BOOST_VERSION % 100)}};
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(directory, ec);
  env["directory"] = ec ? directory : absolute.string();
  if (auto revision = Capture({"git", "rev-parse", "HEAD"}, directory)) {
    Json git = {{"revision", Trim(*revision)}};
    if (auto status =
            Capture({"git", "status", "--porcelain", "--untracked-files=no"}, directory)) {
      git["dirty"] = !Trim(*status).empty();
    }
    env["git"] = git;
  }
  return env;
}

}  // namespace automl::exec
