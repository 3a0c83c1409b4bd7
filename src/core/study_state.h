// The state a Study handle and its Trials share (not part of the public API).
#ifndef AUTOML_SRC_CORE_STUDY_STATE_H_
#define AUTOML_SRC_CORE_STUDY_STATE_H_

#include <memory>
#include <mutex>
#include <optional>

#include "automl/frozen_trial.h"
#include "automl/pruner.h"
#include "automl/sampler.h"
#include "automl/storage.h"
#include "core/heartbeat_keeper.h"

namespace automl::internal {

struct StudyState {
  std::shared_ptr<Storage> storage;
  StudyRecord record;  // id, name, directions, space, seed as stored; attributes as of opening
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<Pruner> pruner;
  int64_t max_retries = 2;
  double heartbeat_timeout = 60;  // seconds
  WorkerInfo worker;              // this process
  // Beats for the trials this process has asked for and not told yet.
  std::unique_ptr<HeartbeatKeeper> heartbeats;

  // Ask samples the next fresh trial before claiming it when it can predict the trial's number
  // and sample index (ClaimRequest::Speculation). The prediction is checked on every claim and
  // used only while it keeps coming true, so that processes sharing a study, whose predictions
  // mostly fail, do not sample twice.
  struct FreshTrial {
    int64_t number;
    int64_t sample_index;
  };
  std::mutex prediction_mutex;
  std::optional<FreshTrial> next_fresh;
  bool prediction_holds = true;
};

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_STUDY_STATE_H_
