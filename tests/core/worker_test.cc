#include "automl/worker.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace automl {
namespace {

TEST(WorkerTest, CurrentWorkerIsAlive) {
  const WorkerInfo self = CurrentWorker();
  EXPECT_FALSE(self.host.empty());
  EXPECT_EQ(self.pid, getpid());
  EXPECT_EQ(std::count(self.token.begin(), self.token.end(), '/'), 2);
  EXPECT_EQ(CheckLiveness(self), Liveness::kAlive);
}

TEST(WorkerTest, EndedAndReusedProcessesAreDead) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  // The child's identity, as it would have recorded it (same boot, its PID, some start time).
  WorkerInfo gone = CurrentWorker();
  waitpid(child, nullptr, 0);
  gone.pid = child;
  EXPECT_EQ(CheckLiveness(gone), Liveness::kDead);

  // Our own PID with another start time: a recycled PID, not the process that ran the trial.
  WorkerInfo recycled = CurrentWorker();
  recycled.token = recycled.token.substr(0, recycled.token.rfind('/') + 1) + "1";
  EXPECT_EQ(CheckLiveness(recycled), Liveness::kDead);

  // Another boot: the machine restarted since.
  WorkerInfo rebooted = CurrentWorker();
  rebooted.token = "another-boot" + rebooted.token.substr(rebooted.token.find('/'));
  EXPECT_EQ(CheckLiveness(rebooted), Liveness::kDead);
}

TEST(WorkerTest, ProcessesOnOtherHostsAreUnknown) {
  WorkerInfo remote = CurrentWorker();
  remote.host = "some-other-host.example";
  remote.pid = 1;
  EXPECT_EQ(CheckLiveness(remote), Liveness::kUnknown);
}

}  // namespace
}  // namespace automl
