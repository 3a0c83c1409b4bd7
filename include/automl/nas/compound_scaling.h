// EfficientNet's compound scaling of a chain network (automl/nas/chain_space.h): depth, width and
// input resolution grown together by one coefficient phi.
//
// M. Tan, Q. V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
// ICML 2019. With constants alpha, beta, gamma >= 1 and alpha * beta^2 * gamma^2 ~= 2, the network
// of coefficient phi has depth alpha^phi, width beta^phi and resolution gamma^phi times the base
// network's, so its FLOPs grow by about 2^phi (FLOPs go with depth, and with the square of width
// and of resolution). The constants come from a small grid search at phi = 1 (the paper's B0 gave
// alpha = 1.2, beta = 1.1, gamma = 1.15); then phi is raised for the family.
//
//   std::vector<CompoundCoefficients> grid = CompoundGrid(CompoundGridOptions{});  // the search
//   ChainArch b1 = ScaleChainArch(base, Multipliers({1.2, 1.1, 1.15}, 1.0), 8);
//   int64_t side = ScaledResolution(28, Multipliers({1.2, 1.1, 1.15}, 1.0).resolution);
//
// Rounding, as the paper's released code does it (efficientnet_model.py's round_filters and
// round_repeats): a stage of n blocks gets ceil(depth * n) blocks, and a width c becomes the
// multiple of `divisor` nearest to width * c, at least `divisor`, raised by one divisor when that
// loses more than 10%. A chain stage may mix ops (a searched network), where EfficientNet's stages
// repeat one block: the scaled stage stretches the stage's ops in order (block j of n' takes op
// floor(j * n / n')), so each op keeps its share of the stage; skips are left out first, since
// they are not blocks.
#ifndef AUTOML_NAS_COMPOUND_SCALING_H_
#define AUTOML_NAS_COMPOUND_SCALING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/nas/chain_space.h"

namespace automl::nas {

struct CompoundCoefficients {
  double alpha = 1;  // depth
  double beta = 1;   // width
  double gamma = 1;  // resolution

  // alpha * beta^2 * gamma^2: the FLOPs factor of one unit of phi.
  double FlopsFactor() const { return alpha * beta * beta * gamma * gamma; }
  // Reads {alpha, beta, gamma}, each a number in [1, 4]; all three required, unknown keys
  // refused. Throws InvalidArgument naming the key ("scale: coefficients: beta: ...").
  static CompoundCoefficients FromJson(const Json& json);
  Json ToJson() const;
};

// The grid of the search at phi = 1: every (alpha, beta, gamma) with each value in
// 1, 1 + step, ..., max and |alpha * beta^2 * gamma^2 - target| <= tolerance.
struct CompoundGridOptions {
  double step = 0.1;
  double max = 2.0;
  double target = 2.0;
  double tolerance = 0.05;

  // Reads {step, max, target, tolerance}; every key optional, unknown keys refused, validated.
  // |extra| keys are allowed and ignored (a command's own keys beside these).
  static CompoundGridOptions FromJson(const Json& json, const std::vector<std::string>& extra = {});
  Json ToJson() const;
  // step in (0, 1], max in [1, 4], target in (1, 16], tolerance >= 0; throws InvalidArgument
  // naming the field ("scale: grid: step: ...").
  void Validate() const;
};
// The grid's points, alpha slowest, gamma fastest; empty when no point meets the tolerance.
std::vector<CompoundCoefficients> CompoundGrid(const CompoundGridOptions& options);

// What phi makes of the coefficients: depth alpha^phi, width beta^phi, resolution gamma^phi.
struct ScaleMultipliers {
  double depth = 1, width = 1, resolution = 1;
};
ScaleMultipliers Multipliers(const CompoundCoefficients& c, double phi);

// EfficientNet's round_filters: |channels| * |width| to a multiple of |divisor| (>= 1), see above.
int RoundWidth(int channels, double width, int divisor);
// EfficientNet's round_repeats: ceil(|depth| * |blocks|).
int RoundDepth(int blocks, double depth);
// The input side: |side| * |resolution|, rounded, at least 1.
int64_t ScaledResolution(int64_t side, double resolution);

// |arch| scaled: skips left out, each stage's blocks to RoundDepth (ops stretched in order), the
// stem and every stage's width to RoundWidth. Throws InvalidArgument for an invalid arch, a
// multiplier below 1e-3, or a result outside the chain space's limits (64 layers in all).
ChainArch ScaleChainArch(const ChainArch& arch, const ScaleMultipliers& m, int divisor);

}  // namespace automl::nas

#endif  // AUTOML_NAS_COMPOUND_SCALING_H_
