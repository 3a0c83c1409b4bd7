// Tests of the data layer on the real Fashion-MNIST files (Debian's dataset-fashion-mnist) and on
// small generated files.
#include "automl/dl/data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

const std::string kDir = kFashionMnistPath;
const std::string kTrainImages = kDir + "/train-images-idx3-ubyte.gz";
const std::string kTrainLabels = kDir + "/train-labels-idx1-ubyte.gz";
const std::string kTestImages = kDir + "/t10k-images-idx3-ubyte.gz";
const std::string kTestLabels = kDir + "/t10k-labels-idx1-ubyte.gz";

// The message of the InvalidArgument that |f| throws ("" when it throws none).
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

std::vector<int64_t> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An uncompressed IDX file of unsigned bytes: magic 0x000008NN, the sizes, then the data.
std::string IdxBytes(const torch::Tensor& t) {
  std::string bytes = BigEndian32(0x0800u | static_cast<uint32_t>(t.dim()));
  for (int64_t size : t.sizes()) bytes += BigEndian32(static_cast<uint32_t>(size));
  const torch::Tensor c = t.contiguous();
  bytes.append(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()),
               static_cast<size_t>(c.numel()));
  return bytes;
}

// The four files as ReadIdx reads them, each read once per test program (a read of the training
// images takes a few tenths of a second).
const torch::Tensor& Raw(const std::string& path) {
  static auto* cache = new std::map<std::string, torch::Tensor>();
  auto it = cache->find(path);
  if (it == cache->end()) it = cache->emplace(path, ReadIdx(path)).first;
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// ReadIdx

TEST(ReadIdxTest, ShapesOfTheFourFiles) {
  const torch::Tensor& train_images = Raw(kTrainImages);
  EXPECT_EQ(train_images.sizes(), (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(train_images.dtype(), torch::kUInt8);
  EXPECT_EQ(Raw(kTrainLabels).sizes(), (std::vector<int64_t>{60000}));
  EXPECT_EQ(Raw(kTestImages).sizes(), (std::vector<int64_t>{10000, 28, 28}));
  EXPECT_EQ(Raw(kTestLabels).sizes(), (std::vector<int64_t>{10000}));
  EXPECT_EQ(Raw(kTestLabels).dtype(), torch::kUInt8);
}

// The expected values were computed independently of this code, with /usr/bin/python3:
//   b = gzip.open(path).read(); header = struct.unpack('>I...', ...); data = b[16:] (images) or
//   b[8:] (labels); labels: list(data[:10]); image i's pixel sum: sum(data[i*784:(i+1)*784]);
//   the total: sum(data).
TEST(ReadIdxTest, ValuesMatchAnIndependentReader) {
  EXPECT_EQ(ToVector(Raw(kTrainLabels).slice(0, 0, 10)),
            (std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(ToVector(Raw(kTestLabels).slice(0, 0, 10)),
            (std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  const torch::Tensor& train_images = Raw(kTrainImages);
  EXPECT_EQ(train_images[0].sum(torch::kInt64).item<int64_t>(), 76247);
  EXPECT_EQ(train_images[1].sum(torch::kInt64).item<int64_t>(), 84598);
  EXPECT_EQ(train_images[2].sum(torch::kInt64).item<int64_t>(), 28662);
  // The sum over all pixels, from a histogram (a sum with an int64 result would first copy the
  // 47 MB of bytes into 376 MB of int64).
  const torch::Tensor histogram = train_images.flatten().bincount({}, 256);
  EXPECT_EQ((histogram * torch::arange(256, torch::kInt64)).sum().item<int64_t>(), 3431114169);
  EXPECT_EQ(Raw(kTestImages)[0].sum(torch::kInt64).item<int64_t>(), 33456);
}

TEST(ReadIdxTest, PlainFileReadsTheSame) {
  TempDir dir;
  const torch::Tensor& images = Raw(kTestImages);
  WriteBytes(dir.File("images"), IdxBytes(images));
  EXPECT_TRUE(torch::equal(ReadIdx(dir.File("images")), images));
  const torch::Tensor& labels = Raw(kTestLabels);
  WriteBytes(dir.File("labels"), IdxBytes(labels));
  EXPECT_TRUE(torch::equal(ReadIdx(dir.File("labels")), labels));
}

TEST(ReadIdxTest, MissingFileIsNamed) {
  EXPECT_EQ(ErrorOf([] { ReadIdx("/x/train-images-idx3-ubyte.gz"); }),
            "cannot read '/x/train-images-idx3-ubyte.gz': no such file");
  TempDir dir;
  EXPECT_EQ(ErrorOf([&] { ReadIdx(dir.path().string()); }),
            "cannot read '" + dir.path().string() + "': it is a directory");
}

TEST(ReadIdxTest, TruncatedPlainFileSaysHowMuchIsMissing) {
  TempDir dir;
  const std::string path = dir.File("train-images-idx3-ubyte");
  WriteBytes(path, BigEndian32(0x0803) + BigEndian32(60000) + BigEndian32(28) + BigEndian32(28) +
                       std::string(1000, '\x7f'));
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' is truncated: expected 47040000 bytes of data, found 1000");
  // A header cut short.
  WriteBytes(path, BigEndian32(0x0803) + BigEndian32(60000));
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' is truncated: its header ends before its 3 dimension sizes");
}

TEST(ReadIdxTest, TruncatedGzipFileIsTruncated) {
  TempDir dir;
  const std::string path = dir.File("train-images-idx3-ubyte.gz");
  // The first 100,000 compressed bytes of the real file: a valid start that ends early.
  WriteBytes(path, ReadBytes(kTrainImages).substr(0, 100000));
  const std::string error = ErrorOf([&] { ReadIdx(path); });
  EXPECT_THAT(error,
              StartsWith("'" + path + "' is truncated: expected 47040000 bytes of data, found "));
  // Whatever arrived is less than the whole.
  const int64_t found = std::stoll(error.substr(error.rfind(' ') + 1));
  EXPECT_GT(found, 0);
  EXPECT_LT(found, 47040000);
}

TEST(ReadIdxTest, WrongMagicIsRefused) {
  TempDir dir;
  const std::string path = dir.File("floats-idx1");
  // 0x0D: an IDX file of floats, not of unsigned bytes.
  WriteBytes(path, BigEndian32(0x0D01) + BigEndian32(2) + std::string(8, '\0'));
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' is not an IDX file of unsigned bytes (magic 0x00000d01)");
  WriteBytes(path, "hello, world\n");
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' is not an IDX file of unsigned bytes (magic 0x68656c6c)");
  WriteBytes(path, "hi");
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' is not an IDX file: it has only 2 bytes");
}

TEST(ReadIdxTest, TrailingDataIsRefused) {
  TempDir dir;
  const std::string path = dir.File("labels");
  WriteBytes(path, BigEndian32(0x0801) + BigEndian32(3) + std::string("\1\2\3\4", 4));
  EXPECT_EQ(ErrorOf([&] { ReadIdx(path); }),
            "'" + path + "' has more data than its header declares (3 bytes)");
}

TEST(ReadIdxTest, CorruptGzipIsRefused) {
  TempDir dir;
  const std::string path = dir.File("t10k-labels-idx1-ubyte.gz");
  std::string bytes = ReadBytes(kTestLabels);
  ASSERT_GT(bytes.size(), 3000u);
  // Damage the compressed stream in the middle: zlib finds invalid data or a wrong checksum.
  for (size_t i = 2000; i < 2016; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  WriteBytes(path, bytes);
  EXPECT_THAT(ErrorOf([&] { ReadIdx(path); }), StartsWith("'" + path + "' is corrupt: "));
}

// ---------------------------------------------------------------------------------------------
// LoadData("fashion-mnist")

// The default load, shared by the tests of one process and made on first use: a full load takes
// a few tenths of a second, and under ctest each test is a process of its own.
const DataSplits& Default() {
  static const auto* splits = new DataSplits(LoadData("fashion-mnist", DataOptions{}));
  return *splits;
}

class FashionMnistTest : public ::testing::Test {
 protected:
  const torch::Tensor* raw_train_images_ = &Raw(kTrainImages);
  const torch::Tensor raw_train_labels_ = Raw(kTrainLabels).to(torch::kInt64);
  const torch::Tensor raw_test_labels_ = Raw(kTestLabels).to(torch::kInt64);
};

TEST_F(FashionMnistTest, DefaultSizesAndTypes) {
  const DataSplits& d = Default();
  EXPECT_EQ(d.train.inputs.sizes(), (std::vector<int64_t>{55000, 1, 28, 28}));
  EXPECT_EQ(d.validation.inputs.sizes(), (std::vector<int64_t>{5000, 1, 28, 28}));
  EXPECT_EQ(d.test.inputs.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  for (const Dataset* part : {&d.train, &d.validation, &d.test}) {
    EXPECT_EQ(part->inputs.dtype(), torch::kFloat);
    EXPECT_EQ(part->labels.dtype(), torch::kInt64);
    EXPECT_EQ(part->classes, 10);
    EXPECT_EQ(part->labels.size(0), part->inputs.size(0));
  }
  EXPECT_EQ(d.description,
            "fashion-mnist: 55000 train, 5000 validation, 10000 test, 28x28, split seed 0");
  ASSERT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[0], "T-shirt/top");
  EXPECT_EQ(d.class_names[9], "Ankle boot");
}

TEST_F(FashionMnistTest, TrainAndValidationPartitionTheTrainingFile) {
  const DataSplits& d = Default();
  const torch::Tensor all = std::get<0>(torch::cat({d.train_source, d.validation_source}).sort());
  EXPECT_TRUE(torch::equal(all, torch::arange(60000, torch::kInt64)));
  EXPECT_TRUE(torch::equal(d.test_source, torch::arange(10000, torch::kInt64)));
  // The examples are those rows, normalized with the recorded constants: checked on every
  // 37th example (all of them would take seconds of allocation in this test alone).
  ASSERT_EQ(d.mean.size(), 1u);
  ASSERT_EQ(d.stddev.size(), 1u);
  const torch::Tensor* train_images = raw_train_images_;
  const torch::Tensor* test_images = &Raw(kTestImages);
  for (const auto& [part, source, images] :
       {std::tuple{&d.train, &d.train_source, train_images},
        std::tuple{&d.validation, &d.validation_source, train_images},
        std::tuple{&d.test, &d.test_source, test_images}}) {
    EXPECT_TRUE(torch::equal(
        part->labels,
        (part == &d.test ? raw_test_labels_ : raw_train_labels_).index_select(0, *source)));
    const torch::Tensor sample = torch::arange(0, part->size(), 37, torch::kInt64);
    const torch::Tensor expected =
        (images->index_select(0, source->index_select(0, sample)).to(torch::kFloat).unsqueeze(1) /
             255 -
         d.mean[0]) /
        d.stddev[0];
    EXPECT_TRUE(torch::allclose(part->inputs.index_select(0, sample), expected, 1e-5, 1e-5));
  }
}

TEST_F(FashionMnistTest, NormalizedWithTheTrainingPartsStatistics) {
  const DataSplits& d = Default();
  // (LibTorch accumulates float statistics in double on the CPU.)
  const auto [stddev, mean] = torch::std_mean(d.train.inputs, /*unbiased=*/false);
  EXPECT_NEAR(mean.item<double>(), 0, 1e-5);
  EXPECT_NEAR(stddev.item<double>(), 1, 1e-5);
  // The training part is the training file less the validation rows. The file's pixel sum and
  // sum of squares come from Python (sum(v) and sum(v * v) over the bytes after the 16-byte
  // header of the decompressed file); the validation rows' are summed here.
  const double file_sum = 3431114169.0, file_squares = 631470052347.0;
  const torch::Tensor validation_pixels =
      raw_train_images_->index_select(0, d.validation_source).to(torch::kDouble);
  const double count = 55000.0 * 784;
  const double sum = file_sum - validation_pixels.sum().item<double>();
  const double squares = file_squares - validation_pixels.square().sum().item<double>();
  const double expected_mean = sum / count / 255;
  const double expected_std =
      std::sqrt(squares / count / (255.0 * 255.0) - expected_mean * expected_mean);
  EXPECT_NEAR(d.mean[0], expected_mean, 1e-9);
  EXPECT_NEAR(d.stddev[0], expected_std, 1e-9);
  // Near the whole training file's (0.28604, 0.35302, from the same sums).
  EXPECT_NEAR(d.mean[0], 0.28604, 2e-3);
  EXPECT_NEAR(d.stddev[0], 0.35302, 2e-3);
  // Validation was not part of them: its mean is near, but not exactly, 0.
  EXPECT_NE(d.validation.inputs.mean().item<double>(), 0);
  EXPECT_NEAR(d.validation.inputs.mean().item<double>(), 0, 0.05);
}

TEST_F(FashionMnistTest, SplitIsFixedBySeedAlone) {
  // The split for seed 0 is the same on every platform: the first validation rows, computed
  // independently by a Python transcription of automl::Rng (SplitMix64 seeding, xoshiro256++,
  // Lemire's bounded draws), DeriveSeed(0, 0, HashName("data.split")) and a Fisher-Yates shuffle
  // of range(60000) whose first 5000 entries, sorted, are the validation rows. A change here
  // changes every recorded experiment's split.
  EXPECT_EQ(ToVector(Default().validation_source.slice(0, 0, 5)),
            (std::vector<int64_t>{4, 9, 10, 17, 24}));
  // Seeding LibTorch's generator changes nothing.
  torch::manual_seed(12345);
  const DataSplits again = LoadData("fashion-mnist", DataOptions{});
  EXPECT_TRUE(torch::equal(again.validation_source, Default().validation_source));
  EXPECT_TRUE(torch::equal(again.train.inputs, Default().train.inputs));
  EXPECT_EQ(again.mean, Default().mean);

  DataOptions other;
  other.split_seed = 1;
  const DataSplits moved = LoadData("fashion-mnist", other);
  EXPECT_EQ(moved.validation.size(), 5000);
  EXPECT_FALSE(torch::equal(moved.validation_source, Default().validation_source));
  // The test set does not depend on the seed.
  EXPECT_TRUE(torch::equal(moved.test.labels, Default().test.labels));
  EXPECT_TRUE(torch::equal(moved.test_source, Default().test_source));
  EXPECT_EQ(moved.description,
            "fashion-mnist: 55000 train, 5000 validation, 10000 test, 28x28, split seed 1");
}

TEST_F(FashionMnistTest, FractionKeepsEachClassInProportion) {
  DataOptions options;
  options.fraction = 0.1;
  const DataSplits d = LoadData("fashion-mnist", options);
  EXPECT_EQ(d.train.size(), 5500);
  // Each class keeps round(0.1 * its count in the training part).
  const torch::Tensor full_counts = Default().train.labels.bincount({}, 10);
  const torch::Tensor counts = d.train.labels.bincount({}, 10);
  for (int64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(counts[c].item<int64_t>(),
              std::llround(0.1 * static_cast<double>(full_counts[c].item<int64_t>())))
        << "class " << c;
  }
  EXPECT_EQ(counts.sum().item<int64_t>(), 5500);
  // A subset of the full training part; validation and test untouched.
  EXPECT_TRUE(torch::isin(d.train_source, Default().train_source).all().item<bool>());
  EXPECT_TRUE(torch::equal(d.validation_source, Default().validation_source));
  EXPECT_TRUE(torch::equal(d.validation.labels, Default().validation.labels));
  EXPECT_EQ(d.test.size(), 10000);
  EXPECT_EQ(d.description,
            "fashion-mnist: 5500 train, 5000 validation, 10000 test, 28x28, fraction 0.1, "
            "split seed 0");
}

TEST_F(FashionMnistTest, ResolutionResizesEverySplit) {
  DataOptions options;
  options.resolution = 14;
  options.validation_size = 100;
  options.fraction = 0.02;
  const DataSplits d = LoadData("fashion-mnist", options);
  EXPECT_EQ(d.train.inputs.sizes().slice(1), (std::vector<int64_t>{1, 14, 14}));
  EXPECT_EQ(d.validation.inputs.sizes().slice(1), (std::vector<int64_t>{1, 14, 14}));
  EXPECT_EQ(d.test.inputs.sizes(), (std::vector<int64_t>{10000, 1, 14, 14}));
  EXPECT_THAT(d.description, HasSubstr(", 14x14, "));
  // Halving by area is the mean of each 2x2 block.
  const torch::Tensor raw =
      raw_train_images_->index_select(0, d.train_source).to(torch::kFloat).unsqueeze(1) / 255;
  const torch::Tensor expected = (torch::avg_pool2d(raw, 2) - d.mean[0]) / d.stddev[0];
  EXPECT_TRUE(torch::allclose(d.train.inputs, expected, 1e-5, 1e-5));
  const auto [stddev, mean] = torch::std_mean(d.train.inputs, /*unbiased=*/false);
  EXPECT_NEAR(mean.item<double>(), 0, 1e-5);
  EXPECT_NEAR(stddev.item<double>(), 1, 1e-5);
}

TEST_F(FashionMnistTest, LabelNoiseChangesTrainingLabelsOnly) {
  DataOptions options;
  options.label_noise = 0.2;
  const DataSplits d = LoadData("fashion-mnist", options);
  // The same split; the same images.
  ASSERT_TRUE(torch::equal(d.train_source, Default().train_source));
  EXPECT_TRUE(torch::equal(d.train.inputs, Default().train.inputs));
  const torch::Tensor changed = d.train.labels != Default().train.labels;
  const int64_t count = changed.sum().item<int64_t>();
  // Binomial(55000, 0.2): 11000 +- 94 (one standard deviation). Replacing by any class, the same
  // included, would change only 18%.
  EXPECT_GT(count, 11000 - 500);
  EXPECT_LT(count, 11000 + 500);
  EXPECT_THAT(d.description,
              HasSubstr("label noise 0.2 (" + std::to_string(count) + " labels changed)"));
  // The new labels are spread evenly over the other classes: each of the 90 (from, to) pairs
  // gets about 11000 / 90 = 122.
  const torch::Tensor pairs =
      (Default().train.labels * 10 + d.train.labels).masked_select(changed).bincount({}, 100);
  for (int64_t from = 0; from < 10; ++from) {
    for (int64_t to = 0; to < 10; ++to) {
      const int64_t n = pairs[from * 10 + to].item<int64_t>();
      if (from == to) {
        EXPECT_EQ(n, 0);
      } else {
        EXPECT_GT(n, 60) << from << " -> " << to;
        EXPECT_LT(n, 200) << from << " -> " << to;
      }
    }
  }
  EXPECT_TRUE(torch::equal(d.validation.labels, Default().validation.labels));
  EXPECT_TRUE(torch::equal(d.test.labels, Default().test.labels));
}

// A small copy of the data (plain IDX files) for the checks that need several loads.
class FashionMnistSliceTest : public FashionMnistTest {
 protected:
  void SetUp() override {
    WriteBytes(dir_.File("train-images-idx3-ubyte"),
               IdxBytes(raw_train_images_->slice(0, 0, 2000)));
    WriteBytes(dir_.File("train-labels-idx1-ubyte"),
               IdxBytes(raw_train_labels_.slice(0, 0, 2000).to(torch::kUInt8)));
    WriteBytes(dir_.File("t10k-images-idx3-ubyte"),
               IdxBytes(raw_train_images_->slice(0, 2000, 2300)));
    WriteBytes(dir_.File("t10k-labels-idx1-ubyte"),
               IdxBytes(raw_test_labels_.slice(0, 0, 300).to(torch::kUInt8)));
  }
  DataOptions Options() const {
    DataOptions options;
    options.path = dir_.path().string();
    options.validation_size = 200;
    return options;
  }
  TempDir dir_;
};

TEST_F(FashionMnistSliceTest, PlainFilesInADirectory) {
  const DataSplits d = LoadData("fashion-mnist", Options());
  EXPECT_EQ(d.description,
            "fashion-mnist: 1800 train, 200 validation, 300 test, 28x28, split seed 0");
  EXPECT_TRUE(torch::equal(d.train.labels, raw_train_labels_.index_select(0, d.train_source)));
}

TEST_F(FashionMnistSliceTest, SeedsGiveDifferentSplitsAndNoiseIsSeeded) {
  DataOptions options = Options();
  options.label_noise = 0.3;
  const DataSplits a = LoadData("fashion-mnist", options);
  const DataSplits b = LoadData("fashion-mnist", options);
  EXPECT_TRUE(torch::equal(a.validation_source, b.validation_source));
  EXPECT_TRUE(torch::equal(a.train.labels, b.train.labels));
  options.split_seed = 7;
  const DataSplits c = LoadData("fashion-mnist", options);
  EXPECT_FALSE(torch::equal(a.validation_source, c.validation_source));
  EXPECT_EQ(std::get<0>(torch::cat({c.train_source, c.validation_source}).sort()).numel(), 2000);
}

TEST_F(FashionMnistSliceTest, ValidationSizeZeroAndTooLarge) {
  DataOptions options = Options();
  options.validation_size = 0;
  const DataSplits d = LoadData("fashion-mnist", options);
  EXPECT_EQ(d.train.size(), 2000);
  EXPECT_EQ(d.validation.size(), 0);
  EXPECT_EQ(d.validation.inputs.sizes(), (std::vector<int64_t>{0, 1, 28, 28}));
  options.validation_size = 2000;
  EXPECT_EQ(ErrorOf([&] { LoadData("fashion-mnist", options); }),
            "data: validation_size 2000 leaves no training examples of the 2000");
}

TEST_F(FashionMnistSliceTest, MissingFilesAreNamed) {
  std::filesystem::remove(dir_.File("t10k-labels-idx1-ubyte"));
  EXPECT_EQ(ErrorOf([&] { LoadData("fashion-mnist", Options()); }),
            "fashion-mnist: cannot read '" + dir_.File("t10k-labels-idx1-ubyte.gz") +
                "': no such file (nor an uncompressed 't10k-labels-idx1-ubyte')");
  DataOptions options;
  options.path = dir_.File("nowhere");
  EXPECT_EQ(ErrorOf([&] { LoadData("fashion-mnist", options); }),
            "fashion-mnist: data directory '" + dir_.File("nowhere") + "' does not exist");
}

TEST_F(FashionMnistSliceTest, MismatchedLabelFileIsRefused) {
  WriteBytes(dir_.File("train-labels-idx1-ubyte"),
             IdxBytes(raw_train_labels_.slice(0, 0, 1999).to(torch::kUInt8)));
  EXPECT_EQ(ErrorOf([&] { LoadData("fashion-mnist", Options()); }),
            "'" + dir_.File("train-labels-idx1-ubyte") +
                "' has 1999 labels for the 2000 images of '" +
                dir_.File("train-images-idx3-ubyte") + "'");
  WriteBytes(dir_.File("train-labels-idx1-ubyte"),
             IdxBytes(torch::full({2000}, 10, torch::kUInt8)));
  EXPECT_EQ(
      ErrorOf([&] { LoadData("fashion-mnist", Options()); }),
      "'" + dir_.File("train-labels-idx1-ubyte") + "' has label 10; Fashion-MNIST's are 0 to 9");
}

TEST(DatasetTest, SelectGathersBothTensors) {
  Dataset d;
  d.inputs = torch::arange(12, torch::kFloat).view({4, 3});
  d.labels = torch::tensor({10, 11, 12, 13}, torch::kInt64);
  d.classes = 14;
  const Dataset s = d.Select(torch::tensor({3, 1, 3}, torch::kInt64));
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.classes, 14);
  EXPECT_EQ(ToVector(s.labels), (std::vector<int64_t>{13, 11, 13}));
  EXPECT_TRUE(torch::equal(s.inputs[1], d.inputs[1]));
  EXPECT_TRUE(torch::equal(s.inputs[0], d.inputs[3]));
  EXPECT_EQ(Dataset{}.size(), 0);
}

// ---------------------------------------------------------------------------------------------
// DataOptions

TEST(DataOptionsTest, DefaultsPerTask) {
  const DataOptions image = DataOptions::FromJson(Json(), "fashion-mnist");
  EXPECT_EQ(image.path, kFashionMnistPath);
  EXPECT_EQ(image.validation_size, 5000);
  EXPECT_EQ(image.split_seed, 0u);
  EXPECT_EQ(image.fraction, 1.0);
  EXPECT_FALSE(image.resolution);
  EXPECT_EQ(image.label_noise, 0.0);
  EXPECT_EQ(image.ToJson().dump(),
            R"({"path":"/usr/share/datasets/fashion-mnist","split_seed":0,"fraction":1.0,)"
            R"("label_noise":0.0})");
  EXPECT_EQ(ErrorOf([] { DataOptions::FromJson(Json::object(), "csv"); }),
            "data: task csv needs a path (the CSV file)");
  EXPECT_EQ(ErrorOf([] { DataOptions::FromJson(Json(), "mnist"); }),
            "unknown task 'mnist' (known: fashion-mnist, csv)");
}

TEST(DataOptionsTest, RoundTrip) {
  const Json image = Json::parse(
      R"({"path": "/d", "validation_size": 1000, "split_seed": 18446744073709551615,
          "fraction": 0.25, "resolution": 14, "label_noise": 0.2})");
  const DataOptions a = DataOptions::FromJson(image, "fashion-mnist");
  EXPECT_EQ(a.path, "/d");
  EXPECT_EQ(a.validation_size, 1000);
  EXPECT_EQ(a.split_seed, 18446744073709551615u);
  EXPECT_EQ(a.fraction, 0.25);
  EXPECT_EQ(a.resolution, 14);
  EXPECT_EQ(a.label_noise, 0.2);
  EXPECT_EQ(a.ToJson(), Json::parse(image.dump()));
  EXPECT_EQ(DataOptions::FromJson(a.ToJson(), "fashion-mnist").ToJson(), a.ToJson());

  for (const char* text : {R"({"path": "x.csv", "label": "species", "validation_fraction": 0.15,
                               "test_fraction": 0.3, "split_seed": 4, "fraction": 0.5})",
                           R"({"path": "x.csv", "label": 3})"}) {
    const DataOptions b = DataOptions::FromJson(Json::parse(text), "csv");
    const DataOptions c = DataOptions::FromJson(b.ToJson(), "csv");
    EXPECT_EQ(c.ToJson(), b.ToJson()) << text;
    EXPECT_EQ(c.label_column, b.label_column);
    EXPECT_EQ(c.validation_fraction, b.validation_fraction);
    EXPECT_EQ(c.test_fraction, b.test_fraction);
    EXPECT_EQ(c.split_seed, b.split_seed);
    EXPECT_EQ(c.fraction, b.fraction);
  }
  const DataOptions indexed =
      DataOptions::FromJson(Json::parse(R"({"path": "x", "label": 3})"), "csv");
  EXPECT_EQ(indexed.label_column, "3");
  EXPECT_EQ(indexed.ToJson()["label"], Json(3));
  // JSON built in C++ holds non-negative integers as signed ones.
  Json built = Json::object();
  built["path"] = "x";
  built["label"] = int64_t{2};
  built["split_seed"] = int64_t{9};
  const DataOptions from_built = DataOptions::FromJson(built, "csv");
  EXPECT_EQ(from_built.label_column, "2");
  EXPECT_EQ(from_built.split_seed, 9u);
}

TEST(DataOptionsTest, Refusals) {
  const auto error = [](const char* text, const char* task = "fashion-mnist") {
    return ErrorOf([&] { DataOptions::FromJson(Json::parse(text), task); });
  };
  EXPECT_EQ(error(R"({"fractoin": 0.5})"),
            "data: unknown key 'fractoin' (known: path, split_seed, fraction, label_noise, "
            "validation_size, resolution)");
  EXPECT_EQ(error(R"({"path": "a", "size": 5})", "csv"),
            "data: unknown key 'size' (known: path, split_seed, fraction, label_noise, label, "
            "validation_fraction, test_fraction)");
  EXPECT_EQ(error(R"({"label": "y"})"), "data: key 'label' is for task csv, not fashion-mnist");
  EXPECT_EQ(error(R"({"path": "a", "resolution": 8})", "csv"),
            "data: key 'resolution' is for task fashion-mnist, not csv");
  EXPECT_EQ(error(R"({"fraction": 0})"), "data: fraction must lie in (0, 1], not 0.0");
  EXPECT_EQ(error(R"({"fraction": 1.5})"), "data: fraction must lie in (0, 1], not 1.5");
  EXPECT_EQ(error(R"({"fraction": "half"})"), "data: fraction must be a number, not \"half\"");
  EXPECT_EQ(error(R"({"resolution": 3})"), "data: resolution must lie in [4, 1024], not 3");
  EXPECT_EQ(error(R"({"resolution": 14.5})"), "data: resolution must be an integer, not 14.5");
  EXPECT_EQ(error(R"({"label_noise": 1})"), "data: label_noise must lie in [0, 1), not 1.0");
  EXPECT_EQ(error(R"({"label_noise": -0.1})"), "data: label_noise must lie in [0, 1), not -0.1");
  EXPECT_EQ(error(R"({"validation_size": -1})"),
            "data: validation_size must not be negative, not -1");
  EXPECT_EQ(error(R"({"split_seed": -1})"),
            "data: split_seed must be a non-negative integer, not -1");
  EXPECT_EQ(error(R"({"path": ""})"), "data: path must be a non-empty string, not \"\"");
  EXPECT_EQ(error(R"([1])"), "data: must be a mapping, not [1]");
  EXPECT_EQ(error(R"({"path": "a", "label": -1})", "csv"),
            "data: label must be a column name or a 0-based index, not -1");
  EXPECT_EQ(error(R"({"path": "a", "validation_fraction": 0.5, "test_fraction": 0.5})", "csv"),
            "data: validation_fraction + test_fraction must be below 1, not 1.0");
  // Options built in C++ are checked by LoadData too.
  DataOptions options;
  options.fraction = 2;
  EXPECT_EQ(ErrorOf([&] { LoadData("fashion-mnist", options); }),
            "data: fraction must lie in (0, 1], not 2.0");
}

// ---------------------------------------------------------------------------------------------
// LoadData("csv")

// A table of |rows| rows: features a = i and b = (i * 7) % 10 / 2, the label from |labels| by
// i % 3 (so rows of one class are recognizable).
std::string MakeCsv(int rows, bool header, const std::vector<std::string>& labels,
                    bool label_first = false) {
  std::string text = header ? (label_first ? "species,a,b\n" : "a,b,species\n") : "";
  for (int i = 0; i < rows; ++i) {
    const std::string features = std::to_string(i) + "," + Json((i * 7) % 10 / 2.0).dump();
    const std::string& label = labels[static_cast<size_t>(i % 3)];
    text += label_first ? label + "," + features + "\n" : features + "," + label + "\n";
  }
  return text;
}

TEST(CsvTest, HeaderWithStringLabelsByName) {
  TempDir dir;
  const std::string path = dir.File("iris.csv");
  WriteBytes(path, MakeCsv(100, true, {"virginica", "setosa", "versicolor"}));
  DataOptions options;
  options.path = path;
  options.label_column = "species";
  const DataSplits d = LoadData("csv", options);
  EXPECT_EQ(d.train.size(), 70);
  EXPECT_EQ(d.validation.size(), 10);
  EXPECT_EQ(d.test.size(), 20);
  EXPECT_EQ(d.train.inputs.sizes(), (std::vector<int64_t>{70, 2}));
  EXPECT_EQ(d.train.classes, 3);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(d.description,
            "csv '" + path +
                "': 70 train, 10 validation, 20 test, 2 features, 3 classes (label 'species': "
                "setosa=0, versicolor=1, virginica=2), split seed 0");
  // The three parts partition the rows.
  const torch::Tensor all =
      std::get<0>(torch::cat({d.train_source, d.validation_source, d.test_source}).sort());
  EXPECT_TRUE(torch::equal(all, torch::arange(100, torch::kInt64)));
  // Row i has label i % 3 -> {virginica: 2, setosa: 0, versicolor: 1}, and feature a = i.
  const std::vector<int64_t> label_of = {2, 0, 1};
  for (const auto& [part, source] :
       {std::pair{&d.train, &d.train_source}, std::pair{&d.validation, &d.validation_source},
        std::pair{&d.test, &d.test_source}}) {
    const std::vector<int64_t> rows = ToVector(*source);
    const std::vector<int64_t> labels = ToVector(part->labels);
    for (size_t j = 0; j < rows.size(); ++j) {
      EXPECT_EQ(labels[j], label_of[static_cast<size_t>(rows[j] % 3)]);
      EXPECT_NEAR(part->inputs[static_cast<int64_t>(j)][0].item<double>() * d.stddev[0] + d.mean[0],
                  static_cast<double>(rows[j]), 1e-4);
    }
  }
  // Standardized with the training part's statistics.
  const auto [stddev, mean] = torch::std_mean(d.train.inputs, {0}, /*unbiased=*/false);
  EXPECT_TRUE(torch::allclose(mean, torch::zeros({2}), 0, 1e-5));
  EXPECT_TRUE(torch::allclose(stddev, torch::ones({2}), 0, 1e-5));
  ASSERT_EQ(d.mean.size(), 2u);
  const torch::Tensor raw_a = d.train_source.to(torch::kDouble);
  // Recorded as the float32 statistics that were applied (float resolution at 50: 4e-6).
  EXPECT_NEAR(d.mean[0], raw_a.mean().item<double>(), 1e-5);
  EXPECT_NEAR(d.stddev[0], raw_a.std(/*unbiased=*/false).item<double>(), 1e-5);
}

TEST(CsvTest, NoHeaderIntegerLabelsByIndex) {
  TempDir dir;
  const std::string path = dir.File("t.csv");
  WriteBytes(path, MakeCsv(50, false, {"10", "2", "7"}, /*label_first=*/true));
  DataOptions options;
  options.path = path;
  options.label_column = "0";
  options.validation_fraction = 0.2;
  options.test_fraction = 0;
  const DataSplits d = LoadData("csv", options);
  EXPECT_EQ(d.train.size(), 40);
  EXPECT_EQ(d.validation.size(), 10);
  EXPECT_EQ(d.test.size(), 0);
  // Sorted by value, not as text.
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"2", "7", "10"}));
  const std::vector<int64_t> label_of = {2, 0, 1};  // row i: "10", "2", "7" by i % 3
  const std::vector<int64_t> rows = ToVector(d.train_source);
  const std::vector<int64_t> labels = ToVector(d.train.labels);
  for (size_t j = 0; j < rows.size(); ++j) {
    EXPECT_EQ(labels[j], label_of[static_cast<size_t>(rows[j] % 3)]);
  }
  EXPECT_THAT(d.description, HasSubstr("(label 0: 2=0, 7=1, 10=2)"));
}

TEST(CsvTest, DefaultLabelIsTheLastColumnAndHeaderIsDetected) {
  TempDir dir;
  const std::string with = dir.File("with.csv");
  const std::string without = dir.File("without.csv");
  WriteBytes(with, MakeCsv(30, true, {"a", "b", "c"}));
  WriteBytes(without, MakeCsv(30, false, {"a", "b", "c"}));
  DataOptions options;
  options.path = with;
  const DataSplits a = LoadData("csv", options);
  options.path = without;
  const DataSplits b = LoadData("csv", options);
  EXPECT_EQ(a.train.size() + a.validation.size() + a.test.size(), 30);
  EXPECT_EQ(b.train.size() + b.validation.size() + b.test.size(), 30);
  EXPECT_TRUE(torch::equal(a.train.inputs, b.train.inputs));
  EXPECT_TRUE(torch::equal(a.train.labels, b.train.labels));
  EXPECT_THAT(a.description, HasSubstr("(label 'species': a=0, b=1, c=2)"));
  EXPECT_THAT(b.description, HasSubstr("(label 2: a=0, b=1, c=2)"));
}

TEST(CsvTest, QuotesCrlfAndBlankLines) {
  TempDir dir;
  const std::string path = dir.File("q.csv");
  WriteBytes(path, "x, \"y\" ,label\r\n1,2,\"a, b\"\r\n\r\n3,4,\"say \"\"hi\"\"\"\r\n5,6,c\r\n");
  DataOptions options;
  options.path = path;
  options.validation_fraction = 0;
  options.test_fraction = 0;
  const DataSplits d = LoadData("csv", options);
  EXPECT_EQ(d.train.size(), 3);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a, b", "c", "say \"hi\""}));
  EXPECT_EQ(ToVector(d.train.labels), (std::vector<int64_t>{0, 2, 1}));
}

TEST(CsvTest, SplitDependsOnTheSeedAndFractionIsBalanced) {
  TempDir dir;
  const std::string path = dir.File("t.csv");
  WriteBytes(path, MakeCsv(300, true, {"x", "y", "z"}));
  DataOptions options;
  options.path = path;
  const DataSplits a = LoadData("csv", options);
  const DataSplits b = LoadData("csv", options);
  EXPECT_TRUE(torch::equal(a.test_source, b.test_source));
  options.split_seed = 1;
  const DataSplits c = LoadData("csv", options);
  EXPECT_FALSE(torch::equal(a.test_source, c.test_source));
  options.split_seed = 0;
  options.fraction = 0.5;
  const DataSplits half = LoadData("csv", options);
  const torch::Tensor full_counts = a.train.labels.bincount({}, 3);
  const torch::Tensor counts = half.train.labels.bincount({}, 3);
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_EQ(counts[k].item<int64_t>(),
              std::llround(0.5 * static_cast<double>(full_counts[k].item<int64_t>())));
  }
  EXPECT_TRUE(torch::equal(half.test_source, a.test_source));
  EXPECT_TRUE(torch::equal(half.validation_source, a.validation_source));
}

TEST(CsvTest, Errors) {
  TempDir dir;
  DataOptions options;
  const auto load = [&](const std::string& name, const std::string& text) {
    options.path = dir.File(name);
    WriteBytes(options.path, text);
    return ErrorOf([&] { LoadData("csv", options); });
  };
  options.path = dir.File("none.csv");
  EXPECT_EQ(ErrorOf([&] { LoadData("csv", options); }),
            "cannot read '" + dir.File("none.csv") + "': no such file");
  EXPECT_EQ(load("ragged.csv", "a,b,y\n1,2,p\n\n3,4\n5,6,q\n"),
            "'" + dir.File("ragged.csv") + "' line 4 has 2 fields, expected 3 (as on line 1)");
  EXPECT_EQ(load("text.csv", "a,b,y\n1,2,p\n3,abc,q\n"),
            "'" + dir.File("text.csv") + "' line 3, column 1 ('b'): 'abc' is not a number");
  EXPECT_EQ(load("empty-field.csv", "1,2,p\n3,,q\n"),
            "'" + dir.File("empty-field.csv") + "' line 2, column 1: '' is not a number");
  EXPECT_EQ(load("nan.csv", "1,2,p\n3,nan,q\n"),
            "'" + dir.File("nan.csv") + "' line 2, column 1: 'nan' is not a number");
  EXPECT_EQ(load("one-class.csv", "a,b,y\n1,2,p\n3,4,p\n5,6,p\n"),
            "'" + dir.File("one-class.csv") +
                "': the label column 'y' has 1 distinct value; classification needs at least 2 "
                "classes");
  EXPECT_EQ(load("empty.csv", "\n\n"), "'" + dir.File("empty.csv") + "' has no rows");
  EXPECT_EQ(load("header-only.csv", "a,b,y\n"),
            "'" + dir.File("header-only.csv") + "' has a header but no data rows");
  EXPECT_EQ(load("one-column.csv", "y\np\nq\n"),
            "'" + dir.File("one-column.csv") +
                "' has 1 column; it needs at least one feature and "
                "a label");
  options.validation_fraction = 0.3;
  options.test_fraction = 0.6;
  EXPECT_EQ(load("few.csv", "1,p\n2,q\n"),
            "'" + dir.File("few.csv") +
                "' has 2 rows: too few to hold out 1 for test and 1 for validation");
  options.validation_fraction = 0.1;
  options.test_fraction = 0.2;
  options.label_column = "species";
  EXPECT_EQ(load("named.csv", "a,b,y\n1,2,p\n3,4,q\n"),
            "data: label column 'species' is not in the header of '" + dir.File("named.csv") +
                "' (a, b, y)");
  options.label_column = "3";
  EXPECT_EQ(load("index.csv", "a,b,y\n1,2,p\n3,4,q\n"), "data: label column 3 is out of range: '" +
                                                            dir.File("index.csv") +
                                                            "' has 3 columns (0-based)");
  options.label_column.clear();
  EXPECT_EQ(load("quote.csv", "a,b,y\n1,2,\"p\n"),
            "'" + dir.File("quote.csv") + "' line 2: a quoted field is not closed");
  options.resolution = 8;
  EXPECT_EQ(ErrorOf([&] { LoadData("csv", options); }),
            "data: resolution applies to images, not to csv");
}

}  // namespace
}  // namespace automl::dl
