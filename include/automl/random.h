// Random numbers that are the same on every platform and compiler: samplers must give the same
// suggestions for the same seed everywhere, which the standard library's distributions do not
// promise.
#ifndef AUTOML_RANDOM_H_
#define AUTOML_RANDOM_H_

#include <cstdint>
#include <string_view>

namespace automl {

// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014):
// one step of its output function, a good 64-bit mixer.
uint64_t Mix64(uint64_t x);

// A seed for stream |stream| of item |k| under |base|, e.g. DeriveSeed(study_seed, trial_number,
// kSamplerStream). Distinct inputs give statistically independent seeds.
uint64_t DeriveSeed(uint64_t base, uint64_t k, uint64_t stream = 0);

// 64-bit FNV-1a of |text|, to turn names into stream ids.
uint64_t HashName(std::string_view text);

// xoshiro256++ (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021),
// seeded through SplitMix64 as its authors recommend.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [a, b).
  double Uniform(double a, double b) { return a + (b - a) * Uniform(); }
  // Uniform integer in [0, n), without modulo bias; n > 0.
  uint64_t Below(uint64_t n);
  // Standard normal (Marsaglia's polar method).
  double Normal();
  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

}  // namespace automl

#endif  // AUTOML_RANDOM_H_
