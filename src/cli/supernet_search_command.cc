// automl supernet-search CONFIG: one-shot architecture search on a trained supernet. The
// supernet is trained (or continued) as `supernet:` says, paths are searched with the weights
// they inherit (batchnorm recalibrated, SPOS) under hard limits on parameters, FLOPs and latency
// predicted by a measured lookup table (automl/dl/latency.h), every candidate recorded as a trial
// of study NAME.STRATEGY, and the best paths are retrained stand-alone with the objective's
// recipe at its full setting, once per seed (study NAME.STRATEGY.retrain). The supernet file is
// models_dir/NAME/supernet-SAMPLER.pt, shared with supernet-rank runs of the same name.
//
//   (the keys of cli/supernet_config.h, and)
//   search:
//     strategy: evolution   # evolution (SPOS) | random | nsga2 (accuracy/latency front) |
//                           # crnas (CR-NAS: blocks per stage and dilations at fixed totals)
//     sampler: greedy       # the supernet to search, when supernet: names several
//     evolution: {population: 50, top_k: 10, iterations: 20}
//                           # automl/nas/constrained_path_evolution.h
//     paths: 1000           # random: feasible paths evaluated (default: evolution's budget)
//     nsga2: {population_size: 50}   # nsga2: the sampler's options; trials as evolution's
//     crnas: {blocks: [6, 8], sweeps: 1, max_allocations: 0}
//                           # automl/nas/stage_allocation.h: one best path per total
//     limits: {params: 150000, flops: 5.0e6, latency_ms: 1.5}
//     objective: accuracy   # accuracy | mnasnet | fbnet (what evolution, random, crnas rank by)
//     target_ms: 1.0        # mnasnet: acc * (latency / target_ms)^w
//     w: -0.07              #   (M. Tan et al., MnasNet, CVPR 2019)
//     alpha: 0.2            # fbnet: loss * alpha * log(latency in microseconds)^beta, minimized
//     beta: 0.6             #   (B. Wu et al., FBNet, CVPR 2019)
//     retrain: 1            # best paths retrained stand-alone (crnas: each total's best)
//     seeds: [0, 1, 2]      # one stand-alone training per seed
//     check_paths: 5        # paths whose measured latency checks the table
//   latency: {batch: 1, warmup: 10, repeats: 30, threads: 1}
//
// Validation data rank the paths; the test set is only reported for the retrained networks.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/format.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/table.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/component_options.h"
#include "automl/config_keys.h"
#include "automl/dl/latency.h"
#include "automl/dl/torch_objective.h"
#include "automl/nas/constrained_path_evolution.h"
#include "automl/nas/stage_allocation.h"
#include "automl/random.h"
#include "automl/samplers/nsga2_sampler.h"
#include "cli/supernet_config.h"
#endif

namespace automl::cli {
namespace {

#ifdef AUTOML_HAVE_TORCH

using Path = std::vector<int64_t>;

struct Limits {
  std::optional<int64_t> params, flops;
  std::optional<double> latency_ms;
};

struct SearchOptions {
  std::string strategy = "evolution";
  std::optional<std::string> sampler;  // which supernet, when supernet: names several
  nas::ConstrainedPathEvolutionOptions evolution;
  std::optional<int64_t> paths;
  Json nsga2 = Json::object();
  Limits limits;
  std::string objective = "accuracy";
  std::optional<double> target_ms;
  double w = -0.07, alpha = 0.2, beta = 0.6;
  std::vector<int> crnas_blocks;  // crnas: the totals of blocks searched, one best path each
  nas::ReallocationSearchOptions crnas;
  std::optional<int64_t> retrain;  // default: 1, and one per total for crnas
  std::vector<uint64_t> seeds = {0, 1, 2};
  int64_t check_paths = 5;
};

double ReadNumber(const Json& json, const std::string& key, double min, double max) {
  const Json& v = json.at(key);
  if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
    throw InvalidArgument("search: " + key + " must be a number in [" + FormatShort(min) + ", " +
                          FormatShort(max) + "], not " + v.dump());
  }
  return v.get<double>();
}

int64_t ReadCount(const Json& json, const std::string& key, int64_t min) {
  const Json& v = json.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < min) {
    throw InvalidArgument("search: " + key + " must be an integer of at least " +
                          std::to_string(min) + ", not " + v.dump());
  }
  return v.get<int64_t>();
}

SearchOptions ReadSearchOptions(const Json& json) {
  SearchOptions o;
  if (json.is_null()) return o;
  if (!json.is_object()) throw InvalidArgument("search: must be a mapping, not " + json.dump());
  CheckKnownKeys(
      json,
      {"strategy", "sampler", "evolution", "paths", "nsga2", "crnas", "limits", "objective",
       "target_ms", "w", "alpha", "beta", "retrain", "seeds", "check_paths"},
      "search");
  if (json.contains("strategy")) {
    o.strategy = json.at("strategy").is_string() ? json.at("strategy").get<std::string>() : "";
    if (o.strategy != "evolution" && o.strategy != "random" && o.strategy != "nsga2" &&
        o.strategy != "crnas") {
      throw InvalidArgument("search: strategy must be evolution, random, nsga2 or crnas, not " +
                            json.at("strategy").dump());
    }
  }
  if (json.contains("sampler")) {
    if (!json.at("sampler").is_string()) throw InvalidArgument("search: sampler must be a name");
    o.sampler = json.at("sampler").get<std::string>();
  }
  if (json.contains("evolution")) {
    o.evolution = nas::ConstrainedPathEvolutionOptions::FromJson(json.at("evolution"));
  }
  if (json.contains("paths")) o.paths = ReadCount(json, "paths", 1);
  if (json.contains("nsga2")) o.nsga2 = json.at("nsga2");
  if (json.contains("crnas")) {
    Json c = json.at("crnas");
    if (!c.is_object() || !c.contains("blocks")) {
      throw InvalidArgument(
          "search: crnas must be a mapping with blocks, the totals of blocks to search ({blocks: "
          "[6, 8]}), not " +
          c.dump());
    }
    const Json blocks = c.at("blocks");
    if (!blocks.is_array() || blocks.empty()) {
      throw InvalidArgument("search: crnas: blocks must be a non-empty list of totals, not " +
                            blocks.dump());
    }
    for (const Json& b : blocks) {
      if (!b.is_number_integer() || b.get<int64_t>() < 1 || b.get<int64_t>() > 4096) {
        throw InvalidArgument("search: crnas: blocks must be positive integers, not " + b.dump());
      }
      o.crnas_blocks.push_back(b.get<int>());
    }
    c.erase("blocks");
    o.crnas = nas::ReallocationSearchOptions::FromJson(c);
  }
  if (json.contains("limits")) {
    const Json& l = json.at("limits");
    if (!l.is_object()) throw InvalidArgument("search: limits must be a mapping");
    CheckKnownKeys(l, {"params", "flops", "latency_ms"}, "search: limits");
    if (l.contains("params"))
      o.limits.params = static_cast<int64_t>(ReadNumber(l, "params", 1, 1e15));
    if (l.contains("flops")) o.limits.flops = static_cast<int64_t>(ReadNumber(l, "flops", 1, 1e18));
    if (l.contains("latency_ms")) o.limits.latency_ms = ReadNumber(l, "latency_ms", 1e-6, 1e9);
  }
  if (json.contains("objective")) {
    o.objective = json.at("objective").is_string() ? json.at("objective").get<std::string>() : "";
    if (o.objective != "accuracy" && o.objective != "mnasnet" && o.objective != "fbnet") {
      throw InvalidArgument("search: objective must be accuracy, mnasnet or fbnet, not " +
                            json.at("objective").dump());
    }
  }
  if (json.contains("target_ms")) o.target_ms = ReadNumber(json, "target_ms", 1e-9, 1e9);
  if (o.objective == "mnasnet" && !o.target_ms) {
    throw InvalidArgument("search: objective mnasnet needs target_ms, the latency target T");
  }
  if (json.contains("w")) o.w = ReadNumber(json, "w", -10, 0);
  if (json.contains("alpha")) o.alpha = ReadNumber(json, "alpha", 1e-9, 1e9);
  if (json.contains("beta")) o.beta = ReadNumber(json, "beta", 0, 100);
  if (json.contains("retrain")) o.retrain = ReadCount(json, "retrain", 0);
  if (json.contains("seeds")) {
    const Json& s = json.at("seeds");
    if (!s.is_array() || s.empty()) throw InvalidArgument("search: seeds must be a list of seeds");
    o.seeds.clear();
    for (const Json& seed : s) {
      if (!seed.is_number_integer() || seed.get<int64_t>() < 0) {
        throw InvalidArgument("search: seeds must be non-negative integers, not " + seed.dump());
      }
      o.seeds.push_back(seed.get<uint64_t>());
    }
  }
  if (json.contains("check_paths")) o.check_paths = ReadCount(json, "check_paths", 0);
  return o;
}

// What a candidate measures, and its score under the search objective (higher is better).
struct Measured {
  double accuracy = 0, loss = 0, latency_ms = 0, score = 0;
  int64_t params = 0, flops = 0;
};

class SupernetSearchCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "supernet-search",
        "Search a trained weight-sharing supernet under parameter, FLOPs and latency limits");
    cmd->add_option("config", config_path_, "supernet-search config (YAML or JSON)")->required();
    cmd->add_option("--strategy", strategy_, "Override search.strategy")
        ->check(CLI::IsMember({"evolution", "random", "nsga2", "crnas"}));
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }

  int Execute() override {
    const SupernetRunConfig config = ReadSupernetRunConfig(config_path_);
    SearchOptions search;
    dl::LatencyOptions latency_options;
    try {
      search = ReadSearchOptions(config.raw.value("search", Json()));
      latency_options = dl::LatencyOptions::FromJson(config.raw.value("latency", Json()));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(config_path_ + ": " + e.what());
    }
    if (!strategy_.empty()) search.strategy = strategy_;
    if (search.strategy == "crnas") {
      if (search.crnas_blocks.empty()) {
        throw InvalidArgument(config_path_ +
                              ": search: crnas: blocks: give the totals of blocks to search "
                              "(crnas: {blocks: [6, 8]})");
      }
      try {
        nas::CheckReallocationSpace(config.chain);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(config_path_ + ": space: " + e.what());
      }
    }
    // The supernet: the sampler search.sampler names among supernet's (the first by default).
    const std::vector<dl::SupernetOptions> samplers = SupernetOptionsOf(config);
    dl::SupernetOptions supernet_options = samplers.front();
    if (search.sampler) {
      auto it = std::find_if(samplers.begin(), samplers.end(),
                             [&](const auto& o) { return o.sampler == *search.sampler; });
      if (it == samplers.end()) {
        throw InvalidArgument(config_path_ + ": search: sampler: " + *search.sampler +
                              " is not among the supernet's samplers");
      }
      supernet_options = *it;
    }
    const std::string url = !storage_.empty() ? storage_ : config.storage.value_or(kDefaultStorage);
    auto storage = OpenStorage(url);
    InstallInterruptHandlers();

    const dl::DataSplits data = dl::LoadData(config.recipe.task, config.recipe.data);
    auto trainer =
        TrainSupernet(config, supernet_options, data, supernet_options.sampler, InterruptFlag());
    if (Interrupted()) return kExitFailure;
    dl::ChainSupernet& supernet = trainer->supernet();

    // The latency table, measured once (minutes at most) on this machine.
    const dl::LatencyTable table = dl::LatencyTable::Measure(supernet, latency_options);
    Json out = {{"name", config.name}, {"storage", url}, {"latency_table", table.ToJson()}};

    Limits limits = search.limits;
    auto measure_cost = [&](const Path& path, Measured* m) {
      m->params = supernet->PathParams(path);
      m->flops = supernet->PathFlops(path);
      m->latency_ms = table.Predict(path);
    };
    auto feasible = [&](const Path& path) {
      Measured m;
      measure_cost(path, &m);
      return (!limits.params || m.params <= *limits.params) &&
             (!limits.flops || m.flops <= *limits.flops) &&
             (!limits.latency_ms || m.latency_ms <= *limits.latency_ms);
    };
    const std::vector<int64_t> counts = ChoiceCounts(config);

    // The table's error against measuring whole paths.
    if (search.check_paths > 0) {
      Rng rng(DeriveSeed(config.seed, 0, HashName("latency-check")));
      std::vector<Path> paths;
      for (int64_t i = 0; i < search.check_paths; ++i)
        paths.push_back(nas::UniformPath(counts, rng));
      const auto c = table.Compare(supernet, paths);
      std::printf("latency table: mean |error| %.1f%%, max %.1f%% over %lld measured paths\n",
                  100 * c.mean_abs_error, 100 * c.max_abs_error,
                  static_cast<long long>(paths.size()));
      out["latency_check"] = c.ToJson();
    }

    auto evaluate = [&](const Path& path) {
      Measured m;
      measure_cost(path, &m);
      const dl::Evaluation e = trainer->EvaluatePath(path, data.validation);
      m.accuracy = e.accuracy;
      m.loss = e.loss;
      m.score = Score(search, m);
      return m;
    };

    StudyOptions study_options;
    study_options.name = config.name + "." + search.strategy;
    study_options.space = config.space;
    study_options.seed = config.seed;
    study_options.config = config.raw;
    study_options.directions = {Direction::kMaximize};
    std::vector<std::pair<Path, Measured>> top;
    if (search.strategy == "nsga2") {
      study_options.directions = {Direction::kMaximize, Direction::kMinimize};
      auto sampler =
          std::make_unique<Nsga2Sampler>(config.space, config.seed,
                                         Nsga2SamplerOptions::FromComponentOptions(ComponentOptions(
                                             "sampler", MergeName(search.nsga2, "nsga2"))));
      Study study = Study::CreateOrLoad(storage, study_options, std::move(sampler));
      const int64_t trials =
          search.paths.value_or(search.evolution.population * search.evolution.iterations);
      while (!InterruptFlag().load() && study.Counts().complete < trials) {
        Trial trial = study.Ask();
        const Path path = config.PathOf(trial.params());
        if (!feasible(path)) {
          study.Tell(trial, TrialState::kFailed, "over a limit of search.limits");
          continue;
        }
        const Measured m = evaluate(path);
        Record(trial, m);
        study.Tell(trial, std::vector<double>{m.accuracy, m.latency_ms});
      }
      for (const FrozenTrial& t : study.ParetoFront()) {
        top.emplace_back(config.PathOf(t.params), MeasuredOf(t));
      }
      std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.second.latency_ms < b.second.latency_ms;
      });
    } else {
      Study study = Study::CreateOrLoad(storage, study_options);
      // Candidates already evaluated (a resumed run) are told from the study, not again.
      std::map<Path, Measured> known;
      for (const FrozenTrial& t : study.Trials()) {
        if (t.state == TrialState::kComplete) known[config.PathOf(t.params)] = MeasuredOf(t);
      }
      auto evaluate_all = [&](const std::vector<Path>& paths) {
        std::vector<double> scores;
        for (const Path& path : paths) {
          if (InterruptFlag().load()) throw Interruption();
          auto it = known.find(path);
          if (it == known.end()) {
            const int64_t number = study.Enqueue(config.ParamsOf(path));
            Trial trial = study.Ask();
            if (trial.number() != number) throw InternalError("supernet-search: queue mismatch");
            const Measured m = evaluate(path);
            Record(trial, m);
            study.Tell(trial, m.score);
            it = known.emplace(path, m).first;
          }
          scores.push_back(it->second.score);
        }
        return scores;
      };
      std::vector<nas::ScoredPath> best;
      try {
        if (search.strategy == "crnas") {
          out["crnas"] = Reallocate(config, search, feasible, evaluate_all, &best);
        } else if (search.strategy == "evolution") {
          nas::ConstrainedPathEvolution evolution(counts, search.evolution, feasible,
                                                  trainer->CandidatePaths());
          Rng rng(DeriveSeed(config.seed, 0, HashName("supernet-search")));
          best = evolution.Run(rng, evaluate_all).top;
        } else {
          best = RandomSearch(search, counts, feasible, evaluate_all, config.seed);
        }
      } catch (const Interruption&) {
        Interrupted();
        return kExitFailure;
      }
      for (const auto& [path, score] : best) top.emplace_back(path, known.at(path));
    }
    return Report(config, search, supernet, top, storage, std::move(out));
  }

 private:
  struct Interruption {};

  static bool Interrupted() {
    if (!InterruptFlag().load()) return false;
    std::fprintf(stderr, "interrupted: run the command again to resume\n");
    return true;
  }

  static std::vector<int64_t> ChoiceCounts(const SupernetRunConfig& config) {
    std::vector<int64_t> counts;
    for (const auto& c : nas::LayerChoices(config.chain))
      counts.push_back(static_cast<int64_t>(c.size()));
    return counts;
  }

  static Json MergeName(Json options, const std::string& name) {
    if (!options.is_object()) options = Json::object();
    options["name"] = name;
    return options;
  }

  static double Score(const SearchOptions& s, const Measured& m) {
    if (s.objective == "mnasnet") return m.accuracy * std::pow(m.latency_ms / *s.target_ms, s.w);
    if (s.objective == "fbnet") {
      const double us = std::max(m.latency_ms * 1000.0, std::exp(1.0));
      return -m.loss * s.alpha * std::pow(std::log(us), s.beta);
    }
    return m.accuracy;
  }

  static void Record(Trial& trial, const Measured& m) {
    trial.SetUserAttr("accuracy", m.accuracy);
    trial.SetUserAttr("loss", m.loss);
    trial.SetUserAttr("params", m.params);
    trial.SetUserAttr("flops", m.flops);
    trial.SetUserAttr("latency_ms", m.latency_ms);
    trial.SetUserAttr("score", m.score);
  }

  static Measured MeasuredOf(const FrozenTrial& t) {
    Measured m;
    m.accuracy = t.user_attrs.value("accuracy", 0.0);
    m.loss = t.user_attrs.value("loss", 0.0);
    m.params = t.user_attrs.value("params", int64_t{0});
    m.flops = t.user_attrs.value("flops", int64_t{0});
    m.latency_ms = t.user_attrs.value("latency_ms", 0.0);
    m.score = t.user_attrs.value("score", 0.0);
    return m;
  }

  // CR-NAS's two-level search at each total of blocks; |best| gets one path per total, in the
  // order of the totals. Returns the details for --json.
  static Json Reallocate(
      const SupernetRunConfig& config, const SearchOptions& search,
      const std::function<bool(const Path&)>& feasible,
      const std::function<std::vector<double>(const std::vector<Path>&)>& evaluate_all,
      std::vector<nas::ScoredPath>* best) {
    const nas::ReallocationSearch reallocation(config.chain, search.crnas);
    auto depths_text = [](const nas::StageDepths& d) {
      std::string text;
      for (const int x : d) text += (text.empty() ? "" : "-") + std::to_string(x);
      return text;
    };
    Json details = Json::array();
    for (const int blocks : search.crnas_blocks) {
      const nas::ReallocationResult r = reallocation.Run(blocks, feasible, evaluate_all);
      const nas::StageDepths depths = nas::DepthsOf(r.best.first, config.chain);
      std::printf(
          "crnas: %d blocks: %zu allocations, best %s (val %.4f); with its dilations %.4f; %lld "
          "evaluations\n",
          blocks, r.allocations.size(), depths_text(depths).c_str(), r.best_allocation.second,
          r.best.second, static_cast<long long>(r.evaluations));
      Json allocations = Json::array();
      for (const auto& [path, score] : r.allocations) {
        allocations.push_back({{"depths", nas::DepthsOf(path, config.chain)}, {"score", score}});
      }
      details.push_back(
          {{"blocks", blocks},
           {"allocations", allocations},
           {"best_allocation", nas::ToJson(nas::DecodePath(r.best_allocation.first, config.chain))},
           {"best", nas::ToJson(nas::DecodePath(r.best.first, config.chain))},
           {"best_score", r.best.second},
           {"evaluations", r.evaluations}});
      best->push_back(r.best);
    }
    return details;
  }

  // The best of N feasible paths drawn uniformly (the baseline evolution must beat).
  static std::vector<nas::ScoredPath> RandomSearch(
      const SearchOptions& search, const std::vector<int64_t>& counts,
      const std::function<bool(const Path&)>& feasible,
      const std::function<std::vector<double>(const std::vector<Path>&)>& evaluate_all,
      uint64_t seed) {
    const int64_t n =
        search.paths.value_or(search.evolution.population * search.evolution.iterations);
    Rng rng(DeriveSeed(seed, 0, HashName("supernet-random")));
    std::vector<Path> paths;
    std::set<Path> seen;
    for (int64_t tries = 0; static_cast<int64_t>(paths.size()) < n && tries < 100 * n; ++tries) {
      Path p = nas::UniformPath(counts, rng);
      if (feasible(p) && seen.insert(p).second) paths.push_back(std::move(p));
    }
    if (paths.empty()) throw InvalidArgument("search: no path within the limits was found");
    const std::vector<double> scores = evaluate_all(paths);
    std::vector<nas::ScoredPath> scored;
    for (size_t i = 0; i < paths.size(); ++i) scored.emplace_back(paths[i], scores[i]);
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    scored.resize(std::min<size_t>(scored.size(), static_cast<size_t>(search.evolution.top_k)));
    return scored;
  }

  int Report(const SupernetRunConfig& config, const SearchOptions& search,
             dl::ChainSupernet& supernet, const std::vector<std::pair<Path, Measured>>& top,
             const std::shared_ptr<Storage>& storage, Json out) const {
    Table table({"rank", "score", "val acc", "params", "FLOPs", "latency ms", "ops"});
    Json best = Json::array();
    for (size_t i = 0; i < top.size(); ++i) {
      const auto& [path, m] = top[i];
      const nas::ChainArch arch = nas::DecodePath(path, config.chain);
      std::string ops;
      for (const std::string& op : arch.ops) ops += (ops.empty() ? "" : " ") + op;
      char score[32], acc[32], lat[32];
      std::snprintf(score, sizeof score, "%.4f", m.score);
      std::snprintf(acc, sizeof acc, "%.4f", m.accuracy);
      std::snprintf(lat, sizeof lat, "%.3f", m.latency_ms);
      table.Add({std::to_string(i + 1), score, acc, std::to_string(m.params),
                 std::to_string(m.flops), lat, ops});
      best.push_back({{"arch", nas::ToJson(arch)},
                      {"score", m.score},
                      {"accuracy", m.accuracy},
                      {"params", m.params},
                      {"flops", m.flops},
                      {"latency_ms", m.latency_ms}});
    }
    table.Print(stdout);
    out["strategy"] = search.strategy;
    out["best"] = best;

    // The best paths, retrained stand-alone at the full setting, once per seed.
    Json retrained = Json::array();
    const int64_t retrain =
        search.retrain.value_or(search.strategy == "crnas" ? static_cast<int64_t>(top.size()) : 1);
    const auto n = std::min<size_t>(top.size(), static_cast<size_t>(retrain));
    if (n > 0) {
      StudyOptions options;
      options.name = config.name + "." + search.strategy + ".retrain";
      options.space = config.space;
      options.seed = config.seed;
      options.config = config.raw;
      options.directions = {Direction::kMaximize};
      Study study = Study::CreateOrLoad(storage, options);
      Table results({"rank", "seed", "val acc", "test acc", "params", "seconds"});
      for (size_t i = 0; i < n && !InterruptFlag().load(); ++i) {
        const ParamMap params = config.ParamsOf(top[i].first);
        for (const uint64_t seed : search.seeds) {
          const std::optional<FrozenTrial> done = RetrainOnce(config, study, params, i, seed);
          if (!done) continue;
          const Json training = done->system_attrs.value("training", Json::object());
          const double test = training.value("test_accuracy", std::nan(""));
          char val[32], tst[32], secs[32];
          std::snprintf(val, sizeof val, "%.4f",
                        done->state == TrialState::kComplete ? done->value() : std::nan(""));
          std::snprintf(tst, sizeof tst, "%.4f", test);
          std::snprintf(secs, sizeof secs, "%.0f", done->Duration().value_or(0));
          results.Add({std::to_string(i + 1), std::to_string(seed), val, tst,
                       std::to_string(training.value("params", int64_t{0})), secs});
          retrained.push_back(
              {{"rank", i + 1},
               {"seed", seed},
               {"trial", done->number},
               {"state", TrialStateName(done->state)},
               {"val_accuracy",
                done->state == TrialState::kComplete ? Json(done->value()) : Json(nullptr)},
               {"test_accuracy", std::isnan(test) ? Json(nullptr) : Json(test)}});
        }
      }
      std::printf("retrained stand-alone (%s):\n", options.name.c_str());
      results.Print(stdout);
    }
    out["retrained"] = retrained;
    (void)supernet;
    if (!json_path_.empty()) {
      WriteJsonFile(json_path_, out);
    }
    return Interrupted() ? kExitFailure : kExitSuccess;
  }

  // One stand-alone training of |params| with |seed| (rank |rank|), unless the study holds a
  // finished one: its trial.
  static std::optional<FrozenTrial> RetrainOnce(const SupernetRunConfig& config, Study& study,
                                                const ParamMap& params, size_t rank,
                                                uint64_t seed) {
    const Json key = {{"rank", rank + 1}, {"seed", seed}};
    for (const FrozenTrial& t : study.Trials()) {
      if (t.user_attrs.value("retrain", Json()) == key &&
          study.space().CanonicalParams(t.params) == study.space().CanonicalParams(params) &&
          (t.state == TrialState::kComplete || t.state == TrialState::kPruned)) {
        return t;
      }
    }
    Json objective = config.objective;
    objective.erase("proxy");  // the full setting
    objective["seed"] = seed;
    if (!objective.contains("models_dir")) objective["models_dir"] = config.models_dir;
    dl::TorchObjective run(objective, config.space, {Direction::kMaximize});
    run.set_stop_flag(&InterruptFlag());
    const int64_t number = study.Enqueue(params, {{"retrain", key}});
    Trial trial = study.Ask();
    if (trial.number() != number) throw InternalError("supernet-search: queue mismatch");
    std::fprintf(stderr, "[retrain] rank %zu seed %llu (trial %lld)\n", rank + 1,
                 static_cast<unsigned long long>(seed), static_cast<long long>(number));
    TrialOutcome outcome;
    try {
      outcome = run.Run(trial);
    } catch (const std::exception& e) {
      outcome = TrialOutcome::Failed(e.what());
    }
    if (!trial.finished()) study.Tell(trial, outcome);
    return study.GetTrial(number);
  }

  std::string config_path_;
  std::string strategy_;
  std::string storage_;
  std::string json_path_;
};

#else

class SupernetSearchCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("supernet-search",
                                       "Search a trained weight-sharing supernet (LibTorch)");
    cmd->add_option("config", config_path_, "supernet-search config (YAML or JSON)")->required();
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }
  int Execute() override { RunWithTorch(); }

 private:
  std::string config_path_;
  std::string storage_;
  std::string json_path_;
};

#endif

}  // namespace

std::unique_ptr<Command> MakeSupernetSearchCommand() {
  return std::make_unique<SupernetSearchCommand>();
}

}  // namespace automl::cli
