#include "automl/dl/data.h"

#include <sys/mman.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <tuple>
#include <utility>

#include "automl/dl/batch_sampler.h"
#include "automl/error.h"
#include "automl/random.h"

namespace automl::dl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFashionMnistClasses[] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                "Bag",         "Ankle boot"};
constexpr int64_t kFashionMnistClassCount = 10;

// Independent random streams of the split seed: changing how one is drawn (say, the label noise)
// never moves another (the split).
const uint64_t kSplitStream = HashName("data.split");
const uint64_t kFractionStream = HashName("data.fraction");
const uint64_t kNoiseStream = HashName("data.label_noise");

std::string Quote(const std::string& text) { return "'" + text + "'"; }

std::string Hex32(uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", value);
  return buffer;
}

// A buffer of |bytes| for a dataset-sized tensor, freed with std::free. Large ones are aligned
// to 2 MiB and offered to Linux's transparent huge pages: the first touch of the memory then
// takes hundreds, not hundreds of thousands, of page faults (on some VMs that is most of the
// load time), and random-index gathers of batches miss the TLB less.
void* AllocateDataBuffer(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  void* p = nullptr;
  if (bytes >= 2 * kHugePage) {
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    p = std::aligned_alloc(kHugePage, rounded);
#ifdef MADV_HUGEPAGE
    // Advice only: where it is refused, the memory keeps ordinary pages.
    if (p) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  } else {
    p = std::malloc(std::max<size_t>(bytes, 1));
  }
  if (!p) throw std::bad_alloc();
  return p;
}

// An uninitialized tensor in a buffer from AllocateDataBuffer.
torch::Tensor EmptyDataTensor(const std::vector<int64_t>& sizes, torch::ScalarType type) {
  size_t bytes = c10::elementSize(type);
  for (int64_t size : sizes) bytes *= static_cast<size_t>(size);
  return torch::from_blob(
      AllocateDataBuffer(bytes), sizes, [](void* p) { std::free(p); }, type);
}

// The error for a file that cannot be opened, in the words the issue asks for.
[[noreturn]] void ThrowUnreadable(const std::string& path) {
  const int error = errno;  // before the checks below overwrite it
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw InvalidArgument("cannot read " + Quote(path) + ": no such file");
  if (fs::is_directory(status)) {
    throw InvalidArgument("cannot read " + Quote(path) + ": it is a directory");
  }
  throw InvalidArgument("cannot read " + Quote(path) + ": " + std::strerror(error));
}

// ---------------------------------------------------------------------------------------------
// IDX files.

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to |size| bytes; returns how many arrived (fewer only at the end of the file).
size_t GzReadFully(gzFile file, void* buffer, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    // gzread takes an unsigned count and returns an int: read in chunks of at most 1 GiB.
    const auto chunk = static_cast<unsigned>(std::min<size_t>(size - done, size_t{1} << 30));
    const int got = gzread(file, static_cast<char*>(buffer) + done, chunk);
    if (got < 0) {
      const int error = errno;
      int code = 0;
      const char* message = gzerror(file, &code);
      if (code == Z_ERRNO) {
        throw InvalidArgument("cannot read " + Quote(path) + ": " + std::strerror(error));
      }
      throw InvalidArgument(Quote(path) + " is corrupt: " + message);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace

torch::Tensor ReadIdx(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec) || fs::is_directory(path, ec)) ThrowUnreadable(path);
  // gzopen reads gzip-compressed and plain files alike.
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) ThrowUnreadable(path);
  gzbuffer(file.get(), 1 << 18);

  unsigned char magic[4];
  const size_t magic_size = GzReadFully(file.get(), magic, sizeof magic, path);
  if (magic_size < sizeof magic) {
    throw InvalidArgument(Quote(path) + " is not an IDX file: it has only " +
                          std::to_string(magic_size) + " bytes");
  }
  const uint32_t magic_value = (uint32_t{magic[0]} << 24) | (uint32_t{magic[1]} << 16) |
                               (uint32_t{magic[2]} << 8) | uint32_t{magic[3]};
  // 0x00 0x00, then the data type (0x08: unsigned byte), then the number of dimensions.
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] == 0) {
    throw InvalidArgument(Quote(path) + " is not an IDX file of unsigned bytes (magic " +
                          Hex32(magic_value) + ")");
  }
  const int dims = magic[3];
  std::vector<unsigned char> header(4 * static_cast<size_t>(dims));
  if (GzReadFully(file.get(), header.data(), header.size(), path) < header.size()) {
    throw InvalidArgument(Quote(path) + " is truncated: its header ends before its " +
                          std::to_string(dims) + " dimension sizes");
  }
  std::vector<int64_t> sizes(static_cast<size_t>(dims));
  uint64_t total = 1;
  // More than this is not a dataset that fits in memory but a corrupt header.
  constexpr uint64_t kMaxBytes = uint64_t{1} << 40;
  for (int d = 0; d < dims; ++d) {
    const unsigned char* b = &header[4 * static_cast<size_t>(d)];
    const uint32_t size =
        (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
    sizes[static_cast<size_t>(d)] = size;
    total = size == 0 ? 0 : (total > kMaxBytes / size ? kMaxBytes + 1 : total * size);
  }
  if (total > kMaxBytes) {
    throw InvalidArgument(Quote(path) + " is corrupt: its header declares more than 2^40 bytes");
  }

  // The data go straight into the tensor's buffer (no zero-filling of what gzread is about to
  // write). A header declaring more than 256 MiB gets a buffer grown as the data arrive, so
  // that a corrupt one does not allocate gigabytes for a short file.
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  size_t capacity = static_cast<size_t>(std::min<uint64_t>(total, uint64_t{1} << 28));
  std::unique_ptr<unsigned char, Free> data(
      static_cast<unsigned char*>(AllocateDataBuffer(capacity)));
  size_t filled = 0;
  while (filled < total) {
    if (filled == capacity) {
      capacity = static_cast<size_t>(std::min<uint64_t>(total, 2 * uint64_t{capacity}));
      std::unique_ptr<unsigned char, Free> grown(
          static_cast<unsigned char*>(AllocateDataBuffer(capacity)));
      std::memcpy(grown.get(), data.get(), filled);
      data = std::move(grown);
    }
    const size_t got = GzReadFully(file.get(), data.get() + filled, capacity - filled, path);
    filled += got;
    if (filled < capacity) break;  // the end of the file
  }
  if (filled < total) {
    throw InvalidArgument(Quote(path) + " is truncated: expected " + std::to_string(total) +
                          " bytes of data, found " + std::to_string(filled));
  }
  // Reading past the data also makes zlib check the gzip trailer (CRC and length).
  unsigned char extra[64];
  const size_t extra_size = GzReadFully(file.get(), extra, sizeof extra, path);
  if (extra_size > 0) {
    throw InvalidArgument(Quote(path) + " has more data than its header declares (" +
                          std::to_string(total) + " bytes)");
  }
  return torch::from_blob(
      data.release(), sizes, [](void* p) { std::free(p); }, torch::kUInt8);
}

Dataset Dataset::Select(const torch::Tensor& indices) const {
  Dataset out;
  out.inputs = inputs.index_select(0, indices);
  out.labels = labels.index_select(0, indices);
  out.classes = classes;
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Options.

bool IsDigits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const std::vector<std::string>& CommonKeys() {
  static const std::vector<std::string> keys = {"path", "split_seed", "fraction", "label_noise"};
  return keys;
}
const std::vector<std::string>& ImageKeys() {
  static const std::vector<std::string> keys = {"validation_size", "resolution"};
  return keys;
}
const std::vector<std::string>& CsvKeys() {
  static const std::vector<std::string> keys = {"label", "validation_fraction", "test_fraction"};
  return keys;
}

bool Contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string JoinKeys(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::string text;
  for (const auto* keys : {&a, &b}) {
    for (const auto& key : *keys) text += (text.empty() ? "" : ", ") + key;
  }
  return text;
}

void CheckTask(const std::string& task) {
  if (task != "fashion-mnist" && task != "csv") {
    throw InvalidArgument("unknown task " + Quote(task) + " (known: fashion-mnist, csv)");
  }
}

// The checks FromJson and LoadData share (LoadData also serves options built in C++).
void Validate(const DataOptions& o, const std::string& task) {
  if (!(o.fraction > 0 && o.fraction <= 1)) {
    throw InvalidArgument("data: fraction must lie in (0, 1], not " + Json(o.fraction).dump());
  }
  if (!(o.label_noise >= 0 && o.label_noise < 1)) {
    throw InvalidArgument("data: label_noise must lie in [0, 1), not " +
                          Json(o.label_noise).dump());
  }
  if (task == "fashion-mnist") {
    if (o.validation_size < 0) {
      throw InvalidArgument("data: validation_size must not be negative, not " +
                            std::to_string(o.validation_size));
    }
    if (o.resolution && (*o.resolution < kMinResolution || *o.resolution > kMaxResolution)) {
      throw InvalidArgument("data: resolution must lie in [4, 1024], not " +
                            std::to_string(*o.resolution));
    }
  } else {
    if (o.path.empty()) throw InvalidArgument("data: task csv needs a path (the CSV file)");
    if (o.resolution) throw InvalidArgument("data: resolution applies to images, not to csv");
    if (!(o.validation_fraction >= 0 && o.validation_fraction < 1)) {
      throw InvalidArgument("data: validation_fraction must lie in [0, 1), not " +
                            Json(o.validation_fraction).dump());
    }
    if (!(o.test_fraction >= 0 && o.test_fraction < 1)) {
      throw InvalidArgument("data: test_fraction must lie in [0, 1), not " +
                            Json(o.test_fraction).dump());
    }
    if (!(o.validation_fraction + o.test_fraction < 1)) {
      throw InvalidArgument("data: validation_fraction + test_fraction must be below 1, not " +
                            Json(o.validation_fraction + o.test_fraction).dump());
    }
  }
}

}  // namespace

DataOptions DataOptions::FromJson(const Json& json, const std::string& task) {
  CheckTask(task);
  DataOptions o;
  if (task == "fashion-mnist") o.path = kFashionMnistPath;
  if (json.is_null()) {
    Validate(o, task);
    return o;
  }
  if (!json.is_object()) throw InvalidArgument("data: must be a mapping, not " + json.dump());
  const bool csv = task == "csv";
  const auto& own = csv ? CsvKeys() : ImageKeys();
  const auto& other = csv ? ImageKeys() : CsvKeys();
  for (const auto& item : json.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    if (Contains(other, key)) {
      throw InvalidArgument("data: key " + Quote(key) + " is for task " +
                            (csv ? "fashion-mnist" : "csv") + ", not " + task);
    }
    if (!Contains(CommonKeys(), key) && !Contains(own, key)) {
      throw InvalidArgument("data: unknown key " + Quote(key) +
                            " (known: " + JoinKeys(CommonKeys(), own) + ")");
    }
    const std::string where = "data: " + key;
    auto number = [&]() {
      if (!value.is_number())
        throw InvalidArgument(where + " must be a number, not " + value.dump());
      return value.get<double>();
    };
    // An integer that fits int64_t (unsigned ones beyond it are refused as too large).
    auto integer = [&]() {
      if (!value.is_number_integer()) {
        throw InvalidArgument(where + " must be an integer, not " + value.dump());
      }
      if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
        throw InvalidArgument(where + " is too large: " + value.dump());
      }
      return value.get<int64_t>();
    };
    if (key == "path") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        throw InvalidArgument(where + " must be a non-empty string, not " + value.dump());
      }
      o.path = value.get<std::string>();
    } else if (key == "split_seed") {
      // Any 64-bit seed, as the study's seeds are (JSON built in C++ may hold it signed).
      if (!value.is_number_integer() || (!value.is_number_unsigned() && value.get<int64_t>() < 0)) {
        throw InvalidArgument(where + " must be a non-negative integer, not " + value.dump());
      }
      o.split_seed = value.get<uint64_t>();
    } else if (key == "fraction") {
      o.fraction = number();
    } else if (key == "label_noise") {
      o.label_noise = number();
    } else if (key == "validation_size") {
      o.validation_size = integer();
    } else if (key == "resolution") {
      o.resolution = integer();
    } else if (key == "label") {
      if (value.is_number_integer()) {
        if (!value.is_number_unsigned() && value.get<int64_t>() < 0) {
          throw InvalidArgument(where + " must be a column name or a 0-based index, not " +
                                value.dump());
        }
        o.label_column = std::to_string(value.get<uint64_t>());
      } else if (value.is_string() && !value.get<std::string>().empty()) {
        o.label_column = value.get<std::string>();
      } else {
        throw InvalidArgument(where + " must be a column name or a 0-based index, not " +
                              value.dump());
      }
    } else if (key == "validation_fraction") {
      o.validation_fraction = number();
    } else if (key == "test_fraction") {
      o.test_fraction = number();
    }
  }
  Validate(o, task);
  return o;
}

Json DataOptions::ToJson() const {
  // In the order of the struct's fields, which is also the order of the documentation.
  const DataOptions defaults;
  Json json = Json::object();
  json["path"] = path;
  if (validation_size != defaults.validation_size) json["validation_size"] = validation_size;
  json["split_seed"] = split_seed;
  json["fraction"] = fraction;
  if (resolution) json["resolution"] = *resolution;
  json["label_noise"] = label_noise;
  if (!label_column.empty()) {
    // An index as an integer (digits too long for one stay text, which reads back the same).
    if (IsDigits(label_column) && label_column.size() <= 18) {
      json["label"] = std::stoll(label_column);
    } else {
      json["label"] = label_column;
    }
  }
  if (validation_fraction != defaults.validation_fraction) {
    json["validation_fraction"] = validation_fraction;
  }
  if (test_fraction != defaults.test_fraction) json["test_fraction"] = test_fraction;
  return json;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Splitting, subsampling and noise: index bookkeeping on the CPU, seeded by the split seed.

std::vector<int64_t> ToVector(const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.to(torch::kInt64).contiguous();
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

torch::Tensor ToTensor(const std::vector<int64_t>& values) {
  return torch::tensor(values, torch::kInt64);
}

// Sorted, so that the parts keep the source's order (and gathers read memory forwards).
std::vector<int64_t> Sorted(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

// The rows of |train| (source indices) that a class-balanced subsample keeps: each class keeps
// round(fraction * its count) examples, at least one, chosen by the split seed.
std::vector<int64_t> BalancedSubsample(const std::vector<int64_t>& train,
                                       const std::vector<int64_t>& labels, int64_t classes,
                                       double fraction, uint64_t seed) {
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(classes));
  for (int64_t row : train)
    by_class[static_cast<size_t>(labels[static_cast<size_t>(row)])].push_back(row);
  Rng rng(seed);
  std::vector<int64_t> kept;
  for (auto& rows : by_class) {
    if (rows.empty()) continue;
    const auto keep =
        std::max<int64_t>(1, std::llround(fraction * static_cast<double>(rows.size())));
    // A partial Fisher-Yates shuffle: the first |keep| rows are a uniform sample.
    for (int64_t i = 0; i < keep; ++i) {
      const auto j = i + static_cast<int64_t>(rng.Below(rows.size() - static_cast<size_t>(i)));
      std::swap(rows[static_cast<size_t>(i)], rows[static_cast<size_t>(j)]);
    }
    kept.insert(kept.end(), rows.begin(), rows.begin() + keep);
  }
  return Sorted(std::move(kept));
}

// Symmetric label noise: each label is replaced with probability |p| by a uniformly random other
// class. Returns how many labels changed.
int64_t AddLabelNoise(torch::Tensor& labels, int64_t classes, double p, uint64_t seed) {
  if (p <= 0 || classes < 2) return 0;
  labels = labels.contiguous();
  int64_t* data = labels.data_ptr<int64_t>();
  Rng rng(seed);
  int64_t changed = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) {
    if (!rng.Bernoulli(p)) continue;
    data[i] = (data[i] + 1 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(classes - 1)))) %
              classes;
    ++changed;
  }
  return changed;
}

struct SplitRows {
  std::vector<int64_t> train, validation, test;
};

// Standardizes |splits| in place with the training part's statistics over every dimension but
// |keep| (the channel for images, the feature for tables) and records them.
void Standardize(DataSplits& splits, int64_t keep) {
  std::vector<int64_t> reduce;
  for (int64_t d = 0; d < splits.train.inputs.dim(); ++d) {
    if (d != keep) reduce.push_back(d);
  }
  // On the CPU, LibTorch accumulates float statistics in double.
  auto [stddev, mean] = torch::std_mean(splits.train.inputs, reduce, /*unbiased=*/false,
                                        /*keepdim=*/true);
  // A constant input carries no information; dividing it by 1 leaves it at 0.
  stddev = torch::where(stddev > 0, stddev, torch::ones_like(stddev));
  for (Dataset* part : {&splits.train, &splits.validation, &splits.test}) {
    if (part->size() > 0) part->inputs.sub_(mean).div_(stddev);
  }
  const torch::Tensor m = mean.flatten().to(torch::kDouble).contiguous();
  const torch::Tensor s = stddev.flatten().to(torch::kDouble).contiguous();
  splits.mean.assign(m.data_ptr<double>(), m.data_ptr<double>() + m.numel());
  splits.stddev.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
}

std::string FormatDouble(double value) { return Json(value).dump(); }

// ", fraction 0.1, label noise 0.2 (11022 labels changed), split seed 3" for what is not default.
std::string DescribeOptions(const DataOptions& options, int64_t noisy) {
  std::string text;
  if (options.fraction < 1) text += ", fraction " + FormatDouble(options.fraction);
  if (options.label_noise > 0) {
    text += ", label noise " + FormatDouble(options.label_noise) + " (" + std::to_string(noisy) +
            " labels changed)";
  }
  text += ", split seed " + std::to_string(options.split_seed);
  return text;
}

// ---------------------------------------------------------------------------------------------
// Fashion-MNIST.

// The IDX file |name| under |dir|, compressed (name.gz) or plain.
std::string FindIdx(const std::string& dir, const std::string& name) {
  const fs::path gz = fs::path(dir) / (name + ".gz");
  const fs::path plain = fs::path(dir) / name;
  std::error_code ec;
  if (fs::exists(gz, ec)) return gz.string();
  if (fs::exists(plain, ec)) return plain.string();
  throw InvalidArgument("fashion-mnist: cannot read " + Quote(gz.string()) +
                        ": no such file (nor an uncompressed " + Quote(name) + ")");
}

struct IdxPair {
  torch::Tensor images;  // (N, H, W) uint8
  torch::Tensor labels;  // (N) int64
};

IdxPair ReadIdxPair(const std::string& dir, const std::string& prefix) {
  const std::string images_path = FindIdx(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = FindIdx(dir, prefix + "-labels-idx1-ubyte");
  IdxPair pair{ReadIdx(images_path), ReadIdx(labels_path)};
  if (pair.images.dim() != 3) {
    throw InvalidArgument(Quote(images_path) + " holds " + std::to_string(pair.images.dim()) +
                          "-dimensional data, not images (N, height, width)");
  }
  if (pair.labels.dim() != 1) {
    throw InvalidArgument(Quote(labels_path) + " holds " + std::to_string(pair.labels.dim()) +
                          "-dimensional data, not labels (N)");
  }
  if (pair.images.size(0) != pair.labels.size(0)) {
    throw InvalidArgument(Quote(labels_path) + " has " + std::to_string(pair.labels.size(0)) +
                          " labels for the " + std::to_string(pair.images.size(0)) + " images of " +
                          Quote(images_path));
  }
  if (pair.labels.numel() > 0) {
    const int64_t max_label = pair.labels.max().item<int64_t>();
    if (max_label >= kFashionMnistClassCount) {
      throw InvalidArgument(Quote(labels_path) + " has label " + std::to_string(max_label) +
                            "; Fashion-MNIST's are 0 to 9");
    }
  }
  pair.labels = pair.labels.to(torch::kInt64);
  return pair;
}

// The rows |source| of uint8 images (N, H, W) as float images (n, 1, H, W), pixel value v
// becoming lut[v]: gather, conversion and normalization in one pass over the output.
torch::Tensor GatherImages(const torch::Tensor& images, const torch::Tensor& source,
                           const std::array<float, 256>& lut) {
  const torch::Tensor in = images.contiguous();
  const int64_t n = source.numel(), h = in.size(1), w = in.size(2), pixels = h * w;
  torch::Tensor out = EmptyDataTensor({n, 1, h, w}, torch::kFloat);
  const uint8_t* src = in.data_ptr<uint8_t>();
  const int64_t* rows = source.data_ptr<int64_t>();
  float* dst = out.data_ptr<float>();
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const uint8_t* image = src + rows[i] * pixels;
      float* target = dst + i * pixels;
      for (int64_t p = 0; p < pixels; ++p) target[p] = lut[image[p]];
    }
  });
  return out;
}

// Mean and standard deviation of the pixels (scaled to [0, 1]) of rows |source|, exactly, from
// a histogram of their values.
std::pair<double, double> PixelStatistics(const torch::Tensor& images,
                                          const torch::Tensor& source) {
  const torch::Tensor in = images.contiguous();
  const int64_t pixels = in.size(1) * in.size(2);
  const uint8_t* src = in.data_ptr<uint8_t>();
  std::array<int64_t, 256> histogram{};
  for (const int64_t row : ToVector(source)) {
    const uint8_t* image = src + row * pixels;
    for (int64_t p = 0; p < pixels; ++p) ++histogram[image[p]];
  }
  // Integer sums (below 2^53 for any dataset that fits in memory), so no rounding before here.
  double count = 0, sum = 0, squares = 0;
  for (int v = 0; v < 256; ++v) {
    const auto c = static_cast<double>(histogram[static_cast<size_t>(v)]);
    count += c;
    sum += c * v;
    squares += c * v * v;
  }
  const double mean = sum / count / 255;
  const double variance = std::max(0.0, squares / count / (255.0 * 255.0) - mean * mean);
  return {mean, std::sqrt(variance)};
}

// Resizes float images (N, C, H, W) to side x side: area averaging when shrinking (no aliasing),
// bilinear interpolation when enlarging.
torch::Tensor Resize(const torch::Tensor& x, int64_t side) {
  if (x.size(0) == 0) return torch::empty({0, x.size(1), side, side}, x.options());
  if (side == x.size(2) && side == x.size(3)) return x;
  namespace F = torch::nn::functional;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{side, side});
  if (side < x.size(2)) {
    options.mode(torch::kArea);
  } else {
    options.mode(torch::kBilinear).align_corners(false);
  }
  return F::interpolate(x, options).contiguous();
}

DataSplits LoadFashionMnist(const DataOptions& options) {
  const std::string dir = options.path.empty() ? kFashionMnistPath : options.path;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InvalidArgument("fashion-mnist: data directory " + Quote(dir) +
                          (fs::exists(dir, ec) ? " is not a directory" : " does not exist"));
  }
  const IdxPair train_file = ReadIdxPair(dir, "train");
  const IdxPair test_file = ReadIdxPair(dir, "t10k");
  if (test_file.images.sizes().slice(1) != train_file.images.sizes().slice(1)) {
    throw InvalidArgument("fashion-mnist: the test images in " + Quote(dir) +
                          " differ in size from the training images");
  }
  const int64_t n = train_file.labels.size(0);
  if (options.validation_size >= n) {
    throw InvalidArgument("data: validation_size " + std::to_string(options.validation_size) +
                          " leaves no training examples of the " + std::to_string(n));
  }

  const std::vector<int64_t> order =
      ToVector(RandomPermutation(n, DeriveSeed(options.split_seed, 0, kSplitStream)));
  const auto cut = order.begin() + options.validation_size;
  SplitRows rows;
  rows.validation = Sorted({order.begin(), cut});
  rows.train = Sorted({cut, order.end()});
  const std::vector<int64_t> labels = ToVector(train_file.labels);
  if (options.fraction < 1) {
    rows.train = BalancedSubsample(rows.train, labels, kFashionMnistClassCount, options.fraction,
                                   DeriveSeed(options.split_seed, 0, kFractionStream));
  }

  DataSplits splits;
  splits.train_source = ToTensor(rows.train);
  splits.validation_source = ToTensor(rows.validation);
  splits.test_source = torch::arange(test_file.labels.size(0), torch::kInt64);
  // Without a resize, the training part's statistics come from its raw pixels, and each part
  // is gathered and normalized in one pass; with one, the resized images are normalized.
  const bool resize = options.resolution && (*options.resolution != train_file.images.size(1) ||
                                             *options.resolution != train_file.images.size(2));
  std::array<float, 256> lut;
  double mean = 0, stddev = 1;
  if (!resize) std::tie(mean, stddev) = PixelStatistics(train_file.images, splits.train_source);
  if (stddev <= 0) stddev = 1;  // a constant image set: see Standardize
  for (int v = 0; v < 256; ++v) {
    lut[static_cast<size_t>(v)] = static_cast<float>((v / 255.0 - mean) / stddev);
  }
  auto make = [&](const IdxPair& file, const torch::Tensor& source) {
    Dataset part;
    part.inputs = GatherImages(file.images, source, lut);
    if (resize) part.inputs = Resize(part.inputs, *options.resolution);
    part.labels = file.labels.index_select(0, source);
    part.classes = kFashionMnistClassCount;
    return part;
  };
  splits.train = make(train_file, splits.train_source);
  splits.validation = make(train_file, splits.validation_source);
  splits.test = make(test_file, splits.test_source);
  const int64_t noisy =
      AddLabelNoise(splits.train.labels, kFashionMnistClassCount, options.label_noise,
                    DeriveSeed(options.split_seed, 0, kNoiseStream));
  if (resize) {
    Standardize(splits, /*keep=*/1);
  } else {
    splits.mean = {mean};
    splits.stddev = {stddev};
  }
  splits.class_names.assign(std::begin(kFashionMnistClasses), std::end(kFashionMnistClasses));
  splits.description =
      "fashion-mnist: " + std::to_string(splits.train.size()) + " train, " +
      std::to_string(splits.validation.size()) + " validation, " +
      std::to_string(splits.test.size()) + " test, " + std::to_string(splits.train.inputs.size(2)) +
      "x" + std::to_string(splits.train.inputs.size(3)) + DescribeOptions(options, noisy);
  return splits;
}

// ---------------------------------------------------------------------------------------------
// CSV.

// The fields of one line: comma-separated, surrounding spaces trimmed, optionally in double
// quotes ("" inside quotes is one quote; a quoted field may contain commas).
std::vector<std::string> SplitCsvLine(const std::string& line, const std::string& path,
                                      int64_t line_number) {
  std::vector<std::string> fields;
  std::string field;
  size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        throw InvalidArgument(Quote(path) + " line " + std::to_string(line_number) +
                              ": a quoted field is not closed");
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        throw InvalidArgument(Quote(path) + " line " + std::to_string(line_number) +
                              ": text after a quoted field");
      }
    } else {
      const size_t end = line.find(',', i);
      field = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
      while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.pop_back();
      i = end == std::string::npos ? line.size() : end;
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

// A finite number, written in full (from_chars does not take a leading '+').
bool ParseNumber(const std::string& text, double* value) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return false;
  const auto [ptr, ec] = std::from_chars(begin, end, *value);
  return ec == std::errc() && ptr == end && std::isfinite(*value);
}

bool ParseInteger(const std::string& text, int64_t* value) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return false;
  const auto [ptr, ec] = std::from_chars(begin, end, *value);
  return ec == std::errc() && ptr == end;
}

DataSplits LoadCsv(const DataOptions& options) {
  const std::string& path = options.path;
  std::error_code ec;
  if (!fs::exists(path, ec) || fs::is_directory(path, ec)) ThrowUnreadable(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowUnreadable(path);

  // The rows, with their line numbers for messages; blank lines are skipped.
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> line_numbers;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    rows.push_back(SplitCsvLine(line, path, number));
    line_numbers.push_back(number);
  }
  if (in.bad()) throw InvalidArgument("cannot read " + Quote(path) + ": " + std::strerror(errno));
  if (rows.empty()) throw InvalidArgument(Quote(path) + " has no rows");
  const size_t columns = rows[0].size();
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != columns) {
      throw InvalidArgument(Quote(path) + " line " + std::to_string(line_numbers[r]) + " has " +
                            std::to_string(rows[r].size()) + " fields, expected " +
                            std::to_string(columns) + " (as on line " +
                            std::to_string(line_numbers[0]) + ")");
    }
  }
  if (columns < 2) {
    throw InvalidArgument(Quote(path) + " has " + std::to_string(columns) +
                          " column; it needs at least one feature and a label");
  }

  // The label column: by name (which needs a header), by index, or the last.
  const std::string& label = options.label_column;
  const bool by_name = !label.empty() && !IsDigits(label);
  size_t label_index = columns - 1;
  if (IsDigits(label)) {
    label_index = label.size() > 9 ? columns : std::stoul(label);
    if (label_index >= columns) {
      throw InvalidArgument("data: label column " + label + " is out of range: " + Quote(path) +
                            " has " + std::to_string(columns) + " columns (0-based)");
    }
  }
  // A header is a first row with a non-numeric feature (a data row's features are all numbers;
  // its label may be text), or any first row when the label is named.
  bool header = by_name;
  for (size_t c = 0; c < columns && !header; ++c) {
    double unused;
    if (c != label_index && !ParseNumber(rows[0][c], &unused)) header = true;
  }
  std::vector<std::string> names(columns);
  for (size_t c = 0; c < columns; ++c) {
    names[c] = header ? rows[0][c] : "column " + std::to_string(c);
  }
  if (by_name) {
    const auto it = std::find(names.begin(), names.end(), label);
    if (it == names.end()) {
      std::string known;
      for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
      throw InvalidArgument("data: label column " + Quote(label) + " is not in the header of " +
                            Quote(path) + " (" + known + ")");
    }
    label_index = static_cast<size_t>(it - names.begin());
  }
  const size_t first = header ? 1 : 0;
  const auto n = static_cast<int64_t>(rows.size() - first);
  if (n == 0) throw InvalidArgument(Quote(path) + " has a header but no data rows");
  const auto features = static_cast<int64_t>(columns - 1);

  torch::Tensor inputs = torch::empty({n, features}, torch::kFloat);
  float* x = inputs.data_ptr<float>();
  std::vector<std::string> label_text(static_cast<size_t>(n));
  bool integer_labels = true;
  for (int64_t i = 0; i < n; ++i) {
    const auto& row = rows[first + static_cast<size_t>(i)];
    int64_t f = 0;
    for (size_t c = 0; c < columns; ++c) {
      if (c == label_index) continue;
      double value;
      if (!ParseNumber(row[c], &value)) {
        throw InvalidArgument(
            Quote(path) + " line " + std::to_string(line_numbers[first + static_cast<size_t>(i)]) +
            ", column " + std::to_string(c) + (header ? " (" + Quote(names[c]) + ")" : "") + ": " +
            Quote(row[c]) + " is not a number");
      }
      x[i * features + f++] = static_cast<float>(value);
    }
    label_text[static_cast<size_t>(i)] = row[label_index];
    int64_t unused;
    integer_labels = integer_labels && ParseInteger(row[label_index], &unused);
  }

  // Distinct labels, sorted (integers by value), become 0..K-1.
  std::vector<int64_t> labels(static_cast<size_t>(n));
  std::vector<std::string> class_names;
  if (integer_labels) {
    std::map<int64_t, int64_t> classes;
    std::vector<int64_t> values(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      ParseInteger(label_text[static_cast<size_t>(i)], &values[static_cast<size_t>(i)]);
      classes.emplace(values[static_cast<size_t>(i)], 0);
    }
    for (auto& [value, index] : classes) {
      index = static_cast<int64_t>(class_names.size());
      class_names.push_back(std::to_string(value));
    }
    for (int64_t i = 0; i < n; ++i) {
      labels[static_cast<size_t>(i)] = classes.at(values[static_cast<size_t>(i)]);
    }
  } else {
    std::map<std::string, int64_t> classes;
    for (const auto& text : label_text) classes.emplace(text, 0);
    for (auto& [text, index] : classes) {
      index = static_cast<int64_t>(class_names.size());
      class_names.push_back(text);
    }
    for (int64_t i = 0; i < n; ++i) {
      labels[static_cast<size_t>(i)] = classes.at(label_text[static_cast<size_t>(i)]);
    }
  }
  const auto k = static_cast<int64_t>(class_names.size());
  const std::string label_name = header ? Quote(names[label_index]) : std::to_string(label_index);
  if (k < 2) {
    throw InvalidArgument(Quote(path) + ": the label column " + label_name + " has " +
                          std::to_string(k) +
                          " distinct value; classification needs at least 2 classes");
  }

  // The split: test first, then validation, from one permutation of the rows.
  const auto n_test = std::llround(options.test_fraction * static_cast<double>(n));
  const auto n_validation = std::llround(options.validation_fraction * static_cast<double>(n));
  if (n_test + n_validation >= n) {
    throw InvalidArgument(Quote(path) + " has " + std::to_string(n) +
                          " rows: too few to hold out " + std::to_string(n_test) +
                          " for test and " + std::to_string(n_validation) + " for validation");
  }
  const std::vector<int64_t> order =
      ToVector(RandomPermutation(n, DeriveSeed(options.split_seed, 0, kSplitStream)));
  SplitRows split;
  split.test = Sorted({order.begin(), order.begin() + n_test});
  split.validation = Sorted({order.begin() + n_test, order.begin() + n_test + n_validation});
  split.train = Sorted({order.begin() + n_test + n_validation, order.end()});
  if (options.fraction < 1) {
    split.train = BalancedSubsample(split.train, labels, k, options.fraction,
                                    DeriveSeed(options.split_seed, 0, kFractionStream));
  }

  DataSplits splits;
  const torch::Tensor all_labels = ToTensor(labels);
  splits.train_source = ToTensor(split.train);
  splits.validation_source = ToTensor(split.validation);
  splits.test_source = ToTensor(split.test);
  auto make = [&](const torch::Tensor& source) {
    Dataset part;
    part.inputs = inputs.index_select(0, source);
    part.labels = all_labels.index_select(0, source);
    part.classes = k;
    return part;
  };
  splits.train = make(splits.train_source);
  splits.validation = make(splits.validation_source);
  splits.test = make(splits.test_source);
  const int64_t noisy = AddLabelNoise(splits.train.labels, k, options.label_noise,
                                      DeriveSeed(options.split_seed, 0, kNoiseStream));
  Standardize(splits, /*keep=*/1);
  splits.class_names = class_names;

  std::string mapping;
  for (int64_t c = 0; c < k && c < 20; ++c) {
    mapping += (c ? ", " : "") + class_names[static_cast<size_t>(c)] + "=" + std::to_string(c);
  }
  if (k > 20) mapping += ", ...";
  splits.description = "csv " + Quote(path) + ": " + std::to_string(splits.train.size()) +
                       " train, " + std::to_string(splits.validation.size()) + " validation, " +
                       std::to_string(splits.test.size()) + " test, " + std::to_string(features) +
                       " features, " + std::to_string(k) + " classes (label " + label_name + ": " +
                       mapping + ")" + DescribeOptions(options, noisy);
  return splits;
}

}  // namespace

DataSplits LoadData(const std::string& task, const DataOptions& options) {
  CheckTask(task);
  Validate(options, task);
  return task == "csv" ? LoadCsv(options) : LoadFashionMnist(options);
}

}  // namespace automl::dl
