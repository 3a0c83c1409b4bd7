#include "cli/worker_pool.h"

#include <chrono>
#include <cstdio>
#include <string_view>

#include "automl/error.h"

namespace automl::cli {

WorkerPool::WorkerPool(const std::vector<exec::SubprocessOptions>& children,
                       const std::atomic<bool>& interrupted)
    : interrupted_(interrupted) {
  for (const exec::SubprocessOptions& options : children) {
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
