#include "dl/nas/controller.h"

#include <utility>

#include "automl/random.h"
#include "dl/nas/decision_steps.h"

namespace automl::dl::internal {
namespace {

// Zoph & Le initialize the controller's weights uniformly in [-0.08, 0.08].
constexpr double kInitRange = 0.08;

// A leaf tensor of |shape| with weights uniform in [-kInitRange, kInitRange] from |rng|.
torch::Tensor UniformWeights(Rng& rng, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = static_cast<float>(rng.Uniform(-kInitRange, kInitRange));
  return torch::from_blob(values.data(), shape, torch::kFloat).clone().requires_grad_(true);
}

// |fresh| where |mask| ([batch]) holds, |old| elsewhere.
torch::Tensor Select(const torch::Tensor& mask, const torch::Tensor& fresh,
                     const torch::Tensor& old) {
  return torch::where(fresh.dim() == 1 ? mask : mask.unsqueeze(1), fresh, old);
}

}  // namespace

Controller::Controller(std::vector<int64_t> choices, const ControllerOptions& options,
                       uint64_t seed)
    : choices_(std::move(choices)), options_(options) {
  Rng rng(seed);
  const int64_t hidden = options_.hidden;
  start_ = UniformWeights(rng, {hidden});
  for (int64_t n : choices_) embeddings_.push_back(UniformWeights(rng, {n, hidden}));
  for (int64_t l = 0; l < options_.layers; ++l) {
    w_ih_.push_back(UniformWeights(rng, {4 * hidden, hidden}));
    w_hh_.push_back(UniformWeights(rng, {4 * hidden, hidden}));
    bias_.push_back(UniformWeights(rng, {4 * hidden}));
  }
  for (int64_t n : choices_) {
    head_w_.push_back(UniformWeights(rng, {n, hidden}));
    head_b_.push_back(UniformWeights(rng, {n}));
  }
}

std::vector<torch::Tensor> Controller::parameters() const {
  std::vector<torch::Tensor> all = {start_};
  for (const auto* group : {&embeddings_, &w_ih_, &w_hh_, &bias_, &head_w_, &head_b_}) {
    all.insert(all.end(), group->begin(), group->end());
  }
  return all;
}

void Controller::Cell(const torch::Tensor& input, const std::vector<torch::Tensor>& h,
                      const std::vector<torch::Tensor>& c, std::vector<torch::Tensor>* new_h,
                      std::vector<torch::Tensor>* new_c) const {
  new_h->clear();
  new_c->clear();
  torch::Tensor x = input;
  for (size_t l = 0; l < w_ih_.size(); ++l) {
    auto [hy, cy] = torch::lstm_cell(x, {h[l], c[l]}, w_ih_[l], w_hh_[l], bias_[l]);
    new_h->push_back(hy);
    new_c->push_back(cy);
    x = hy;
  }
}

torch::Tensor Controller::Logits(const torch::Tensor& top, size_t step) const {
  torch::Tensor logits = torch::addmm(head_b_[step], top, head_w_[step].t());
  if (options_.temperature != 1.0) logits = logits / options_.temperature;
  if (options_.tanh_constant > 0) logits = options_.tanh_constant * torch::tanh(logits);
  return logits;
}

Controller::Walk Controller::Start() const {
  const torch::NoGradGuard no_grad;
  Walk walk;
  for (size_t l = 0; l < w_ih_.size(); ++l) {
    walk.h.push_back(torch::zeros({1, options_.hidden}));
    walk.c.push_back(torch::zeros({1, options_.hidden}));
  }
  walk.input = start_.unsqueeze(0);
  return walk;
}

std::vector<double> Controller::Step(Walk& walk, size_t step) const {
  const torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> h;
  std::vector<torch::Tensor> c;
  Cell(walk.input, walk.h, walk.c, &h, &c);
  walk.h = std::move(h);
  walk.c = std::move(c);
  const torch::Tensor probs =
      torch::softmax(Logits(walk.h.back(), step), 1).to(torch::kDouble).contiguous();
  const double* p = probs.data_ptr<double>();
  return std::vector<double>(p, p + probs.numel());
}

void Controller::Choose(Walk& walk, size_t step, int64_t choice) const {
  const torch::NoGradGuard no_grad;
  walk.input = embeddings_[step][choice].unsqueeze(0);
}

Controller::Scores Controller::Score(const std::vector<std::vector<int64_t>>& paths) const {
  const auto batch = static_cast<int64_t>(paths.size());
  std::vector<torch::Tensor> h;
  std::vector<torch::Tensor> c;
  for (size_t l = 0; l < w_ih_.size(); ++l) {
    h.push_back(torch::zeros({batch, options_.hidden}));
    c.push_back(torch::zeros({batch, options_.hidden}));
  }
  torch::Tensor input = start_.unsqueeze(0).expand({batch, options_.hidden});
  torch::Tensor log_prob = torch::zeros({batch});
  torch::Tensor entropy = torch::zeros({batch});
  std::vector<torch::Tensor> new_h;
  std::vector<torch::Tensor> new_c;
  std::vector<int64_t> column(paths.size());
  for (size_t step = 0; step < choices_.size(); ++step) {
    bool taken = false;
    for (size_t i = 0; i < paths.size(); ++i) {
      column[i] = paths[i][step];
      taken |= column[i] != kNoChoice;
    }
    if (!taken) continue;
    const torch::Tensor choice = torch::tensor(column, torch::kLong);
    const torch::Tensor mask = choice.ge(0);
    const torch::Tensor index = choice.clamp_min(0);

    Cell(input, h, c, &new_h, &new_c);
    const torch::Tensor logp = torch::log_softmax(Logits(new_h.back(), step), 1);
    const torch::Tensor chosen = logp.gather(1, index.unsqueeze(1)).squeeze(1);
    const torch::Tensor step_entropy = -(logp.exp() * logp).sum(1);
    log_prob = log_prob + Select(mask, chosen, torch::zeros_like(chosen));
    entropy = entropy + Select(mask, step_entropy, torch::zeros_like(step_entropy));
    for (size_t l = 0; l < h.size(); ++l) {
      h[l] = Select(mask, new_h[l], h[l]);
      c[l] = Select(mask, new_c[l], c[l]);
    }
    input = Select(mask, embeddings_[step].index_select(0, index), input);
  }
  return Scores{log_prob, entropy};
}

}  // namespace automl::dl::internal
