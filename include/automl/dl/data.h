// Datasets for training in memory: Fashion-MNIST from its IDX files (as Debian's
// dataset-fashion-mnist installs them) and tabular data from CSV files.
//
// A whole dataset lives in memory as two tensors; batches are drawn by index (BatchSampler), so
// the hot path never copies one sample at a time. The training split is divided into training and
// validation parts by a fixed, seeded permutation; the test set is only ever used for final
// reports, never for a search decision.
#ifndef AUTOML_DL_DATA_H_
#define AUTOML_DL_DATA_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

// Images (N, C, H, W) as float32, normalized with the training set's mean and standard deviation,
// or features (N, F) as float32; labels (N) as int64 in [0, classes).
struct Dataset {
  torch::Tensor inputs;
  torch::Tensor labels;
  int64_t classes = 0;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  // The examples at |indices| (a 1-D int64 tensor), as one gather per tensor.
  Dataset Select(const torch::Tensor& indices) const;
};

struct DataSplits {
  Dataset train;
  Dataset validation;
  Dataset test;
  // One line: "fashion-mnist: 55000 train, 5000 validation, 10000 test, 28x28, split seed 0",
  // with the fraction and label noise (and how many labels it changed) when they are set; for
  // CSV also the features, the classes and the label mapping ("setosa=0, ...").
  std::string description;
  // The standardization applied to all three splits, x' = (x - mean) / stddev, with the
  // statistics of the final training part (after the split, the subsample and the resize), so
  // that no validation or test example leaks into it: one value for images (of pixels scaled to
  // [0, 1]), one per feature for CSV (a constant feature gets stddev 1). Reloading with the same
  // DataOptions gives the same constants; they are here so that callers can record them.
  std::vector<double> mean, stddev;
  // The name of class k: Fashion-MNIST's ("T-shirt/top", ...) or a CSV's label values, sorted
  // (integers numerically, other text bytewise).
  std::vector<std::string> class_names;
  // Where each example came from (int64, 1-D, aligned with the split): its index in the IDX
  // training file (train, validation) or test file (test); for CSV, its data row (0-based,
  // header excluded) for all three. For checks and to reproduce a split elsewhere.
  torch::Tensor train_source, validation_source, test_source;
};

// `data:` in a training config. For fashion-mnist the keys are path, validation_size,
// split_seed, fraction, resolution and label_noise; for csv path (required), label,
// validation_fraction, test_fraction, split_seed, fraction and label_noise.
struct DataOptions {
  // Directory of the IDX files (train-images-idx3-ubyte[.gz], ...; empty: kFashionMnistPath), or
  // a CSV file for `csv`.
  std::string path;
  int64_t validation_size = 5000;  // taken from the training split
  uint64_t split_seed = 0;         // the split is fixed by this seed alone
  // A class-balanced subsample of the training part: each class keeps round(fraction * its
  // count) examples (at least one), chosen by the split seed; validation and test stay whole.
  double fraction = 1.0;
  std::optional<int64_t> resolution;  // images resized (area/bilinear) to this side
  double label_noise = 0;             // symmetric noise on training labels (0 = none)
  // CSV only: the label column (`label:` in JSON; a header name, or a 0-based index written as
  // an integer or as digits; empty: the last column), and the shares of the rows held out for
  // validation and for test.
  std::string label_column;
  double validation_fraction = 0.1;
  double test_fraction = 0.2;

  // Reads the `data:` mapping (null: all defaults); unknown keys, and keys of the other task,
  // are refused. |task| decides the defaults.
  static DataOptions FromJson(const Json& json, const std::string& task);
  // The keys both tasks share always, the others when they differ from their defaults, so that
  // FromJson(ToJson(), task) gives the same options back.
  Json ToJson() const;
};

inline constexpr const char* kFashionMnistPath = "/usr/share/datasets/fashion-mnist";
// Fashion-MNIST's own image side, and the range `resolution` may take.
inline constexpr int64_t kFashionMnistSide = 28;
inline constexpr int64_t kMinResolution = 4;
inline constexpr int64_t kMaxResolution = 1024;

// Reads an IDX file (optionally gzip-compressed): its tensor of uint8 values with the file's
// dimensions. Throws InvalidArgument, naming the file, when it is missing, truncated or not IDX.
torch::Tensor ReadIdx(const std::string& path);

// Loads a task's data: "fashion-mnist" (IDX files) or "csv". Throws InvalidArgument with one
// clear line for a missing or corrupt file.
DataSplits LoadData(const std::string& task, const DataOptions& options);

}  // namespace automl::dl

#endif  // AUTOML_DL_DATA_H_
