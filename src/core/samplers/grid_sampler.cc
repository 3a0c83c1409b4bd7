#include "automl/samplers/grid_sampler.h"

#include <cmath>

#include "automl/error.h"
#include "automl/random.h"

namespace automl {
namespace {

constexpr int kFeistelRounds = 4;

// The values a parameter takes on the grid.
std::vector<ParamValue> Axis(const ParamSpec& spec, int64_t resolution) {
  std::vector<ParamValue> axis;
  if (const auto n = spec.Cardinality()) {
    if (*n > static_cast<uint64_t>(GridSampler::kMaxConditionalPoints)) {
      throw InvalidArgument("sampler 'grid': parameter '" + spec.name() + "' alone has " +
                            std::to_string(*n) + " values, too many for a grid");
    }
    for (uint64_t i = 0; i < *n; ++i) axis.push_back(spec.ValueAt(i));
    return axis;
  }
  // A continuous float: |resolution| points from low to high inclusive, evenly spaced in the
  // parameter's scale (one point: the middle).
  for (int64_t i = 0; i < resolution; ++i) {
    const double t =
        resolution == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(resolution - 1);
    double v =
        spec.log()
            ? std::exp(std::log(spec.low()) + t * (std::log(spec.high()) - std::log(spec.low())))
            : spec.low() + t * (spec.high() - spec.low());
    if (resolution > 1 && i == 0) v = spec.low();
    if (resolution > 1 && i == resolution - 1) v = spec.high();
    axis.emplace_back(v);
  }
  return axis;
}

std::string TooLarge() {
  return "sampler 'grid': the grid has more than " + std::to_string(GridSampler::kMaxPoints) +
         " points; lower the resolution or use random or sobol";
}

}  // namespace

GridSampler::GridSampler(const SearchSpace& space, uint64_t seed, GridSamplerOptions options)
    : space_(space), seed_(seed), shuffle_(options.shuffle) {
  if (options.resolution < 1) {
    throw InvalidArgument("sampler 'grid': option 'resolution' must be at least 1");
  }
  for (const auto& [name, r] : options.resolution_for) {
    const ParamSpec* spec = space.Find(name);
    if (!spec) {
      throw InvalidArgument("sampler 'grid': option 'resolution' names unknown parameter '" + name +
                            "'");
    }
    if (spec->is_discrete()) {
      throw InvalidArgument("sampler 'grid': option 'resolution' names '" + name +
                            "', which is discrete: the grid takes all its values");
    }
    if (r < 1) {
      throw InvalidArgument("sampler 'grid': the resolution of '" + name + "' must be at least 1");
    }
  }
  for (const ParamSpec& spec : space_.params()) {
    auto it = options.resolution_for.find(spec.name());
    axes_.push_back(
        Axis(spec, it == options.resolution_for.end() ? options.resolution : it->second));
  }

  if (space_.has_conditions()) {
    std::vector<uint32_t> row(space_.size(), kInactive);
    ParamMap assigned;
    Enumerate(0, row, assigned);
  } else {
    size_ = 1;
    for (const auto& axis : axes_) {
      if (static_cast<double>(size_) * static_cast<double>(axis.size()) >
          static_cast<double>(kMaxPoints)) {
        throw InvalidArgument(TooLarge());
      }
      size_ *= static_cast<int64_t>(axis.size());
    }
  }
  while ((int64_t{1} << permutation_bits_) < size_ || permutation_bits_ < 2) ++permutation_bits_;
  permutation_bits_ += permutation_bits_ % 2;  // two equal halves for the Feistel network
}

// Depth-first over the parameters in space order (parents first): an inactive parameter does not
// branch, so each distinct assignment of the active parameters appears exactly once.
void GridSampler::Enumerate(size_t param, std::vector<uint32_t>& row, ParamMap& assigned) {
  if (param == space_.size()) {
    if (size_ >= kMaxConditionalPoints) {
      throw InvalidArgument("sampler 'grid': a grid over conditional parameters may have at most " +
                            std::to_string(kMaxConditionalPoints) +
                            " points; lower the resolution or use random or sobol");
    }
    cells_.insert(cells_.end(), row.begin(), row.end());
    ++size_;
    return;
  }
  const ParamSpec& spec = space_.params()[param];
  if (!space_.IsActive(spec, assigned)) {
    row[param] = kInactive;
    Enumerate(param + 1, row, assigned);
    return;
  }
  for (size_t i = 0; i < axes_[param].size(); ++i) {
    row[param] = static_cast<uint32_t>(i);
    assigned.insert_or_assign(spec.name(), axes_[param][i]);
    Enumerate(param + 1, row, assigned);
  }
  assigned.erase(spec.name());
  row[param] = kInactive;
}

std::vector<uint32_t> GridSampler::Row(uint64_t row) const {
  const size_t width = space_.size();
  if (!cells_.empty()) {
    return {cells_.begin() + static_cast<std::ptrdiff_t>(row * width),
            cells_.begin() + static_cast<std::ptrdiff_t>((row + 1) * width)};
  }
  // Mixed radix with the first parameter as the slowest digit.
  std::vector<uint32_t> out(width);
  for (size_t p = width; p-- > 0;) {
    out[p] = static_cast<uint32_t>(row % axes_[p].size());
    row /= axes_[p].size();
  }
  return out;
}

// A balanced Feistel network is a bijection on [0, 2^bits) whatever its round function; walking
// the cycle until the image falls below size() makes it a bijection on [0, size()) (Black &
// Rogaway, "Ciphers with arbitrary finite domains", 2002). It needs no memory, whatever the size.
uint64_t GridSampler::Permute(uint64_t k) const {
  if (!shuffle_) return k;
  const int half = permutation_bits_ / 2;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  uint64_t x = k;
  do {
    uint64_t left = x >> half;
    uint64_t right = x & mask;
    for (int round = 0; round < kFeistelRounds; ++round) {
      const uint64_t f = Mix64(right ^ DeriveSeed(seed_, static_cast<uint64_t>(round),
                                                  kSamplerStream ^ HashName("grid"))) &
                         mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<uint64_t>(size_));
  return x;
}

ParamMap GridSampler::Point(int64_t k) const {
  if (k < 0 || k >= size_) {
    throw Exhausted("sampler 'grid': all " + std::to_string(size_) + " points were handed out");
  }
  const std::vector<uint32_t> row = Row(Permute(static_cast<uint64_t>(k)));
  ParamMap point;
  for (size_t p = 0; p < row.size(); ++p) {
    if (row[p] != kInactive) point.emplace(space_.params()[p].name(), axes_[p][row[p]]);
  }
  return point;
}

std::vector<std::string> GridSampler::RelativeParams(const Study& /*study*/,
                                                     const FrozenTrial& trial) const {
  if (!trial.sample_index) return {};  // an enqueued trial: its open parameters go one by one
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap GridSampler::SampleRelative(const Study& /*study*/, const FrozenTrial& trial,
                                     const std::vector<std::string>& /*names*/) const {
  if (!trial.sample_index) return {};
  return Point(*trial.sample_index);
}

ParamValue GridSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                          const ParamSpec& param) const {
  const auto p = static_cast<size_t>(&space_.Get(param.name()) - space_.params().data());
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number),
                     kSamplerStream ^ HashName(param.name())));
  return axes_[p][rng.Below(axes_[p].size())];
}

}  // namespace automl
