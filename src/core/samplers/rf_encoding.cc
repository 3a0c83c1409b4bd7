#include "core/samplers/rf_encoding.h"

#include <algorithm>
#include <cmath>

namespace automl::internal {

namespace {

// ConfigSpace's one-exchange neighbourhood: 4 neighbours of sd 0.2 in the unit interval for a
// continuous parameter.
constexpr int kContinuousNeighbours = 4;
constexpr double kStepSd = 0.2;
// Gaussian jumps added to the grid neighbours of a discrete numeric parameter with many values,
// so that the local search is not limited to one grid cell per step.
constexpr int kDiscreteJumps = 2;
// A categorical with more choices offers this many random other choices instead of all.
constexpr uint64_t kMaxCategoricalNeighbours = 32;

}  // namespace

ForestEncoding::ForestEncoding(const SearchSpace& space) : space_(space) {
  std::map<std::string, size_t> position;
  for (const ParamSpec& spec : space_.params()) {
    Dim dim;
    dim.spec = &spec;
    dim.continuous = !spec.is_discrete();
    dim.categorical = spec.type() == ParamType::kCategorical;
    dim.cardinality = dim.continuous ? 0 : *spec.Cardinality();
    if (spec.type() != ParamType::kFixed) {
      dim.feature = static_cast<int>(categories_.size());
      categories_.push_back(dim.categorical ? static_cast<int>(dim.cardinality) + 1 : 0);
    }
    for (const Condition& c : spec.conditions()) {
      ConditionRef ref;
      ref.parent = position.at(c.parent);
      const ParamSpec& parent = *dims_[ref.parent].spec;
      if (parent.is_discrete()) {
        ref.allowed.assign(dims_[ref.parent].cardinality, 0);
        for (const ParamValue& v : c.values) {
          if (parent.Contains(v)) ref.allowed[parent.IndexOf(v)] = 1;
        }
      } else {
        ref.values = c.values;
      }
      dim.conditions.push_back(std::move(ref));
    }
    position.emplace(spec.name(), dims_.size());
    dims_.push_back(std::move(dim));
  }
}

double ForestEncoding::DiscreteUnit(const Dim& dim, uint64_t index) const {
  // Only log ints have cells of unequal width in the unit interval.
  if (dim.spec->type() == ParamType::kInt && dim.spec->log()) {
    return dim.spec->ToUnit(dim.spec->ValueAt(index));
  }
  return (static_cast<double>(index) + 0.5) / static_cast<double>(dim.cardinality);
}

uint64_t ForestEncoding::DiscreteIndexAtUnit(const Dim& dim, double u) const {
  return dim.spec->IndexOf(dim.spec->FromUnit(u));
}

SpacePoint ForestEncoding::FromParams(const ParamMap& params, Rng& rng) const {
  SpacePoint point = Uniform(rng);
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dim& dim = dims_[i];
    auto it = params.find(dim.spec->name());
    if (it == params.end() || !dim.spec->Contains(it->second)) continue;
    point[i] = dim.continuous ? std::clamp(dim.spec->ToUnit(it->second), 0.0, 1.0)
                              : static_cast<double>(dim.spec->IndexOf(it->second));
  }
  return point;
}

SpacePoint ForestEncoding::Uniform(Rng& rng) const {
  SpacePoint point(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    const double u = rng.Uniform();
    point[i] = dims_[i].continuous ? u : static_cast<double>(DiscreteIndexAtUnit(dims_[i], u));
  }
  return point;
}

ParamMap ForestEncoding::ToParams(const SpacePoint& point) const {
  ParamMap params;
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dim& dim = dims_[i];
    params.emplace(dim.spec->name(), dim.continuous
                                         ? dim.spec->FromUnit(point[i])
                                         : dim.spec->ValueAt(static_cast<uint64_t>(point[i])));
  }
  return params;
}

std::vector<char> ForestEncoding::Active(const SpacePoint& point) const {
  std::vector<char> active(dims_.size(), 1);
  for (size_t i = 0; i < dims_.size(); ++i) {
    for (const ConditionRef& c : dims_[i].conditions) {
      bool holds = active[c.parent] != 0;
      if (holds && !c.allowed.empty()) {
        holds = c.allowed[static_cast<size_t>(point[c.parent])] != 0;
      } else if (holds) {
        const ParamValue value = dims_[c.parent].spec->FromUnit(point[c.parent]);
        holds = std::find(c.values.begin(), c.values.end(), value) != c.values.end();
      }
      if (!holds) {
        active[i] = 0;
        break;
      }
    }
  }
  return active;
}

void ForestEncoding::Features(const SpacePoint& point, double* out) const {
  const std::vector<char> active =
      space_.has_conditions() ? Active(point) : std::vector<char>(dims_.size(), 1);
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dim& dim = dims_[i];
    if (dim.feature < 0) continue;
    double& f = out[dim.feature];
    if (!active[i]) {
      f = dim.categorical ? static_cast<double>(dim.cardinality) : -1.0;
    } else if (dim.continuous || dim.categorical) {
      f = point[i];
    } else {
      f = DiscreteUnit(dim, static_cast<uint64_t>(point[i]));
    }
  }
}

std::vector<double> ForestEncoding::Features(const SpacePoint& point) const {
  std::vector<double> features(categories_.size());
  Features(point, features.data());
  return features;
}

void ForestEncoding::Neighbours(const SpacePoint& point, Rng& rng,
                                std::vector<SpacePoint>& out) const {
  const std::vector<char> active = Active(point);
  const auto add = [&](size_t i, double value) {
    out.push_back(point);
    out.back()[i] = value;
  };
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Dim& dim = dims_[i];
    if (!active[i] || dim.feature < 0) continue;
    if (dim.continuous) {
      for (int k = 0; k < kContinuousNeighbours; ++k) {
        // Redraw steps that leave the interval, as ConfigSpace does; give up after a few.
        for (int attempt = 0; attempt < 10; ++attempt) {
          const double u = point[i] + kStepSd * rng.Normal();
          if (u >= 0 && u <= 1) {
            add(i, u);
            break;
          }
        }
      }
      continue;
    }
    const auto index = static_cast<uint64_t>(point[i]);
    const uint64_t n = dim.cardinality;
    if (n < 2) continue;
    if (dim.categorical) {
      if (n - 1 <= kMaxCategoricalNeighbours) {
        for (uint64_t j = 0; j < n; ++j) {
          if (j != index) add(i, static_cast<double>(j));
        }
      } else {
        for (uint64_t k = 0; k < kMaxCategoricalNeighbours; ++k) {
          const uint64_t j = (index + 1 + rng.Below(n - 1)) % n;
          add(i, static_cast<double>(j));
        }
      }
      continue;
    }
    if (index > 0) add(i, static_cast<double>(index - 1));
    if (index + 1 < n) add(i, static_cast<double>(index + 1));
    if (n <= 3) continue;
    for (int k = 0; k < kDiscreteJumps; ++k) {
      const double u = std::clamp(DiscreteUnit(dim, index) + kStepSd * rng.Normal(), 0.0, 1.0);
      const uint64_t j = DiscreteIndexAtUnit(dim, u);
      if (j + 1 < index || j > index + 1) add(i, static_cast<double>(j));
    }
  }
}

}  // namespace automl::internal
