// A regression random forest with predictive uncertainty, the surrogate model of SMAC
// (F. Hutter, H. H. Hoos, K. Leyton-Brown, "Sequential Model-Based Optimization for General
// Algorithm Configuration", LION 5, 2011, section 4.1), with the defaults of SMAC3's RandomForest
// (pyrfr): 10 trees, each on a bootstrap sample of the data, a random 5/6 of the features tried at
// every split, at least 3 points to split a node and 3 in every leaf.
//
// Splits minimise the children's summed squared error. A numeric feature splits at a threshold
// drawn uniformly between two neighbouring distinct values (as pyrfr does, which makes the forest's
// mean smoother than midpoints would). A categorical feature splits into two subsets of
// categories: the node's categories sorted by their mean response, cut at the best prefix, which
// is the optimal binary partition for squared error (L. Breiman et al., "Classification and
// Regression Trees", 1984, section 9.4); a category the node has not seen goes to the larger side.
//
// A prediction is the mixture of the trees' leaves: its mean is the mean of the leaves' means,
// its variance the variance of those means across trees plus the mean within-leaf variance (the
// law of total variance, as pyrfr's predict_mean_var computes it).
//
// Conditional (inactive) parameters are the encoder's business: it gives them a value no active
// parameter takes (-1 for a numeric feature in [0, 1], an extra category for a categorical one),
// so trees can split on activity.
#ifndef AUTOML_CORE_SAMPLERS_RANDOM_FOREST_H_
#define AUTOML_CORE_SAMPLERS_RANDOM_FOREST_H_

#include <cstdint>
#include <vector>

namespace automl::internal {

struct ForestOptions {
  int num_trees = 10;
  int max_depth = 20;
  int min_samples_split = 3;
  int min_samples_leaf = 3;
  double max_features = 5.0 / 6.0;  // fraction of the features tried at each split
  bool bootstrap = true;            // false: every tree sees all the data once
  double eps_purity = 1e-8;         // a node whose responses vary less is a leaf
};

struct ForestPrediction {
  double mean = 0;
  double variance = 0;
};

class RandomForest {
 public:
  // |categories[f]| is 0 for a numeric feature and the number of categories of a categorical
  // one, whose values are then 0, 1, ..., categories[f] - 1.
  RandomForest(std::vector<int> categories, ForestOptions options);

  // Fits the trees to rows |x| (one value per feature) and responses |y|; tree t draws its
  // bootstrap sample and feature subsets from DeriveSeed(seed, t), so equal inputs give equal
  // forests. An empty data set gives a forest that predicts 0 with variance 0.
  void Fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y, uint64_t seed);

  // The predictive mean and variance at |x| (one value per feature).
  ForestPrediction Predict(const double* x) const;
  ForestPrediction Predict(const std::vector<double>& x) const { return Predict(x.data()); }

  int num_features() const { return static_cast<int>(categories_.size()); }
  // Leaves of all trees, for tests.
  int num_leaves() const;

 private:
  struct Node {
    int feature = -1;      // -1: a leaf
    double threshold = 0;  // numeric: x < threshold goes left
    int mask = -1;         // categorical: offset of its per-category "goes left" flags
    int left = -1;
    int right = -1;
    double mean = 0;      // of the responses that reached the node
    double variance = 0;  // their (population) variance
  };
  struct Tree {
    std::vector<Node> nodes;
    std::vector<char> masks;
  };
  class Builder;

  const Node& Leaf(const Tree& tree, const double* x) const;

  std::vector<int> categories_;
  ForestOptions options_;
  std::vector<Tree> trees_;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_RANDOM_FOREST_H_
