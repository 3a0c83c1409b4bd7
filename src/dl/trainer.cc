#include "automl/dl/trainer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "automl/config_keys.h"
#include "automl/dl/batch_sampler.h"
#include "automl/error.h"
#include "automl/random.h"

namespace automl::dl {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const std::vector<std::string>& TrainKeys() {
  static const std::vector<std::string> keys = {"task",
                                                "data",
                                                "model",
                                                "optimizer",
                                                "schedule",
                                                "epochs",
                                                "steps",
                                                "batch_size",
                                                "eval_batch_size",
                                                "augment",
                                                "label_smoothing",
                                                "grad_clip",
                                                "threads",
                                                "seed",
                                                "device",
                                                "metric",
                                                "proxy"};
  return keys;
}

int64_t PositiveInt(const Json& j, const char* key, int64_t min = 1) {
  if (!j.is_number_integer() || j.get<int64_t>() < min) {
    throw InvalidArgument(std::string(key) + ": must be an integer >= " + std::to_string(min) +
                          ", not " + j.dump());
  }
  return j.get<int64_t>();
}

double Number(const Json& j, const char* key, double min, double max) {
  if (!j.is_number() || !(j.get<double>() >= min && j.get<double>() <= max)) {
    throw InvalidArgument(std::string(key) + ": must be a number in [" + Json(min).dump() + ", " +
                          Json(max).dump() + "], not " + j.dump());
  }
  return j.get<double>();
}

int64_t PeakMemoryBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

// A copy of a module's parameters and buffers, to keep the best epoch's state.
using State = std::vector<std::pair<std::string, torch::Tensor>>;

State Snapshot(torch::nn::Module& module) {
  State state;
  for (const auto& p : module.named_parameters())
    state.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : module.named_buffers())
    state.emplace_back(b.key(), b.value().detach().clone());
  return state;
}

void Restore(torch::nn::Module& module, const State& state) {
  torch::NoGradGuard no_grad;
  auto params = module.named_parameters();
  auto buffers = module.named_buffers();
  for (const auto& [name, value] : state) {
    if (auto* p = params.find(name)) {
      p->copy_(value);
    } else if (auto* b = buffers.find(name)) {
      b->copy_(value);
    }
  }
}

}  // namespace

TrainConfig TrainConfig::FromJson(const Json& json, const std::string& source) {
  try {
    CheckKnownKeys(json, TrainKeys(), "training config");
    TrainConfig c;
    if (json.contains("task")) {
      if (!json.at("task").is_string()) throw InvalidArgument("task: must be a name");
      c.task = json.at("task").get<std::string>();
      if (c.task != "fashion-mnist" && c.task != "csv") {
        throw InvalidArgument("task: unknown task '" + c.task + "' (known: csv, fashion-mnist)");
      }
    }
    c.data = DataOptions::FromJson(json.value("data", Json::object()), c.task);
    if (!json.contains("model")) throw InvalidArgument("model: missing (a layer list or a family)");
    c.model = ModelSpec::FromJson(json.at("model"));
    if (json.contains("optimizer")) c.optimizer = OptimizerOptions::FromJson(json.at("optimizer"));
    if (json.contains("schedule")) c.schedule = ScheduleOptions::FromJson(json.at("schedule"));
    if (json.contains("epochs") && json.contains("steps")) {
      throw InvalidArgument("epochs and steps: give one budget, not both");
    }
    if (json.contains("epochs")) c.epochs = PositiveInt(json.at("epochs"), "epochs");
    if (json.contains("steps")) c.steps = PositiveInt(json.at("steps"), "steps");
    if (json.contains("batch_size"))
      c.batch_size = PositiveInt(json.at("batch_size"), "batch_size");
    if (json.contains("eval_batch_size")) {
      c.eval_batch_size = PositiveInt(json.at("eval_batch_size"), "eval_batch_size");
    }
    if (json.contains("augment")) c.augment = AugmentOptions::FromJson(json.at("augment"));
    if (json.contains("label_smoothing")) {
      c.label_smoothing = Number(json.at("label_smoothing"), "label_smoothing", 0, 0.999);
    }
    if (json.contains("grad_clip"))
      c.grad_clip = Number(json.at("grad_clip"), "grad_clip", 1e-12, 1e12);
    if (json.contains("threads"))
      c.threads = static_cast<int>(PositiveInt(json.at("threads"), "threads", 0));
    if (json.contains("seed"))
      c.seed = static_cast<uint64_t>(PositiveInt(json.at("seed"), "seed", 0));
    if (json.contains("device")) {
      const Json& d = json.at("device");
      if (!d.is_string() || (d != "auto" && d != "cpu" && d != "cuda")) {
        throw InvalidArgument("device: must be auto, cpu or cuda, not " + d.dump());
      }
      c.device = d.get<std::string>();
    }
    if (json.contains("metric")) {
      const Json& m = json.at("metric");
      if (m == "test_accuracy" || m == "test_loss") {
        throw InvalidArgument("metric: " + m.get<std::string>() +
                              " would let the test set drive the search; use val_accuracy or "
                              "val_loss (the test set is only for final reports)");
      }
      if (m != "val_accuracy" && m != "val_loss") {
        throw InvalidArgument("metric: must be val_accuracy or val_loss, not " + m.dump());
      }
      c.metric = m.get<std::string>();
    }
    if (json.contains("proxy")) c.proxy = ProxyOptions::FromJson(json.at("proxy"));
    return c;
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(source + ": " + e.what());
  }
}

Json TrainConfig::ToJson() const {
  Json j = {{"task", task},
            {"data", data.ToJson()},
            {"model", model.ToJson()},
            {"optimizer", optimizer.ToJson()},
            {"schedule", schedule.ToJson()}};
  if (steps) {
    j["steps"] = *steps;
  } else {
    j["epochs"] = epochs;
  }
  j["batch_size"] = batch_size;
  j["eval_batch_size"] = eval_batch_size;
  j["augment"] = augment.ToJson();
  j["label_smoothing"] = label_smoothing;
  if (grad_clip) j["grad_clip"] = *grad_clip;
  j["threads"] = threads;
  j["seed"] = seed;
  j["device"] = device;
  j["metric"] = metric;
  if (proxy) j["proxy"] = proxy->ToJson();
  return j;
}

TrainConfig TrainConfig::AtProxy() const {
  TrainConfig c = *this;
  c.proxy.reset();
  if (!proxy) return c;
  if (proxy->channels) c.model = model.ScaleChannels(*proxy->channels);
  if (proxy->resolution) {
    if (task != "fashion-mnist") {
      throw InvalidArgument("proxy: resolution applies to images, not to " + task);
    }
    const int64_t side = data.resolution.value_or(kFashionMnistSide);
    c.data.resolution = std::max<int64_t>(
        kMinResolution, std::llround(static_cast<double>(side) * *proxy->resolution));
  }
  if (proxy->fraction) c.data.fraction = data.fraction * *proxy->fraction;
  if (proxy->epochs) {
    c.steps.reset();
    c.epochs = *proxy->epochs;
  }
  return c;
}

Json TrainResult::ToJson() const {
  Json epochs = Json::array();
  for (const EpochMetrics& m : history) {
    epochs.push_back({{"epoch", m.epoch},
                      {"train_loss", m.train_loss},
                      {"train_accuracy", m.train_accuracy},
                      {"val_loss", m.val_loss},
                      {"val_accuracy", m.val_accuracy},
                      {"lr", m.lr},
                      {"seconds", m.seconds}});
  }
  return {{"val_accuracy", val_accuracy},
          {"val_loss", val_loss},
          {"test_accuracy", test_accuracy},
          {"test_loss", test_loss},
          {"best_epoch", best_epoch},
          {"epochs_run", epochs_run},
          {"stopped_early", stopped_early},
          {"interrupted", interrupted},
          {"images_per_sec", images_per_sec},
          {"seconds", seconds},
          {"train_seconds", train_seconds},
          {"data_seconds", data_seconds},
          {"params", params},
          {"flops", flops},
          {"peak_memory_bytes", peak_memory_bytes},
          {"device", device},
          {"history", epochs}};
}

torch::Device ResolveDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (name == "cuda") {
    if (!cuda) {
      throw InvalidArgument(
          "device: cuda was asked for, but this LibTorch has no CUDA or no GPU is visible");
    }
    return torch::kCUDA;
  }
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  throw InvalidArgument("device: must be auto, cpu or cuda, not '" + name + "'");
}

Trainer::Trainer(TrainConfig config, const DataSplits& data)
    : config_(std::move(config)), data_(data), device_(ResolveDevice(config_.device)) {
  if (config_.threads > 0) torch::set_num_threads(config_.threads);
  // Parameter initialization and dropout draw from LibTorch's global generator: seeding it here
  // makes a run repeatable. (In-process training is one run per process at a time.)
  torch::manual_seed(config_.seed);
  std::vector<int64_t> input_shape(data_.train.inputs.sizes().begin() + 1,
                                   data_.train.inputs.sizes().end());
  net_ = Net(config_.model, input_shape, data_.train.classes);
  net_->to(device_);
}

TrainResult Trainer::Train(TrainCallback* callback) {
  namespace F = torch::nn::functional;
  const auto run_start = Clock::now();
  if (data_.validation.size() == 0) {
    throw InvalidArgument("data: the validation part is empty, so no epoch can be judged");
  }
  TrainResult result;
  result.device = device_.str();
  result.params = net_->summary().params;
  result.flops = net_->summary().flops;

  // Dropout draws from the global generator too: seed it for this run, so that a run does not
  // depend on what else used the generator since the network was built.
  torch::manual_seed(DeriveSeed(config_.seed, 0, HashName("train")));
  auto optimizer = MakeOptimizer(net_->parameters(), config_.optimizer);
  const auto transforms = config_.augment.Build();
  BatchSampler sampler(data_.train.size(), config_.batch_size, /*shuffle=*/true, config_.seed);
  const int64_t per_epoch = sampler.batches_per_epoch();
  const int64_t total_steps = config_.steps ? *config_.steps : config_.epochs * per_epoch;
  const int64_t epochs = (total_steps + per_epoch - 1) / per_epoch;
  const double total_epochs = static_cast<double>(total_steps) / static_cast<double>(per_epoch);
  const auto smoothing = F::CrossEntropyFuncOptions().label_smoothing(config_.label_smoothing);

  State best_state;
  double best_metric = 0;
  int64_t step = 0;
  int64_t trained_examples = 0;
  for (int64_t epoch = 0; epoch < epochs && step < total_steps; ++epoch) {
    const auto epoch_start = Clock::now();
    net_->train();
    sampler.Start(epoch);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(
        DeriveSeed(config_.seed, static_cast<uint64_t>(epoch), HashName("augment")));
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, batch_in_epoch = 0;
    torch::Tensor indices;
    while (step < total_steps && sampler.Next(&indices)) {
      if (callback && callback->Interrupted()) {
        result.interrupted = true;
        break;
      }
      const auto data_start = Clock::now();
      Dataset batch = data_.train.Select(indices);
      torch::Tensor x = batch.inputs;
      if (!transforms.empty()) x = ApplyAll(transforms, x, generator);
      x = x.to(device_);
      const torch::Tensor y = batch.labels.to(device_);
      result.data_seconds += Since(data_start);

      const auto step_start = Clock::now();
      SetLearningRate(*optimizer,
                      config_.schedule.LearningRate(
                          config_.optimizer.lr,
                          static_cast<double>(epoch) +
                              static_cast<double>(batch_in_epoch) / static_cast<double>(per_epoch),
                          total_epochs));
      optimizer->zero_grad();
      net_->set_progress(static_cast<double>(step) / static_cast<double>(total_steps));
      const auto [logits, auxiliary] = net_->forward_with_auxiliary(x);
      torch::Tensor loss = F::cross_entropy(logits, y, smoothing);
      if (auxiliary.defined()) {
        loss = loss + net_->auxiliary_weight() * F::cross_entropy(auxiliary, y, smoothing);
      }
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw TrainingDiverged("training diverged: the loss is " + std::to_string(loss_value) +
                               " at epoch " + std::to_string(epoch) + ", step " +
                               std::to_string(step));
      }
      loss.backward();
      if (config_.grad_clip)
        torch::nn::utils::clip_grad_norm_(net_->parameters(), *config_.grad_clip);
      optimizer->step();
      result.train_seconds += Since(step_start);

      const int64_t n = y.size(0);
      loss_sum += loss_value * static_cast<double>(n);
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      seen += n;
      ++step;
      ++batch_in_epoch;
    }
    trained_examples += seen;
    if (result.interrupted) break;

    EpochMetrics m;
    m.epoch = epoch;
    m.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0;
    m.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
    const Evaluation val = Evaluate(net_, data_.validation, config_.eval_batch_size, device_);
    m.val_loss = val.loss;
    m.val_accuracy = val.accuracy;
    m.metric = config_.maximize() ? val.accuracy : val.loss;
    m.lr = config_.schedule.LearningRate(config_.optimizer.lr, static_cast<double>(epoch + 1),
                                         total_epochs);
    m.seconds = Since(epoch_start);
    result.history.push_back(m);
    result.epochs_run = epoch + 1;

    const bool improved = best_state.empty() ||
                          (config_.maximize() ? m.metric > best_metric : m.metric < best_metric);
    if (improved) {
      best_metric = m.metric;
      best_state = Snapshot(*net_);
      result.best_epoch = epoch;
      result.val_accuracy = val.accuracy;
      result.val_loss = val.loss;
    }
    if (callback && !callback->OnEpoch(m)) {
      result.stopped_early = true;
      break;
    }
  }

  // Report on the best epoch's parameters, chosen by validation alone.
  Restore(*net_, best_state);
  const Evaluation test = Evaluate(net_, data_.test, config_.eval_batch_size, device_);
  result.test_accuracy = test.accuracy;
  result.test_loss = test.loss;
  const double loop_seconds = result.train_seconds + result.data_seconds;
  result.images_per_sec =
      loop_seconds > 0 ? static_cast<double>(trained_examples) / loop_seconds : 0;
  result.peak_memory_bytes = PeakMemoryBytes();
  result.seconds = Since(run_start);
  return result;
}

}  // namespace automl::dl
