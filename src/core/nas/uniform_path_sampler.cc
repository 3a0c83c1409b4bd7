#include "automl/nas/uniform_path_sampler.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kWhere[] = "uniform-path-sampler";

}  // namespace

UniformPathSamplerOptions UniformPathSamplerOptions::FromJson(const Json& json) {
  internal::CheckObject(json, {"max_tries"}, kWhere);
  UniformPathSamplerOptions options;
  internal::ReadOptional(json, "max_tries", kWhere, &options.max_tries);
  options.Validate();
  return options;
}

Json UniformPathSamplerOptions::ToJson() const { return Json{{"max_tries", max_tries}}; }

void UniformPathSamplerOptions::Validate() const {
  if (max_tries < 1) {
    throw InvalidArgument(std::string(kWhere) + ": max_tries: must be >= 1, not " +
                          std::to_string(max_tries));
  }
}

UniformPathSampler::UniformPathSampler(std::vector<int64_t> choices,
                                       UniformPathSamplerOptions options, PathPredicate feasible)
    : choices_(std::move(choices)), options_(options), feasible_(std::move(feasible)) {
  ValidateChoices(choices_, kWhere);
  options_.Validate();
}

Path UniformPathSampler::Sample(Rng& rng) {
  ++steps_;
  Path path = UniformPath(choices_, rng);
  if (!feasible_) return path;
  for (int64_t tries = 1; !feasible_(path); ++tries) {
    if (tries == options_.max_tries) {
      ++fallbacks_;
      return path;
    }
    path = UniformPath(choices_, rng);
  }
  return path;
}

Json UniformPathSampler::State() const {
  return Json{{"choices", choices_}, {"steps", steps_}, {"fallbacks", fallbacks_}};
}

void UniformPathSampler::LoadState(const Json& state) {
  const std::string where = std::string(kWhere) + " state";
  internal::CheckObject(state, {"choices", "steps", "fallbacks"}, where);
  internal::CheckSameChoices(state, choices_, where);
  const int64_t steps =
      internal::IntValue(internal::Required(state, "steps", where), where + ": steps");
  const int64_t fallbacks =
      internal::IntValue(internal::Required(state, "fallbacks", where), where + ": fallbacks");
  if (steps < 0 || fallbacks < 0 || fallbacks > steps) {
    throw InvalidArgument(where + ": need 0 <= fallbacks <= steps, not fallbacks " +
                          std::to_string(fallbacks) + " of " + std::to_string(steps));
  }
  steps_ = steps;
  fallbacks_ = fallbacks;
}

}  // namespace automl::nas
