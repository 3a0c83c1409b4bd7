#include "automl/nas/compound_scaling.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr double kMinCoefficient = 1.0;
constexpr double kMaxCoefficient = 4.0;

double Coefficient(const Json& json, const std::string& key) {
  const std::string at = "scale: coefficients: " + key;
  const double v = internal::NumberValue(internal::Required(json, key, "scale: coefficients"), at);
  if (v < kMinCoefficient || v > kMaxCoefficient) {
    throw InvalidArgument(at + ": must be in [1, 4], not " + internal::NumberText(v));
  }
  return v;
}

}  // namespace

CompoundCoefficients CompoundCoefficients::FromJson(const Json& json) {
  internal::CheckObject(json, {"alpha", "beta", "gamma"}, "scale: coefficients");
  return {Coefficient(json, "alpha"), Coefficient(json, "beta"), Coefficient(json, "gamma")};
}

Json CompoundCoefficients::ToJson() const {
  return Json{{"alpha", alpha}, {"beta", beta}, {"gamma", gamma}};
}

CompoundGridOptions CompoundGridOptions::FromJson(const Json& json,
                                                  const std::vector<std::string>& extra) {
  constexpr char kWhere[] = "scale: grid";
  std::vector<std::string> known = {"step", "max", "target", "tolerance"};
  known.insert(known.end(), extra.begin(), extra.end());
  internal::CheckObject(json, known, kWhere);
  CompoundGridOptions o;
  internal::ReadOptional(json, "step", kWhere, &o.step);
  internal::ReadOptional(json, "max", kWhere, &o.max);
  internal::ReadOptional(json, "target", kWhere, &o.target);
  internal::ReadOptional(json, "tolerance", kWhere, &o.tolerance);
  o.Validate();
  return o;
}

Json CompoundGridOptions::ToJson() const {
  return Json{{"step", step}, {"max", max}, {"target", target}, {"tolerance", tolerance}};
}

void CompoundGridOptions::Validate() const {
  auto fail = [](const std::string& field, const std::string& rule, double v) {
    throw InvalidArgument("scale: grid: " + field + ": must be " + rule + ", not " +
                          internal::NumberText(v));
  };
  if (!(step > 0 && step <= 1)) fail("step", "in (0, 1]", step);
  if (!(max >= 1 && max <= kMaxCoefficient)) fail("max", "in [1, 4]", max);
  if (!(target > 1 && target <= 16)) fail("target", "in (1, 16]", target);
  if (!(tolerance >= 0 && std::isfinite(tolerance))) fail("tolerance", ">= 0", tolerance);
}

std::vector<CompoundCoefficients> CompoundGrid(const CompoundGridOptions& options) {
  options.Validate();
  // Grid values by index, so that 1 + k * step carries no accumulated rounding.
  const int n = static_cast<int>(std::floor((options.max - 1) / options.step + 1e-9)) + 1;
  auto value = [&](int k) { return 1 + k * options.step; };
  std::vector<CompoundCoefficients> out;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      for (int g = 0; g < n; ++g) {
        const CompoundCoefficients c{value(a), value(b), value(g)};
        if (std::abs(c.FlopsFactor() - options.target) <= options.tolerance + 1e-12) {
          out.push_back(c);
        }
      }
    }
  }
  return out;
}

ScaleMultipliers Multipliers(const CompoundCoefficients& c, double phi) {
  return {std::pow(c.alpha, phi), std::pow(c.beta, phi), std::pow(c.gamma, phi)};
}

int RoundWidth(int channels, double width, int divisor) {
  if (divisor < 1) throw InvalidArgument("scale: width_divisor: must be >= 1");
  const double scaled = channels * width;
  int rounded = std::max(divisor, static_cast<int>(scaled + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;  // never lose more than 10%
  return rounded;
}

int RoundDepth(int blocks, double depth) {
  return static_cast<int>(std::ceil(depth * blocks - 1e-9));
}

int64_t ScaledResolution(int64_t side, double resolution) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(side) * resolution));
}

ChainArch ScaleChainArch(const ChainArch& arch, const ScaleMultipliers& m, int divisor) {
  ChainArchFromJson(ToJson(arch));  // validates
  if (m.depth < 1e-3 || m.width < 1e-3) {
    throw InvalidArgument("scale: depth and width multipliers must be at least 0.001");
  }
  ChainArch out;
  out.stem = RoundWidth(arch.stem, m.width, divisor);
  size_t layer = 0;
  for (const ChainStage& stage : arch.stages) {
    std::vector<std::string> blocks;
    for (int i = 0; i < stage.layers; ++i, ++layer) {
      if (arch.ops[layer] != "skip") blocks.push_back(arch.ops[layer]);
    }
    if (blocks.empty()) continue;  // an all-skip stage is the identity: nothing to scale
    const int n = static_cast<int>(blocks.size());
    const int scaled = RoundDepth(n, m.depth);
    if (scaled < 1 || scaled > ChainSpaceOptions::kMaxLayers) {
      throw InvalidArgument("scale: a stage of " + std::to_string(n) + " blocks would get " +
                            std::to_string(scaled) + " (1.." +
                            std::to_string(ChainSpaceOptions::kMaxLayers) + " allowed)");
    }
    out.stages.push_back({scaled, RoundWidth(stage.width, m.width, divisor), stage.stride});
    for (int j = 0; j < scaled; ++j) {
      out.ops.push_back(blocks[static_cast<size_t>(static_cast<int64_t>(j) * n / scaled)]);
    }
  }
  if (out.stages.empty()) throw InvalidArgument("scale: the architecture has no blocks");
  try {
    ChainArchFromJson(ToJson(out));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("scale: the scaled architecture is invalid: ") + e.what());
  }
  return out;
}

}  // namespace automl::nas
