#include "automl/dl/augment_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"

namespace automl::dl {
namespace {

using torch::indexing::None;
using torch::indexing::Slice;

constexpr double kPi = 3.14159265358979323846;

at::Generator MakeGenerator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::TensorOptions Float() { return torch::TensorOptions().dtype(torch::kFloat); }

// A batch of random images with values in [0, 1] (from a generator of its own).
torch::Tensor RandomImages(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed = 1234) {
  at::Generator generator = MakeGenerator(seed);
  return torch::rand({n, c, h, w}, generator, Float());
}

// |op| on |images| with the one magnitude |m| for every example.
torch::Tensor Apply(AugmentOp op, const torch::Tensor& images, double m, double fill = 0,
                    uint64_t seed = 0) {
  at::Generator generator = MakeGenerator(seed);
  return ApplyAugmentOp(op, images, torch::full({images.size(0)}, m, Float()), generator, fill);
}

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

void ExpectClose(const torch::Tensor& actual, const torch::Tensor& expected, double tolerance) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  const double error = (actual - expected).abs().max().item<double>();
  EXPECT_LE(error, tolerance) << "actual:\n" << actual << "\nexpected:\n" << expected;
}

TEST(AugmentOpsTest, ZeroMagnitudeIsTheIdentity) {
  const torch::Tensor x = RandomImages(4, 3, 12, 10);
  for (const AugmentOp op : AllAugmentOps()) {
    EXPECT_TRUE(torch::equal(Apply(op, x, 0.0, 0.5), x)) << AugmentOpName(op);
  }
}

TEST(AugmentOpsTest, OutputStaysInTheUnitInterval) {
  const torch::Tensor x = RandomImages(3, 3, 9, 11);
  for (const AugmentOp op : AllAugmentOps()) {
    for (const double m : {-1.0, -0.4, 0.7, 1.0}) {
      const torch::Tensor y = Apply(op, x, m, 0.5);
      EXPECT_GE(y.min().item<double>(), 0) << AugmentOpName(op) << " at " << m;
      EXPECT_LE(y.max().item<double>(), 1) << AugmentOpName(op) << " at " << m;
    }
  }
}

// Double-precision images go through the same arithmetic.
TEST(AugmentOpsTest, DoubleImagesMatchFloatOnes) {
  const torch::Tensor x = RandomImages(2, 3, 10, 12);
  for (const AugmentOp op : AllAugmentOps()) {
    const torch::Tensor y = Apply(op, x.to(torch::kDouble), 0.6, 0.5, /*seed=*/9);
    EXPECT_EQ(y.scalar_type(), torch::kDouble) << AugmentOpName(op);
    ExpectClose(y.to(torch::kFloat), Apply(op, x, 0.6, 0.5, /*seed=*/9), 1e-5);
  }
}

// A lone bright pixel 8 to the right of the centre of a 21 x 21 image turns 30 degrees around
// the centre: counter-clockwise (up on screen) for m = 1, to (8 cos 30, -8 sin 30) = (6.93, -4)
// from the centre, and down for m = -1.
TEST(AugmentOpsTest, RotateTurnsCounterClockwiseByThirtyDegrees) {
  torch::Tensor x = torch::zeros({1, 1, 21, 21}, Float());
  x.index_put_({0, 0, 10, 18}, 1);
  for (const double m : {1.0, -1.0}) {
    const torch::Tensor y = Apply(AugmentOp::kRotate, x, m)[0][0];
    const int64_t peak = y.argmax().item<int64_t>();
    EXPECT_EQ(peak / 21, m > 0 ? 6 : 14) << m;
    EXPECT_EQ(peak % 21, 17) << m;
    // Bilinear sampling spreads the pixel but keeps most of it near there.
    EXPECT_GT(y.max().item<double>(), 0.85) << m;
  }
}

// Bilinear sampling reproduces a linear image exactly wherever all four neighbours of the
// source point lie inside, so each geometric operation must give the linear function at its
// source point, in pixel coordinates centred on the image (x right, y down). The image is not
// square, to catch mixed-up axes.
TEST(AugmentOpsTest, GeometricOpsSampleTheirSourcePoints) {
  constexpr int64_t h = 16, w = 24;
  const auto linear = [](double xc, double yc) { return 0.5 + 0.01 * xc + 0.015 * yc; };
  torch::Tensor x = torch::empty({1, 1, h, w}, Float());
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      x.index_put_({0, 0, i, j}, linear(j - (w - 1) / 2.0, i - (h - 1) / 2.0));
    }
  }
  struct Case {
    AugmentOp op;
    double m;
  };
  for (const Case& c : {Case{AugmentOp::kRotate, 0.7}, Case{AugmentOp::kRotate, -0.4},
                        Case{AugmentOp::kShearX, 0.8}, Case{AugmentOp::kShearY, -0.6},
                        Case{AugmentOp::kTranslateX, 0.3}, Case{AugmentOp::kTranslateY, -0.5}}) {
    const torch::Tensor y = Apply(c.op, x, c.m)[0][0];
    const auto out = y.accessor<float, 2>();
    const double angle = 30 * c.m * kPi / 180, shear = 0.3 * c.m;
    int64_t checked = 0;
    for (int64_t i = 0; i < h; ++i) {
      for (int64_t j = 0; j < w; ++j) {
        const double xc = j - (w - 1) / 2.0, yc = i - (h - 1) / 2.0;
        double xs = xc, ys = yc;
        switch (c.op) {
          case AugmentOp::kRotate:
            xs = std::cos(angle) * xc - std::sin(angle) * yc;
            ys = std::sin(angle) * xc + std::cos(angle) * yc;
            break;
          case AugmentOp::kShearX:
            xs = xc + shear * yc;
            break;
          case AugmentOp::kShearY:
            ys = yc + shear * xc;
            break;
          case AugmentOp::kTranslateX:
            xs = xc - 0.45 * c.m * w;
            break;
          default:
            ys = yc - 0.45 * c.m * h;
            break;
        }
        const double column = xs + (w - 1) / 2.0, row = ys + (h - 1) / 2.0;
        if (column < 0 || column > w - 1 || row < 0 || row > h - 1) continue;
        EXPECT_NEAR(out[i][j], linear(xs, ys), 1e-4)
            << AugmentOpName(c.op) << " at " << c.m << ", pixel (" << i << ", " << j << ")";
        ++checked;
      }
    }
    EXPECT_GT(checked, h * w / 3) << AugmentOpName(c.op);
  }
}

// 0.45 of 20 pixels is 9: the columns move 9 to the right (left for m = -1) and the uncovered
// ones read the fill.
TEST(AugmentOpsTest, TranslateMovesByFortyFivePercentAndFills) {
  const torch::Tensor x = RandomImages(2, 3, 6, 20);
  const torch::Tensor fill = torch::full({2, 3, 6, 9}, 0.25, Float());
  const torch::Tensor right = Apply(AugmentOp::kTranslateX, x, 1.0, 0.25);
  ExpectClose(right.index({Slice(), Slice(), Slice(), Slice(9, None)}),
              x.index({Slice(), Slice(), Slice(), Slice(0, 11)}), 1e-5);
  ExpectClose(right.index({Slice(), Slice(), Slice(), Slice(0, 9)}), fill, 1e-5);
  const torch::Tensor left = Apply(AugmentOp::kTranslateX, x, -1.0, 0.25);
  ExpectClose(left.index({Slice(), Slice(), Slice(), Slice(0, 11)}),
              x.index({Slice(), Slice(), Slice(), Slice(9, None)}), 1e-5);
  ExpectClose(left.index({Slice(), Slice(), Slice(), Slice(11, None)}), fill, 1e-5);
  // Vertically likewise: rows move 9 down.
  const torch::Tensor t = x.transpose(2, 3).contiguous();
  const torch::Tensor down = Apply(AugmentOp::kTranslateY, t, 1.0, 0.25);
  ExpectClose(down.index({Slice(), Slice(), Slice(9, None)}),
              t.index({Slice(), Slice(), Slice(0, 11)}), 1e-5);
  ExpectClose(down.index({Slice(), Slice(), Slice(0, 9)}), fill.transpose(2, 3), 1e-5);
}

// Shear 0.3 around the centre of a 21-row image: the middle row stays, the rows 10 above and
// below it read 3 pixels to the left and right (PIL's source x = x + 0.3 y).
TEST(AugmentOpsTest, ShearXShiftsRowsByTheirDistanceFromTheCentre) {
  const torch::Tensor x = RandomImages(1, 1, 21, 16);
  const torch::Tensor y = Apply(AugmentOp::kShearX, x, 1.0, 0.5)[0][0];
  const torch::Tensor image = x[0][0];
  ExpectClose(y[10], image[10], 1e-5);
  ExpectClose(y[20].slice(0, 0, 13), image[20].slice(0, 3, 16), 1e-5);
  ExpectClose(y[20].slice(0, 13, 16), torch::full({3}, 0.5, Float()), 1e-5);
  ExpectClose(y[0].slice(0, 3, 16), image[0].slice(0, 0, 13), 1e-5);
  ExpectClose(y[0].slice(0, 0, 3), torch::full({3}, 0.5, Float()), 1e-5);
  // The transposed pattern for shear_y.
  const torch::Tensor t = x.transpose(2, 3).contiguous();
  const torch::Tensor v = Apply(AugmentOp::kShearY, t, 1.0, 0.5)[0][0];
  ExpectClose(v.select(1, 20).slice(0, 0, 13), image[20].slice(0, 3, 16), 1e-5);
}

TEST(AugmentOpsTest, SolarizeInvertsAboveTheThreshold) {
  const torch::Tensor x = RandomImages(3, 3, 8, 8);
  EXPECT_TRUE(torch::equal(Apply(AugmentOp::kSolarize, x, 1.0), 1 - x));
  // |m| = 0.4: threshold 0.6, the same for both signs.
  const torch::Tensor expected = torch::where(x >= 0.6, 1 - x, x);
  EXPECT_TRUE(torch::allclose(Apply(AugmentOp::kSolarize, x, 0.4), expected));
  EXPECT_TRUE(torch::allclose(Apply(AugmentOp::kSolarize, x, -0.4), expected));
}

TEST(AugmentOpsTest, PosterizeKeepsFourBitsAtFullMagnitude) {
  const torch::Tensor x = RandomImages(2, 3, 5, 7);
  torch::Tensor expected = torch::empty_like(x);
  const auto in = x.accessor<float, 4>();
  auto out = expected.accessor<float, 4>();
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t i = 0; i < 5; ++i) {
        for (int64_t j = 0; j < 7; ++j) {
          const auto byte = static_cast<int>(std::lround(in[n][c][i][j] * 255.0));
          out[n][c][i][j] = static_cast<float>(byte & 0xF0) / 255;
        }
      }
    }
  }
  ExpectClose(Apply(AugmentOp::kPosterize, x, 1.0), expected, 1e-6);
  ExpectClose(Apply(AugmentOp::kPosterize, x, -1.0), expected, 1e-6);
}

TEST(AugmentOpsTest, BrightnessScales) {
  const torch::Tensor x = RandomImages(2, 3, 6, 6);
  ExpectClose(Apply(AugmentOp::kBrightness, x, -1.0), 0.1 * x, 1e-6);
  ExpectClose(Apply(AugmentOp::kBrightness, x, 1.0), (1.9 * x).clamp(0, 1), 1e-6);
}

TEST(AugmentOpsTest, ContrastPullsTowardTheGrayscaleMean) {
  const torch::Tensor x = RandomImages(2, 3, 4, 5);
  const auto in = x.accessor<float, 4>();
  torch::Tensor expected = torch::empty_like(x);
  auto out = expected.accessor<float, 4>();
  for (int64_t n = 0; n < 2; ++n) {
    double mean = 0;
    for (int64_t i = 0; i < 4; ++i) {
      for (int64_t j = 0; j < 5; ++j) {
        mean += (0.299 * in[n][0][i][j] + 0.587 * in[n][1][i][j] + 0.114 * in[n][2][i][j]) / 20;
      }
    }
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t i = 0; i < 4; ++i) {
        for (int64_t j = 0; j < 5; ++j) {
          out[n][c][i][j] = static_cast<float>(mean + 0.1 * (in[n][c][i][j] - mean));
        }
      }
    }
  }
  ExpectClose(Apply(AugmentOp::kContrast, x, -1.0), expected, 1e-5);
  // One channel: its own mean.
  const torch::Tensor gray = x.slice(1, 0, 1);
  const torch::Tensor gray_mean = gray.mean({1, 2, 3}, /*keepdim=*/true);
  ExpectClose(Apply(AugmentOp::kContrast, gray, -1.0), gray_mean + 0.1 * (gray - gray_mean), 1e-5);
}

TEST(AugmentOpsTest, SharpnessLeavesAConstantImage) {
  const torch::Tensor x = torch::full({2, 3, 7, 9}, 0.3, Float());
  ExpectClose(Apply(AugmentOp::kSharpness, x, 0.5), x, 1e-6);
}

// A bright pixel at (1, 1) of a 6 x 6 image, blurred by PIL's SMOOTH kernel (centre 5/13, the
// neighbours 1/13) inside the one-pixel border, which keeps the original; m = -1 blends 0.1 of
// the image into that.
TEST(AugmentOpsTest, SharpnessBlendsWithPilsSmoothFilter) {
  torch::Tensor x = torch::zeros({1, 1, 6, 6}, Float());
  x.index_put_({0, 0, 1, 1}, 1);
  torch::Tensor expected = torch::zeros({6, 6}, Float());
  expected.index_put_({Slice(1, 3), Slice(1, 3)}, 0.9 / 13);
  expected.index_put_({1, 1}, (5 + 0.1 * 8) / 13);
  ExpectClose(Apply(AugmentOp::kSharpness, x, -1.0)[0][0], expected, 1e-6);
}

TEST(AugmentOpsTest, AutoContrastStretchesEachChannel) {
  // Channel 0 spans [0.2, 0.6]; channel 1 is flat and stays.
  const torch::Tensor ramp = torch::linspace(0.2, 0.6, 12, Float()).view({3, 4});
  const torch::Tensor x =
      torch::stack({ramp, torch::full({3, 4}, 0.7, Float())}).view({1, 2, 3, 4});
  const torch::Tensor y = Apply(AugmentOp::kAutoContrast, x, 1.0);
  ExpectClose(y[0][0], (ramp - 0.2) / 0.4, 1e-6);
  EXPECT_TRUE(torch::equal(y[0][1], x[0][1]));
}

// PIL's equalize by hand on 32 x 32 = 1024 pixels. Two levels, 256 pixels at byte 51 and 768 at
// 204: step = (1024 - 768) // 255 = 1, lut[51] = 0, lut[204] = (0 + 256) // 1 -> 255. Three
// levels, 257 at 51, 255 at 102, 512 at 204: step = 512 // 255 = 2, lut[51] = 1 // 2 = 0,
// lut[102] = (1 + 257) // 2 = 129 (PIL's rounding: 257 // 2 would be 128), lut[204] =
// (1 + 512) // 2 -> 255. A single level has step 0
// and stays as it is.
TEST(AugmentOpsTest, EqualizeMatchesPil) {
  const auto levels = [](std::vector<std::pair<double, int64_t>> runs) {
    std::vector<torch::Tensor> parts;
    for (const auto& [value, count] : runs) parts.push_back(torch::full({count}, value, Float()));
    return torch::cat(parts);
  };
  const torch::Tensor two = levels({{0.2, 256}, {0.8, 768}}).view({32, 32});
  const torch::Tensor three = levels({{0.2, 257}, {0.4, 255}, {0.8, 512}}).view({32, 32});
  const torch::Tensor flat = torch::full({32, 32}, 0.37, Float());
  const torch::Tensor x = torch::stack({two, three, flat}).view({1, 3, 32, 32});
  const torch::Tensor y = Apply(AugmentOp::kEqualize, x, 1.0)[0];
  EXPECT_TRUE(torch::equal(y[0], levels({{0.0, 256}, {1.0, 768}}).view({32, 32})));
  ExpectClose(y[1], levels({{0.0, 257}, {129.0 / 255, 255}, {1.0, 512}}).view({32, 32}), 1e-7);
  EXPECT_TRUE(torch::equal(y[2], flat));
  // Too few pixels for a step (16 - 8 < 255): unchanged.
  const torch::Tensor tiny = levels({{0.2, 8}, {0.8, 8}}).view({1, 1, 2, 8});
  EXPECT_TRUE(torch::equal(Apply(AugmentOp::kEqualize, tiny, 1.0), tiny));
}

TEST(AugmentOpsTest, InvertAndFlipAreAllOrNothing) {
  const torch::Tensor x = RandomImages(3, 3, 5, 6);
  for (const double m : {1.0, 0.01, -0.5}) {
    EXPECT_TRUE(torch::equal(Apply(AugmentOp::kInvert, x, m), 1 - x)) << m;
    EXPECT_TRUE(torch::equal(Apply(AugmentOp::kFlip, x, m), x.flip(3))) << m;
  }
}

// Cutout at m = 1 on 10 x 10 images: a 5 x 5 square of the fill, clipped at the borders, in the
// same place in every channel, at a centre of each example's own.
TEST(AugmentOpsTest, CutoutFillsASquare) {
  const int64_t n = 64;
  const torch::Tensor x = torch::ones({n, 3, 10, 10}, Float());
  const torch::Tensor y = Apply(AugmentOp::kCutout, x, 1.0, 0.25, /*seed=*/7);
  int64_t interior = 0;
  std::set<int64_t> tops;
  for (int64_t i = 0; i < n; ++i) {
    const torch::Tensor filled = y[i][0] == 0.25f;
    EXPECT_TRUE(torch::equal(filled, y[i][1] == 0.25f));
    EXPECT_TRUE(torch::equal(filled, y[i][2] == 0.25f));
    EXPECT_TRUE(torch::equal(y[i].masked_select(~filled.expand({3, 10, 10})),
                             torch::ones({3 * (100 - filled.sum().item<int64_t>())}, Float())));
    const torch::Tensor rows = filled.any(1).nonzero().view(-1);
    const torch::Tensor cols = filled.any(0).nonzero().view(-1);
    ASSERT_GT(rows.numel(), 0) << i;
    const int64_t top = rows.min().item<int64_t>(), bottom = rows.max().item<int64_t>() + 1;
    const int64_t left = cols.min().item<int64_t>(), right = cols.max().item<int64_t>() + 1;
    // A solid rectangle of at most 5 x 5, exactly 5 x 5 unless clipped.
    EXPECT_EQ(filled.sum().item<int64_t>(), (bottom - top) * (right - left)) << i;
    EXPECT_LE(bottom - top, 5);
    EXPECT_LE(right - left, 5);
    if (top > 0 && bottom < 10 && left > 0 && right < 10) {
      EXPECT_EQ(filled.sum().item<int64_t>(), 25) << i;
      ++interior;
    }
    tops.insert(top);
  }
  EXPECT_GT(interior, 0);
  EXPECT_GT(tops.size(), 3u);
}

TEST(AugmentOpsTest, CutoutDependsOnTheGeneratorOnly) {
  const torch::Tensor x = RandomImages(16, 3, 12, 12);
  const torch::Tensor a = Apply(AugmentOp::kCutout, x, 0.8, 0, /*seed=*/3);
  EXPECT_TRUE(torch::equal(Apply(AugmentOp::kCutout, x, 0.8, 0, /*seed=*/3), a));
  EXPECT_TRUE(torch::equal(Apply(AugmentOp::kCutout, x, -0.8, 0, /*seed=*/3), a));
  EXPECT_FALSE(torch::equal(Apply(AugmentOp::kCutout, x, 0.8, 0, /*seed=*/4), a));
}

TEST(AugmentOpsTest, MagnitudesApplyPerExample) {
  const torch::Tensor x = RandomImages(2, 3, 20, 20);
  const torch::Tensor magnitudes = torch::tensor({0.0, 1.0}, Float());
  for (const AugmentOp op : AllAugmentOps()) {
    at::Generator generator = MakeGenerator(0);
    const torch::Tensor y = ApplyAugmentOp(op, x, magnitudes, generator, 0.5);
    EXPECT_TRUE(torch::equal(y[0], x[0])) << AugmentOpName(op);
    EXPECT_FALSE(torch::allclose(y[1], x[1])) << AugmentOpName(op);
    // The second example is what the op does to it alone.
    at::Generator alone = MakeGenerator(0);
    if (op != AugmentOp::kCutout) {
      ExpectClose(y[1], ApplyAugmentOp(op, x.slice(0, 1), magnitudes.slice(0, 1), alone, 0.5)[0],
                  1e-6);
    }
  }
}

TEST(AugmentOpsTest, SignedOpsTurnTheOtherWayUnsignedOnesDoNot) {
  const torch::Tensor x = RandomImages(2, 3, 9, 9);
  for (const AugmentOp op : AllAugmentOps()) {
    const bool same = torch::equal(Apply(op, x, 0.6, 0.5), Apply(op, x, -0.6, 0.5));
    EXPECT_EQ(same, !IsSigned(op)) << AugmentOpName(op);
  }
}

TEST(AugmentOpsTest, KindsOfOps) {
  std::vector<std::string> with_magnitude, is_signed;
  for (const AugmentOp op : AllAugmentOps()) {
    if (HasMagnitude(op)) with_magnitude.push_back(AugmentOpName(op));
    if (IsSigned(op)) is_signed.push_back(AugmentOpName(op));
  }
  EXPECT_EQ(with_magnitude,
            (std::vector<std::string>{"rotate", "shear_x", "shear_y", "translate_x", "translate_y",
                                      "solarize", "posterize", "contrast", "brightness",
                                      "sharpness", "cutout"}));
  EXPECT_EQ(is_signed,
            (std::vector<std::string>{"rotate", "shear_x", "shear_y", "translate_x", "translate_y",
                                      "contrast", "brightness", "sharpness"}));
}

TEST(AugmentOpsTest, NamesRoundTrip) {
  const std::vector<std::string> names = {
      "rotate",        "shear_x",   "shear_y",  "translate_x", "translate_y",
      "auto_contrast", "equalize",  "solarize", "posterize",   "contrast",
      "brightness",    "sharpness", "invert",   "cutout",      "flip"};
  ASSERT_EQ(AllAugmentOps().size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const AugmentOp op = AllAugmentOps()[i];
    EXPECT_EQ(static_cast<size_t>(op), i);
    EXPECT_EQ(AugmentOpName(op), names[i]);
    EXPECT_EQ(AugmentOpFromName(names[i]), op);
  }
}

TEST(AugmentOpsTest, UnknownNameIsRefused) {
  EXPECT_EQ(ErrorOf([] { AugmentOpFromName("rotat"); }),
            "augment: unknown operation 'rotat' (known: rotate, shear_x, shear_y, translate_x, "
            "translate_y, auto_contrast, equalize, solarize, posterize, contrast, brightness, "
            "sharpness, invert, cutout, flip)");
}

TEST(AugmentOpsTest, BadShapesAreRefused) {
  at::Generator generator = MakeGenerator(0);
  const torch::Tensor m = torch::zeros({2}, Float());
  EXPECT_EQ(ErrorOf([&] {
              ApplyAugmentOp(AugmentOp::kRotate, torch::zeros({2, 3}, Float()), m, generator);
            }),
            "augment: rotate expects a batch of images (N, C, H, W), not a tensor of shape [2, 3]");
  EXPECT_EQ(ErrorOf([&] {
              ApplyAugmentOp(AugmentOp::kFlip, torch::zeros({2, 1, 4, 4}, Float()),
                             torch::zeros({3}, Float()), generator);
            }),
            "augment: flip expects one magnitude per example, a tensor of shape [2], not [3]");
  EXPECT_EQ(ErrorOf([&] {
              ApplyAugmentOp(AugmentOp::kFlip, torch::zeros({2, 1, 4, 4}, Float()),
                             torch::zeros({2, 1}, Float()), generator);
            }),
            "augment: flip expects one magnitude per example, a tensor of shape [2], not [2, 1]");
  EXPECT_EQ(
      ErrorOf([&] {
        ApplyAugmentOp(AugmentOp::kInvert, torch::zeros({2, 1, 4, 4}, torch::kLong), m, generator);
      }),
      "augment: invert expects floating-point images, not long int");
}

}  // namespace
}  // namespace automl::dl
