#include "cli/worker_pool.h"

#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <string_view>

#include "automl/error.h"

namespace automl::cli {

std::string SelfExecutable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) throw Error(ErrorKind::kInternal, "cannot find this program's path (/proc/self/exe)");
  return std::string(path, static_cast<size_t>(n));
}

WorkerPool::WorkerPool(const std::vector<std::vector<std::string>>& argvs,
                       const std::atomic<bool>& interrupted)
    : interrupted_(interrupted) {
  for (const auto& argv : argvs) {
    exec::SubprocessOptions options;
    options.argv = argv;
    children_.push_back(std::make_unique<exec::Subprocess>(options));
  }
  statuses_.resize(children_.size());
  supervisor_ = std::thread([this] { Supervise(); });
}

WorkerPool::~WorkerPool() {
  abandon_ = true;
  if (supervisor_.joinable()) supervisor_.join();
}

void WorkerPool::Supervise() {
  const auto print = [](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };
  std::vector<bool> done(children_.size(), false);
  size_t left = children_.size();
  while (left > 0) {
    for (size_t i = 0; i < children_.size(); ++i) {
      if (done[i]) continue;
      exec::Subprocess& child = *children_[i];
      if (interrupted_.load() || abandon_.load()) {
        statuses_[i] = child.Terminate(std::chrono::seconds(30), print);
      } else if (child.ReadOutput(std::chrono::milliseconds(50), print)) {
        continue;
      } else {
        statuses_[i] = child.Finish(print);
      }
      // A worker's own report of how it ended (its stderr) is shown once it is over.
      const std::string& tail = child.stderr_tail();
      if (!tail.empty()) {
        std::fprintf(stderr, "[worker %d] %s%s", static_cast<int>(child.pid()), tail.c_str(),
                     tail.back() == '\n' ? "" : "\n");
      }
      done[i] = true;
      --left;
    }
  }
}

std::vector<exec::ExitStatus> WorkerPool::Wait() {
  if (supervisor_.joinable()) supervisor_.join();
  return statuses_;
}

}  // namespace automl::cli
