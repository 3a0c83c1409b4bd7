// How the `rf` sampler sees a search space: points it can step through, and the features its
// random forest reads.
//
// A point holds one number per parameter, active or not: a continuous float's unit value
// (ParamSpec::ToUnit, so log scale for log floats), otherwise the index of the value
// (ParamSpec::IndexOf; 0 for a fixed parameter). Keeping values for inactive parameters lets a
// local-search step that activates a parameter find a value there.
//
// The features are one per non-fixed parameter: numeric parameters (floats, ints, ordinals) by
// their unit value in [0, 1] (a discrete value by its cell's centre), categoricals by their index.
// An inactive parameter is -1, or the extra category k for a categorical with k choices, as SMAC
// imputes them, so that trees can split on a parameter's activity.
#ifndef AUTOML_CORE_SAMPLERS_RF_ENCODING_H_
#define AUTOML_CORE_SAMPLERS_RF_ENCODING_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "automl/param_value.h"
#include "automl/random.h"
#include "automl/search_space.h"

namespace automl::internal {

using SpacePoint = std::vector<double>;

class ForestEncoding {
 public:
  explicit ForestEncoding(const SearchSpace& space);
  // Dims point into the space it holds.
  ForestEncoding(const ForestEncoding&) = delete;
  ForestEncoding& operator=(const ForestEncoding&) = delete;

  // Per feature: 0 for numeric, the number of categories (choices + 1) for categorical.
  const std::vector<int>& categories() const { return categories_; }
  int num_features() const { return static_cast<int>(categories_.size()); }

  // The point of a trial's parameters; those it lacks (inactive ones) are drawn from |rng|.
  SpacePoint FromParams(const ParamMap& params, Rng& rng) const;
  // A value for every parameter, each uniform in its own scale as ParamSpec::FromUnit draws.
  SpacePoint Uniform(Rng& rng) const;
  // A value for every parameter (the study drops the inactive ones).
  ParamMap ToParams(const SpacePoint& point) const;

  // The features of |point| into |out| (num_features() values).
  void Features(const SpacePoint& point, double* out) const;
  std::vector<double> Features(const SpacePoint& point) const;

  // Appends the one-exchange neighbours of |point| to |out|: points that differ in one active
  // parameter (see rf_sampler.h for the steps).
  void Neighbours(const SpacePoint& point, Rng& rng, std::vector<SpacePoint>& out) const;

 private:
  struct ConditionRef {
    size_t parent = 0;
    std::vector<char> allowed;       // per value index of a discrete parent
    std::vector<ParamValue> values;  // a continuous parent's listed values
  };
  struct Dim {
    const ParamSpec* spec = nullptr;
    bool continuous = false;
    bool categorical = false;
    uint64_t cardinality = 0;  // discrete values (0 for a continuous float)
    int feature = -1;          // -1 for a fixed parameter
    std::vector<ConditionRef> conditions;
  };

  // Whether each parameter is active at |point| (parents come first in the space).
  std::vector<char> Active(const SpacePoint& point) const;
  // A discrete parameter's feature value for its |index|-th value.
  double DiscreteUnit(const Dim& dim, uint64_t index) const;
  uint64_t DiscreteIndexAtUnit(const Dim& dim, double u) const;

  SearchSpace space_;
  std::vector<Dim> dims_;
  std::vector<int> categories_;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_RF_ENCODING_H_
