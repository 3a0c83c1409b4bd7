#include "automl/dl/augment_ops.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "automl/error.h"

namespace automl::dl {
namespace {

namespace F = torch::nn::functional;

constexpr double kPi = 3.14159265358979323846;
// AutoAugment's ranges at |m| = 1.
constexpr double kMaxDegrees = 30;
constexpr double kMaxShear = 0.3;
constexpr double kMaxTranslate = 0.45;  // of the image's side
constexpr double kMaxEnhance = 0.9;     // factor 1 + 0.9 m, in [0.1, 1.9]
constexpr double kMaxCutout = 0.5;      // of the shorter side
constexpr double kMaxPosterizeBitsOff = 4;

const char* const kNames[] = {"rotate",      "shear_x",       "shear_y",    "translate_x",
                              "translate_y", "auto_contrast", "equalize",   "solarize",
                              "posterize",   "contrast",      "brightness", "sharpness",
                              "invert",      "cutout",        "flip"};

std::string ShapeOf(const torch::Tensor& tensor) {
  std::ostringstream shape;
  shape << tensor.sizes();
  return shape.str();
}

void CheckArguments(AugmentOp op, const torch::Tensor& images, const torch::Tensor& magnitudes) {
  const std::string prefix = "augment: " + AugmentOpName(op) + " expects ";
  if (images.dim() != 4) {
    throw InvalidArgument(prefix + "a batch of images (N, C, H, W), not a tensor of shape " +
                          ShapeOf(images));
  }
  if (!images.is_floating_point()) {
    throw InvalidArgument(prefix + "floating-point images, not " +
                          std::string(images.dtype().name()));
  }
  if (magnitudes.dim() != 1 || magnitudes.size(0) != images.size(0)) {
    throw InvalidArgument(prefix + "one magnitude per example, a tensor of shape [" +
                          std::to_string(images.size(0)) + "], not " + ShapeOf(magnitudes));
  }
}

// A per-example quantity (N) as (N, 1, 1, 1), to broadcast over the images.
torch::Tensor PerExample(const torch::Tensor& values) { return values.view({-1, 1, 1, 1}); }

// The 8-bit values PIL would see: round(x * 255), as integers in [0, 255].
torch::Tensor ToBytes(const torch::Tensor& x) {
  return torch::floor(x * 255 + 0.5).clamp(0, 255).to(torch::kLong);
}

// Samples every example through its own inverse map, source = A * output + b in pixel
// coordinates centred on the image (x right, y down): a (N) tensors a00, a01, a10, a11, b0, b1.
// affine_grid works in coordinates normalized to [-1, 1] on each axis, so the map is conjugated
// by S = diag(W / 2, H / 2) (with align_corners = false, pixel edges sit at -1 and 1). Sampling
// x - fill with zero padding and adding fill back makes the uncovered pixels read |fill|.
torch::Tensor SampleAffine(const torch::Tensor& x, const torch::Tensor& a00,
                           const torch::Tensor& a01, const torch::Tensor& a10,
                           const torch::Tensor& a11, const torch::Tensor& b0,
                           const torch::Tensor& b1, double fill) {
  const auto h = static_cast<double>(x.size(2)), w = static_cast<double>(x.size(3));
  const torch::Tensor theta = torch::stack({torch::stack({a00, a01 * (h / w), b0 * (2 / w)}, 1),
                                            torch::stack({a10 * (w / h), a11, b1 * (2 / h)}, 1)},
                                           1);
  const torch::Tensor grid = F::affine_grid(theta, x.sizes(), /*align_corners=*/false);
  const auto options = F::GridSampleFuncOptions()
                           .mode(torch::kBilinear)
                           .padding_mode(torch::kZeros)
                           .align_corners(false);
  return F::grid_sample(x - fill, grid, options) + fill;
}

torch::Tensor Rotate(const torch::Tensor& x, const torch::Tensor& m, double fill) {
  // A counter-clockwise turn on screen (y down) reads its source a clockwise turn away.
  const torch::Tensor angle = m * (kMaxDegrees * kPi / 180);
  const torch::Tensor cos = torch::cos(angle), sin = torch::sin(angle);
  const torch::Tensor zero = torch::zeros_like(m);
  return SampleAffine(x, cos, -sin, sin, cos, zero, zero, fill);
}

torch::Tensor Shear(const torch::Tensor& x, const torch::Tensor& m, bool horizontal, double fill) {
  // PIL's transform (1, s, 0, 0, 1, 0) of AutoAugment: source x = x + s y (or y = y + s x).
  const torch::Tensor s = m * kMaxShear;
  const torch::Tensor zero = torch::zeros_like(m), one = torch::ones_like(m);
  return horizontal ? SampleAffine(x, one, s, zero, one, zero, zero, fill)
                    : SampleAffine(x, one, zero, s, one, zero, zero, fill);
}

torch::Tensor Translate(const torch::Tensor& x, const torch::Tensor& m, bool horizontal,
                        double fill) {
  // The content moves by t pixels, so each output pixel reads the one t before it.
  const torch::Tensor zero = torch::zeros_like(m), one = torch::ones_like(m);
  const auto side = static_cast<double>(x.size(horizontal ? 3 : 2));
  const torch::Tensor shift = m * (-kMaxTranslate * side);
  return horizontal ? SampleAffine(x, one, zero, zero, one, shift, zero, fill)
                    : SampleAffine(x, one, zero, zero, one, zero, shift, fill);
}

torch::Tensor AutoContrast(const torch::Tensor& x) {
  const torch::Tensor low = x.amin({2, 3}, /*keepdim=*/true);
  const torch::Tensor high = x.amax({2, 3}, /*keepdim=*/true);
  const torch::Tensor range = high - low;
  // A flat channel has nothing to stretch: PIL leaves it alone.
  const torch::Tensor flat = range <= 0;
  return torch::where(flat, x, (x - low) / torch::where(flat, torch::ones_like(range), range));
}

// PIL's ImageOps.equalize per example and channel on a (N * C, 256) histogram: the pixels of the
// last non-empty bin do not count, step = the others // 255, and bin i maps to
// (step // 2 + the pixels below bin i) // step, clipped to 255. A channel with step 0 (one or
// almost one level) is left as it is.
torch::Tensor Equalize(const torch::Tensor& x) {
  const int64_t n = x.size(0), c = x.size(1), pixels = x.size(2) * x.size(3);
  const torch::Tensor bytes = ToBytes(x).view({n * c, pixels});
  const torch::Tensor histogram =
      torch::zeros({n * c, 256}, bytes.options()).scatter_add_(1, bytes, torch::ones_like(bytes));
  const torch::Tensor bins = torch::arange(256, bytes.options());
  const torch::Tensor last_bin = (bins * (histogram > 0)).argmax(1, /*keepdim=*/true);
  const torch::Tensor step = (pixels - histogram.gather(1, last_bin)).div(255, "floor");
  const torch::Tensor below = histogram.cumsum(1) - histogram;
  const torch::Tensor lut =
      (below + step.div(2, "floor")).div(step.clamp_min(1), "floor").clamp_max(255);
  const torch::Tensor equalized = lut.gather(1, bytes).view_as(x).to(x.dtype()) / 255;
  return torch::where((step == 0).view({n, c, 1, 1}), x, equalized);
}

torch::Tensor Solarize(const torch::Tensor& x, const torch::Tensor& m) {
  return torch::where(x >= PerExample(1 - m.abs()), 1 - x, x);
}

torch::Tensor Posterize(const torch::Tensor& x, const torch::Tensor& m) {
  // round(8 - 4 |m|) bits kept (halves rounded up): the mask clears the 8 - bits low ones.
  const torch::Tensor bits = torch::floor(8 - kMaxPosterizeBitsOff * m.abs() + 0.5);
  const torch::Tensor mask = (256 - torch::exp2(8 - bits)).to(torch::kLong);
  return ToBytes(x).bitwise_and(PerExample(mask)).to(x.dtype()) / 255;
}

// PIL's ImageEnhance: a blend of the image with a degenerate version of it.
torch::Tensor Enhance(const torch::Tensor& x, const torch::Tensor& degenerate,
                      const torch::Tensor& m) {
  return degenerate + PerExample(1 + kMaxEnhance * m) * (x - degenerate);
}

// The mean of each example's grayscale (PIL's convert("L") weights for RGB), one value per
// example; images of another channel count average their channels.
torch::Tensor GrayMean(const torch::Tensor& x) {
  const torch::Tensor channel_means = x.mean({2, 3});  // (N, C)
  if (x.size(1) != 3) return PerExample(channel_means.mean(1));
  const torch::Tensor weights = torch::tensor({0.299, 0.587, 0.114}, x.options());
  return PerExample(channel_means.matmul(weights));
}

// PIL's SMOOTH filter, [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13 on each channel; PIL filters only
// the interior and keeps the one-pixel border as it is.
torch::Tensor Smooth(const torch::Tensor& x) {
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3);
  if (h < 3 || w < 3) return x;
  const torch::Tensor kernel =
      (torch::tensor({1.0, 1.0, 1.0, 1.0, 5.0, 1.0, 1.0, 1.0, 1.0}, x.options()) / 13)
          .view({1, 1, 3, 3})
          .repeat({c, 1, 1, 1});
  const torch::Tensor interior = F::conv2d(x, kernel, F::Conv2dFuncOptions().groups(c));
  torch::Tensor smoothed = x.clone();
  using torch::indexing::Slice;
  smoothed.index_put_({Slice(), Slice(), Slice(1, h - 1), Slice(1, w - 1)}, interior);
  return smoothed;
}

// Cutout's square per example, as a mask (N, 1, H, W): a side of round(0.5 |m| min(H, W)) pixels
// around a centre drawn uniformly over the image; the comparisons clip it at the borders.
torch::Tensor CutoutMask(const torch::Tensor& x, const torch::Tensor& m, at::Generator& generator) {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  // Drawn on the CPU, where |generator| lives, the same draws whatever the magnitudes.
  const auto cpu_long = torch::TensorOptions().dtype(torch::kLong);
  const auto device = x.device();
  const torch::Tensor centre_y = torch::randint(0, h, {n}, generator, cpu_long).to(device);
  const torch::Tensor centre_x = torch::randint(0, w, {n}, generator, cpu_long).to(device);
  const auto shorter = static_cast<double>(std::min(h, w));
  const torch::Tensor side = torch::floor(m.abs() * (kMaxCutout * shorter) + 0.5).to(torch::kLong);
  const torch::Tensor top = (centre_y - side.div(2, "floor")).view({n, 1});
  const torch::Tensor left = (centre_x - side.div(2, "floor")).view({n, 1});
  const torch::Tensor extent = side.view({n, 1});
  const auto index_options = cpu_long.device(device);
  const torch::Tensor y = torch::arange(h, index_options).view({1, h});
  const torch::Tensor x_coords = torch::arange(w, index_options).view({1, w});
  const torch::Tensor rows = (y >= top) & (y < top + extent);
  const torch::Tensor cols = (x_coords >= left) & (x_coords < left + extent);
  return rows.view({n, 1, h, 1}) & cols.view({n, 1, 1, w});
}

// |op| on every example at its magnitude |m| (N), before clamping and the identity at m = 0.
torch::Tensor Transform(AugmentOp op, const torch::Tensor& x, const torch::Tensor& m,
                        at::Generator& generator, double fill) {
  switch (op) {
    case AugmentOp::kRotate:
      return Rotate(x, m, fill);
    case AugmentOp::kShearX:
      return Shear(x, m, /*horizontal=*/true, fill);
    case AugmentOp::kShearY:
      return Shear(x, m, /*horizontal=*/false, fill);
    case AugmentOp::kTranslateX:
      return Translate(x, m, /*horizontal=*/true, fill);
    case AugmentOp::kTranslateY:
      return Translate(x, m, /*horizontal=*/false, fill);
    case AugmentOp::kAutoContrast:
      return AutoContrast(x);
    case AugmentOp::kEqualize:
      return Equalize(x);
    case AugmentOp::kSolarize:
      return Solarize(x, m);
    case AugmentOp::kPosterize:
      return Posterize(x, m);
    case AugmentOp::kContrast:
      return Enhance(x, GrayMean(x), m);
    case AugmentOp::kBrightness:
      return Enhance(x, torch::zeros({}, x.options()), m);
    case AugmentOp::kSharpness:
      return Enhance(x, Smooth(x), m);
    case AugmentOp::kInvert:
      return 1 - x;
    case AugmentOp::kCutout:
      return torch::where(CutoutMask(x, m, generator), torch::full({}, fill, x.options()), x);
    case AugmentOp::kFlip:
      return x.flip(3);
  }
  throw InternalError("augment: unhandled operation " + std::to_string(static_cast<int>(op)));
}

}  // namespace

const std::vector<AugmentOp>& AllAugmentOps() {
  static const std::vector<AugmentOp> ops = {
      AugmentOp::kRotate,     AugmentOp::kShearX,     AugmentOp::kShearY,
      AugmentOp::kTranslateX, AugmentOp::kTranslateY, AugmentOp::kAutoContrast,
      AugmentOp::kEqualize,   AugmentOp::kSolarize,   AugmentOp::kPosterize,
      AugmentOp::kContrast,   AugmentOp::kBrightness, AugmentOp::kSharpness,
      AugmentOp::kInvert,     AugmentOp::kCutout,     AugmentOp::kFlip};
  return ops;
}

std::string AugmentOpName(AugmentOp op) { return kNames[static_cast<int>(op)]; }

AugmentOp AugmentOpFromName(const std::string& name) {
  std::string known;
  for (const AugmentOp op : AllAugmentOps()) {
    if (AugmentOpName(op) == name) return op;
    known += (known.empty() ? "" : ", ") + AugmentOpName(op);
  }
  throw InvalidArgument("augment: unknown operation '" + name + "' (known: " + known + ")");
}

bool HasMagnitude(AugmentOp op) {
  return op != AugmentOp::kAutoContrast && op != AugmentOp::kEqualize && op != AugmentOp::kInvert &&
         op != AugmentOp::kFlip;
}

bool IsSigned(AugmentOp op) {
  switch (op) {
    case AugmentOp::kRotate:
    case AugmentOp::kShearX:
    case AugmentOp::kShearY:
    case AugmentOp::kTranslateX:
    case AugmentOp::kTranslateY:
    case AugmentOp::kContrast:
    case AugmentOp::kBrightness:
    case AugmentOp::kSharpness:
      return true;
    default:
      return false;
  }
}

torch::Tensor ApplyAugmentOp(AugmentOp op, const torch::Tensor& images,
                             const torch::Tensor& magnitudes, at::Generator& generator,
                             double fill) {
  CheckArguments(op, images, magnitudes);
  if (images.size(0) == 0) return images;
  const torch::Tensor m = magnitudes.to(images.options());
  const torch::Tensor out = Transform(op, images, m, generator, fill).clamp(0, 1);
  // Examples at magnitude 0 keep their exact input (geometric sampling is not bit-exact).
  return torch::where(PerExample(m != 0), out, images);
}

}  // namespace automl::dl
