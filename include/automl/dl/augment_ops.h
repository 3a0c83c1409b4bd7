// AutoAugment's image operations (Cubuk et al., "AutoAugment: Learning Augmentation Policies from
// Data", CVPR 2019), each applied to a whole batch (N, C, H, W) of images with values in [0, 1]
// by tensor operations, every example with its own magnitude m in [-1, 1]. The magnitudes map
// onto AutoAugment's ranges:
//
//   rotate                  angle 30 degrees * m, counter-clockwise for m > 0
//   shear_x, shear_y        shear factor 0.3 * m, around the image's centre
//   translate_x, _y         0.45 * m of the image's side (AutoAugment's 150 of 331 pixels),
//                           towards the right (down) for m > 0
//   solarize                inverts the pixels >= 1 - |m|
//   posterize               keeps round(8 - 4 |m|) bits of the 8-bit values (8 to 4 bits)
//   contrast, brightness,   PIL's ImageEnhance blend with factor 1 + 0.9 * m (0.1 to 1.9)
//   sharpness
//   cutout                  a square of side round(0.5 * |m| * min(H, W)) pixels at a random
//                           centre (AutoAugment's 20 of 32 pixels is about 0.6)
//   auto_contrast, equalize, invert, flip: all or nothing (any m != 0 applies them fully)
//
// auto_contrast, equalize, posterize, solarize and the enhance operations follow PIL's ImageOps
// and ImageEnhance (equalize on the 8-bit values, with PIL's lookup table; sharpness with PIL's
// SMOOTH kernel, the one-pixel border kept as it is). Signed operations (rotations, shears,
// translations, the enhance operations) turn the other way for a negative magnitude; the others
// use |m|. A magnitude of exactly 0 is the identity, bit for bit.
#ifndef AUTOML_DL_AUGMENT_OPS_H_
#define AUTOML_DL_AUGMENT_OPS_H_

#include <torch/torch.h>

#include <string>
#include <vector>

namespace automl::dl {

enum class AugmentOp {
  kRotate,
  kShearX,
  kShearY,
  kTranslateX,
  kTranslateY,
  kAutoContrast,
  kEqualize,
  kSolarize,
  kPosterize,
  kContrast,
  kBrightness,
  kSharpness,
  kInvert,
  kCutout,
  kFlip
};

// All operations, in the enum's order.
const std::vector<AugmentOp>& AllAugmentOps();

// The operation's name: "rotate", "shear_x", "shear_y", "translate_x", "translate_y",
// "auto_contrast", "equalize", "solarize", "posterize", "contrast", "brightness", "sharpness",
// "invert", "cutout", "flip".
std::string AugmentOpName(AugmentOp op);

// The operation named |name|; throws InvalidArgument for an unknown name.
AugmentOp AugmentOpFromName(const std::string& name);

// Whether |op| has a magnitude (rotate, shears, translations, solarize, posterize, contrast,
// brightness, sharpness, cutout) or is all or nothing (auto_contrast, equalize, invert, flip).
bool HasMagnitude(AugmentOp op);

// Whether |op|'s direction is signed (rotate, shears, translations, contrast, brightness,
// sharpness): a negative magnitude turns the other way.
bool IsSigned(AugmentOp op);

// Applies |op| to each example of |images| (N, C, H, W, floating point, values in [0, 1]) with
// that example's own magnitude, magnitudes[i] in [-1, 1] (a tensor of shape (N)); an example
// whose magnitude is exactly 0 comes back bit for bit unchanged. Geometric operations fill the
// pixels they uncover with |fill|, and cutout fills its square with it. |generator| (a CPU
// generator) draws cutout's centres only. The output is clamped to [0, 1]. Throws
// InvalidArgument for images that are not a 4-D floating-point tensor or magnitudes that are not
// one per example.
torch::Tensor ApplyAugmentOp(AugmentOp op, const torch::Tensor& images,
                             const torch::Tensor& magnitudes, at::Generator& generator,
                             double fill = 0);

}  // namespace automl::dl

#endif  // AUTOML_DL_AUGMENT_OPS_H_
