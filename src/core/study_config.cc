#include "automl/study_config.h"

#include <algorithm>
#include <cmath>

#include "automl/config_file.h"
#include "automl/config_keys.h"
#include "automl/error.h"

namespace automl {
namespace {

const std::vector<std::string>& KnownKeys() {
  static const std::vector<std::string> keys = {"study",
                                                "direction",
                                                "directions",
                                                "trials",
                                                "seed",
                                                "sampler",
                                                "pruner",
                                                "max_failures",
                                                "stop_after",
                                                "max_retries",
                                                "heartbeat_timeout",
                                                "storage",
                                                "space",
                                                "objective",
                                                "description"};
  return keys;
}

class ConfigReader {
 public:
  ConfigReader(const Json& json, std::string source) : json_(json), source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    throw InvalidArgument(source_ + ": " + key + ": " + problem);
  }

  bool Has(const char* key) const { return json_.contains(key) && !json_.at(key).is_null(); }

  int64_t Int(const char* key, int64_t min) const {
    const Json& v = json_.at(key);
    if (!v.is_number_integer()) Fail(key, "must be an integer, not " + v.dump());
    const auto i = v.get<int64_t>();
    if (i < min) Fail(key, "must be at least " + std::to_string(min));
    return i;
  }

  // A positive, finite number of seconds.
  double Seconds(const char* key) const {
    const Json& v = json_.at(key);
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>())) {
      Fail(key, "must be a positive number of seconds, not " + v.dump());
    }
    return v.get<double>();
  }

  std::string String(const char* key) const {
    const Json& v = json_.at(key);
    if (!v.is_string() || v.get<std::string>().empty()) Fail(key, "must be a non-empty string");
    return v.get<std::string>();
  }

  Direction ParseDir(const std::string& key, const Json& v) const {
    const auto d = v.is_string() ? ParseDirection(v.get<std::string>()) : std::nullopt;
    if (!d) Fail(key, "must be minimize or maximize, not " + v.dump());
    return *d;
  }

 private:
  const Json& json_;
  std::string source_;
};

}  // namespace

StudyConfig StudyConfig::FromJson(const Json& json, const std::string& source) {
  if (!json.is_object()) throw InvalidArgument(source + ": a config must be a mapping of keys");
  CheckKnownKeys(json, KnownKeys(), source);

  ConfigReader r(json, source);
  StudyConfig c;
  c.raw = json;
  if (!r.Has("study")) r.Fail("study", "missing: every config names its study");
  c.study = r.String("study");
  if (r.Has("direction") && r.Has("directions")) {
    r.Fail("direction", "give either direction or directions, not both");
  }
  if (r.Has("direction")) c.directions = {r.ParseDir("direction", json.at("direction"))};
  if (r.Has("directions")) {
    const Json& d = json.at("directions");
    if (!d.is_array() || d.empty()) r.Fail("directions", "must be a non-empty list");
    c.directions.clear();
    for (const Json& item : d) c.directions.push_back(r.ParseDir("directions", item));
  }
  if (r.Has("trials")) c.trials = r.Int("trials", 0);
  if (r.Has("seed")) c.seed = static_cast<uint64_t>(r.Int("seed", 0));
  if (r.Has("sampler")) c.sampler = json.at("sampler");
  if (r.Has("pruner")) c.pruner = json.at("pruner");
  if (r.Has("max_failures")) c.max_failures = r.Int("max_failures", 1);
  if (r.Has("stop_after")) c.stop_after = r.Int("stop_after", 1);
  if (r.Has("max_retries")) c.max_retries = r.Int("max_retries", 0);
  if (r.Has("heartbeat_timeout")) c.heartbeat_timeout = r.Seconds("heartbeat_timeout");
  if (r.Has("storage")) c.storage = r.String("storage");
  if (!r.Has("space")) r.Fail("space", "missing: the parameters to search");
  try {
    c.space = SearchSpace::FromJson(json.at("space"));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(source + ": space: " + e.what());
  }
  if (r.Has("objective")) c.objective = json.at("objective");
  return c;
}

StudyConfig StudyConfig::FromFile(const std::string& path) {
  return FromJson(ReadConfigFile(path), path);
}

StudyOptions StudyConfig::ToStudyOptions() const {
  StudyOptions options;
  options.name = study;
  options.directions = directions;
  options.space = space;
  options.seed = seed;
  options.config = raw;
  options.max_retries = max_retries;
  options.heartbeat_timeout = heartbeat_timeout;
  return options;
}

OptimizeOptions StudyConfig::ToOptimizeOptions() const {
  OptimizeOptions options;
  options.target_trials = trials;
  options.max_failures = max_failures;
  options.stop_after = stop_after;
  return options;
}

Study OpenStudy(const StudyConfig& config, std::shared_ptr<Storage> storage,
                const Components& components, const Json& system_attrs) {
  SamplerContext sampler_context{config.space, config.directions, config.seed, config.pruner};
  PrunerContext pruner_context{config.directions, config.seed};
  auto sampler = components.samplers.Create(config.sampler, sampler_context);
  auto pruner = components.pruners.Create(config.pruner, pruner_context);
  StudyOptions options = config.ToStudyOptions();
  options.system_attrs = system_attrs;
  return Study::CreateOrLoad(std::move(storage), options, std::move(sampler), std::move(pruner));
}

}  // namespace automl
