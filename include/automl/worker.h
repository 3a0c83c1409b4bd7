// The process that owns a trial, and whether it is still alive.
#ifndef AUTOML_WORKER_H_
#define AUTOML_WORKER_H_

#include "automl/frozen_trial.h"

namespace automl {

// This process: host name, PID, and a token made of the boot id and the process start time.
WorkerInfo CurrentWorker();

enum class Liveness {
  kAlive,
  kDead,
  kUnknown,  // on another host: only a heartbeat can tell
};

// Whether the process described by |worker| still runs. On this host the answer is certain: the
// PID must exist and have the recorded start time under the same boot.
Liveness CheckLiveness(const WorkerInfo& worker);

}  // namespace automl

#endif  // AUTOML_WORKER_H_
