#include "automl/dl/darts_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "automl/config_keys.h"
#include "automl/dl/batch_sampler.h"
#include "automl/dl/trainer.h"
#include "automl/error.h"
#include "automl/nas/masked_cell.h"
#include "automl/random.h"
#include "dl/archive_file.h"

namespace automl::dl {
namespace {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

constexpr const char* kMagic = "automl-darts-search";
constexpr int64_t kFormat = 1;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const std::vector<std::string> kCommonKeys = {
    "filters",           "layers",      "nodes",     "stem_multiplier",
    "primitives",        "epochs",      "order",     "batch_size",
    "optimizer",         "min_lr",      "grad_clip", "arch_lr",
    "arch_weight_decay", "temperature", "gumbel"};
const std::vector<std::string> kMaskKeys = {"mask_epochs",      "finetune_epochs", "mask_lr",
                                            "weight_mask_lr",   "op_threshold",    "edge_threshold",
                                            "weight_threshold", "weight_mask_init"};

int64_t IntIn(const Json& json, const std::string& key, const std::string& where, int64_t low,
              int64_t high) {
  const Json& v = json.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < low || v.get<int64_t>() > high) {
    throw InvalidArgument(where + ": " + key + " must be an integer in [" + std::to_string(low) +
                          ", " + std::to_string(high) + "], not " + v.dump());
  }
  return v.get<int64_t>();
}

double Number(const Json& json, const std::string& key, const std::string& where, double low,
              bool low_open) {
  const Json& v = json.at(key);
  const bool ok = v.is_number() && std::isfinite(v.get<double>()) &&
                  (low_open ? v.get<double>() > low : v.get<double>() >= low);
  if (!ok) {
    throw InvalidArgument(where + ": " + key + " must be a finite number " +
                          (low_open ? "above " : "of at least ") + Json(low).dump() + ", not " +
                          v.dump());
  }
  return v.get<double>();
}

// Every tensor's values, so that batchnorm statistics moved by virtual passes can be put back.
std::vector<torch::Tensor> CloneAll(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> copies;
  for (const torch::Tensor& t : tensors) copies.push_back(t.detach().clone());
  return copies;
}

void CopyInto(std::vector<torch::Tensor>& to, const std::vector<torch::Tensor>& from) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
}

// to += scale * direction, in place.
void AddScaled(std::vector<torch::Tensor>& to, const std::vector<torch::Tensor>& direction,
               double scale) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < to.size(); ++i) to[i].add_(direction[i], scale);
}

std::vector<torch::Tensor> Gradients(const torch::Tensor& loss,
                                     const std::vector<torch::Tensor>& of) {
  std::vector<torch::Tensor> grads =
      torch::autograd::grad({loss}, of, /*grad_outputs=*/{}, /*retain_graph=*/false,
                            /*create_graph=*/false, /*allow_unused=*/true);
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) grads[i] = torch::zeros_like(of[i]);
  }
  return grads;
}

Json TensorJson(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kDouble).contiguous().cpu();
  if (d.dim() == 1)
    return Json(std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel()));
  Json rows = Json::array();
  for (int64_t i = 0; i < d.size(0); ++i) rows.push_back(TensorJson(d[i]));
  return rows;
}

std::vector<std::vector<double>> Rows(const torch::Tensor& t) {
  return TensorJson(t).get<std::vector<std::vector<double>>>();
}

int SkipCount(const nas::Cell& cell) {
  int n = 0;
  for (const nas::Block& b : cell.blocks) {
    n += static_cast<int>(std::count(b.ops.begin(), b.ops.end(), "identity"));
  }
  return n;
}

}  // namespace

// ---- Options ----

DartsSearchOptions::DartsSearchOptions() {
  optimizer.name = "sgd";
  optimizer.lr = 0.025;
  optimizer.momentum = 0.9;
  optimizer.weight_decay = 3e-4;
  op_threshold = 1.0 / static_cast<double>(primitives.size());
}

DartsSearchOptions DartsSearchOptions::FromJson(const Json& json, const std::string& method) {
  if (method != "darts" && method != "hmnas") {
    throw InvalidArgument("differentiable search: method must be darts or hmnas, not " + method);
  }
  DartsSearchOptions o;
  o.method = method;
  const std::string& w = method;
  if (json.is_null()) return o;
  if (!json.is_object()) throw InvalidArgument(w + ": must be a mapping, not " + json.dump());
  std::vector<std::string> known = kCommonKeys;
  if (method == "hmnas") known.insert(known.end(), kMaskKeys.begin(), kMaskKeys.end());
  CheckKnownKeys(json, known, w);
  if (json.contains("filters")) o.filters = IntIn(json, "filters", w, 2, 1024);
  if (json.contains("layers")) o.layers = IntIn(json, "layers", w, 3, 100);
  if (json.contains("nodes")) o.nodes = IntIn(json, "nodes", w, 1, 10);
  if (json.contains("stem_multiplier"))
    o.stem_multiplier = IntIn(json, "stem_multiplier", w, 1, 16);
  if (json.contains("primitives")) {
    const Json& p = json.at("primitives");
    if (!p.is_array() ||
        !std::all_of(p.begin(), p.end(), [](const Json& s) { return s.is_string(); })) {
      throw InvalidArgument(w + ": primitives must be a list of operation names, not " + p.dump());
    }
    o.primitives = p.get<std::vector<std::string>>();
    o.op_threshold = o.primitives.empty() ? 0 : 1.0 / static_cast<double>(o.primitives.size());
  }
  if (json.contains("epochs")) o.epochs = IntIn(json, "epochs", w, 1, 100000);
  if (json.contains("order")) {
    const Json& v = json.at("order");
    if (v != 1 && v != 2) throw InvalidArgument(w + ": order must be 1 or 2, not " + v.dump());
    o.order = v.get<int>();
  }
  if (json.contains("batch_size")) o.batch_size = IntIn(json, "batch_size", w, 1, 1 << 20);
  if (json.contains("optimizer")) {
    o.optimizer = OptimizerOptions::FromJson(json.at("optimizer"));
    if (o.optimizer.name != "sgd") {
      throw InvalidArgument(w + ": optimizer must be sgd (the virtual step is an SGD step), not " +
                            o.optimizer.name);
    }
  }
  if (json.contains("min_lr")) o.min_lr = Number(json, "min_lr", w, 0, false);
  if (json.contains("grad_clip")) o.grad_clip = Number(json, "grad_clip", w, 0, true);
  if (json.contains("arch_lr")) o.arch_lr = Number(json, "arch_lr", w, 0, true);
  if (json.contains("arch_weight_decay")) {
    o.arch_weight_decay = Number(json, "arch_weight_decay", w, 0, false);
  }
  if (json.contains("temperature")) {
    const Json& t = json.at("temperature");
    const std::string tw = w + ": temperature";
    if (t.is_number()) {
      o.temperature_start = o.temperature_end = Number(json, "temperature", w, 0, true);
    } else if (t.is_object()) {
      CheckKnownKeys(t, {"start", "end"}, tw);
      if (t.contains("start")) o.temperature_start = Number(t, "start", tw, 0, true);
      o.temperature_end = o.temperature_start;
      if (t.contains("end")) o.temperature_end = Number(t, "end", tw, 0, true);
    } else {
      throw InvalidArgument(tw + " must be a number or {start, end}, not " + t.dump());
    }
  }
  if (json.contains("gumbel")) {
    if (!json.at("gumbel").is_boolean()) {
      throw InvalidArgument(w + ": gumbel must be true or false, not " + json.at("gumbel").dump());
    }
    o.gumbel = json.at("gumbel").get<bool>();
  }
  if (method == "darts") {
    o.mask_epochs = o.finetune_epochs = 0;
  } else {
    if (json.contains("mask_epochs")) o.mask_epochs = IntIn(json, "mask_epochs", w, 0, 100000);
    if (json.contains("finetune_epochs")) {
      o.finetune_epochs = IntIn(json, "finetune_epochs", w, 0, 100000);
    }
    if (json.contains("mask_lr")) o.mask_lr = Number(json, "mask_lr", w, 0, true);
    if (json.contains("weight_mask_lr"))
      o.weight_mask_lr = Number(json, "weight_mask_lr", w, 0, true);
    if (json.contains("op_threshold")) o.op_threshold = Number(json, "op_threshold", w, 0, false);
    if (json.contains("edge_threshold")) {
      o.edge_threshold = Number(json, "edge_threshold", w, 0, false);
    }
    if (json.contains("weight_threshold")) {
      o.weight_threshold = Number(json, "weight_threshold", w, 0, false);
    }
    if (json.contains("weight_mask_init")) {
      o.weight_mask_init = Number(json, "weight_mask_init", w, 0, false);
    }
  }
  // The network's own checks (primitives, ranges) with placeholder data dimensions.
  o.NetworkOptions(10, {1, 8, 8}).Validate();
  return o;
}

Json DartsSearchOptions::ToJson() const {
  Json j = {{"method", method},
            {"filters", filters},
            {"layers", layers},
            {"nodes", nodes},
            {"stem_multiplier", stem_multiplier},
            {"primitives", primitives},
            {"epochs", epochs},
            {"order", order},
            {"batch_size", batch_size},
            {"optimizer", optimizer.ToJson()},
            {"min_lr", min_lr},
            {"grad_clip", grad_clip},
            {"arch_lr", arch_lr},
            {"arch_weight_decay", arch_weight_decay},
            {"temperature", {{"start", temperature_start}, {"end", temperature_end}}},
            {"gumbel", gumbel}};
  if (method == "hmnas") {
    j["mask_epochs"] = mask_epochs;
    j["finetune_epochs"] = finetune_epochs;
    j["mask_lr"] = mask_lr;
    j["weight_mask_lr"] = weight_mask_lr;
    j["op_threshold"] = op_threshold;
    j["edge_threshold"] = edge_threshold;
    j["weight_threshold"] = weight_threshold;
    j["weight_mask_init"] = weight_mask_init;
  }
  return j;
}

DartsNetworkOptions DartsSearchOptions::NetworkOptions(int64_t classes,
                                                       std::vector<int64_t> input_shape) const {
  return DartsNetworkOptions(classes, std::move(input_shape))
      .filters(filters)
      .layers(layers)
      .nodes(nodes)
      .stem_multiplier(stem_multiplier)
      .primitives(primitives)
      .masks(method == "hmnas")
      .op_threshold(op_threshold)
      .edge_threshold(edge_threshold)
      .weight_threshold(weight_threshold);
}

int64_t DartsSearchOptions::total_epochs() const { return epochs + mask_epochs + finetune_epochs; }

double DartsSearchOptions::Temperature(int64_t epoch) const {
  if (epochs <= 1) return temperature_start;
  const double t =
      static_cast<double>(std::min(epoch, epochs - 1)) / static_cast<double>(epochs - 1);
  return temperature_start * std::pow(temperature_end / temperature_start, t);
}

const char* DartsPhaseName(DartsPhase phase) {
  switch (phase) {
    case DartsPhase::kSearch:
      return "search";
    case DartsPhase::kMask:
      return "mask";
    case DartsPhase::kFinetune:
      return "finetune";
  }
  return "search";
}

Json DartsEpoch::ToJson() const {
  return {{"epoch", epoch},
          {"phase", DartsPhaseName(phase)},
          {"temperature", temperature},
          {"lr", lr},
          {"train_loss", train_loss},
          {"train_accuracy", train_accuracy},
          {"val_loss", val_loss},
          {"val_accuracy", val_accuracy},
          {"seconds", seconds},
          {"params", params},
          {"architecture", architecture}};
}

DartsEpoch DartsEpoch::FromJson(const Json& j) {
  DartsEpoch e;
  e.epoch = j.at("epoch").get<int64_t>();
  const std::string phase = j.at("phase").get<std::string>();
  e.phase = phase == "mask"       ? DartsPhase::kMask
            : phase == "finetune" ? DartsPhase::kFinetune
                                  : DartsPhase::kSearch;
  e.temperature = j.at("temperature").get<double>();
  e.lr = j.at("lr").get<double>();
  e.train_loss = j.at("train_loss").get<double>();
  e.train_accuracy = j.at("train_accuracy").get<double>();
  e.val_loss = j.at("val_loss").get<double>();
  e.val_accuracy = j.at("val_accuracy").get<double>();
  e.seconds = j.at("seconds").get<double>();
  e.params = j.at("params").get<int64_t>();
  e.architecture = j.at("architecture");
  return e;
}

// ---- Architect ----

DartsArchitect::DartsArchitect(DartsNetwork network, std::vector<torch::Tensor> architecture,
                               std::vector<torch::Tensor> weights,
                               torch::optim::Optimizer* weights_optimizer, double momentum,
                               double weight_decay)
    : network_(std::move(network)),
      architecture_(std::move(architecture)),
      weights_(std::move(weights)),
      weights_optimizer_(weights_optimizer),
      momentum_(momentum),
      weight_decay_(weight_decay) {}

torch::Tensor DartsArchitect::Loss(const torch::Tensor& x, const torch::Tensor& y) {
  return F::cross_entropy(network_->forward(x), y);
}

double DartsArchitect::ComputeGradient(int order, double xi, const torch::Tensor& train_x,
                                       const torch::Tensor& train_y, const torch::Tensor& arch_x,
                                       const torch::Tensor& arch_y) {
  if (order == 1) {
    const torch::Tensor loss = Loss(arch_x, arch_y);
    const std::vector<torch::Tensor> grads = Gradients(loss, architecture_);
    for (size_t i = 0; i < architecture_.size(); ++i) architecture_[i].mutable_grad() = grads[i];
    return loss.item<double>();
  }
  // The virtual step is virtual: weights and batchnorm statistics are put back afterwards.
  std::vector<torch::Tensor> buffers = network_->buffers();
  const std::vector<torch::Tensor> saved_buffers = CloneAll(buffers);
  const std::vector<torch::Tensor> saved_weights = CloneAll(weights_);

  // w' = w - xi * (momentum * v + dL_train/dw + weight_decay * w)
  const std::vector<torch::Tensor> train_grads = Gradients(Loss(train_x, train_y), weights_);
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < weights_.size(); ++i) {
      torch::Tensor step = train_grads[i] + weight_decay_ * weights_[i];
      if (weights_optimizer_ != nullptr && momentum_ > 0) {
        const auto& state = weights_optimizer_->state();
        const auto it = state.find(c10::guts::to_string(weights_[i].unsafeGetTensorImpl()));
        if (it != state.end()) {
          const auto& sgd = static_cast<const torch::optim::SGDParamState&>(*it->second);
          if (sgd.momentum_buffer().defined()) step = step + momentum_ * sgd.momentum_buffer();
        }
      }
      weights_[i].sub_(xi * step);
    }
  }
  // dL_val(w', alpha)/dalpha and /dw'.
  std::vector<torch::Tensor> both = architecture_;
  both.insert(both.end(), weights_.begin(), weights_.end());
  const torch::Tensor arch_loss = Loss(arch_x, arch_y);
  const double value = arch_loss.item<double>();
  std::vector<torch::Tensor> grads = Gradients(arch_loss, both);
  std::vector<torch::Tensor> d_alpha(grads.begin(), grads.begin() + architecture_.size());
  const std::vector<torch::Tensor> d_weights(grads.begin() + architecture_.size(), grads.end());
  CopyInto(weights_, saved_weights);

  if (xi != 0) {
    // The Hessian-vector product by central differences around w.
    double norm_sq = 0;
    for (const torch::Tensor& g : d_weights) norm_sq += g.pow(2).sum().item<double>();
    const double eps = displacement_ / std::max(std::sqrt(norm_sq), 1e-12);
    AddScaled(weights_, d_weights, eps);
    const std::vector<torch::Tensor> plus = Gradients(Loss(train_x, train_y), architecture_);
    AddScaled(weights_, d_weights, -2 * eps);
    const std::vector<torch::Tensor> minus = Gradients(Loss(train_x, train_y), architecture_);
    CopyInto(weights_, saved_weights);
    for (size_t i = 0; i < d_alpha.size(); ++i) {
      d_alpha[i] = d_alpha[i] - xi * (plus[i] - minus[i]) / (2 * eps);
    }
  }
  CopyInto(buffers, saved_buffers);
  for (size_t i = 0; i < architecture_.size(); ++i) architecture_[i].mutable_grad() = d_alpha[i];
  return value;
}

// ---- Search ----

DartsSearch::DartsSearch(DartsSearchOptions options, const DataSplits& data, uint64_t seed,
                         std::string device)
    : options_(std::move(options)), data_(data), seed_(seed), device_(ResolveDevice(device)) {
  if (data_.train.inputs.dim() != 4) {
    throw InvalidArgument(options_.method + ": the data must be images (N, C, H, W)");
  }
  if (data_.train.size() < 2) {
    throw InvalidArgument(options_.method + ": the training split needs two examples or more");
  }
  // The two halves of the training split, fixed by the seed.
  const torch::Tensor order =
      RandomPermutation(data_.train.size(), DeriveSeed(seed_, 0, HashName("darts-halves")));
  const int64_t half = data_.train.size() / 2;
  weight_half_ = data_.train.Select(order.slice(0, 0, half));
  arch_half_ = data_.train.Select(order.slice(0, half));

  torch::manual_seed(seed_);
  const std::vector<int64_t> shape(data_.train.inputs.sizes().begin() + 1,
                                   data_.train.inputs.sizes().end());
  network_ = DartsNetwork(options_.NetworkOptions(data_.train.classes, shape));
  network_->to(device_);
  weights_optimizer_ = MakeOptimizer(network_->weight_parameters(), options_.optimizer);
  arch_optimizer_ = std::make_unique<torch::optim::Adam>(
      network_->architecture_parameters(), torch::optim::AdamOptions(options_.arch_lr)
                                               .betas({0.5, 0.999})
                                               .weight_decay(options_.arch_weight_decay));
  if (options_.method == "hmnas") {
    mask_optimizer_ = std::make_unique<torch::optim::Adam>(
        network_->structure_masks(), torch::optim::AdamOptions(options_.mask_lr));
    weight_mask_optimizer_ = std::make_unique<torch::optim::Adam>(
        network_->weight_masks(), torch::optim::AdamOptions(options_.weight_mask_lr));
  }
}

DartsSearch::~DartsSearch() = default;

DartsPhase DartsSearch::PhaseOf(int64_t epoch) const {
  if (epoch < options_.epochs) return DartsPhase::kSearch;
  if (epoch < options_.epochs + options_.mask_epochs) return DartsPhase::kMask;
  return DartsPhase::kFinetune;
}

void DartsSearch::Run(const std::function<bool(const DartsEpoch&)>& on_epoch,
                      const std::function<bool()>& stop) {
  for (int64_t epoch = epochs_done_; epoch < options_.total_epochs(); ++epoch) {
    bool stopped = false;
    DartsEpoch e = RunEpoch(epoch, stop, &stopped);
    if (stopped) return;
    history_.push_back(e);
    epochs_done_ = epoch + 1;
    if (on_epoch && !on_epoch(e)) return;
  }
}

DartsEpoch DartsSearch::RunEpoch(int64_t epoch, const std::function<bool()>& stop, bool* stopped) {
  const auto start = Clock::now();
  const DartsPhase phase = PhaseOf(epoch);
  DartsEpoch e;
  e.epoch = epoch;
  e.phase = phase;
  e.temperature = options_.Temperature(epoch);
  network_->set_temperature(e.temperature);
  network_->set_gumbel(options_.gumbel && phase == DartsPhase::kSearch);
  if (phase == DartsPhase::kMask && epoch == options_.epochs) {
    network_->InitializeMasks(options_.weight_mask_init);
  }
  network_->set_mask_mode(phase == DartsPhase::kSearch ? MaskMode::kOff
                          : phase == DartsPhase::kMask ? MaskMode::kLearn
                                                       : MaskMode::kFrozen);
  // Fine-tuning trains the found sub-network on the whole training split.
  const Dataset& weight_data = phase == DartsPhase::kFinetune ? data_.train : weight_half_;
  BatchSampler weight_batches(weight_data.size(), options_.batch_size, true,
                              DeriveSeed(seed_, 0, HashName("darts-weights")));
  BatchSampler arch_batches(arch_half_.size(), options_.batch_size, true,
                            DeriveSeed(seed_, 0, HashName("darts-architecture")));
  weight_batches.Start(epoch);
  arch_batches.Start(epoch);
  torch::manual_seed(DeriveSeed(seed_, static_cast<uint64_t>(epoch), HashName("darts-train")));

  std::vector<torch::Tensor> weights = network_->weight_parameters();
  std::vector<torch::Tensor> trained = weights;  // what the weight step's loss differentiates
  if (phase == DartsPhase::kMask) {
    for (const torch::Tensor& m : network_->weight_masks()) trained.push_back(m);
  }
  const bool architecture_step = phase != DartsPhase::kFinetune;
  DartsArchitect architect(network_,
                           phase == DartsPhase::kSearch ? network_->architecture_parameters()
                                                        : network_->structure_masks(),
                           weights, weights_optimizer_.get(), options_.optimizer.momentum,
                           options_.optimizer.weight_decay);
  torch::optim::Optimizer* structure_optimizer =
      phase == DartsPhase::kSearch ? static_cast<torch::optim::Optimizer*>(arch_optimizer_.get())
                                   : mask_optimizer_.get();

  const int64_t per_epoch = weight_batches.batches_per_epoch();
  const auto total = static_cast<double>(options_.total_epochs());
  network_->train();
  double loss_sum = 0;
  int64_t correct = 0, seen = 0, batch = 0;
  torch::Tensor indices;
  while (weight_batches.Next(&indices)) {
    if (stop && stop()) {
      *stopped = true;
      return e;
    }
    // The cosine from lr to min_lr over the whole run.
    const double progress =
        (static_cast<double>(epoch) + static_cast<double>(batch) / static_cast<double>(per_epoch)) /
        total;
    const double lr = options_.min_lr + 0.5 * (options_.optimizer.lr - options_.min_lr) *
                                            (1 + std::cos(M_PI * progress));
    SetLearningRate(*weights_optimizer_, lr);
    if (batch == 0) e.lr = lr;
    const Dataset b = weight_data.Select(indices);
    const torch::Tensor x = b.inputs.to(device_), y = b.labels.to(device_);
    if (architecture_step) {
      torch::Tensor arch_indices;
      if (!arch_batches.Next(&arch_indices)) {
        arch_batches.Start(epoch);  // the halves differ by one example at most
        arch_batches.Next(&arch_indices);
      }
      const Dataset a = arch_half_.Select(arch_indices);
      structure_optimizer->zero_grad();
      architect.ComputeGradient(options_.order, lr, x, y, a.inputs.to(device_),
                                a.labels.to(device_));
      structure_optimizer->step();
    }
    for (torch::Tensor& p : network_->parameters()) p.mutable_grad() = torch::Tensor();
    const torch::Tensor logits = network_->forward(x);
    const torch::Tensor loss = F::cross_entropy(logits, y);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      throw TrainingDiverged(options_.method + " diverged: the training loss is " +
                             std::to_string(value));
    }
    const std::vector<torch::Tensor> grads = Gradients(loss, trained);
    for (size_t i = 0; i < trained.size(); ++i) trained[i].mutable_grad() = grads[i];
    torch::nn::utils::clip_grad_norm_(weights, options_.grad_clip);
    weights_optimizer_->step();
    if (phase == DartsPhase::kMask) weight_mask_optimizer_->step();
    loss_sum += value * static_cast<double>(y.size(0));
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
    seen += y.size(0);
    ++batch;
  }
  e.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0;
  e.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
  const Evaluation val = Evaluate(data_.validation);
  e.val_loss = val.loss;
  e.val_accuracy = val.accuracy;
  e.params = network_->effective_parameters();
  e.architecture = ArchitectureRecord();
  e.seconds = Since(start);
  return e;
}

Evaluation DartsSearch::Evaluate(const Dataset& data) {
  torch::NoGradGuard no_grad;
  const bool was_training = network_->is_training();
  network_->eval();
  Evaluation e;
  double loss_sum = 0;
  int64_t correct = 0;
  constexpr int64_t kBatch = 500;
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    const int64_t end = std::min(data.size(), start + kBatch);
    const torch::Tensor x = data.inputs.slice(0, start, end).to(device_);
    const torch::Tensor y = data.labels.slice(0, start, end).to(device_);
    const torch::Tensor logits = network_->forward(x);
    loss_sum += F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  network_->train(was_training);
  e.examples = data.size();
  if (e.examples > 0) {
    e.loss = loss_sum / static_cast<double>(e.examples);
    e.accuracy = static_cast<double>(correct) / static_cast<double>(e.examples);
  }
  return e;
}

nas::Genotype DartsSearch::Discretize() const {
  return nas::DiscretizeGenotype(network_->cell_alphas(false), network_->cell_alphas(true),
                                 options_.primitives);
}

Json DartsSearch::ArchitectureRecord() {
  Json record = {{"alphas",
                  {{"normal", nas::ToJson(network_->cell_alphas(false))},
                   {"reduction", nas::ToJson(network_->cell_alphas(true))}}}};
  const nas::Genotype g = Discretize();
  record["genotype"] = nas::ToJson(g);
  record["skip_connections"] = {{"normal", SkipCount(g.normal)},
                                {"reduction", SkipCount(g.reduction)}};
  if (options_.method != "hmnas") return record;
  record["edge_weights"] = {{"normal", TensorJson(network_->edge_weights(false))},
                            {"reduction", TensorJson(network_->edge_weights(true))}};
  if (network_->mask_mode() == MaskMode::kOff) return record;
  nas::MaskedGenotype masked;
  for (const bool r : {false, true}) {
    const std::vector<bool> edges = network_->kept_edges(r);
    std::vector<double> edge_weights;
    for (const double w : TensorJson(network_->edge_weights(r)).get<std::vector<double>>()) {
      edge_weights.push_back(w);
    }
    (r ? masked.reduction : masked.normal) = nas::DeriveMaskedCell(
        static_cast<int>(options_.nodes), Rows(network_->operation_weights(r)),
        network_->kept_ops(r), edge_weights, edges, options_.primitives);
  }
  record["masked_genotype"] = nas::ToJson(masked);
  record["kept_weights"] = network_->kept_weight_fraction();
  return record;
}

void DartsSearch::Save(const std::string& path) const {
  Json record = {{"options", options_.ToJson()},
                 {"seed", seed_},
                 {"data", data_.description},
                 {"epochs_done", epochs_done_},
                 {"history", Json::array()}};
  for (const DartsEpoch& e : history_) record["history"].push_back(e.ToJson());
  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string(kMagic)));
  archive.write("format", c10::IValue(kFormat));
  torch::serialize::OutputArchive network, weights, arch;
  network_->save(network);
  archive.write("network", network);
  weights_optimizer_->save(weights);
  archive.write("weights_optimizer", weights);
  arch_optimizer_->save(arch);
  archive.write("arch_optimizer", arch);
  if (mask_optimizer_) {
    torch::serialize::OutputArchive masks, weight_masks;
    mask_optimizer_->save(masks);
    archive.write("mask_optimizer", masks);
    weight_mask_optimizer_->save(weight_masks);
    archive.write("weight_mask_optimizer", weight_masks);
  }
  archive.write("record", c10::IValue(record.dump()));
  SaveArchiveAtomically(archive, path, "search checkpoint");
}

void DartsSearch::Load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InvalidArgument("search checkpoint '" + path + "': no such file");
  }
  torch::serialize::InputArchive archive;
  Json record;
  try {
    archive.load_from(path, device_);
    c10::IValue magic, text;
    archive.read("magic", magic);
    archive.read("record", text);
    if (!magic.isString() || magic.toStringRef() != kMagic) throw std::runtime_error("");
    record = Json::parse(text.toStringRef());
  } catch (const std::exception&) {
    throw InvalidArgument("search checkpoint '" + path + "' was not written by automl's " +
                          options_.method + " search");
  }
  if (record.at("options") != options_.ToJson() || record.at("seed") != seed_ ||
      record.at("data") != data_.description) {
    throw InvalidArgument("search checkpoint '" + path +
                          "' holds a search with other options, seed or data");
  }
  torch::serialize::InputArchive network, weights, arch;
  archive.read("network", network);
  network_->load(network);
  archive.read("weights_optimizer", weights);
  weights_optimizer_->load(weights);
  archive.read("arch_optimizer", arch);
  arch_optimizer_->load(arch);
  if (mask_optimizer_) {
    torch::serialize::InputArchive masks, weight_masks;
    archive.read("mask_optimizer", masks);
    mask_optimizer_->load(masks);
    archive.read("weight_mask_optimizer", weight_masks);
    weight_mask_optimizer_->load(weight_masks);
  }
  epochs_done_ = record.at("epochs_done").get<int64_t>();
  history_.clear();
  for (const Json& e : record.at("history")) history_.push_back(DartsEpoch::FromJson(e));
  // The phase's settings of the last epoch done, so that queries before Run see its state.
  if (epochs_done_ > 0) {
    const DartsPhase last = PhaseOf(epochs_done_ - 1);
    network_->set_temperature(options_.Temperature(epochs_done_ - 1));
    network_->set_mask_mode(last == DartsPhase::kSearch ? MaskMode::kOff
                            : last == DartsPhase::kMask ? MaskMode::kLearn
                                                        : MaskMode::kFrozen);
  }
}

}  // namespace automl::dl
