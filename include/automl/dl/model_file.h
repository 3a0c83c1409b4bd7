// A trained model in one self-contained file: the training config (architecture, data
// preprocessing, task) and the parameters, written with LibTorch's serialization. (C++ modules of
// LibTorch 1.13 cannot be scripted, so this is not TorchScript: automl rebuilds the network from
// the config and loads the parameters into it.)
#ifndef AUTOML_DL_MODEL_FILE_H_
#define AUTOML_DL_MODEL_FILE_H_

#include <string>

#include "automl/dl/trainer.h"
#include "automl/json.h"

namespace automl::dl {

struct ModelFile {
  TrainConfig config;
  Net net{nullptr};
  Json metrics;  // what training measured (TrainResult::ToJson())
  // The standardization the network was trained with (DataSplits::mean and stddev).
  std::vector<double> mean, stddev;
  std::vector<std::string> class_names;
};

// Writes |net|, the config that built it and |data|'s preprocessing. Throws StorageError when the
// file cannot be written.
void SaveModelFile(const std::string& path, const TrainConfig& config, Net& net,
                   const DataSplits& data, const Json& metrics);

// Re-standardizes |data| (loaded afresh, with its own statistics) to the statistics |model| was
// trained with, so that a model is evaluated on inputs prepared exactly as in its training.
void MatchPreprocessing(const ModelFile& model, DataSplits& data);

// Loads a model file in one call: the config, and the network rebuilt with its parameters.
// Throws InvalidArgument when the file is missing or not an automl model.
ModelFile LoadModelFile(const std::string& path);

}  // namespace automl::dl

#endif  // AUTOML_DL_MODEL_FILE_H_
