// automl proxy-rank CONFIG: judges proxy training settings the way EcoNAS does (D. Zhou et al.,
// "EcoNAS: Finding Proxies for Economical Neural Architecture Search", CVPR 2020): K
// architectures sampled at random from a space are trained under a reference setting and under
// each proxy, and each proxy is scored by the rank correlation of its accuracies with the
// reference's (automl/rank_correlation.h), next to what it saves in time.
//
//   space: {arch: {type: nasnet-cell, blocks: 5}}
//   objective: {task: fashion-mnist, model: {nasnet: {genotype: "{arch}"}}, epochs: 20}
//   proxies: {c4r4e5: {channels: 0.25, resolution: 0.25, epochs: 5}, c2e3: {...}}
//   architectures: 30        # K
//   seed: 0
//   storage: sqlite:///automl.db
//   name: proxy-rank         # studies NAME.reference and NAME.PROXY
//
// Every training is a trial of the setting's study, so the run is recorded and an interrupted
// run resumes: an architecture with a finished trial in a setting is not trained again there.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/config_file.h"
#include "automl/config_keys.h"
#include "automl/error.h"
#include "automl/format.h"
#include "automl/rank_correlation.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/table.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/dl/proxy.h"
#include "automl/dl/torch_objective.h"
#endif

namespace automl::cli {
namespace {

#ifdef AUTOML_HAVE_TORCH

constexpr const char* kReference = "reference";

// A proxy-rank config as read from its file.
struct ProxyRankConfig {
  SearchSpace space;
  Json objective;                                     // the reference setting
  std::vector<std::pair<std::string, Json>> proxies;  // in the config's order
  int64_t architectures = 30;
  uint64_t seed = 0;
  std::optional<std::string> storage;
  std::string name = "proxy-rank";
  Json raw;
};

ProxyRankConfig ReadProxyRankConfig(const std::string& path) {
  const Json raw = ReadConfigFile(path);
  auto fail = [&](const std::string& key, const std::string& problem) {
    throw InvalidArgument(path + ": " + key + ": " + problem);
  };
  if (!raw.is_object()) throw InvalidArgument(path + ": a config must be a mapping of keys");
  CheckKnownKeys(
      raw,
      {"space", "objective", "proxies", "architectures", "seed", "storage", "name", "description"},
      path);
  auto has = [&](const char* key) { return raw.contains(key) && !raw.at(key).is_null(); };
  ProxyRankConfig c;
  c.raw = raw;

  if (!has("space")) fail("space", "missing: the space the architectures are sampled from");
  try {
    c.space = SearchSpace::FromJson(raw.at("space"));
  } catch (const InvalidArgument& e) {
    fail("space", e.what());
  }

  if (!has("objective")) fail("objective", "missing: the reference training setting");
  c.objective = raw.at("objective");
  if (!c.objective.is_object() || !c.objective.contains("task")) {
    fail("objective", "must be an in-process training config (task: ..., model: ..., epochs: ...)");
  }
  if (c.objective.contains("proxy")) {
    fail("objective",
         "has a proxy: the objective is the reference setting; name the settings to "
         "compare with it under proxies:");
  }

  if (!has("proxies")) fail("proxies", "missing: the proxy settings to rank, by name");
  const Json& proxies = raw.at("proxies");
  if (!proxies.is_object() || proxies.empty()) {
    fail("proxies", "must be a non-empty mapping from a name to a proxy setting");
  }
  for (const auto& [name, setting] : proxies.items()) {
    if (name.empty() || name == kReference) {
      fail("proxies", "'" + name + "' cannot name a proxy");
    }
    try {
      c.proxies.emplace_back(name, dl::ProxyOptions::FromJson(setting).ToJson());
    } catch (const InvalidArgument& e) {
      fail("proxies: " + name, e.what());
    }
  }

  if (has("architectures")) {
    const Json& k = raw.at("architectures");
    if (!k.is_number_integer() || k.get<int64_t>() < kMinRankCorrelationPairs) {
      fail("architectures", "must be an integer of at least " +
                                std::to_string(kMinRankCorrelationPairs) + ", not " + k.dump());
    }
    c.architectures = k.get<int64_t>();
  }
  if (has("seed")) {
    const Json& s = raw.at("seed");
    if (!s.is_number_integer() || s.get<int64_t>() < 0) {
      fail("seed", "must be a non-negative integer, not " + s.dump());
    }
    c.seed = s.get<uint64_t>();
  }
  if (has("storage")) {
    if (!raw.at("storage").is_string() || raw.at("storage").get<std::string>().empty()) {
      fail("storage", "must be a storage URL such as sqlite:///automl.db");
    }
    c.storage = raw.at("storage").get<std::string>();
  }
  if (has("name")) {
    if (!raw.at("name").is_string() || raw.at("name").get<std::string>().empty()) {
      fail("name", "must be a non-empty string");
    }
    c.name = raw.at("name").get<std::string>();
  }
  return c;
}

// "channels=0.25 resolution=0.25 epochs=5".
std::string SettingText(const Json& setting) {
  std::string out;
  for (const auto& [key, value] : setting.items()) {
    const std::string text =
        value.is_number_float() ? FormatShort(value.get<double>()) : value.dump();
    out += (out.empty() ? "" : " ") + key + "=" + text;
  }
  return out;
}

std::string Fixed(double value, const char* format = "%.3f") {
  if (std::isnan(value)) return "nan";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// NaN as JSON null.
Json Number(double value) { return std::isnan(value) ? Json(nullptr) : Json(value); }

// One training setting: its study and what it gave for each architecture.
struct Setting {
  std::string name;  // "reference" or the proxy's
  Json proxy;        // null for the reference
  std::optional<Study> study;
  std::unique_ptr<dl::TorchObjective> objective;
  std::vector<std::optional<double>> values;  // by architecture; nullopt: no COMPLETE trial
  int64_t failed = 0;                         // architectures whose training failed
  double seconds = 0;                         // mean duration of the COMPLETE trials
};

class ProxyRankCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "proxy-rank", "Rank proxy training settings by rank correlation with a reference (EcoNAS)");
    cmd->add_option("config", config_path_, "proxy-rank config (YAML or JSON)")->required();
    cmd->add_option("--architectures,-k", architectures_,
                    "Number of sampled architectures K (overrides the config's)")
        ->check(CLI::Range(kMinRankCorrelationPairs, int64_t{1} << 30));
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }

  int Execute() override {
    ProxyRankConfig config = ReadProxyRankConfig(config_path_);
    if (architectures_) config.architectures = *architectures_;
    const std::string url = !storage_.empty() ? storage_ : config.storage.value_or(kDefaultStorage);
    const int64_t k = config.architectures;

    // The metric decides the direction of every setting's study.
    const Json metric = config.objective.value("metric", Json("val_accuracy"));
    const Direction direction = metric == "val_loss" ? Direction::kMinimize : Direction::kMaximize;

    // Every setting's objective is checked before anything trains.
    std::vector<Setting> settings;
    settings.push_back({kReference, Json(), std::nullopt, nullptr, {}, 0, 0});
    for (const auto& [name, proxy] : config.proxies) {
      settings.push_back({name, proxy, std::nullopt, nullptr, {}, 0, 0});
    }
    for (Setting& s : settings) {
      Json objective = config.objective;
      if (!s.proxy.is_null()) objective["proxy"] = s.proxy;
      // Ranking keeps no model files unless the config asks for them.
      if (!objective.contains("keep_models")) objective["keep_models"] = "none";
      try {
        s.objective = std::make_unique<dl::TorchObjective>(objective, config.space,
                                                           std::vector<Direction>{direction});
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(config_path_ + (s.proxy.is_null() ? "" : ": proxies: " + s.name) +
                              ": " + e.what());
      }
      s.objective->set_stop_flag(&InterruptFlag());
    }

    const std::vector<ParamMap> sampled = SampleArchitectures(config.space, config.seed, k);
    auto storage = OpenStorage(url);
    InstallInterruptHandlers();
    for (Setting& s : settings) {
      StudyOptions options;
      options.name = config.name + "." + s.name;
      options.directions = {direction};
      options.space = config.space;
      options.seed = config.seed;
      options.config = config.raw;
      options.system_attrs = {
          {"proxy_rank", {{"setting", s.name}, {"proxy", s.proxy}, {"config", config_path_}}}};
      s.study = Study::CreateOrLoad(storage, options);
      dl::TorchObjective& objective = *s.objective;
      EvaluateArchitectures(
          *s.study, sampled, s.name, "trained",
          [&objective](Trial& trial) { return objective.Run(trial); }, InterruptFlag());
      if (InterruptFlag().load()) {
        std::fprintf(stderr, "interrupted: run the command again to resume\n");
        return kExitFailure;
      }
      ArchitectureValues collected = CollectArchitectures(*s.study, k);
      s.values = std::move(collected.values);
      s.failed = collected.failed;
      s.seconds = collected.seconds;
    }
    return Report(config, url, settings, k);
  }

 private:
  int Report(const ProxyRankConfig& config, const std::string& url,
             const std::vector<Setting>& settings, int64_t k) const {
    const Setting& reference = settings.front();
    Table table(
        {"setting", "proxy", "pairs", "spearman", "95% CI", "kendall", "s/arch", "speed-up"});
    Json proxies = Json::array();
    bool all_ranked = true;
    std::vector<std::string> notes;
    for (size_t p = 1; p < settings.size(); ++p) {
      const Setting& s = settings[p];
      std::vector<double> x, y;
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (s.values[i] && reference.values[i]) {
          x.push_back(*s.values[i]);
          y.push_back(*reference.values[i]);
        }
      }
      const auto pairs = static_cast<int64_t>(x.size());
      const double speedup = reference.seconds / s.seconds;
      Json row = {{"name", s.name},
                  {"study", s.study->name()},
                  {"proxy", s.proxy},
                  {"pairs", pairs},
                  {"left_out", k - pairs},
                  {"failed", s.failed},
                  {"spearman", nullptr},
                  {"spearman_ci", nullptr},
                  {"kendall", nullptr},
                  {"seconds_per_architecture", Number(s.seconds)},
                  {"speedup", Number(speedup)}};
      std::string rho = "-", ci = "-", tau = "-";
      if (pairs >= kMinRankCorrelationPairs) {
        const RankCorrelation c = CompareRankings(x, y, kLevel);
        rho = Fixed(c.spearman);
        ci = "[" + Fixed(c.spearman_lower) + ", " + Fixed(c.spearman_upper) + "]";
        tau = Fixed(c.kendall);
        row["spearman"] = Number(c.spearman);
        row["spearman_ci"] = {Number(c.spearman_lower), Number(c.spearman_upper)};
        row["kendall"] = Number(c.kendall);
      } else {
        all_ranked = false;
        notes.push_back(s.name + ": only " + std::to_string(pairs) +
                        " architectures trained in both settings; a rank correlation needs " +
                        std::to_string(kMinRankCorrelationPairs));
      }
      if (pairs < k) {
        notes.push_back(s.name + ": " + std::to_string(k - pairs) + " of " + std::to_string(k) +
                        " architectures left out (" + std::to_string(s.failed) +
                        " failed under the proxy, " + std::to_string(reference.failed) +
                        " under the reference)");
      }
      table.Add({s.name, SettingText(s.proxy), std::to_string(pairs), rho, ci, tau,
                 Fixed(s.seconds, "%.2f"), Fixed(speedup, "%.1fx")});
      proxies.push_back(row);
    }
    table.Add({kReference, "full setting",
               std::to_string(static_cast<int64_t>(
                   std::count_if(reference.values.begin(), reference.values.end(),
                                 [](const auto& v) { return v.has_value(); }))),
               "", "", "", Fixed(reference.seconds, "%.2f"), "1.0x"});
    table.Print(stdout);
    for (const std::string& note : notes) std::printf("note: %s\n", note.c_str());

    if (!json_path_.empty()) {
      Json metric = config.objective.value("metric", Json("val_accuracy"));
      Json out = {{"name", config.name},
                  {"architectures", k},
                  {"seed", config.seed},
                  {"storage", url},
                  {"metric", metric},
                  {"level", kLevel},
                  {"reference",
                   {{"study", reference.study->name()},
                    {"complete", std::count_if(reference.values.begin(), reference.values.end(),
                                               [](const auto& v) { return v.has_value(); })},
                    {"failed", reference.failed},
                    {"seconds_per_architecture", Number(reference.seconds)}}},
                  {"proxies", proxies}};
      WriteJsonFile(json_path_, out);
    }
    return all_ranked ? kExitSuccess : kExitFailure;
  }

  static constexpr double kLevel = 0.95;

  std::string config_path_;
  std::optional<int64_t> architectures_;
  std::string storage_;
  std::string json_path_;
};

#else

class ProxyRankCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("proxy-rank", "Rank proxy training settings (EcoNAS)");
    cmd->add_option("config", config_path_, "proxy-rank config (YAML or JSON)")->required();
    cmd->add_option("--architectures,-k", architectures_, "Number of sampled architectures K");
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }
  int Execute() override { RunWithTorch(); }

 private:
  std::string config_path_;
  int64_t architectures_ = 0;
  std::string storage_;
  std::string json_path_;
};

#endif

}  // namespace

std::unique_ptr<Command> MakeProxyRankCommand() { return std::make_unique<ProxyRankCommand>(); }

}  // namespace automl::cli
