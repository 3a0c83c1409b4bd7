#include "automl/dl/supernet_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "automl/config_keys.h"
#include "automl/dl/batch_sampler.h"
#include "automl/error.h"
#include "automl/nas/greedy_path_sampler.h"
#include "automl/nas/partial_model_pool.h"
#include "automl/nas/stage_allocation.h"
#include "automl/nas/uniform_path_sampler.h"
#include "automl/random.h"
#include "dl/archive_file.h"

namespace automl::dl {
namespace {

using Path = std::vector<int64_t>;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kSamplers[] = {"uniform", "greedy", "pcnas", "crnas"};
constexpr const char* kSupernetMagic = "automl-supernet";
constexpr int64_t kSupernetFormat = 1;

int64_t PositiveInt(const Json& json, const std::string& key, int64_t min) {
  const Json& v = json.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < min) {
    throw InvalidArgument("supernet: " + key + " must be an integer of at least " +
                          std::to_string(min) + ", not " + v.dump());
  }
  return v.get<int64_t>();
}

}  // namespace

// ---- Options ----

SupernetOptions SupernetOptions::FromJson(const Json& json) {
  SupernetOptions o;
  if (json.is_null()) return o;
  if (!json.is_object()) throw InvalidArgument("supernet: must be a mapping, not " + json.dump());
  CheckKnownKeys(json,
                 {"sampler", "epochs", "score_examples", "bn_batches", "warmup", "uniform",
                  "greedy", "pcnas", "crnas"},
                 "supernet");
  if (json.contains("sampler")) {
    const Json& s = json.at("sampler");
    if (!s.is_string() || std::find(std::begin(kSamplers), std::end(kSamplers),
                                    s.get<std::string>()) == std::end(kSamplers)) {
      throw InvalidArgument("supernet: sampler must be one of uniform, greedy, pcnas, crnas, not " +
                            s.dump());
    }
    o.sampler = s.get<std::string>();
  }
  for (const char* name : kSamplers) {
    if (json.contains(name) && o.sampler != name) {
      throw InvalidArgument(std::string("supernet: options for ") + name + " given, but the " +
                            "sampler is " + o.sampler);
    }
  }
  if (json.contains(o.sampler)) o.sampler_options = json.at(o.sampler);
  if (json.contains("epochs")) o.epochs = PositiveInt(json, "epochs", 1);
  if (json.contains("score_examples")) o.score_examples = PositiveInt(json, "score_examples", 1);
  if (json.contains("bn_batches")) o.bn_batches = PositiveInt(json, "bn_batches", 0);
  if (json.contains("warmup")) {
    const Json& w = json.at("warmup");
    if (!w.is_number() || w.get<double>() < 0 || w.get<double>() >= 1) {
      throw InvalidArgument("supernet: warmup must be a fraction of the epochs in [0, 1), not " +
                            w.dump());
    }
    o.warmup = w.get<double>();
  }
  // The sampler's own options are checked by its class.
  if (o.sampler == "greedy") nas::GreedyPathSamplerOptions::FromJson(o.sampler_options);
  if (o.sampler == "pcnas") nas::PartialModelPoolOptions::FromJson(o.sampler_options);
  if ((o.sampler == "uniform" || o.sampler == "crnas") && !o.sampler_options.empty()) {
    throw InvalidArgument("supernet: " + o.sampler + " takes no options, not " +
                          o.sampler_options.dump());
  }
  return o;
}

Json SupernetOptions::ToJson() const {
  Json j = {{"sampler", sampler},
            {"epochs", epochs},
            {"score_examples", score_examples},
            {"bn_batches", bn_batches},
            {"warmup", warmup}};
  if (!sampler_options.empty()) j[sampler] = sampler_options;
  return j;
}

Json SupernetEpoch::ToJson() const {
  Json j = {
      {"epoch", epoch},     {"train_loss", train_loss},       {"train_accuracy", train_accuracy},
      {"seconds", seconds}, {"score_seconds", score_seconds}, {"paths_scored", paths_scored}};
  if (pool_turnover) j["pool_turnover"] = *pool_turnover;
  if (fixed_layers) j["fixed_layers"] = *fixed_layers;
  return j;
}

// ---- Path policies: which path each step trains ----

class SupernetTrainer::PathPolicy {
 public:
  // Each path's loss and accuracy on the scoring subset.
  using Score = std::function<std::vector<Evaluation>(const std::vector<Path>&)>;
  virtual ~PathPolicy() = default;
  // The paths the next steps train (one step each), from step |step| of |total|.
  virtual std::vector<Path> Next(Rng& rng, int64_t step, int64_t total, const Score& score) = 0;
  virtual void EndEpoch(SupernetEpoch& /*epoch*/) {}
  virtual std::vector<Path> Candidates() const { return {}; }
  virtual Json State() const { return Json::object(); }
  virtual void LoadState(const Json& /*state*/) {}
};

namespace {

class UniformPolicy : public SupernetTrainer::PathPolicy {
 public:
  explicit UniformPolicy(std::vector<int64_t> counts) : sampler_(std::move(counts)) {}
  std::vector<Path> Next(Rng& rng, int64_t, int64_t, const Score&) override {
    return {sampler_.Sample(rng)};
  }

 private:
  nas::UniformPathSampler sampler_;
};

// CR-NAS's supernet: every stage cut to a uniform depth, every kept position's block uniform.
class StageDepthPolicy : public SupernetTrainer::PathPolicy {
 public:
  explicit StageDepthPolicy(const nas::ChainSpaceOptions& space) : sampler_(space) {}
  std::vector<Path> Next(Rng& rng, int64_t, int64_t, const Score&) override {
    return {sampler_.Sample(rng)};
  }

 private:
  nas::StageDepthSampler sampler_;
};

class GreedyPolicy : public SupernetTrainer::PathPolicy {
 public:
  GreedyPolicy(std::vector<int64_t> counts, const Json& options)
      : sampler_(std::move(counts), nas::GreedyPathSamplerOptions::FromJson(options)) {}

  std::vector<Path> Next(Rng& rng, int64_t step, int64_t total, const Score& score) override {
    const std::vector<Path> proposed = sampler_.Propose(rng, step, total);
    std::vector<double> losses;
    for (const Evaluation& e : score(proposed)) losses.push_back(e.loss);
    return sampler_.Select(proposed, losses);
  }
  void EndEpoch(SupernetEpoch& epoch) override { epoch.pool_turnover = sampler_.EndEpoch(); }
  std::vector<Path> Candidates() const override {
    std::vector<Path> paths;
    for (const auto& entry : sampler_.Pool()) paths.push_back(entry.first);
    return paths;
  }
  Json State() const override { return sampler_.State(); }
  void LoadState(const Json& state) override { sampler_.LoadState(state); }

 private:
  nas::GreedyPathSampler sampler_;
};

// PC-NAS: uniform paths during the warm-up, then the pool grows one layer per equal share of
// the remaining steps; the candidates are scored at the end of each share.
class PcnasPolicy : public SupernetTrainer::PathPolicy {
 public:
  PcnasPolicy(const std::vector<int64_t>& counts, const Json& options, double warmup)
      : uniform_(counts),
        pool_(counts, nas::PartialModelPoolOptions::FromJson(options)),
        layers_(static_cast<int64_t>(counts.size())),
        warmup_(warmup) {}

  std::vector<Path> Next(Rng& rng, int64_t step, int64_t total, const Score& score) override {
    const auto warmup_steps =
        static_cast<int64_t>(std::floor(warmup_ * static_cast<double>(total)));
    if (step < warmup_steps) return {uniform_.Sample(rng)};
    // Growth k (0-based) ends at warmup + (k+1) * share: grow when that point is passed.
    const double share = static_cast<double>(total - warmup_steps) / static_cast<double>(layers_);
    while (!pool_.done() && static_cast<double>(step - warmup_steps) >=
                                share * static_cast<double>(pool_.depth() + 1)) {
      Grow(rng, score);
    }
    return {pool_.SamplePath(rng)};
  }

  void EndEpoch(SupernetEpoch& epoch) override { epoch.fixed_layers = pool_.depth(); }

  // Called once training ends: the pool is grown to full paths, so that it names its best ones.
  void Finish(Rng& rng, const Score& score) {
    while (!pool_.done()) Grow(rng, score);
  }

  std::vector<Path> Candidates() const override {
    std::vector<Path> paths;
    for (const auto& entry : pool_.Pool()) paths.push_back(entry.first);
    return paths;
  }
  Json State() const override { return pool_.State(); }
  void LoadState(const Json& state) override { pool_.LoadState(state); }

 private:
  // Each candidate's potential: the mean accuracy (or loss, with direction minimize) of its
  // random completions on the scoring subset.
  void Grow(Rng& rng, const Score& score) {
    const bool accuracy = pool_.options().direction == Direction::kMaximize;
    pool_.Grow(pool_.ScoreCandidates(rng, [&](const Path& path) {
      const Evaluation e = score({path}).front();
      return accuracy ? e.accuracy : e.loss;
    }));
  }

  nas::UniformPathSampler uniform_;
  nas::PartialModelPool pool_;
  int64_t layers_;
  double warmup_;
};

std::vector<int64_t> ChoiceCounts(const nas::ChainSpaceOptions& space) {
  std::vector<int64_t> counts;
  for (const auto& choices : nas::LayerChoices(space)) {
    counts.push_back(static_cast<int64_t>(choices.size()));
  }
  return counts;
}

}  // namespace

// ---- The trainer ----

SupernetTrainer::SupernetTrainer(const TrainConfig& recipe, nas::ChainSpaceOptions space,
                                 SupernetOptions options, const DataSplits& data)
    : recipe_(recipe),
      space_(std::move(space)),
      options_(std::move(options)),
      data_(data),
      device_(ResolveDevice(recipe_.device)) {
  const Json& model = recipe_.model.ToJson();
  if (!model.is_object() || !model.contains("chain")) {
    throw InvalidArgument(
        "supernet: the training config's model must be a chain ({chain: {arch: "
        "\"{arch}\"}}), not " +
        model.dump());
  }
  if (data_.validation.size() == 0) {
    throw InvalidArgument("data: the validation part is empty, so no path can be judged");
  }
  Json family = model.at("chain");
  family.erase("arch");
  if (recipe_.threads > 0) torch::set_num_threads(recipe_.threads);
  torch::manual_seed(recipe_.seed);
  const std::vector<int64_t> input_shape(data_.train.inputs.sizes().begin() + 1,
                                         data_.train.inputs.sizes().end());
  supernet_ = ChainSupernet(space_, family, input_shape, data_.train.classes);
  supernet_->to(device_);
  optimizer_ = MakeOptimizer(supernet_->parameters(), recipe_.optimizer);

  const std::vector<int64_t> counts = ChoiceCounts(space_);
  if (options_.sampler == "greedy") {
    policy_ = std::make_unique<GreedyPolicy>(counts, options_.sampler_options);
  } else if (options_.sampler == "pcnas") {
    policy_ = std::make_unique<PcnasPolicy>(counts, options_.sampler_options, options_.warmup);
  } else if (options_.sampler == "crnas") {
    policy_ = std::make_unique<StageDepthPolicy>(space_);
  } else {
    policy_ = std::make_unique<UniformPolicy>(counts);
  }
  // The scoring subset: fixed by the split seed, from the validation part (never the test set).
  const int64_t n = std::min(options_.score_examples, data_.validation.size());
  score_set_ = data_.validation.Select(
      RandomPermutation(data_.validation.size(), DeriveSeed(recipe_.seed, 0, HashName("score")))
          .slice(0, 0, n));
}

SupernetTrainer::~SupernetTrainer() = default;

double SupernetTrainer::TrainStep(const Path& path, const torch::Tensor& x, const torch::Tensor& y,
                                  int64_t* correct) {
  namespace F = torch::nn::functional;
  // Only the path's weights get gradients: the others keep none, so that the optimizer (momentum
  // and weight decay included) leaves them alone.
  for (torch::Tensor& p : supernet_->parameters()) p.mutable_grad() = torch::Tensor();
  const torch::Tensor logits = supernet_->forward(x, path);
  const torch::Tensor loss = F::cross_entropy(
      logits, y, F::CrossEntropyFuncOptions().label_smoothing(recipe_.label_smoothing));
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    throw TrainingDiverged("supernet training diverged: the loss is " + std::to_string(value));
  }
  loss.backward();
  if (recipe_.grad_clip) {
    torch::nn::utils::clip_grad_norm_(supernet_->PathParameters(path), *recipe_.grad_clip);
  }
  optimizer_->step();
  *correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  return value;
}

std::vector<Evaluation> SupernetTrainer::ScorePaths(const std::vector<Path>& paths) {
  namespace F = torch::nn::functional;
  // Training-mode batchnorm: the batch's own statistics, as a path sees them in training; the
  // running statistics this moves are recalibrated before any evaluation.
  torch::NoGradGuard no_grad;
  const torch::Tensor x = score_set_.inputs.to(device_);
  const torch::Tensor y = score_set_.labels.to(device_);
  std::vector<Evaluation> out;
  out.reserve(paths.size());
  for (const Path& path : paths) {
    const torch::Tensor logits = supernet_->forward(x, path);
    Evaluation e;
    e.examples = y.size(0);
    e.loss = F::cross_entropy(logits, y).item<double>();
    e.accuracy = logits.argmax(1).eq(y).sum().item<double>() / static_cast<double>(e.examples);
    out.push_back(e);
  }
  return out;
}

void SupernetTrainer::Train(const std::function<bool(const SupernetEpoch&)>& on_epoch) {
  const auto transforms = recipe_.augment.Build(data_.mean, data_.stddev);
  BatchSampler sampler(data_.train.size(), recipe_.batch_size, /*shuffle=*/true, recipe_.seed);
  const int64_t per_epoch = sampler.batches_per_epoch();
  const int64_t total = options_.epochs * per_epoch;
  for (int64_t epoch = epochs_done_; epoch < options_.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    // Drawn per epoch, and no path carried over, so that a run continued from a saved epoch
    // goes on exactly as one that never stopped.
    Rng rng(DeriveSeed(recipe_.seed, static_cast<uint64_t>(epoch), HashName("supernet-paths")));
    std::vector<Path> queue;  // paths chosen but not trained yet
    SupernetEpoch e;
    e.epoch = epoch;
    supernet_->train();
    sampler.Start(epoch);
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(
        DeriveSeed(recipe_.seed, static_cast<uint64_t>(epoch), HashName("augment")));
    torch::manual_seed(DeriveSeed(recipe_.seed, static_cast<uint64_t>(epoch), HashName("train")));
    const PathPolicy::Score score = [&](const std::vector<Path>& paths) {
      const auto start = Clock::now();
      std::vector<Evaluation> scored = ScorePaths(paths);
      e.score_seconds += Since(start);
      e.paths_scored += static_cast<int64_t>(paths.size());
      return scored;
    };
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, batch = 0;
    torch::Tensor indices;
    while (sampler.Next(&indices)) {
      const int64_t step = epoch * per_epoch + batch;
      if (queue.empty()) {
        queue = policy_->Next(rng, step, total, score);
        std::reverse(queue.begin(), queue.end());  // trained in the order given
      }
      const Path path = queue.back();
      queue.pop_back();
      Dataset b = data_.train.Select(indices);
      torch::Tensor x = b.inputs;
      if (!transforms.empty()) x = ApplyAll(transforms, x, generator);
      SetLearningRate(*optimizer_,
                      recipe_.schedule.LearningRate(
                          recipe_.optimizer.lr,
                          static_cast<double>(epoch) +
                              static_cast<double>(batch) / static_cast<double>(per_epoch),
                          static_cast<double>(options_.epochs)));
      const torch::Tensor y = b.labels.to(device_);
      loss_sum += TrainStep(path, x.to(device_), y, &correct) * static_cast<double>(y.size(0));
      seen += y.size(0);
      ++batch;
    }
    if (epoch + 1 == options_.epochs) {
      if (auto* pcnas = dynamic_cast<PcnasPolicy*>(policy_.get())) pcnas->Finish(rng, score);
    }
    e.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0;
    e.train_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
    policy_->EndEpoch(e);
    e.seconds = Since(epoch_start);
    history_.push_back(e);
    epochs_done_ = epoch + 1;
    if (on_epoch && !on_epoch(e)) break;
  }
}

Evaluation SupernetTrainer::EvaluatePath(const Path& path, const Dataset& data) {
  BatchSampler batches(data_.train.size(), recipe_.batch_size, /*shuffle=*/true,
                       DeriveSeed(recipe_.seed, 0, HashName("bn-recalibration")));
  batches.Start(0);
  int64_t drawn = 0;
  supernet_->RecalibrateBatchNorm(path, [&](torch::Tensor* x) {
    torch::Tensor indices;
    if (drawn >= options_.bn_batches || !batches.Next(&indices)) return false;
    ++drawn;
    *x = data_.train.inputs.index_select(0, indices).to(device_);
    return true;
  });
  namespace F = torch::nn::functional;
  torch::NoGradGuard no_grad;
  Evaluation e;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t start = 0; start < data.size(); start += recipe_.eval_batch_size) {
    const int64_t end = std::min(data.size(), start + recipe_.eval_batch_size);
    const torch::Tensor x = data.inputs.slice(0, start, end).to(device_);
    const torch::Tensor y = data.labels.slice(0, start, end).to(device_);
    const torch::Tensor logits = supernet_->forward(x, path);
    loss_sum += F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  e.examples = data.size();
  if (e.examples > 0) {
    e.loss = loss_sum / static_cast<double>(e.examples);
    e.accuracy = static_cast<double>(correct) / static_cast<double>(e.examples);
  }
  return e;
}

std::vector<Path> SupernetTrainer::CandidatePaths() const { return policy_->Candidates(); }

void SupernetTrainer::Save(const std::string& path) const {
  Json record = {{"space", space_.ToJson()},   {"options", options_.ToJson()},
                 {"recipe", recipe_.ToJson()}, {"epochs_done", epochs_done_},
                 {"policy", policy_->State()}, {"history", Json::array()}};
  for (const SupernetEpoch& e : history_) record["history"].push_back(e.ToJson());
  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string(kSupernetMagic)));
  archive.write("format", c10::IValue(kSupernetFormat));
  torch::serialize::OutputArchive weights;
  supernet_->save(weights);
  archive.write("supernet", weights);
  torch::serialize::OutputArchive optimizer;
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("record", c10::IValue(record.dump()));
  SaveArchiveAtomically(archive, path, "supernet");
}

void SupernetTrainer::Load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InvalidArgument("supernet file '" + path + "': no such file");
  }
  torch::serialize::InputArchive archive;
  Json record;
  try {
    archive.load_from(path, device_);
    c10::IValue magic, text;
    archive.read("magic", magic);
    archive.read("record", text);
    if (!magic.isString() || magic.toStringRef() != kSupernetMagic) throw std::runtime_error("");
    record = Json::parse(text.toStringRef());
  } catch (const std::exception&) {
    throw InvalidArgument("supernet file '" + path + "' is not a supernet written by automl");
  }
  if (record.at("space") != space_.ToJson() || record.at("options") != options_.ToJson() ||
      record.at("recipe") != recipe_.ToJson()) {
    throw InvalidArgument("supernet file '" + path +
                          "' holds a supernet of another space, sampler or recipe");
  }
  torch::serialize::InputArchive weights, optimizer;
  archive.read("supernet", weights);
  supernet_->load(weights);
  archive.read("optimizer", optimizer);
  optimizer_->load(optimizer);
  epochs_done_ = record.at("epochs_done").get<int64_t>();
  policy_->LoadState(record.at("policy"));
  history_.clear();
  for (const Json& e : record.at("history")) {
    SupernetEpoch h;
    h.epoch = e.at("epoch").get<int64_t>();
    h.train_loss = e.at("train_loss").get<double>();
    h.train_accuracy = e.at("train_accuracy").get<double>();
    h.seconds = e.at("seconds").get<double>();
    h.score_seconds = e.at("score_seconds").get<double>();
    h.paths_scored = e.at("paths_scored").get<int64_t>();
    if (e.contains("pool_turnover")) h.pool_turnover = e.at("pool_turnover").get<double>();
    if (e.contains("fixed_layers")) h.fixed_layers = e.at("fixed_layers").get<int64_t>();
    history_.push_back(h);
  }
}

}  // namespace automl::dl
