#include "automl/dl/model_file.h"

#include <cstdio>
#include <filesystem>

#include "automl/error.h"
#include "dl/archive_file.h"

namespace automl::dl {
namespace {

// Bumped when the layout of the file changes; a newer file is refused rather than misread.
constexpr int64_t kFormatVersion = 1;
constexpr const char* kMagic = "automl model";

std::string ReadString(torch::serialize::InputArchive& archive, const std::string& key,
                       const std::string& path) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) {
    throw InvalidArgument("'" + path + "' is not an automl model file (no " + key + ")");
  }
  return value.toStringRef();
}

}  // namespace

void SaveModelFile(const std::string& path, const TrainConfig& config, Net& net,
                   const DataSplits& data, const Json& metrics) {
  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string(kMagic)));
  archive.write("format", c10::IValue(kFormatVersion));
  archive.write("config", c10::IValue(config.ToJson().dump()));
  const Json shape = {{"input_shape", net->summary().input_shape},
                      {"classes", net->summary().output_shape.front()},
                      {"mean", data.mean},
                      {"stddev", data.stddev},
                      {"class_names", data.class_names}};
  archive.write("shape", c10::IValue(shape.dump()));
  archive.write("metrics", c10::IValue(metrics.dump()));
  torch::serialize::OutputArchive parameters;
  net->save(parameters);
  archive.write("net", parameters);
  SaveArchiveAtomically(archive, path, "model file");
}

ModelFile LoadModelFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InvalidArgument("cannot read model file '" + path + "': no such file");
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw InvalidArgument("'" + path + "' is not an automl model file");
  }
  if (ReadString(archive, "magic", path) != kMagic) {
    throw InvalidArgument("'" + path + "' is not an automl model file");
  }
  c10::IValue format;
  if (!archive.try_read("format", format) || !format.isInt() || format.toInt() > kFormatVersion) {
    throw VersionError("'" + path + "' was written by a newer automl (model format " +
                       (format.isInt() ? std::to_string(format.toInt()) : "?") + ")");
  }
  ModelFile file;
  file.config = TrainConfig::FromJson(Json::parse(ReadString(archive, "config", path)), path);
  file.metrics = Json::parse(ReadString(archive, "metrics", path));
  const Json shape = Json::parse(ReadString(archive, "shape", path));
  file.net = Net(file.config.model, shape.at("input_shape").get<std::vector<int64_t>>(),
                 shape.at("classes").get<int64_t>());
  file.mean = shape.at("mean").get<std::vector<double>>();
  file.stddev = shape.at("stddev").get<std::vector<double>>();
  file.class_names = shape.at("class_names").get<std::vector<std::string>>();
  torch::serialize::InputArchive parameters;
  if (!archive.try_read("net", parameters)) {
    throw InvalidArgument("'" + path + "' holds no parameters");
  }
  try {
    file.net->load(parameters);
  } catch (const c10::Error& e) {
    throw InvalidArgument("'" + path +
                          "': the parameters do not fit the model: " + e.what_without_backtrace());
  }
  file.net->eval();
  return file;
}

void MatchPreprocessing(const ModelFile& model, DataSplits& data) {
  if (model.mean == data.mean && model.stddev == data.stddev) return;
  if (model.mean.size() != data.mean.size() || model.stddev.size() != data.stddev.size()) {
    throw InvalidArgument("the data have " + std::to_string(data.mean.size()) +
                          " standardized inputs; the model was trained on " +
                          std::to_string(model.mean.size()));
  }
  // x' = (x * s_data + m_data - m_model) / s_model, per channel (images) or feature (tables).
  const auto n = static_cast<int64_t>(data.mean.size());
  const auto per_input = [&](const std::vector<double>& v, const torch::Tensor& like) {
    std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
    shape[1] = like.dim() == 4 && n == 1 ? 1 : n;
    return torch::tensor(v, torch::kFloat32).view(shape);
  };
  for (Dataset* split : {&data.train, &data.validation, &data.test}) {
    if (split->size() == 0) continue;
    const torch::Tensor& x = split->inputs;
    split->inputs =
        (x * per_input(data.stddev, x) + per_input(data.mean, x) - per_input(model.mean, x)) /
        per_input(model.stddev, x);
  }
  data.mean = model.mean;
  data.stddev = model.stddev;
}

}  // namespace automl::dl
