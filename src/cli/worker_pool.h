// `automl run --workers N`: the other N - 1 workers of a study, as child processes. They share
// the study through its storage (the counting contract makes them meet the target exactly);
// their output is passed through, and an interrupt of this process (SIGINT, SIGTERM) is passed
// on to them.
#ifndef AUTOML_SRC_CLI_WORKER_POOL_H_
#define AUTOML_SRC_CLI_WORKER_POOL_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "automl/exec/subprocess.h"

namespace automl::cli {

class WorkerPool {
 public:
  // Starts one child per entry of |children| and a thread that drains their output (stdout to
  // this process's stdout, stderr to its stderr) and terminates them when |interrupted| turns
  // true.
  WorkerPool(const std::vector<exec::SubprocessOptions>& children,
             const std::atomic<bool>& interrupted);
  // Terminates the children still running (when Wait() was not reached: an error here).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Waits for every child; returns their exit statuses, in order.
  std::vector<exec::ExitStatus> Wait();

 private:
  void Supervise();

  const std::atomic<bool>& interrupted_;
  std::atomic<bool> abandon_{false};
  std::vector<std::unique_ptr<exec::Subprocess>> children_;
  std::vector<exec::ExitStatus> statuses_;
  std::thread supervisor_;
};

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_WORKER_POOL_H_
