#include "automl/dl/latency.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "automl/config_keys.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

using Clock = std::chrono::steady_clock;

int64_t ReadCount(const Json& json, const char* key, int64_t min, int64_t fallback) {
  if (!json.contains(key)) return fallback;
  const Json& v = json.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < min) {
    throw InvalidArgument(std::string("latency: ") + key + " must be an integer of at least " +
                          std::to_string(min) + ", not " + v.dump());
  }
  return v.get<int64_t>();
}

torch::Device DeviceOf(torch::nn::Module& module) {
  const std::vector<torch::Tensor> params = module.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

std::function<void()> SynchronizeFor(const torch::Device& device) {
  if (!device.is_cuda()) return {};
  // A tiny blocking copy waits for the queued kernels: LibTorch's C++ API has no portable
  // synchronize without the CUDA headers.
  return [device] { torch::zeros({1}, torch::TensorOptions().device(device)).cpu(); };
}

// Runs |threads| intra-op threads while alive, then restores the previous count.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : previous_(torch::get_num_threads()) {
    if (threads > 0) torch::set_num_threads(threads);
  }
  ~ThreadCount() { torch::set_num_threads(previous_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int previous_;
};

torch::Tensor InputOf(const std::vector<int64_t>& shape, int64_t batch, const torch::Device& d) {
  std::vector<int64_t> sizes = {batch};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  const torch::Tensor x = torch::randn(sizes, torch::TensorOptions().device(d));
  return x.dim() == 4 ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;  // as networks run
}

double TimeModules(torch::nn::Sequential modules, const torch::Tensor& x, const LatencyOptions& o,
                   const std::function<void()>& sync) {
  if (modules->is_empty()) return 0;
  return MedianMilliseconds([&] { modules->forward(x); }, o.warmup, o.repeats, sync);
}

}  // namespace

LatencyOptions LatencyOptions::FromJson(const Json& json) {
  LatencyOptions o;
  if (json.is_null()) return o;
  if (!json.is_object()) throw InvalidArgument("latency: must be a mapping, not " + json.dump());
  CheckKnownKeys(json, {"batch", "warmup", "repeats", "threads"}, "latency");
  o.batch = ReadCount(json, "batch", 1, o.batch);
  o.warmup = ReadCount(json, "warmup", 0, o.warmup);
  o.repeats = ReadCount(json, "repeats", 1, o.repeats);
  o.threads = static_cast<int>(ReadCount(json, "threads", 0, o.threads));
  return o;
}

Json LatencyOptions::ToJson() const {
  return {{"batch", batch}, {"warmup", warmup}, {"repeats", repeats}, {"threads", threads}};
}

double MedianMilliseconds(const std::function<void()>& run, int64_t warmup, int64_t repeats,
                          const std::function<void()>& synchronize) {
  for (int64_t i = 0; i < warmup; ++i) run();
  if (synchronize) synchronize();
  std::vector<double> times;
  times.reserve(static_cast<size_t>(repeats));
  for (int64_t i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    run();
    if (synchronize) synchronize();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  return n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

LatencyTable LatencyTable::Measure(ChainSupernet& supernet, const LatencyOptions& options) {
  LatencyTable table;
  table.options_ = options;
  const torch::Device device = DeviceOf(*supernet);
  table.device_ = device.str();
  const std::function<void()> sync = SynchronizeFor(device);
  const ThreadCount threads(options.threads);
  const bool was_training = supernet->is_training();
  supernet->eval();
  torch::NoGradGuard no_grad;
  // Each piece is timed on an input of the shape it gets in the network. One untimed sweep over
  // every piece first: the first calls of a process (oneDNN building its kernels, caches, clock
  // speed) run several times slower than the rest, beyond what a per-piece warm-up absorbs.
  const auto& choices = supernet->layer_choices();
  for (size_t layer = 0; layer < choices.size(); ++layer) {
    const torch::Tensor x = InputOf(supernet->block_input_shape(layer), options.batch, device);
    for (size_t c = 0; c < choices[layer].size(); ++c) {
      torch::nn::Sequential block = supernet->block(layer, c);
      for (int64_t i = 0; i < options.warmup && !block->is_empty(); ++i) block->forward(x);
    }
  }
  for (size_t layer = 0; layer < choices.size(); ++layer) {
    const torch::Tensor x = InputOf(supernet->block_input_shape(layer), options.batch, device);
    std::vector<double> row;
    for (size_t c = 0; c < choices[layer].size(); ++c) {
      row.push_back(TimeModules(supernet->block(layer, c), x, options, sync));
    }
    table.block_ms_.push_back(std::move(row));
  }
  table.stem_ms_ = TimeModules(
      supernet->stem(), InputOf(supernet->input_shape(), options.batch, device), options, sync);
  table.head_ms_ =
      TimeModules(supernet->head(), InputOf(supernet->head_input_shape(), options.batch, device),
                  options, sync);
  supernet->train(was_training);
  return table;
}

double LatencyTable::Predict(const std::vector<int64_t>& path) const {
  if (path.size() != block_ms_.size()) {
    throw InvalidArgument("latency table: a path needs " + std::to_string(block_ms_.size()) +
                          " choices, not " + std::to_string(path.size()));
  }
  double total = stem_ms_ + head_ms_;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] < 0 || static_cast<size_t>(path[i]) >= block_ms_[i].size()) {
      throw InvalidArgument("latency table: layer " + std::to_string(i) + " has no choice " +
                            std::to_string(path[i]));
    }
    total += block_ms_[i][static_cast<size_t>(path[i])];
  }
  return total;
}

double LatencyTable::MeasurePath(ChainSupernet& supernet, const std::vector<int64_t>& path,
                                 const LatencyOptions& options) {
  const torch::Device device = DeviceOf(*supernet);
  const ThreadCount threads(options.threads);
  const bool was_training = supernet->is_training();
  supernet->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = InputOf(supernet->input_shape(), options.batch, device);
  const double ms = MedianMilliseconds([&] { supernet->forward(x, path); }, options.warmup,
                                       options.repeats, SynchronizeFor(device));
  supernet->train(was_training);
  return ms;
}

LatencyTable::Comparison LatencyTable::Compare(
    ChainSupernet& supernet, const std::vector<std::vector<int64_t>>& paths) const {
  Comparison c;
  for (const auto& path : paths) {
    const double predicted = Predict(path);
    const double measured = MeasurePath(supernet, path, options_);
    const double error = measured > 0 ? predicted / measured - 1 : 0;
    c.predicted.push_back(predicted);
    c.measured.push_back(measured);
    c.relative_error.push_back(error);
    c.mean_abs_error += std::abs(error);
    c.max_abs_error = std::max(c.max_abs_error, std::abs(error));
  }
  if (!paths.empty()) c.mean_abs_error /= static_cast<double>(paths.size());
  return c;
}

Json LatencyTable::Comparison::ToJson() const {
  return {{"predicted_ms", predicted},
          {"measured_ms", measured},
          {"relative_error", relative_error},
          {"mean_abs_error", mean_abs_error},
          {"max_abs_error", max_abs_error}};
}

Json LatencyTable::ToJson() const {
  return {{"options", options_.ToJson()},
          {"device", device_},
          {"stem_ms", stem_ms_},
          {"head_ms", head_ms_},
          {"layers", block_ms_}};
}

LatencyTable LatencyTable::FromJson(const Json& json) {
  LatencyTable t;
  try {
    t.options_ = LatencyOptions::FromJson(json.at("options"));
    t.device_ = json.at("device").get<std::string>();
    t.stem_ms_ = json.at("stem_ms").get<double>();
    t.head_ms_ = json.at("head_ms").get<double>();
    t.block_ms_ = json.at("layers").get<std::vector<std::vector<double>>>();
  } catch (const Json::exception& e) {
    throw InvalidArgument(std::string("latency table: ") + e.what());
  }
  return t;
}

}  // namespace automl::dl
