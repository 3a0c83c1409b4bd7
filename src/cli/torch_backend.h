// Where LibTorch lives. `automl` itself does not load LibTorch: loading it costs about half a
// second of CPU before main() (its operator registrations), which a study of short command
// objectives, or a worker started for a few trials, pays for nothing (BENCHMARKS.md, "Several
// workers"). What needs LibTorch (training, NAS, training-policy search, in-process objectives,
// the reinforce sampler) runs in `automl-torch`, the same program built with it: `automl` hands
// its whole command line over to it (execv), so options, output and exit codes are that
// program's own.
#ifndef AUTOML_SRC_CLI_TORCH_BACKEND_H_
#define AUTOML_SRC_CLI_TORCH_BACKEND_H_

#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/registry.h"

namespace automl::cli {

// Keeps the command line, for RunWithTorch(); called once, first thing in main().
void KeepCommandLine(int argc, char** argv);

// Replaces this process with automl-torch, given the same command line. Where this build has
// no LibTorch at all (-DAUTOML_WITH_TORCH=OFF), or automl-torch cannot be started, throws
// FailedPrecondition saying so. In automl-torch itself it is never called.
[[noreturn]] void RunWithTorch();

// True when a study config needs LibTorch in this process: its objective trains in process, or
// (where automl-torch exists) it names a sampler or pruner that |components| lacks, which only
// automl-torch's registry may have.
bool StudyConfigNeedsTorch(const Json& config, const Components& components);

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_TORCH_BACKEND_H_
