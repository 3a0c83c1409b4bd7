// SIGINT and SIGTERM as a flag for the long-running commands (proxy-rank, supernet-rank,
// supernet-search, scale): the first signal raises the flag, the running training stops at its
// next step and the command saves what it has, so that running it again resumes; a second signal
// ends the process at once (the handlers are reset after the first).
#ifndef AUTOML_SRC_CLI_INTERRUPT_H_
#define AUTOML_SRC_CLI_INTERRUPT_H_

#include <atomic>

namespace automl::cli {

// The flag the handlers raise: the process's one piece of signal state, since a signal handler
// can reach nothing else.
const std::atomic<bool>& InterruptFlag();
// Installs the handlers (no SA_RESTART: blocking waits wake up at once) and returns the flag.
const std::atomic<bool>& InstallInterruptHandlers();

// Whether the flag is raised; if so, also says on stderr that running the command again resumes.
bool ReportInterrupted();

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_INTERRUPT_H_
