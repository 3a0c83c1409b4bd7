// Latency on the target device, measured and predicted (hardware-aware NAS).
//
// A path's latency is predicted from a lookup table of each layer choice's latency, measured in
// its place in the network (its input shape), plus the stem's and the head's, as MnasNet and
// FBNet do: the table is measured once, L x C measurements instead of one per path, and a
// search asks it for millions of paths at no cost. Each entry is the median of `repeats` timed
// forward passes after `warmup` untimed ones, in eval mode without gradients (CUDA synchronized
// around each). What the sum leaves out (the hand-over between modules) shows as the table's
// error against measuring whole paths, which LatencyTable::Compare reports.
//
// M. Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for Mobile", CVPR 2019;
// B. Wu et al., "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable Neural
// Architecture Search", CVPR 2019.
#ifndef AUTOML_DL_LATENCY_H_
#define AUTOML_DL_LATENCY_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "automl/dl/supernet.h"
#include "automl/json.h"

namespace automl::dl {

struct LatencyOptions {
  int64_t batch = 1;     // examples per forward pass (1: on-device inference)
  int64_t warmup = 10;   // untimed passes first
  int64_t repeats = 30;  // timed passes; the median counts
  int threads = 0;       // LibTorch intra-op threads while measuring (0: leave as is)

  static LatencyOptions FromJson(const Json& json);
  Json ToJson() const;
};

// The median wall time of |run| in milliseconds, after the warm-up (|synchronize| after each
// call, for devices that run asynchronously).
double MedianMilliseconds(const std::function<void()>& run, int64_t warmup, int64_t repeats,
                          const std::function<void()>& synchronize = {});

class LatencyTable {
 public:
  // Measures every choice of every layer of |supernet| in its place, the stem and the head, on
  // the device the supernet is on (the target device: move it there first).
  static LatencyTable Measure(ChainSupernet& supernet, const LatencyOptions& options);

  // The predicted latency of |path| in milliseconds: stem + the path's choices + head.
  double Predict(const std::vector<int64_t>& path) const;
  // The measured latency of the whole path in milliseconds.
  static double MeasurePath(ChainSupernet& supernet, const std::vector<int64_t>& path,
                            const LatencyOptions& options);

  // Predicted against measured for |paths|: per path both values and the relative error
  // (predicted / measured - 1), and the mean and largest absolute relative error.
  struct Comparison {
    std::vector<double> predicted, measured, relative_error;
    double mean_abs_error = 0, max_abs_error = 0;
    Json ToJson() const;
  };
  Comparison Compare(ChainSupernet& supernet, const std::vector<std::vector<int64_t>>& paths) const;

  const LatencyOptions& options() const { return options_; }
  double stem_ms() const { return stem_ms_; }
  double head_ms() const { return head_ms_; }
  double block_ms(size_t layer, size_t choice) const { return block_ms_.at(layer).at(choice); }
  // {"options": ..., "device": "cpu", "stem_ms": ..., "head_ms": ..., "layers": [[ms per choice]]}
  Json ToJson() const;
  static LatencyTable FromJson(const Json& json);

 private:
  LatencyOptions options_;
  std::string device_;
  double stem_ms_ = 0, head_ms_ = 0;
  std::vector<std::vector<double>> block_ms_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_LATENCY_H_
