#include "automl/samplers/sobol_sampler.h"

#include <boost/random/sobol.hpp>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"

namespace automl {
namespace {

using SobolEngine = boost::random::sobol_engine<uint32_t, 32>;

// 32-bit coordinates give 2^32 distinct points (the origin and Boost's 2^32 - 1).
constexpr uint64_t kSequenceLength = uint64_t{1} << 32;

uint32_t ReverseBits(uint32_t x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
  return (x >> 16) | (x << 16);
}

// Burley (2020), listing 3: a hash that only mixes each bit with bits below it, so that applied
// to the bit-reversed value it permutes each binary interval's halves as Owen scrambling does.
uint32_t LaineKarrasPermutation(uint32_t x, uint32_t seed) {
  x += seed;
  x ^= x * 0x6c50b47cu;
  x ^= x * 0xb82f1e52u;
  x ^= x * 0xc7afe638u;
  x ^= x * 0x8d22f6e6u;
  return x;
}

uint32_t NestedUniformScramble(uint32_t x, uint32_t seed) {
  return ReverseBits(LaineKarrasPermutation(ReverseBits(x), seed));
}

}  // namespace

SobolSampler::SobolSampler(const SearchSpace& space, uint64_t seed, SobolSamplerOptions options)
    : space_(space), seed_(seed), options_(options) {
  if (space_.size() > boost::random::default_sobol_table::max_dimension) {
    throw InvalidArgument("sampler 'sobol': the space has " + std::to_string(space_.size()) +
                          " parameters; Sobol' direction numbers reach " +
                          std::to_string(boost::random::default_sobol_table::max_dimension));
  }
  for (size_t d = 0; d < space_.size(); ++d) {
    scramble_seeds_.push_back(
        static_cast<uint32_t>(DeriveSeed(seed_, d, kSamplerStream ^ HashName("sobol")) >> 32));
  }
}

std::vector<double> SobolSampler::UnitPoint(uint64_t k) const {
  if (k >= kSequenceLength) {
    throw Exhausted("sampler 'sobol': the sequence has no more than 2^32 points");
  }
  std::vector<double> point(space_.size());
  if (point.empty()) return point;
  // Point 0 is the origin. It must not be dropped: without it the first 2^m points no longer
  // stratify (points 1 .. 2^m leave the cell at 0 empty and put two points in another; A. Owen,
  // "On dropping the first Sobol' point", 2022), and scrambling moves it away from 0 anyway.
  // Boost's sequence starts after the origin, so point k >= 1 is its element k - 1; seed() jumps
  // there directly through the Gray code, in O(dimensions * bits).
  std::vector<uint32_t> x(point.size(), 0);
  if (k > 0) {
    SobolEngine engine(space_.size());
    engine.seed(static_cast<uint32_t>(k - 1));
    for (uint32_t& xd : x) xd = engine();
  }
  for (size_t d = 0; d < point.size(); ++d) {
    const uint32_t xd = options_.scramble ? NestedUniformScramble(x[d], scramble_seeds_[d]) : x[d];
    point[d] = (static_cast<double>(xd) + 0.5) * 0x1.0p-32;
  }
  return point;
}

std::vector<std::string> SobolSampler::RelativeParams(const Study& /*study*/,
                                                      const FrozenTrial& trial) const {
  if (!trial.sample_index) return {};
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap SobolSampler::SampleRelative(const Study& /*study*/, const FrozenTrial& trial,
                                      const std::vector<std::string>& /*names*/) const {
  if (!trial.sample_index) return {};
  const std::vector<double> u = UnitPoint(static_cast<uint64_t>(*trial.sample_index));
  ParamMap point;
  for (size_t d = 0; d < u.size(); ++d) {
    const ParamSpec& spec = space_.params()[d];
    point.emplace(spec.name(), spec.FromUnit(u[d]));
  }
  return point;
}

ParamValue SobolSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                           const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
