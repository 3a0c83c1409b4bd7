#include "core/heartbeat_keeper.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "automl/error.h"

namespace automl::internal {

double HeartbeatKeeper::IntervalFor(double timeout) { return std::min(5.0, timeout / 4); }

HeartbeatKeeper::HeartbeatKeeper(std::shared_ptr<Storage> storage, double interval)
    : storage_(std::move(storage)), interval_(interval) {}

HeartbeatKeeper::~HeartbeatKeeper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HeartbeatKeeper::Hold(int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  held_.insert(trial_id);
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void HeartbeatKeeper::Release(int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  held_.erase(trial_id);
}

void HeartbeatKeeper::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto period = std::chrono::duration<double>(interval_);
    if (wake_.wait_for(lock, period, [this] { return stopping_; })) return;
    const std::vector<int64_t> trials(held_.begin(), held_.end());
    // Beats go out without the lock, so that asking and telling never wait for the storage here.
    lock.unlock();
    std::vector<int64_t> gone;
    for (const int64_t id : trials) {
      try {
        storage_->Heartbeat(id);
      } catch (const FailedPrecondition&) {
        gone.push_back(id);  // finished meanwhile, or failed as lost by another worker
      } catch (const Error&) {
        // The storage failed this once (a busy database, a dropped connection): the next beat
        // tries again, and a trial is only lost after heartbeat_timeout without one.
      }
    }
    lock.lock();
    for (const int64_t id : gone) held_.erase(id);
  }
}

}  // namespace automl::internal
