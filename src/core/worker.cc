#include "automl/worker.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace automl {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

struct ProcStat {
  char state = '?';
  std::string start_time;  // clock ticks after boot, as text
};

// Fields of /proc/PID/stat after the command name, which is in parentheses and may itself hold
// spaces and parentheses: the last ')' ends it.
std::optional<ProcStat> ReadProcStat(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  ProcStat stat;
  std::string field;
  // Field 3 is the state; field 22 the start time.
  for (int index = 3; fields >> field; ++index) {
    if (index == 3) stat.state = field.empty() ? '?' : field[0];
    if (index == 22) {
      stat.start_time = field;
      return stat;
    }
  }
  return std::nullopt;
}

}  // namespace

WorkerInfo CurrentWorker() {
  WorkerInfo worker;
  worker.host = HostName();
  worker.pid = getpid();
  const auto stat = ReadProcStat(worker.pid);
  worker.token = BootId() + "/" + std::to_string(worker.pid) + "/" + (stat ? stat->start_time : "");
  return worker;
}

Liveness CheckLiveness(const WorkerInfo& worker) {
  if (worker.host != HostName()) return Liveness::kUnknown;
  // token = boot id / pid / start time
  const size_t first = worker.token.find('/');
  const size_t second = worker.token.find('/', first == std::string::npos ? 0 : first + 1);
  if (first == std::string::npos || second == std::string::npos) return Liveness::kUnknown;
  if (worker.token.substr(0, first) != BootId()) return Liveness::kDead;  // rebooted since
  if (worker.pid <= 0) return Liveness::kUnknown;
  if (kill(static_cast<pid_t>(worker.pid), 0) != 0 && errno == ESRCH) return Liveness::kDead;
  const auto stat = ReadProcStat(worker.pid);
  if (!stat) return Liveness::kDead;
  if (stat->start_time != worker.token.substr(second + 1)) return Liveness::kDead;  // PID reused
  if (stat->state == 'Z' || stat->state == 'X') return Liveness::kDead;  // exited, not reaped
  return Liveness::kAlive;
}

}  // namespace automl
