#include "automl/samplers/random_sampler.h"

#include "automl/random.h"

namespace automl {

ParamValue SampleUniform(uint64_t seed, const FrozenTrial& trial, const ParamSpec& param) {
  Rng rng(DeriveSeed(seed, static_cast<uint64_t>(trial.number),
                     kSamplerStream ^ HashName(param.name())));
  return param.FromUnit(rng.Uniform());
}

ParamValue RandomSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                            const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
