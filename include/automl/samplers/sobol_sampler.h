// SobolSampler: a scrambled Sobol' low-discrepancy sequence, one dimension per parameter.
//
// Points come from Sobol's sequence with Joe & Kuo's direction numbers (Boost.Random's
// sobol_engine), starting at the origin as Owen recommends ("On dropping the first Sobol'
// point", 2022), scrambled by hash-based Owen scrambling (B. Burley, "Practical Hash-based Owen
// Scrambling", JCGT 9(4), 2020), which keeps the net structure (every 2^m consecutive points from
// index 0 stratify each dimension into 2^m equal cells) while making each seed an independent
// randomized QMC sequence. The study's k-th sampled trial takes point k, so parallel workers never
// share a point. Each unit coordinate is mapped to a value by ParamSpec::FromUnit. Conditional
// parameters keep their own dimension and use it only when active. Registered as `sobol` with the
// option `scramble` (default true).
#ifndef AUTOML_SAMPLERS_SOBOL_SAMPLER_H_
#define AUTOML_SAMPLERS_SOBOL_SAMPLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/sampler.h"

namespace automl {

struct SobolSamplerOptions {
  bool scramble = true;
};

class SobolSampler : public Sampler {
 public:
  SobolSampler(const SearchSpace& space, uint64_t seed, SobolSamplerOptions options = {});

  std::string name() const override { return "sobol"; }
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Parameters an enqueued trial leaves open are drawn at random.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  // The |k|-th point of the (scrambled) sequence in [0, 1)^dimensions; point 0 is the origin
  // (moved by scrambling). Throws Exhausted for k >= 2^32, the length of the sequence.
  std::vector<double> UnitPoint(uint64_t k) const;
  size_t dimensions() const { return space_.size(); }

 private:
  SearchSpace space_;
  uint64_t seed_;
  SobolSamplerOptions options_;
  std::vector<uint32_t> scramble_seeds_;  // one per dimension
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_SOBOL_SAMPLER_H_
