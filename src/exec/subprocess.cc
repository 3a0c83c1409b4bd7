#include "automl/exec/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <thread>

#include "automl/error.h"

namespace automl::exec {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The child's environment: ours, with |overrides| replacing or adding variables.
std::vector<std::string> BuildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, value] : overrides) replaced |= key == name;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// What the child was doing when it failed.
enum ChildStage : int { kSetup = 1, kChdir = 2, kExec = 3 };

// Writes the stage and errno to |fd| and exits: how the child reports a failure before or at
// exec to its parent. (One write of 8 bytes: atomic on a pipe.)
[[noreturn]] void ChildFail(int fd, ChildStage stage) {
  const int report[2] = {stage, errno};
  ssize_t ignored = write(fd, report, sizeof(report));
  (void)ignored;
  _exit(127);
}

// What the child of a vfork() needs, prepared before it.
struct ChildSetup {
  const char* program;
  char* const* argv;
  char* const* env;
  const char* cwd;  // nullptr: the parent's
  int null_fd, out_fd, err_fd, exec_fd;
  pid_t parent;
};

// The child's setup: its own process group (so the whole group can be signalled), killed with
// its parent, default signal handling, /dev/null as stdin and the pipes as stdout and stderr.
// Only async-signal-safe calls: after vfork it runs in its parent's memory.
void SetUpChild(const ChildSetup* s) {
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(s->exec_fd, kSetup);
  if (getppid() != s->parent) _exit(127);  // the parent died before prctl took effect
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(s->null_fd, STDIN_FILENO) < 0 || dup2(s->out_fd, STDOUT_FILENO) < 0 ||
      dup2(s->err_fd, STDERR_FILENO) < 0) {
    ChildFail(s->exec_fd, kSetup);
  }
  if (s->cwd && chdir(s->cwd) != 0) ChildFail(s->exec_fd, kChdir);
}

// The child of vfork(): set up, then the program.
[[noreturn]] __attribute__((noinline)) void RunChild(const ChildSetup* s) {
  SetUpChild(s);
  execve(s->program, s->argv, s->env);
  ChildFail(s->exec_fd, kExec);
}

// The child of fork() for SubprocessOptions::function: set up, then the function, in this copy
// of the parent. Closing the exec pipe tells the parent that the setup succeeded.
[[noreturn]] void RunFunctionChild(const ChildSetup* s, const std::function<int()>& function,
                                   std::initializer_list<int> parent_ends) {
  for (int fd : parent_ends) close(fd);
  SetUpChild(s);
  for (int fd : {s->exec_fd, s->null_fd, s->out_fd, s->err_fd}) close(fd);
  int code = 1;
  try {
    code = function();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
  std::fflush(nullptr);
  _exit(code);
}

// How long the streams may stay open once every process of the group is dead: only a process
// that left the group (setsid, a daemon) can still hold them, and it is not waited for.
constexpr std::chrono::milliseconds kStreamGrace(1000);

}  // namespace

std::string ExitStatus::Describe() const {
  if (signal != 0) {
    const char* name = strsignal(signal);
    return "killed by signal " + std::to_string(signal) +
           (name ? std::string(" (") + name + ")" : "");
  }
  return "exited with status " + std::to_string(code);
}

std::string ResolveProgram(const std::string& program) {
  if (program.empty()) throw InvalidArgument("the command's program name is empty");
  if (program.find('/') != std::string::npos) {
    if (!IsExecutableFile(program)) {
      throw InvalidArgument("cannot run '" + program + "': not an executable file");
    }
    return program;
  }
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = path.find(':', start);
    std::string dir =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw InvalidArgument("cannot run '" + program + "': not found in PATH");
}

Subprocess::Subprocess(const SubprocessOptions& options)
    : stderr_tail_bytes_(options.stderr_tail_bytes) {
  const bool function = static_cast<bool>(options.function);
  if (options.argv.empty() && !function) throw InvalidArgument("the command is empty");
  const std::string name = options.argv.empty() ? "a function" : options.argv[0];
  // Everything the child needs is prepared before fork(): between fork and exec a child of a
  // threaded process may only make async-signal-safe calls.
  std::string program = function ? std::string() : ResolveProgram(options.argv[0]);
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = BuildEnvironment(options.environment);
  std::vector<char*> argv_ptrs = Pointers(argv);
  std::vector<char*> env_ptrs = Pointers(env);
  const char* cwd = options.working_directory.empty() ? nullptr : options.working_directory.c_str();

  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw StorageError(std::string("pipe: ") + strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw StorageError(std::string("pipe: ") + strerror(errno));
  }
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    throw StorageError(std::string("pipe: ") + strerror(errno));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();

  // vfork(), not fork(): the child borrows this process's memory until it execs instead of
  // copying its page tables, which for a process with LibTorch mapped cost about 10 ms of system
  // time per start (measured: bench/workers, BENCHMARKS.md). While it borrows, no handler of
  // ours may run in it, so every signal is blocked around the call; the child resets the
  // dispositions (its own table: vfork shares memory, not signal handlers) before unblocking.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  // Everything the child reads lives in one object in memory, not in registers vfork could
  // clobber.
  const ChildSetup setup{program.c_str(), argv_ptrs.data(), env_ptrs.data(), cwd,   null_fd,
                         out_pipe[1],     err_pipe[1],      exec_pipe[1],    parent};
  pid_t child = -1;
  if (function) {
    std::fflush(nullptr);  // what is buffered here must not be written by the copy too
    child = fork();
    if (child == 0)
      RunFunctionChild(&setup, options.function, {out_pipe[0], err_pipe[0], exec_pipe[0]});
  } else {
    // Not posix_spawn(): it cannot ask for PR_SET_PDEATHSIG, which keeps an objective from
    // outliving a killed automl. The child writes nothing but the pid_t vfork returns into.
    child = vfork();  // NOLINT(clang-analyzer-security.insecureAPI.vfork)
    // The child makes only async-signal-safe system calls before it execs, as glibc's own
    // posix_spawn does on its vfork-like clone.
    if (child == 0) RunChild(&setup);  // NOLINT(clang-analyzer-unix.Vfork)
  }
  const int fork_errno = errno;
  pid_ = child;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  for (int fd : {out_pipe[1], err_pipe[1], exec_pipe[1], null_fd}) close(fd);
  if (pid_ < 0) {
    for (int fd : {out_pipe[0], err_pipe[0], exec_pipe[0]}) close(fd);
    throw StorageError(std::string(function ? "fork: " : "vfork: ") + strerror(fork_errno));
  }
  setpgid(pid_, pid_);  // also from here, so the group exists before we ever signal it

  // The exec pipe closes on a successful exec; otherwise it carries the stage that failed and
  // the child's errno.
  int report[2] = {0, 0};
  ssize_t n;
  do {
    n = read(exec_pipe[0], report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  close(exec_pipe[0]);
  stdout_fd_ = out_pipe[0];
  stderr_fd_ = err_pipe[0];
  if (n == static_cast<ssize_t>(sizeof(report))) {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    CloseStreams();
    std::string what;
    if (report[0] == kChdir) {
      what = "cannot change to directory '" + options.working_directory + "': ";
    } else if (report[0] == kSetup) {
      what = "cannot set up the process: ";
    }
    throw InvalidArgument("cannot run " + (function ? name : "'" + name + "'") + ": " + what +
                          strerror(report[1]));
  }
  for (int fd : {stdout_fd_, stderr_fd_}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    KillGroup(SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  } else if (pid_ > 0) {
    KillGroup(SIGKILL);  // stragglers the program left in its group
  }
  CloseStreams();
}

void Subprocess::KillGroup(int sig) const {
  if (pid_ > 0) kill(-pid_, sig);
}

void Subprocess::CloseStreams() {
  for (int* fd : {&stdout_fd_, &stderr_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

bool Subprocess::ReadOutput(std::chrono::milliseconds timeout,
                            const std::function<void(std::string_view)>& on_line) {
  if (stdout_fd_ < 0 && stderr_fd_ < 0) return false;
  pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
  const int ready = poll(fds, 2, static_cast<int>(timeout.count()));
  if (ready <= 0) return true;  // timeout or a signal: the caller checks its clock and flags

  char buffer[65536];
  if (stdout_fd_ >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    const ssize_t n = read(stdout_fd_, buffer, sizeof(buffer));
    if (n > 0) {
      stdout_partial_.append(buffer, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = stdout_partial_.find('\n', start)) != std::string::npos;
           start = nl + 1) {
        std::string_view line(stdout_partial_.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_line(line);
      }
      stdout_partial_.erase(0, start);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      if (!stdout_partial_.empty() && stdout_partial_.back() == '\r') stdout_partial_.pop_back();
      if (!stdout_partial_.empty()) on_line(stdout_partial_);
      stdout_partial_.clear();
      close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }
  if (stderr_fd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
    const ssize_t n = read(stderr_fd_, buffer, sizeof(buffer));
    if (n > 0) {
      stderr_tail_.append(buffer, static_cast<size_t>(n));
      if (stderr_tail_.size() > stderr_tail_bytes_) {
        stderr_tail_.erase(0, stderr_tail_.size() - stderr_tail_bytes_);
      }
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      close(stderr_fd_);
      stderr_fd_ = -1;
    }
  }
  return stdout_fd_ >= 0 || stderr_fd_ >= 0;
}

std::optional<ExitStatus> Subprocess::TryWait() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return std::nullopt;
  ExitStatus exit;
  if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  } else {
    exit.code = WEXITSTATUS(status);
  }
  status_ = exit;
  return status_;
}

ExitStatus Subprocess::Finish(const std::function<void(std::string_view)>& on_line) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> exited_at;
  std::optional<Clock::time_point> killed_at;
  for (;;) {
    const bool open = ReadOutput(std::chrono::milliseconds(50), on_line);
    if (TryWait() && !exited_at) {
      exited_at = Clock::now();
    }
    if (!open && status_) return *status_;
    // The program has exited but something it started still holds the streams: give it a
    // moment to flush, then end the group.
    if (exited_at && !killed_at && Clock::now() - *exited_at > std::chrono::milliseconds(200)) {
      KillGroup(SIGKILL);
      killed_at = Clock::now();
    }
    // Whatever holds them now left the group and may live on: stop reading rather than wait.
    if (killed_at && Clock::now() - *killed_at > kStreamGrace) {
      if (!stdout_partial_.empty()) on_line(stdout_partial_);
      stdout_partial_.clear();
      CloseStreams();
      return *status_;
    }
    if (!open && !status_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

ExitStatus Subprocess::Terminate(std::chrono::milliseconds grace,
                                 const std::function<void(std::string_view)>& on_line) {
  using Clock = std::chrono::steady_clock;
  const auto keep = [&](std::string_view line) {
    if (on_line) on_line(line);
  };
  if (!TryWait()) {
    KillGroup(SIGTERM);
    const auto deadline = Clock::now() + grace;
    // Keep reading while the program shuts down: one that writes more than a pipe buffer on
    // its way out would otherwise block until SIGKILL, and its last words would be lost.
    while (!TryWait() && Clock::now() < deadline) {
      if (!ReadOutput(std::chrono::milliseconds(10), keep)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (!status_) {
      KillGroup(SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      ExitStatus exit;
      exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
      status_ = exit;
    }
  }
  KillGroup(SIGKILL);  // whatever else is left in the group
  // Drain what is left so that the last lines are not lost, but do not wait for a process that
  // left the group and still holds the streams.
  const auto drain_deadline = Clock::now() + kStreamGrace;
  while (ReadOutput(std::chrono::milliseconds(50), keep)) {
    if (Clock::now() > drain_deadline) {
      if (!stdout_partial_.empty()) keep(stdout_partial_);
      stdout_partial_.clear();
      CloseStreams();
      break;
    }
  }
  return *status_;
}

}  // namespace automl::exec
