#include "core/samplers/random_forest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "automl/random.h"

namespace automl::internal {

namespace {

struct Moments {
  double n = 0;
  double sum = 0;
  double sum_sq = 0;

  void Add(double y) {
    n += 1;
    sum += y;
    sum_sq += y * y;
  }
  double Mean() const { return n > 0 ? sum / n : 0.0; }
  // Sum of squared deviations from the mean.
  double SquaredError() const { return n > 0 ? std::max(0.0, sum_sq - sum * sum / n) : 0.0; }
};

Moments Minus(const Moments& a, const Moments& b) {
  return {a.n - b.n, a.sum - b.sum, a.sum_sq - b.sum_sq};
}

// The best split of one feature found so far.
struct Split {
  double error = INFINITY;  // summed squared error of the two children
  int feature = -1;
  double threshold = 0;
  std::vector<char> goes_left;  // per category, for a categorical feature
};

}  // namespace

// Grows one tree on a sample of the rows.
class RandomForest::Builder {
 public:
  Builder(const RandomForest& forest, const std::vector<std::vector<double>>& x,
          const std::vector<double>& y, uint64_t seed, Tree& tree)
      : forest_(forest), x_(x), y_(y), rng_(seed), tree_(tree) {}

  void Grow(std::vector<int> rows) { Grow(rows, 0); }

 private:
  int Grow(std::vector<int>& rows, int depth) {
    Moments all;
    for (int r : rows) all.Add(y_[r]);
    const int index = static_cast<int>(tree_.nodes.size());
    tree_.nodes.emplace_back();
    tree_.nodes[index].mean = all.Mean();
    tree_.nodes[index].variance = all.SquaredError() / all.n;
    const ForestOptions& o = forest_.options_;
    if (static_cast<int>(rows.size()) < o.min_samples_split || depth >= o.max_depth ||
        tree_.nodes[index].variance <= o.eps_purity) {
      return index;
    }
    Split best;
    for (int f : FeatureSubset()) {
      if (forest_.categories_[f] > 0) {
        TryCategorical(rows, f, all, best);
      } else {
        TryNumeric(rows, f, all, best);
      }
    }
    if (best.feature < 0) return index;  // no split leaves enough points on both sides

    std::vector<int> left;
    std::vector<int> right;
    for (int r : rows) (GoesLeft(best, x_[r][best.feature]) ? left : right).push_back(r);
    rows.clear();
    rows.shrink_to_fit();
    Node& node = tree_.nodes[index];
    node.feature = best.feature;
    node.threshold = best.threshold;
    if (!best.goes_left.empty()) {
      node.mask = static_cast<int>(tree_.masks.size());
      tree_.masks.insert(tree_.masks.end(), best.goes_left.begin(), best.goes_left.end());
    }
    const int l = Grow(left, depth + 1);
    const int r = Grow(right, depth + 1);
    tree_.nodes[index].left = l;  // Grow may have reallocated the node vector
    tree_.nodes[index].right = r;
    return index;
  }

  static bool GoesLeft(const Split& split, double v) {
    if (split.goes_left.empty()) return v < split.threshold;
    return split.goes_left[static_cast<size_t>(v)] != 0;
  }

  // ceil(max_features * d) distinct features, at least one.
  std::vector<int> FeatureSubset() {
    const int d = forest_.num_features();
    std::vector<int> features(static_cast<size_t>(d));
    std::iota(features.begin(), features.end(), 0);
    const int k =
        std::clamp(static_cast<int>(std::ceil(forest_.options_.max_features * d - 1e-9)), 1, d);
    for (int i = 0; i < k; ++i) {
      const int j = i + static_cast<int>(rng_.Below(static_cast<uint64_t>(d - i)));
      std::swap(features[i], features[j]);
    }
    features.resize(static_cast<size_t>(k));
    return features;
  }

  void TryNumeric(const std::vector<int>& rows, int f, const Moments& all, Split& best) {
    std::vector<std::pair<double, double>> xy;
    xy.reserve(rows.size());
    for (int r : rows) xy.emplace_back(x_[r][f], y_[r]);
    std::sort(xy.begin(), xy.end());
    const int n = static_cast<int>(xy.size());
    const int min_leaf = forest_.options_.min_samples_leaf;
    Moments left;
    int best_i = -1;
    double best_error = best.error;
    for (int i = 0; i + 1 < n; ++i) {
      left.Add(xy[i].second);
      const int nl = i + 1;
      if (nl < min_leaf || n - nl < min_leaf || !(xy[i].first < xy[i + 1].first)) continue;
      const double error = left.SquaredError() + Minus(all, left).SquaredError();
      if (error < best_error) {
        best_error = error;
        best_i = i;
      }
    }
    if (best_i < 0) return;
    best.error = best_error;
    best.feature = f;
    best.threshold = rng_.Uniform(xy[best_i].first, xy[best_i + 1].first);
    if (!(best.threshold > xy[best_i].first)) best.threshold = xy[best_i + 1].first;
    best.goes_left.clear();
  }

  void TryCategorical(const std::vector<int>& rows, int f, const Moments& all, Split& best) {
    const int k = forest_.categories_[f];
    std::vector<Moments> by_category(static_cast<size_t>(k));
    for (int r : rows) by_category[static_cast<size_t>(x_[r][f])].Add(y_[r]);
    std::vector<int> present;
    for (int c = 0; c < k; ++c) {
      if (by_category[c].n > 0) present.push_back(c);
    }
    if (present.size() < 2) return;
    std::stable_sort(present.begin(), present.end(),
                     [&](int a, int b) { return by_category[a].Mean() < by_category[b].Mean(); });
    const int min_leaf = forest_.options_.min_samples_leaf;
    Moments left;
    int best_cut = -1;
    double best_error = best.error;
    for (size_t i = 0; i + 1 < present.size(); ++i) {
      const Moments& c = by_category[present[i]];
      left.n += c.n;
      left.sum += c.sum;
      left.sum_sq += c.sum_sq;
      if (left.n < min_leaf || all.n - left.n < min_leaf) continue;
      const double error = left.SquaredError() + Minus(all, left).SquaredError();
      if (error < best_error) {
        best_error = error;
        best_cut = static_cast<int>(i);
      }
    }
    if (best_cut < 0) return;
    // Unseen categories follow the larger side, where a prediction is better supported.
    Moments left_side;
    for (int i = 0; i <= best_cut; ++i) {
      const Moments& c = by_category[present[i]];
      left_side.n += c.n;
    }
    const bool unseen_left = left_side.n >= all.n - left_side.n;
    best.error = best_error;
    best.feature = f;
    best.goes_left.assign(static_cast<size_t>(k), unseen_left ? 1 : 0);
    for (size_t i = 0; i < present.size(); ++i) {
      best.goes_left[present[i]] = static_cast<int>(i) <= best_cut ? 1 : 0;
    }
  }

  const RandomForest& forest_;
  const std::vector<std::vector<double>>& x_;
  const std::vector<double>& y_;
  Rng rng_;
  Tree& tree_;
};

RandomForest::RandomForest(std::vector<int> categories, ForestOptions options)
    : categories_(std::move(categories)), options_(options) {}

void RandomForest::Fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                       uint64_t seed) {
  trees_.assign(static_cast<size_t>(options_.num_trees), Tree{});
  if (y.empty()) return;
  const int n = static_cast<int>(y.size());
  for (int t = 0; t < options_.num_trees; ++t) {
    const uint64_t tree_seed = DeriveSeed(seed, static_cast<uint64_t>(t));
    std::vector<int> rows(static_cast<size_t>(n));
    if (options_.bootstrap) {
      Rng rng(DeriveSeed(tree_seed, 0, HashName("bootstrap")));
      for (int& r : rows) r = static_cast<int>(rng.Below(static_cast<uint64_t>(n)));
    } else {
      std::iota(rows.begin(), rows.end(), 0);
    }
    Builder(*this, x, y, tree_seed, trees_[t]).Grow(std::move(rows));
  }
}

const RandomForest::Node& RandomForest::Leaf(const Tree& tree, const double* x) const {
  const Node* node = &tree.nodes[0];
  while (node->feature >= 0) {
    const double v = x[node->feature];
    const bool left =
        node->mask >= 0 ? tree.masks[node->mask + static_cast<int>(v)] != 0 : v < node->threshold;
    node = &tree.nodes[left ? node->left : node->right];
  }
  return *node;
}

ForestPrediction RandomForest::Predict(const double* x) const {
  double sum = 0;
  double sum_sq = 0;
  double within = 0;
  int count = 0;
  for (const Tree& tree : trees_) {
    if (tree.nodes.empty()) continue;
    const Node& leaf = Leaf(tree, x);
    sum += leaf.mean;
    sum_sq += leaf.mean * leaf.mean;
    within += leaf.variance;
    ++count;
  }
  if (count == 0) return {};
  const double mean = sum / count;
  const double across = std::max(0.0, sum_sq / count - mean * mean);
  return {mean, across + within / count};
}

int RandomForest::num_leaves() const {
  int leaves = 0;
  for (const Tree& tree : trees_) {
    for (const Node& node : tree.nodes) leaves += node.feature < 0 ? 1 : 0;
  }
  return leaves;
}

}  // namespace automl::internal
