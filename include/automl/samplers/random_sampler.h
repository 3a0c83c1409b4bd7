// RandomSampler: every parameter drawn independently and uniformly in its own scale (log-uniform
// for log parameters, equal mass per value for discrete ones). Registered as `random`.
#ifndef AUTOML_SAMPLERS_RANDOM_SAMPLER_H_
#define AUTOML_SAMPLERS_RANDOM_SAMPLER_H_

#include <cstdint>
#include <string>

#include "automl/sampler.h"

namespace automl {

class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(uint64_t seed) : seed_(seed) {}

  std::string name() const override { return "random"; }
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

 private:
  uint64_t seed_;
};

// Draws |param| uniformly (in its own scale) from a stream that depends only on (seed, trial
// number, parameter name), so a parameter's value does not change when others are added.
ParamValue SampleUniform(uint64_t seed, const FrozenTrial& trial, const ParamSpec& param);

}  // namespace automl

#endif  // AUTOML_SAMPLERS_RANDOM_SAMPLER_H_
