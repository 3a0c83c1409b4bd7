#include "automl/dl/trainer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>

#include "automl/config_keys.h"
#include "automl/dl/batch_sampler.h"
#include "automl/error.h"
#include "automl/random.h"
#include "dl/archive_file.h"

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
                                                "loss",
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
    } else if (c.model.ToJson().contains("chain")) {
      c.eval_batch_size = kChainEvalBatchSize;
    }
    if (json.contains("augment")) c.augment = AugmentOptions::FromJson(json.at("augment"));
    if (json.contains("label_smoothing")) {
      c.label_smoothing = Number(json.at("label_smoothing"), "label_smoothing", 0, 0.999);
    }
    if (json.contains("loss")) c.loss = LossOptions::FromJson(json.at("loss"));
    CheckLabelSmoothing(c.loss, c.label_smoothing);
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
  if (!loss.is_cross_entropy()) j["loss"] = loss.ToJson();
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

// How far training has come: what a checkpoint holds besides the network and the optimizer.
struct Trainer::Progress {
  int64_t epochs_done = 0;
  int64_t step = 0;
  bool has_best = false;
  double best_metric = 0;
  State best;  // the best epoch's parameters and buffers
  State last;  // the last epoch's, while net_ holds the best ones after Train()
  int64_t best_epoch = 0;
  double val_accuracy = 0, val_loss = 0;  // at the best epoch
  std::vector<EpochMetrics> history;
};

Trainer::Trainer(TrainConfig config, const DataSplits& data)
    : config_(std::move(config)),
      data_(data),
      device_(ResolveDevice(config_.device)),
      progress_(std::make_unique<Progress>()) {
  if (config_.threads > 0) torch::set_num_threads(config_.threads);
  // Parameter initialization draws from LibTorch's global generator: seeding it here makes a run
  // repeatable. (In-process training is one run per process at a time.)
  torch::manual_seed(config_.seed);
  std::vector<int64_t> input_shape(data_.train.inputs.sizes().begin() + 1,
                                   data_.train.inputs.sizes().end());
  net_ = Net(config_.model, input_shape, data_.train.classes);
  net_->to(device_);
  optimizer_ = MakeOptimizer(net_->parameters(), config_.optimizer);
}

Trainer::~Trainer() = default;

Trainer::Schedule Trainer::StepSchedule() const {
  Schedule schedule;
  schedule.per_epoch =
      BatchSampler(data_.train.size(), config_.batch_size, /*shuffle=*/true, config_.seed)
          .batches_per_epoch();
  schedule.total_steps = config_.steps ? *config_.steps : config_.epochs * schedule.per_epoch;
  return schedule;
}

int64_t Trainer::total_epochs() const {
  const Schedule schedule = StepSchedule();
  return (schedule.total_steps + schedule.per_epoch - 1) / schedule.per_epoch;
}

int64_t Trainer::epochs_done() const { return progress_->epochs_done; }

TrainResult Trainer::Train(TrainCallback* callback, std::optional<int64_t> until_epoch) {
  namespace F = torch::nn::functional;
  const auto run_start = Clock::now();
  if (data_.validation.size() == 0) {
    throw InvalidArgument("data: the validation part is empty, so no epoch can be judged");
  }
  Progress& p = *progress_;
  // After an earlier Train() the network holds the best epoch's parameters: go on from the last.
  if (!p.last.empty()) Restore(*net_, p.last);
  TrainResult result;
  result.device = device_.str();
  result.params = net_->summary().params;
  result.flops = net_->summary().flops;

  const auto transforms = config_.augment.Build(data_.mean, data_.stddev);
  BatchSampler sampler(data_.train.size(), config_.batch_size, /*shuffle=*/true, config_.seed);
  const auto [per_epoch, total_steps] = StepSchedule();
  const int64_t epochs =
      std::min(total_epochs(), until_epoch.value_or(std::numeric_limits<int64_t>::max()));
  const double total_epochs = static_cast<double>(total_steps) / static_cast<double>(per_epoch);

  int64_t trained_examples = 0;
  for (int64_t epoch = p.epochs_done; epoch < epochs && p.step < total_steps; ++epoch) {
    const auto epoch_start = Clock::now();
    net_->train();
    sampler.Start(epoch);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(
        DeriveSeed(config_.seed, static_cast<uint64_t>(epoch), HashName("augment")));
    // Dropout and drop path draw from the global generator: seeded per epoch, so that an epoch
    // draws the same whether training ran straight through or was continued from a checkpoint.
    torch::manual_seed(DeriveSeed(config_.seed, static_cast<uint64_t>(epoch), HashName("train")));
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, batch_in_epoch = 0;
    torch::Tensor indices;
    while (p.step < total_steps && sampler.Next(&indices)) {
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
      SetLearningRate(*optimizer_,
                      config_.schedule.LearningRate(
                          config_.optimizer.lr,
                          static_cast<double>(epoch) +
                              static_cast<double>(batch_in_epoch) / static_cast<double>(per_epoch),
                          total_epochs));
      optimizer_->zero_grad();
      net_->set_progress(static_cast<double>(p.step) / static_cast<double>(total_steps));
      const auto [logits, auxiliary] = net_->forward_with_auxiliary(x);
      torch::Tensor loss = ClassificationLoss(config_.loss, logits, y, config_.label_smoothing);
      if (auxiliary.defined()) {
        loss = loss + net_->auxiliary_weight() *
                          ClassificationLoss(config_.loss, auxiliary, y, config_.label_smoothing);
      }
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw TrainingDiverged("training diverged: the loss is " + std::to_string(loss_value) +
                               " at epoch " + std::to_string(epoch) + ", step " +
                               std::to_string(p.step));
      }
      loss.backward();
      if (config_.grad_clip)
        torch::nn::utils::clip_grad_norm_(net_->parameters(), *config_.grad_clip);
      optimizer_->step();
      result.train_seconds += Since(step_start);

      const int64_t n = y.size(0);
      loss_sum += loss_value * static_cast<double>(n);
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      seen += n;
      ++p.step;
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
    p.history.push_back(m);
    p.epochs_done = epoch + 1;

    const bool improved =
        !p.has_best || (config_.maximize() ? m.metric > p.best_metric : m.metric < p.best_metric);
    if (improved) {
      p.has_best = true;
      p.best_metric = m.metric;
      p.best = Snapshot(*net_);
      p.best_epoch = epoch;
      p.val_accuracy = val.accuracy;
      p.val_loss = val.loss;
    }
    if (callback && !callback->OnEpoch(m)) {
      result.stopped_early = true;
      break;
    }
  }
  result.history = p.history;
  result.epochs_run = p.epochs_done;
  result.best_epoch = p.best_epoch;
  result.val_accuracy = p.val_accuracy;
  result.val_loss = p.val_loss;

  // Report on the best epoch's parameters, chosen by validation alone; keep the last epoch's to
  // continue from.
  p.last = Snapshot(*net_);
  if (p.has_best) Restore(*net_, p.best);
  if (evaluate_test_) {
    const Evaluation test = Evaluate(net_, data_.test, config_.eval_batch_size, device_);
    result.test_accuracy = test.accuracy;
    result.test_loss = test.loss;
  }
  const double loop_seconds = result.train_seconds + result.data_seconds;
  result.images_per_sec =
      loop_seconds > 0 ? static_cast<double>(trained_examples) / loop_seconds : 0;
  result.peak_memory_bytes = PeakMemoryBytes();
  result.seconds = Since(run_start);
  return result;
}

// ---- Checkpoints -------------------------------------------------------------------------------

namespace {

constexpr const char* kCheckpointMagic = "automl checkpoint";
constexpr int64_t kCheckpointFormat = 1;

Json EpochToJson(const EpochMetrics& m) {
  return {{"epoch", m.epoch},
          {"train_loss", m.train_loss},
          {"train_accuracy", m.train_accuracy},
          {"val_loss", m.val_loss},
          {"val_accuracy", m.val_accuracy},
          {"lr", m.lr},
          {"seconds", m.seconds},
          {"metric", m.metric}};
}

EpochMetrics EpochFromJson(const Json& j) {
  EpochMetrics m;
  m.epoch = j.at("epoch").get<int64_t>();
  m.train_loss = j.at("train_loss").get<double>();
  m.train_accuracy = j.at("train_accuracy").get<double>();
  m.val_loss = j.at("val_loss").get<double>();
  m.val_accuracy = j.at("val_accuracy").get<double>();
  m.lr = j.at("lr").get<double>();
  m.seconds = j.at("seconds").get<double>();
  m.metric = j.at("metric").get<double>();
  return m;
}

// Tensors are stored by position ("last_3"), their names in the progress record, because
// archive keys may not hold the dots of parameter names.
void WriteState(torch::serialize::OutputArchive& archive, const std::string& prefix,
                const State& state, Json& names) {
  names = Json::array();
  for (size_t i = 0; i < state.size(); ++i) {
    names.push_back(state[i].first);
    archive.write(prefix + std::to_string(i), state[i].second.cpu());
  }
}

State ReadState(torch::serialize::InputArchive& archive, const std::string& prefix,
                const Json& names) {
  State state;
  for (size_t i = 0; i < names.size(); ++i) {
    torch::Tensor tensor;
    archive.read(prefix + std::to_string(i), tensor);
    state.emplace_back(names[i].get<std::string>(), tensor);
  }
  return state;
}

// Opens |path| as a checkpoint and returns its progress record.
Json OpenCheckpoint(const std::string& path, torch::serialize::InputArchive& archive,
                    torch::Device device) {
  const std::string not_one = "'" + path + "' is not an automl training checkpoint";
  if (!std::filesystem::is_regular_file(path)) {
    throw InvalidArgument("cannot read checkpoint '" + path + "': no such file");
  }
  try {
    archive.load_from(path, device);
  } catch (const c10::Error&) {
    throw InvalidArgument(not_one);
  }
  c10::IValue magic, format, progress;
  if (!archive.try_read("magic", magic) || !magic.isString() ||
      magic.toStringRef() != kCheckpointMagic || !archive.try_read("progress", progress) ||
      !progress.isString()) {
    throw InvalidArgument(not_one);
  }
  if (!archive.try_read("format", format) || !format.isInt() ||
      format.toInt() > kCheckpointFormat) {
    throw VersionError("'" + path + "' was written by a newer automl (checkpoint format " +
                       (format.isInt() ? std::to_string(format.toInt()) : "?") + ")");
  }
  return Json::parse(progress.toStringRef());
}

}  // namespace

void Trainer::SaveCheckpoint(const std::string& path) const {
  const Progress& p = *progress_;
  Json record = {{"config", config_.ToJson()},
                 {"epochs_done", p.epochs_done},
                 {"step", p.step},
                 {"has_best", p.has_best},
                 {"best_metric", p.best_metric},
                 {"best_epoch", p.best_epoch},
                 {"val_accuracy", p.val_accuracy},
                 {"val_loss", p.val_loss},
                 {"history", Json::array()}};
  for (const EpochMetrics& m : p.history) record["history"].push_back(EpochToJson(m));

  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string(kCheckpointMagic)));
  archive.write("format", c10::IValue(kCheckpointFormat));
  // Before any Train() the network itself is the last state.
  WriteState(archive, "last_", p.last.empty() ? Snapshot(*net_.ptr()) : p.last, record["last"]);
  WriteState(archive, "best_", p.best, record["best"]);
  torch::serialize::OutputArchive optimizer;
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("progress", c10::IValue(record.dump()));

  SaveArchiveAtomically(archive, path, "checkpoint");
}

TrainConfig Trainer::CheckpointConfig(const std::string& path) {
  torch::serialize::InputArchive archive;
  return TrainConfig::FromJson(OpenCheckpoint(path, archive, torch::kCPU).at("config"), path);
}

void Trainer::LoadCheckpoint(const std::string& path) {
  torch::serialize::InputArchive archive;
  const Json record = OpenCheckpoint(path, archive, device_);
  if (record.at("config") != config_.ToJson()) {
    throw InvalidArgument("checkpoint '" + path +
                          "' was written by a training of another config; it cannot be continued "
                          "with this one");
  }
  Progress p;
  p.epochs_done = record.at("epochs_done").get<int64_t>();
  p.step = record.at("step").get<int64_t>();
  p.has_best = record.at("has_best").get<bool>();
  p.best_metric = record.at("best_metric").get<double>();
  p.best_epoch = record.at("best_epoch").get<int64_t>();
  p.val_accuracy = record.at("val_accuracy").get<double>();
  p.val_loss = record.at("val_loss").get<double>();
  for (const Json& m : record.at("history")) p.history.push_back(EpochFromJson(m));
  p.last = ReadState(archive, "last_", record.at("last"));
  p.best = ReadState(archive, "best_", record.at("best"));
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
  Restore(*net_, p.last);
  *progress_ = std::move(p);
}

// ---- Copies of one training -------------------------------------------------------------------

namespace {

State CloneState(const State& state) {
  State copy;
  copy.reserve(state.size());
  for (const auto& [name, tensor] : state) copy.emplace_back(name, tensor.clone());
  return copy;
}

}  // namespace

void Trainer::CopyStateFrom(const Trainer& source) {
  if (&source == this) return;
  const Progress& from = *source.progress_;
  Progress p = from;
  p.best = CloneState(from.best);
  // Before any Train() the source's network itself is its last state.
  p.last = from.last.empty() ? Snapshot(*source.net_.ptr()) : CloneState(from.last);
  // The optimizer's state (momentum, Adam's moments) travels through an in-memory archive, the
  // way a checkpoint carries it.
  torch::serialize::OutputArchive saved;
  source.optimizer_->save(saved);
  std::ostringstream bytes;
  saved.save_to(bytes);
  std::istringstream input(bytes.str());
  torch::serialize::InputArchive loaded;
  loaded.load_from(input, device_);
  optimizer_->load(loaded);
  Restore(*net_, p.last);
  *progress_ = std::move(p);
}

void Trainer::set_augment_policy(std::shared_ptr<const AugmentPolicy> policy) {
  config_.augment.policy = std::move(policy);
}

void Trainer::set_loss(LossOptions loss) {
  if (!loss.is_cross_entropy()) loss.Validate();
  CheckLabelSmoothing(loss, config_.label_smoothing);
  config_.loss = std::move(loss);
}

}  // namespace automl::dl
