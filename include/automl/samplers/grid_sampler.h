// GridSampler: every combination of parameter values, each exactly once. Categorical, ordinal,
// integer and stepped float parameters contribute all their values; continuous floats contribute
// `resolution` points (evenly spaced, in log scale for log parameters). Conditional parameters
// enter only the combinations where they are active, so no point repeats. Points are visited in
// a seeded random order (`shuffle: false` for the enumeration order, first parameter slowest);
// point k goes to the study's k-th sampled trial, which makes the grid safe for any number of
// parallel workers. When every point has been handed out the sampler is exhausted and the study
// stops. Registered as `grid` with options `resolution` (an integer, or a mapping from parameter
// name to integer) and `shuffle`.
#ifndef AUTOML_SAMPLERS_GRID_SAMPLER_H_
#define AUTOML_SAMPLERS_GRID_SAMPLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "automl/sampler.h"

namespace automl {

struct GridSamplerOptions {
  int64_t resolution = 10;                        // points per continuous float parameter
  std::map<std::string, int64_t> resolution_for;  // per-parameter overrides
  bool shuffle = true;
};

class GridSampler : public Sampler {
 public:
  // Grids beyond this many points are refused: a grid that large is never walked to the end,
  // and random or Sobol sampling covers such a space better.
  static constexpr int64_t kMaxPoints = int64_t{1} << 40;
  // A grid over a space with conditions is enumerated and stored; at most this many points.
  static constexpr int64_t kMaxConditionalPoints = int64_t{1} << 22;

  GridSampler(const SearchSpace& space, uint64_t seed, GridSamplerOptions options = {});

  std::string name() const override { return "grid"; }
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Parameters an enqueued trial leaves open: a random value of the parameter's grid axis.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;
  std::optional<int64_t> Capacity() const override { return size(); }

  int64_t size() const { return size_; }
  // The |k|-th point handed out (0 <= k < size()).
  ParamMap Point(int64_t k) const;

 private:
  static constexpr uint32_t kInactive = UINT32_MAX;
  void Enumerate(size_t param, std::vector<uint32_t>& row, ParamMap& assigned);
  // The row of axis indices of point |row| in enumeration order.
  std::vector<uint32_t> Row(uint64_t row) const;
  // Position |k| of the visiting order: a seeded permutation of [0, size()).
  uint64_t Permute(uint64_t k) const;

  SearchSpace space_;
  uint64_t seed_;
  bool shuffle_;
  std::vector<std::vector<ParamValue>> axes_;  // the values of each parameter, in space order
  int64_t size_ = 0;
  // Conditional spaces only: the enumerated points, size_ rows of space.size() axis indices.
  // Without conditions a point is decoded from its index (mixed radix), nothing is stored.
  std::vector<uint32_t> cells_;
  int permutation_bits_ = 0;  // the permutation works on [0, 2^bits) and walks back into range
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_GRID_SAMPLER_H_
