#include "automl/dl/augment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "automl/error.h"

namespace automl::dl {
namespace {

at::Generator MakeGenerator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// A batch of distinct random images (from a generator of its own).
torch::Tensor RandomBatch(int64_t n, int64_t c = 1, int64_t h = 28, int64_t w = 28) {
  at::Generator generator = MakeGenerator(1234);
  return torch::randn({n, c, h, w}, generator, torch::TensorOptions().dtype(torch::kFloat));
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

TEST(AugmentTest, OffSettingsAreTheIdentity) {
  const torch::Tensor x = RandomBatch(16, 3);
  at::Generator generator = MakeGenerator(0);
  EXPECT_TRUE(torch::equal(RandomCrop(0).Apply(x, generator), x));
  EXPECT_TRUE(torch::equal(RandomFlip(0).Apply(x, generator), x));
  EXPECT_TRUE(torch::equal(RandomErasing(0).Apply(x, generator), x));
  EXPECT_TRUE(torch::equal(ApplyAll({}, x, generator), x));
}

TEST(AugmentTest, FlipAlwaysIsAMirrorImage) {
  const torch::Tensor x = RandomBatch(8, 2);
  at::Generator generator = MakeGenerator(0);
  EXPECT_TRUE(torch::equal(RandomFlip(1).Apply(x, generator), x.flip(3)));
}

TEST(AugmentTest, FlipChoosesPerExample) {
  const torch::Tensor x = RandomBatch(1000, 1, 6, 6);
  at::Generator generator = MakeGenerator(5);
  const torch::Tensor y = RandomFlip(0.5).Apply(x, generator);
  int64_t flipped = 0;
  for (int64_t i = 0; i < x.size(0); ++i) {
    const bool same = torch::equal(y[i], x[i]);
    const bool mirror = torch::equal(y[i], x[i].flip(2));
    EXPECT_TRUE(same != mirror) << i;  // each example is one or the other
    flipped += mirror;
  }
  // Binomial(1000, 0.5): 500 +- 16.
  EXPECT_GT(flipped, 420);
  EXPECT_LT(flipped, 580);
}

// Images of ones with one bright pixel (5) at the centre: after a crop, the bright pixel shows
// the translation and the zeros the padding that came in.
TEST(AugmentTest, CropTranslatesByAtMostThePadding) {
  const int64_t n = 2000, side = 16, padding = 4, centre = 8;
  torch::Tensor x = torch::ones({n, 1, side, side});
  x.index_put_({torch::indexing::Slice(), 0, centre, centre}, 5);
  at::Generator generator = MakeGenerator(1);
  const torch::Tensor y = RandomCrop(padding).Apply(x, generator);
  ASSERT_EQ(y.sizes(), x.sizes());
  std::set<std::pair<int64_t, int64_t>> shifts;
  for (int64_t i = 0; i < n; ++i) {
    const torch::Tensor image = y[i][0];
    const torch::Tensor bright = (image == 5).nonzero();
    ASSERT_EQ(bright.size(0), 1) << i;
    const int64_t dy = bright[0][0].item<int64_t>() - centre;
    const int64_t dx = bright[0][1].item<int64_t>() - centre;
    ASSERT_LE(std::abs(dy), padding);
    ASSERT_LE(std::abs(dx), padding);
    shifts.emplace(dy, dx);
    // A shift by (dy, dx) brings in |dy| rows and |dx| columns of padding (zeros); all other
    // pixels are the image's ones.
    const int64_t zeros = (image == 0).sum().item<int64_t>();
    EXPECT_EQ(zeros, side * side - (side - std::abs(dy)) * (side - std::abs(dx))) << i;
    EXPECT_EQ((image == 1).sum().item<int64_t>(), side * side - zeros - 1) << i;
  }
  // 2000 draws cover all 81 shifts (each has probability 1/81).
  EXPECT_EQ(shifts.size(), 81u);
}

TEST(AugmentTest, CropKeepsContentAndFill) {
  // Each channel of each example moves alike: compare with the shift read off the first channel.
  const torch::Tensor x = RandomBatch(64, 3, 10, 12);
  at::Generator generator = MakeGenerator(2);
  const torch::Tensor y = RandomCrop(3, /*fill=*/-7).Apply(x, generator);
  ASSERT_EQ(y.sizes(), x.sizes());
  const torch::Tensor padded = torch::constant_pad_nd(x, {3, 3, 3, 3}, -7);
  for (int64_t i = 0; i < x.size(0); ++i) {
    bool found = false;
    for (int64_t top = 0; top <= 6 && !found; ++top) {
      for (int64_t left = 0; left <= 6 && !found; ++left) {
        found = torch::equal(y[i], padded[i].slice(1, top, top + 10).slice(2, left, left + 12));
      }
    }
    EXPECT_TRUE(found) << "example " << i << " is no window of its padded image";
  }
}

TEST(AugmentTest, ErasingAlwaysErasesOneRectangleOfBoundedArea) {
  const int64_t n = 500, c = 3, side = 32;
  const torch::Tensor x = torch::full({n, c, side, side}, 0.5);
  at::Generator generator = MakeGenerator(3);
  const torch::Tensor y = RandomErasing(1).Apply(x, generator);
  ASSERT_EQ(y.sizes(), x.sizes());
  const torch::Tensor changed = y != x;
  // All channels of a pixel are erased together.
  EXPECT_TRUE(torch::equal(changed, changed.slice(1, 0, 1).expand_as(changed)));
  std::set<int64_t> areas;
  double min_aspect = 10, max_aspect = 0;
  for (int64_t i = 0; i < n; ++i) {
    const torch::Tensor pixels = changed[i][0].nonzero();
    const int64_t area = pixels.size(0);
    ASSERT_GE(area, 0.02 * side * side) << i;
    ASSERT_LE(area, side * side / 3.0) << i;
    // A full rectangle: its bounding box holds exactly the changed pixels.
    const int64_t height =
        pixels.select(1, 0).max().item<int64_t>() - pixels.select(1, 0).min().item<int64_t>() + 1;
    const int64_t width =
        pixels.select(1, 1).max().item<int64_t>() - pixels.select(1, 1).min().item<int64_t>() + 1;
    ASSERT_EQ(height * width, area) << i;
    areas.insert(area);
    const double aspect = static_cast<double>(height) / static_cast<double>(width);
    min_aspect = std::min(min_aspect, aspect);
    max_aspect = std::max(max_aspect, aspect);
  }
  // Areas and shapes vary over the whole range (rounded sides widen the aspect range a little).
  EXPECT_GT(areas.size(), 50u);
  EXPECT_GT(*areas.begin(), 0.02 * side * side - 1);
  EXPECT_LT(*areas.begin(), 0.04 * side * side);
  EXPECT_GT(*areas.rbegin(), 0.30 * side * side);
  EXPECT_LT(min_aspect, 0.45);
  EXPECT_GT(min_aspect, 0.25);
  EXPECT_GT(max_aspect, 2.2);
  EXPECT_LT(max_aspect, 4.0);
  // The fill is standard normal noise.
  const torch::Tensor noise = y.masked_select(changed).to(torch::kDouble);
  EXPECT_NEAR(noise.mean().item<double>(), 0, 0.02);
  EXPECT_NEAR(noise.std().item<double>(), 1, 0.02);
}

TEST(AugmentTest, ErasingChoosesPerExample) {
  const torch::Tensor x = torch::zeros({1000, 1, 16, 16});
  at::Generator generator = MakeGenerator(4);
  const torch::Tensor y = RandomErasing(0.25).Apply(x, generator);
  const int64_t erased = (y != 0).flatten(1).any(1).sum().item<int64_t>();
  // Binomial(1000, 0.25): 250 +- 14.
  EXPECT_GT(erased, 180);
  EXPECT_LT(erased, 320);
}

TEST(AugmentTest, SameSeedSameOutputOtherSeedOtherOutput) {
  const torch::Tensor x = RandomBatch(32, 1);
  const auto transforms =
      AugmentOptions::FromJson(Json::parse(R"({"crop": 4, "flip": true, "erasing": 0.5})")).Build();
  at::Generator a = MakeGenerator(10);
  at::Generator b = MakeGenerator(10);
  at::Generator c = MakeGenerator(11);
  const torch::Tensor ya = ApplyAll(transforms, x, a);
  // LibTorch's global generator plays no part.
  torch::manual_seed(77);
  const torch::Tensor yb = ApplyAll(transforms, x, b);
  const torch::Tensor yc = ApplyAll(transforms, x, c);
  EXPECT_TRUE(torch::equal(ya, yb));
  EXPECT_FALSE(torch::equal(ya, yc));
  EXPECT_EQ(ya.sizes(), x.sizes());
  EXPECT_EQ(ya.dtype(), x.dtype());
  // The generator moves on: the next batch is augmented differently.
  EXPECT_FALSE(torch::equal(ApplyAll(transforms, x, a), ya));
  // Each transform on its own is seeded alike.
  for (const auto& t : transforms) {
    at::Generator g1 = MakeGenerator(3);
    at::Generator g2 = MakeGenerator(3);
    EXPECT_TRUE(torch::equal(t->Apply(x, g1), t->Apply(x, g2)));
  }
}

TEST(AugmentTest, ShapesArePreservedAndBadInputsRefused) {
  const torch::Tensor x = RandomBatch(5, 3, 9, 7);
  at::Generator generator = MakeGenerator(0);
  EXPECT_EQ(RandomCrop(2).Apply(x, generator).sizes(), x.sizes());
  EXPECT_EQ(RandomFlip().Apply(x, generator).sizes(), x.sizes());
  EXPECT_EQ(RandomErasing(1).Apply(x, generator).sizes(), x.sizes());
  const torch::Tensor empty = torch::zeros({0, 1, 8, 8});
  EXPECT_EQ(RandomCrop(2).Apply(empty, generator).sizes(), empty.sizes());
  EXPECT_EQ(RandomErasing(1).Apply(empty, generator).sizes(), empty.sizes());
  EXPECT_EQ(ErrorOf([&] {
              RandomCrop(2).Apply(torch::zeros({4, 8}), generator);
            }),
            "RandomCrop: expects a batch of images (N, C, H, W), not a tensor of shape [4, 8]");
  EXPECT_THAT(ErrorOf([&] {
                RandomErasing(1).Apply(torch::zeros({1, 1, 4, 4}, torch::kUInt8), generator);
              }),
              ::testing::StartsWith("RandomErasing: expects floating-point images"));
  EXPECT_THROW(RandomCrop(-1), InvalidArgument);
  EXPECT_THROW(RandomFlip(1.5), InvalidArgument);
  EXPECT_THROW(RandomErasing(0.5, 0.5, 0.1), InvalidArgument);
  EXPECT_THROW(RandomErasing(0.5, 0.02, 0.3, 2), InvalidArgument);
}

TEST(AugmentOptionsTest, FromJsonToJsonBuild) {
  const AugmentOptions none = AugmentOptions::FromJson(Json());
  EXPECT_FALSE(none.enabled());
  EXPECT_TRUE(none.Build().empty());
  EXPECT_EQ(none.ToJson().dump(), R"({"crop":0,"flip":false,"erasing":0.0})");

  const AugmentOptions all =
      AugmentOptions::FromJson(Json::parse(R"({"erasing": 0.25, "flip": true, "crop": 4})"));
  EXPECT_TRUE(all.enabled());
  EXPECT_EQ(all.crop, 4);
  EXPECT_TRUE(all.flip);
  EXPECT_EQ(all.erasing, 0.25);
  const AugmentOptions back = AugmentOptions::FromJson(all.ToJson());
  EXPECT_EQ(back.ToJson(), all.ToJson());
  const auto transforms = all.Build();
  ASSERT_EQ(transforms.size(), 3u);
  EXPECT_NE(dynamic_cast<const RandomCrop*>(transforms[0].get()), nullptr);
  EXPECT_NE(dynamic_cast<const RandomFlip*>(transforms[1].get()), nullptr);
  EXPECT_NE(dynamic_cast<const RandomErasing*>(transforms[2].get()), nullptr);
  EXPECT_EQ(AugmentOptions::FromJson(Json::parse(R"({"flip": true})")).Build().size(), 1u);
}

TEST(AugmentOptionsTest, Refusals) {
  const auto error = [](const char* text) {
    return ErrorOf([&] { AugmentOptions::FromJson(Json::parse(text)); });
  };
  EXPECT_EQ(error(R"({"rotate": 10})"),
            "augment: unknown key 'rotate' (known: crop, flip, erasing, policy)");
  EXPECT_EQ(error(R"({"crop": -1})"),
            "augment: crop (the padding in pixels) must be an integer in [0, 256], not -1");
  EXPECT_EQ(error(R"({"crop": 2.5})"),
            "augment: crop (the padding in pixels) must be an integer in [0, 256], not 2.5");
  EXPECT_EQ(error(R"({"flip": 1})"), "augment: flip must be true or false, not 1");
  EXPECT_EQ(error(R"({"erasing": 1.5})"),
            "augment: erasing (a probability) must be a number in [0, 1], not 1.5");
  EXPECT_EQ(error(R"("crop")"), "augment: must be a mapping, not \"crop\"");
}

}  // namespace
}  // namespace automl::dl
