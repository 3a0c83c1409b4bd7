// Beats for the RUNNING trials this process holds, so that other workers can tell them from lost
// ones (Study::FailLostTrials). One thread per open study, started at the first trial, beats
// every held trial each |interval| seconds until the trial is told or the study is closed. A
// trial that can no longer be beaten for (another worker failed it as lost) is dropped.
#ifndef AUTOML_SRC_CORE_HEARTBEAT_KEEPER_H_
#define AUTOML_SRC_CORE_HEARTBEAT_KEEPER_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "automl/storage.h"

namespace automl::internal {

class HeartbeatKeeper {
 public:
  // The interval of a study whose trials count as lost after |timeout| seconds without a beat:
  // a quarter of it, at most 5 s.
  static double IntervalFor(double timeout);

  // Beats go to |storage| every |interval| seconds.
  HeartbeatKeeper(std::shared_ptr<Storage> storage, double interval);
  ~HeartbeatKeeper();
  HeartbeatKeeper(const HeartbeatKeeper&) = delete;
  HeartbeatKeeper& operator=(const HeartbeatKeeper&) = delete;

  // Starts beating for |trial_id| (the thread starts with the first trial).
  void Hold(int64_t trial_id);
  // Stops beating for |trial_id|.
  void Release(int64_t trial_id);

 private:
  void Run();

  const std::shared_ptr<Storage> storage_;
  const double interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<int64_t> held_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_HEARTBEAT_KEEPER_H_
