// Runs LibTorch on one intra-op thread for as long as it lives, so that floating-point results do
// not depend on how work is split, and gives back the previous count when it ends.
//
// The count is process-wide in LibTorch's bookkeeping (with its OpenMP backend, the calling
// thread's team size and the default of threads that have not used LibTorch yet), so two guards
// alive at once in two threads may restore in the wrong order: that changes the thread count
// afterwards, never a result computed under a guard. Callers that must not interleave (one
// sampler's asks) hold their own lock around it.
#ifndef AUTOML_DL_NAS_SINGLE_TORCH_THREAD_H_
#define AUTOML_DL_NAS_SINGLE_TORCH_THREAD_H_

namespace automl::dl::internal {

class SingleTorchThread {
 public:
  SingleTorchThread();
  ~SingleTorchThread();
  SingleTorchThread(const SingleTorchThread&) = delete;
  SingleTorchThread& operator=(const SingleTorchThread&) = delete;

 private:
  int previous_;
};

}  // namespace automl::dl::internal

#endif  // AUTOML_DL_NAS_SINGLE_TORCH_THREAD_H_
