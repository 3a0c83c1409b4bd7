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
  std::string description;  // "fashion-mnist: 55000 train, 5000 validation, 10000 test, 28x28"
};

// `data:` in a training config.
struct DataOptions {
  // Directory of the IDX files (train-images-idx3-ubyte[.gz], ...), or a CSV file for `csv`.
  std::string path;
  int64_t validation_size = 5000;  // taken from the training split
  uint64_t split_seed = 0;         // the split is fixed by this seed alone
  double fraction = 1.0;           // class-balanced subsample of the training part
  std::optional<int64_t> resolution;  // images resized (area/bilinear) to this side
  double label_noise = 0;          // symmetric noise on training labels (0 = none)
  // CSV only: the label column (name or 0-based index), and the share held out for validation
  // and for test when the file has no split of its own.
  std::string label_column;
  double validation_fraction = 0.1;
  double test_fraction = 0.2;

  // Reads the `data:` mapping; unknown keys are refused. |task| decides the defaults.
  static DataOptions FromJson(const Json& json, const std::string& task);
  Json ToJson() const;
};

inline constexpr const char* kFashionMnistPath = "/usr/share/datasets/fashion-mnist";

// Reads an IDX file (optionally gzip-compressed): its tensor of uint8 values with the file's
// dimensions. Throws InvalidArgument, naming the file, when it is missing, truncated or not IDX.
torch::Tensor ReadIdx(const std::string& path);

// Loads a task's data: "fashion-mnist" (IDX files) or "csv". Throws InvalidArgument with one
// clear line for a missing or corrupt file.
DataSplits LoadData(const std::string& task, const DataOptions& options);

}  // namespace automl::dl

#endif  // AUTOML_DL_DATA_H_
