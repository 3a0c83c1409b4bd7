#include "dl/nas/single_torch_thread.h"

#include <torch/torch.h>

namespace automl::dl::internal {

// Setting the count is skipped when it is already 1 (as in tests, and in processes that chose
// one thread): then nothing process-wide is touched at all.
SingleTorchThread::SingleTorchThread() : previous_(torch::get_num_threads()) {
  if (previous_ != 1) torch::set_num_threads(1);
}

SingleTorchThread::~SingleTorchThread() {
  if (previous_ != 1) torch::set_num_threads(previous_);
}

}  // namespace automl::dl::internal
