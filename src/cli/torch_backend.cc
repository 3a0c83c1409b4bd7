#include "cli/torch_backend.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "automl/error.h"

namespace automl::cli {
namespace {

std::vector<std::string>& CommandLine() {
  static std::vector<std::string> line;
  return line;
}

#ifdef AUTOML_TORCH_BACKEND
// automl-torch: beside this program (a build tree), or in ../libexec/automl/ (an install).
std::string TorchProgram() {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw FailedPrecondition("cannot find this program's path (/proc/self/exe)");
  const std::filesystem::path dir =
      std::filesystem::path(std::string(self, size_t(n))).parent_path();
  for (const std::filesystem::path& candidate :
       {dir / "automl-torch", dir / ".." / "libexec" / "automl" / "automl-torch"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw FailedPrecondition("this needs LibTorch, and automl-torch is neither beside " +
                           dir.string() + "/automl nor in " +
                           (dir / ".." / "libexec" / "automl").string());
}

#endif

}  // namespace

void KeepCommandLine(int argc, char** argv) { CommandLine().assign(argv, argv + argc); }

void RunWithTorch() {
#ifdef AUTOML_TORCH_BACKEND
  const std::string program = TorchProgram();
  std::vector<std::string> line = CommandLine();
  std::vector<char*> args;
  args.reserve(line.size() + 1);
  for (std::string& arg : line) args.push_back(arg.data());
  args.push_back(nullptr);
  std::fflush(nullptr);
  execv(program.c_str(), args.data());
  throw FailedPrecondition("cannot start " + program + ": " + std::strerror(errno));
#else
  throw FailedPrecondition(
      "this automl was built without LibTorch; rebuild with -DAUTOML_WITH_TORCH=ON");
#endif
}

bool StudyConfigNeedsTorch(const Json& config, const Components& components) {
  if (!config.is_object()) return false;
  const Json& objective = config.value("objective", Json());
  if (objective.is_object() && objective.contains("task")) return true;
#ifdef AUTOML_TORCH_BACKEND
  // A component's name: the value itself, or its `name` (as StudyConfig reads them).
  const auto unknown = [&config](const char* key, const auto& registry) {
    const Json& spec = config.value(key, Json());
    const Json& name = spec.is_object() ? spec.value("name", Json()) : spec;
    return name.is_string() && !registry.Contains(name.get<std::string>());
  };
  return unknown("sampler", components.samplers) || unknown("pruner", components.pruners);
#else
  (void)components;
  return false;
#endif
}

}  // namespace automl::cli
