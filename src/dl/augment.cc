#include "automl/dl/augment.h"

#include <cmath>
#include <sstream>
#include <string>

#include "automl/config_file.h"
#include "automl/dl/augment_policy.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

// Randomness is drawn on the CPU, where |generator| lives, and moved to the batch's device: the
// draws are small (a few numbers per example) except the erasing noise, and the same seed gives
// the same augmentation on every device.
torch::TensorOptions CpuInt64() { return torch::TensorOptions().dtype(torch::kInt64); }
torch::TensorOptions CpuDouble() { return torch::TensorOptions().dtype(torch::kDouble); }

void CheckBatch(const torch::Tensor& batch, const char* transform) {
  if (batch.dim() != 4) {
    std::ostringstream shape;
    shape << batch.sizes();
    throw InvalidArgument(std::string(transform) +
                          ": expects a batch of images (N, C, H, W), not a tensor of shape " +
                          shape.str());
  }
}

void CheckProbability(double p, const char* transform) {
  if (!(p >= 0 && p <= 1)) {
    throw InvalidArgument(std::string(transform) + ": the probability must lie in [0, 1], not " +
                          std::to_string(p));
  }
}

}  // namespace

RandomCrop::RandomCrop(int64_t padding, double fill) : padding_(padding), fill_(fill) {
  if (padding < 0) {
    throw InvalidArgument("RandomCrop: the padding must not be negative, not " +
                          std::to_string(padding));
  }
}

torch::Tensor RandomCrop::Apply(const torch::Tensor& batch, at::Generator& generator) const {
  CheckBatch(batch, "RandomCrop");
  const int64_t n = batch.size(0), h = batch.size(2), w = batch.size(3);
  if (padding_ == 0 || n == 0) return batch;
  const int64_t p = padding_;
  const torch::Tensor padded = torch::constant_pad_nd(batch, {p, p, p, p}, fill_);
  // Every window of every padded image, as a view (N, C, 2p + 1, 2p + 1, H, W): window (top,
  // left) is the crop at that offset. One advanced-indexing gather takes each example's own.
  const torch::Tensor windows = padded.unfold(2, h, 1).unfold(3, w, 1);
  const torch::Tensor offsets =
      torch::randint(0, 2 * p + 1, {2, n}, generator, CpuInt64()).to(batch.device());
  const torch::Tensor examples =
      torch::arange(n, torch::TensorOptions().dtype(torch::kInt64).device(batch.device()));
  using torch::indexing::Slice;
  return windows.index({examples, Slice(), offsets[0], offsets[1]});
}

RandomFlip::RandomFlip(double p) : p_(p) { CheckProbability(p, "RandomFlip"); }

torch::Tensor RandomFlip::Apply(const torch::Tensor& batch, at::Generator& generator) const {
  CheckBatch(batch, "RandomFlip");
  const int64_t n = batch.size(0);
  if (p_ <= 0 || n == 0) return batch;
  const torch::Tensor flip =
      (torch::rand({n}, generator, CpuDouble()) < p_).to(batch.device()).view({n, 1, 1, 1});
  return torch::where(flip, batch.flip(3), batch);
}

RandomErasing::RandomErasing(double p, double min_area, double max_area, double min_aspect)
    : p_(p), min_area_(min_area), max_area_(max_area), min_aspect_(min_aspect) {
  CheckProbability(p, "RandomErasing");
  if (!(min_area > 0 && min_area <= max_area && max_area <= 1)) {
    throw InvalidArgument("RandomErasing: the area bounds must satisfy 0 < min <= max <= 1, not [" +
                          std::to_string(min_area) + ", " + std::to_string(max_area) + "]");
  }
  if (!(min_aspect > 0 && min_aspect <= 1)) {
    throw InvalidArgument("RandomErasing: the least aspect ratio must lie in (0, 1], not " +
                          std::to_string(min_aspect));
  }
}

torch::Tensor RandomErasing::Apply(const torch::Tensor& batch, at::Generator& generator) const {
  CheckBatch(batch, "RandomErasing");
  if (!batch.is_floating_point()) {
    throw InvalidArgument("RandomErasing: expects floating-point images, not " +
                          std::string(batch.dtype().name()));
  }
  const int64_t n = batch.size(0), c = batch.size(1), h = batch.size(2), w = batch.size(3);
  if (p_ <= 0 || n == 0) return batch;
  constexpr int64_t kAttempts = 10;
  // Every example's numbers in one draw, the same amount whatever the images, so that the
  // generator's stream stays aligned across batches: [erase?, kAttempts areas, kAttempts
  // aspect ratios, top, left].
  const torch::Tensor uniform = torch::rand({n, 2 * kAttempts + 3}, generator, CpuDouble());
  const auto u = uniform.accessor<double, 2>();
  // The rectangles, [top, bottom) x [left, right) per example, from those numbers: arithmetic
  // on 23 scalars per example (many small tensor operations would cost more than the images).
  torch::Tensor bounds = torch::empty({4, n}, CpuInt64());
  auto b = bounds.accessor<int64_t, 2>();
  const double area = static_cast<double>(h * w);
  const double log_min_aspect = std::log(min_aspect_);
  // The area test allows a hair of slack, so that a rectangle of exactly a bound's area is not
  // lost to rounding in the products.
  const double least = min_area_ * area * (1 - 1e-9), most = max_area_ * area * (1 + 1e-9);
  int64_t erased_pixels = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t height = 0, width = 0;  // an empty rectangle: nothing erased
    if (u[i][0] < p_) {
      for (int64_t k = 0; k < kAttempts; ++k) {
        const double target = (min_area_ + (max_area_ - min_area_) * u[i][1 + k]) * area;
        const double aspect = std::exp(log_min_aspect * (1 - 2 * u[i][1 + kAttempts + k]));
        const int64_t rh = std::llround(std::sqrt(target * aspect));
        const int64_t rw = std::llround(std::sqrt(target / aspect));
        const auto erased = static_cast<double>(rh * rw);
        if (rh >= 1 && rw >= 1 && rh <= h && rw <= w && erased >= least && erased <= most) {
          height = rh;
          width = rw;
          break;
        }
      }
    }
    const auto top =
        static_cast<int64_t>(u[i][2 * kAttempts + 1] * static_cast<double>(h - height + 1));
    const auto left =
        static_cast<int64_t>(u[i][2 * kAttempts + 2] * static_cast<double>(w - width + 1));
    b[0][i] = top;
    b[1][i] = top + height;
    b[2][i] = left;
    b[3][i] = left + width;
    erased_pixels += height * width * c;
  }
  if (erased_pixels == 0) return batch;

  // The rectangles as a mask, from broadcast comparisons of coordinates with each example's
  // bounds, and noise for the erased pixels only, scattered into them in order.
  const auto device = batch.device();
  bounds = bounds.to(device);
  const auto index_options = torch::TensorOptions().dtype(torch::kInt64).device(device);
  const torch::Tensor y = torch::arange(h, index_options).view({1, h});
  const torch::Tensor x = torch::arange(w, index_options).view({1, w});
  const torch::Tensor in_rows = (y >= bounds[0].view({n, 1})) & (y < bounds[1].view({n, 1}));
  const torch::Tensor in_cols = (x >= bounds[2].view({n, 1})) & (x < bounds[3].view({n, 1}));
  const torch::Tensor mask =
      (in_rows.view({n, 1, h, 1}) & in_cols.view({n, 1, 1, w})).expand_as(batch);
  const torch::Tensor noise =
      torch::randn({erased_pixels}, generator, torch::TensorOptions().dtype(torch::kFloat))
          .to(batch.options());
  return batch.masked_scatter(mask, noise);
}

namespace {

// `policy:` is a file's path or the policy itself.
AugmentPolicy ReadPolicy(const Json& value) {
  if (!value.is_string()) return AugmentPolicy::FromJson(value);
  const std::string path = value.get<std::string>();
  try {
    return AugmentPolicy::FromJson(ReadConfigFile(path));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("augment: policy '" + path + "': " + e.what());
  }
}

}  // namespace

AugmentOptions AugmentOptions::FromJson(const Json& json) {
  AugmentOptions options;
  if (json.is_null()) return options;
  if (!json.is_object()) throw InvalidArgument("augment: must be a mapping, not " + json.dump());
  for (const auto& item : json.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    if (key == "crop") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 256) {
        throw InvalidArgument(
            "augment: crop (the padding in pixels) must be an integer in [0, 256]"
            ", not " +
            value.dump());
      }
      options.crop = value.get<int64_t>();
    } else if (key == "flip") {
      if (!value.is_boolean()) {
        throw InvalidArgument("augment: flip must be true or false, not " + value.dump());
      }
      options.flip = value.get<bool>();
    } else if (key == "erasing") {
      if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1)) {
        throw InvalidArgument("augment: erasing (a probability) must be a number in [0, 1], not " +
                              value.dump());
      }
      options.erasing = value.get<double>();
    } else if (key == "policy") {
      options.policy = std::make_shared<const AugmentPolicy>(ReadPolicy(value));
    } else {
      throw InvalidArgument("augment: unknown key '" + key +
                            "' (known: crop, flip, erasing, policy)");
    }
  }
  return options;
}

Json AugmentOptions::ToJson() const {
  Json json = Json::object();
  json["crop"] = crop;
  json["flip"] = flip;
  json["erasing"] = erasing;
  if (policy) json["policy"] = policy->ToJson();
  return json;
}

std::vector<std::unique_ptr<BatchTransform>> AugmentOptions::Build(
    const std::vector<double>& mean, const std::vector<double>& stddev) const {
  std::vector<std::unique_ptr<BatchTransform>> transforms;
  if (policy) transforms.push_back(std::make_unique<PolicyTransform>(*policy, mean, stddev));
  if (crop > 0) transforms.push_back(std::make_unique<RandomCrop>(crop));
  if (flip) transforms.push_back(std::make_unique<RandomFlip>(0.5));
  if (erasing > 0) transforms.push_back(std::make_unique<RandomErasing>(erasing));
  return transforms;
}

torch::Tensor ApplyAll(const std::vector<std::unique_ptr<BatchTransform>>& transforms,
                       const torch::Tensor& batch, at::Generator& generator) {
  torch::Tensor x = batch;
  for (const auto& transform : transforms) x = transform->Apply(x, generator);
  return x;
}

}  // namespace automl::dl
