// Subprocess: runs a program without a shell and reads its output as it comes.
//
// The program runs in a process group of its own, with stdin from /dev/null and stdout and
// stderr on pipes. It receives SIGKILL when the process that started it dies, even by kill -9
// (Linux's parent-death signal; note it fires when the starting *thread* ends, so start
// subprocesses from threads that outlive them). Terminating or destroying a Subprocess kills its
// whole process group, so no orphans are left behind.
#ifndef AUTOML_EXEC_SUBPROCESS_H_
#define AUTOML_EXEC_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace automl::exec {

struct ExitStatus {
  int code = 0;    // the exit status, when the process exited
  int signal = 0;  // the signal that killed it, or 0
  bool success() const { return signal == 0 && code == 0; }
  // "exited with status 3", "killed by signal 11 (Segmentation fault)".
  std::string Describe() const;
};

struct SubprocessOptions {
  std::vector<std::string> argv;
  // Instead of a program (argv then only names it in messages): this process forks, and the
  // child runs |function| and exits with what it returns (1, with the message on stderr, when it
  // throws). fork() copies only the calling thread, so this is for a process that has started
  // no threads of its own yet (`automl run --workers`, before it opens its storage).
  std::function<int()> function;
  // Set in the child's environment, on top of (or replacing) this process's variables.
  std::vector<std::pair<std::string, std::string>> environment;
  std::string working_directory;  // empty: this process's
  size_t stderr_tail_bytes = 8192;
};

// The path execve() would run for |program|: itself when it holds a slash, else the first
// executable match in PATH. Throws InvalidArgument naming the program when there is none.
std::string ResolveProgram(const std::string& program);

class Subprocess {
 public:
  // Starts the program. Throws InvalidArgument when it cannot be run (not found, not
  // executable), with the reason.
  explicit Subprocess(const SubprocessOptions& options);
  // Kills the process group and reaps the process if it still runs.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits up to |timeout| for output, hands every complete stdout line (without its newline) to
  // |on_line| and keeps the end of stderr. A last line without a newline is handed over when
  // stdout closes. Returns false once both streams are closed.
  bool ReadOutput(std::chrono::milliseconds timeout,
                  const std::function<void(std::string_view)>& on_line);

  // The exit status once the process has ended (reaping it), nullopt while it runs.
  std::optional<ExitStatus> TryWait();
  // Reads output until both streams close and the process ends. Once the process itself has
  // exited, what is left of its group is killed so that the streams close; a descendant that left
  // the group (setsid, a daemon) may hold them open at most one more second.
  ExitStatus Finish(const std::function<void(std::string_view)>& on_line);
  // Sends SIGTERM to the group, SIGKILL after |grace| if the process still runs; reaps it and
  // hands the rest of stdout, read meanwhile, to |on_line|.
  ExitStatus Terminate(std::chrono::milliseconds grace,
                       const std::function<void(std::string_view)>& on_line = {});

  // The last bytes written to stderr.
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  void KillGroup(int signal) const;
  void CloseStreams();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_partial_;
  std::string stderr_tail_;
  size_t stderr_tail_bytes_;
  std::optional<ExitStatus> status_;
};

}  // namespace automl::exec

#endif  // AUTOML_EXEC_SUBPROCESS_H_
