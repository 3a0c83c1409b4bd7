#ifdef AUTOML_HAVE_TORCH

#include "cli/supernet_config.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "automl/config_file.h"
#include "automl/config_keys.h"
#include "automl/error.h"
#include "automl/substitution.h"

namespace automl::cli {

std::vector<int64_t> SupernetRunConfig::PathOf(const ParamMap& params) const {
  return nas::EncodePath(nas::ChainArchFromJson(arch->Compose(params)), chain);
}

ParamMap SupernetRunConfig::ParamsOf(const std::vector<int64_t>& path) const {
  return arch->Decompose(nas::ToJson(nas::DecodePath(path, chain)));
}

SupernetRunConfig ReadSupernetRunConfig(const std::string& file) {
  const Json raw = ReadConfigFile(file);
  auto fail = [&](const std::string& key, const std::string& problem) {
    throw InvalidArgument(file + ": " + key + ": " + problem);
  };
  if (!raw.is_object()) throw InvalidArgument(file + ": a config must be a mapping of keys");
  CheckKnownKeys(raw,
                 {"name", "space", "objective", "supernet", "seed", "storage", "models_dir",
                  "description", "paths", "search", "latency"},
                 file);
  auto has = [&](const char* key) { return raw.contains(key) && !raw.at(key).is_null(); };
  SupernetRunConfig c;
  c.file = file;
  c.raw = raw;
  if (has("name")) {
    if (!raw.at("name").is_string() || raw.at("name").get<std::string>().empty()) {
      fail("name", "must be a non-empty string");
    }
    c.name = raw.at("name").get<std::string>();
  }
  if (!has("space")) fail("space", "missing: a chain parameter, e.g. {arch: {type: chain}}");
  try {
    c.space = SearchSpace::FromJson(raw.at("space"));
  } catch (const InvalidArgument& e) {
    fail("space", e.what());
  }
  const auto& structured = c.space.structured();
  if (structured.size() != 1 || structured.front()->ToJson().value("type", "") != "chain" ||
      c.space.params().size() != structured.front()->decisions().size()) {
    fail("space",
         "must hold exactly one parameter, of type chain: the supernet searches the "
         "architecture alone");
  }
  c.arch = structured.front();
  c.chain = nas::ChainSpaceOptions::FromJson(c.arch->ToJson());

  if (!has("objective")) fail("objective", "missing: the stand-alone training recipe");
  c.objective = raw.at("objective");
  if (!c.objective.is_object() || !c.objective.contains("task")) {
    fail("objective",
         "must be an in-process training config (task: ..., model: {chain: {arch: "
         "\"{arch}\"}}, ...)");
  }
  const std::vector<int64_t> first(static_cast<size_t>(c.chain.layers()), 0);
  const ParamMap params = c.ParamsOf(first);
  dl::TrainConfig full;
  try {
    full = dl::TrainConfig::FromJson(
        SubstituteJson(c.objective, params, c.space.StructuredValues(params)), "objective");
    c.recipe = full.AtProxy();
  } catch (const InvalidArgument& e) {
    fail("objective", e.what());
  }
  if (!full.model.ToJson().contains("chain")) {
    fail("objective", "model: must be {chain: {arch: \"{" + c.arch->name() + "}\"}}");
  }
  c.supernet = has("supernet") ? raw.at("supernet") : Json::object();
  if (!c.supernet.is_object()) fail("supernet", "must be a mapping");
  if (has("seed")) {
    const Json& s = raw.at("seed");
    if (!s.is_number_integer() || s.get<int64_t>() < 0) {
      fail("seed", "must be a non-negative integer, not " + s.dump());
    }
    c.seed = s.get<uint64_t>();
    c.recipe.seed = c.seed;
  }
  if (has("storage")) {
    if (!raw.at("storage").is_string() || raw.at("storage").get<std::string>().empty()) {
      fail("storage", "must be a storage URL such as sqlite:///automl.db");
    }
    c.storage = raw.at("storage").get<std::string>();
  }
  if (has("models_dir")) {
    if (!raw.at("models_dir").is_string() || raw.at("models_dir").get<std::string>().empty()) {
      fail("models_dir", "must be a directory path");
    }
    c.models_dir = raw.at("models_dir").get<std::string>();
  }
  return c;
}

std::vector<dl::SupernetOptions> SupernetOptionsOf(const SupernetRunConfig& config) {
  const Json& supernet = config.supernet;
  const std::string& file = config.file;
  if (supernet.contains("samplers") && supernet.contains("sampler")) {
    throw InvalidArgument(file + ": supernet: give sampler (one) or samplers (a list), not both");
  }
  Json samplers = supernet.contains("samplers")
                      ? supernet.at("samplers")
                      : Json::array({supernet.value("sampler", "uniform")});
  if (!samplers.is_array() || samplers.empty()) {
    throw InvalidArgument(file +
                          ": supernet: samplers must be a non-empty list of uniform, "
                          "greedy, pcnas, crnas");
  }
  std::vector<dl::SupernetOptions> out;
  for (const Json& name : samplers) {
    Json one = supernet;
    one.erase("samplers");
    // Each sampler's options are those under its name; the others' belong to the others.
    for (const char* other : {"uniform", "greedy", "pcnas", "crnas"}) {
      if (name != other) one.erase(other);
    }
    one["sampler"] = name;
    try {
      out.push_back(dl::SupernetOptions::FromJson(one));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(file + ": " + e.what());
    }
    for (size_t i = 0; i + 1 < out.size(); ++i) {
      if (out[i].sampler == out.back().sampler) {
        throw InvalidArgument(file + ": supernet: samplers: " + name.dump() + " is listed twice");
      }
    }
  }
  return out;
}

std::unique_ptr<dl::SupernetTrainer> TrainSupernet(const SupernetRunConfig& config,
                                                   const dl::SupernetOptions& options,
                                                   const dl::DataSplits& data,
                                                   const std::string& label,
                                                   const std::atomic<bool>& interrupted) {
  auto trainer = std::make_unique<dl::SupernetTrainer>(config.recipe, config.chain, options, data);
  const std::filesystem::path dir = std::filesystem::path(config.models_dir) / config.name;
  std::filesystem::create_directories(dir);
  const std::string file = (dir / ("supernet-" + label + ".pt")).string();
  if (std::filesystem::exists(file)) {
    try {
      trainer->Load(file);
      std::fprintf(stderr, "[%s] supernet: %lld of %lld epochs already trained (%s)\n",
                   label.c_str(), static_cast<long long>(trainer->epochs_done()),
                   static_cast<long long>(options.epochs), file.c_str());
    } catch (const InvalidArgument& e) {
      throw FailedPrecondition(std::string(e.what()) +
                               "; remove it or choose another name to train a new one");
    }
  }
  trainer->Train([&](const dl::SupernetEpoch& e) {
    trainer->Save(file);
    std::string extra;
    if (e.pool_turnover) extra += " pool turnover " + std::to_string(*e.pool_turnover);
    if (e.fixed_layers) extra += " fixed layers " + std::to_string(*e.fixed_layers);
    std::fprintf(stderr,
                 "[%s] supernet epoch %lld/%lld: train loss %.4f acc %.4f, %.1f s (scoring %.1f "
                 "s, %lld paths)%s\n",
                 label.c_str(), static_cast<long long>(e.epoch) + 1,
                 static_cast<long long>(options.epochs), e.train_loss, e.train_accuracy, e.seconds,
                 e.score_seconds, static_cast<long long>(e.paths_scored), extra.c_str());
    return !interrupted.load();
  });
  return trainer;
}

}  // namespace automl::cli

#endif  // AUTOML_HAVE_TORCH
