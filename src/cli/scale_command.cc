// automl scale CONFIG: EfficientNet's compound scaling of a chain network (M. Tan, Q. V. Le,
// "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019;
// automl/nas/compound_scaling.h). First a small grid search of alpha, beta, gamma at phi = 1
// under alpha * beta^2 * gamma^2 ~= 2, each point the base network scaled and trained, ranked by
// validation accuracy (never the test set); then the family: the base scaled by the best point's
// constants for each phi, printed and trained once per seed.
//
//   name: effnet                  # studies NAME.grid and NAME.family
//   base:                         # an `automl train` config; its model a chain network
//     task: fashion-mnist
//     data: {fraction: 0.2, resolution: 14}
//     model: {chain: {arch: {stem: 16, stages: [...]}}}
//     optimizer: {name: sgd, lr: 0.1, momentum: 0.9}
//     epochs: 3
//   scale:
//     grid: {step: 0.1, max: 2.0, target: 2, tolerance: 0.05, epochs: 2}
//                                 # the search at phi = 1; epochs: what each point trains
//                                 # (default: the base's)
//     coefficients: {alpha: 1.2, beta: 1.1, gamma: 1.15}   # instead of the grid
//     phi: [0, 1, 2]              # the family's members
//     width_divisor: 8            # widths rounded to multiples of this (the paper's 8)
//     seeds: [0, 1, 2]            # one training per member and seed
//   seed: 0                       # the grid's trainings
//   storage: sqlite:///automl.db
//   models_dir: automl_models
//
// The resolution is the base's data.resolution (Fashion-MNIST's 28 without one) times gamma^phi,
// rounded: images are resized to it. Every training is a trial, so that a run resumes: a point or
// a member already trained with a seed is not trained again. --no-train prints the family.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "cli/architecture_runs.h"
#include "cli/command.h"
#include "cli/interrupt.h"
#include "cli/table.h"
#include "cli/torch_backend.h"

#ifdef AUTOML_HAVE_TORCH
#include "automl/config_file.h"
#include "automl/config_keys.h"
#include "automl/dl/data.h"
#include "automl/dl/model.h"
#include "automl/dl/torch_objective.h"
#include "automl/nas/compound_scaling.h"
#include "automl/search_space.h"
#include "dl/chain_family.h"
#endif

namespace automl::cli {
namespace {

#ifdef AUTOML_HAVE_TORCH

constexpr int64_t kFashionMnistClasses = 10;

struct ScaleConfig {
  std::string file;
  std::string name = "scale";
  Json base;  // the train config, its arch in canonical JSON
  nas::ChainArch arch;
  int64_t resolution = dl::kFashionMnistSide;
  std::optional<nas::CompoundCoefficients> coefficients;
  nas::CompoundGridOptions grid;
  std::optional<int64_t> grid_epochs;
  std::vector<double> phi = {0, 1, 2};
  int width_divisor = 8;
  std::vector<uint64_t> seeds = {0};
  uint64_t seed = 0;
  std::optional<std::string> storage;
  std::string models_dir = "automl_models";
  Json raw;
};

std::vector<uint64_t> ReadSeeds(const Json& json, const std::string& where) {
  if (!json.is_array() || json.empty()) {
    throw InvalidArgument(where + ": must be a non-empty list of seeds, not " + json.dump());
  }
  std::vector<uint64_t> seeds;
  for (const Json& s : json) {
    if (!s.is_number_integer() || s.get<int64_t>() < 0) {
      throw InvalidArgument(where + ": seeds must be non-negative integers, not " + s.dump());
    }
    seeds.push_back(s.get<uint64_t>());
  }
  return seeds;
}

void ReadScaleKeys(const Json& scale, ScaleConfig& c) {
  if (!scale.is_object()) throw InvalidArgument("scale: must be a mapping, not " + scale.dump());
  CheckKnownKeys(scale, {"grid", "coefficients", "phi", "width_divisor", "seeds"}, "scale");
  if (scale.contains("grid")) {
    const Json& g = scale.at("grid");
    c.grid = nas::CompoundGridOptions::FromJson(g, {"epochs"});
    if (g.contains("epochs")) {
      if (!g.at("epochs").is_number_integer() || g.at("epochs").get<int64_t>() < 1) {
        throw InvalidArgument("scale: grid: epochs: must be a positive integer, not " +
                              g.at("epochs").dump());
      }
      c.grid_epochs = g.at("epochs").get<int64_t>();
    }
  }
  if (scale.contains("coefficients")) {
    c.coefficients = nas::CompoundCoefficients::FromJson(scale.at("coefficients"));
  }
  if (scale.contains("phi")) {
    const Json& p = scale.at("phi");
    if (!p.is_array() || p.empty()) throw InvalidArgument("scale: phi: must be a non-empty list");
    c.phi.clear();
    for (const Json& v : p) {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 8) {
        throw InvalidArgument("scale: phi: values must be numbers in [0, 8], not " + v.dump());
      }
      c.phi.push_back(v.get<double>());
    }
  }
  if (scale.contains("width_divisor")) {
    const Json& d = scale.at("width_divisor");
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 256) {
      throw InvalidArgument("scale: width_divisor: must be an integer in 1..256, not " + d.dump());
    }
    c.width_divisor = d.get<int>();
  }
  if (scale.contains("seeds")) c.seeds = ReadSeeds(scale.at("seeds"), "scale: seeds");
}

ScaleConfig ReadScaleConfig(const std::string& file) {
  ScaleConfig c;
  c.file = file;
  c.raw = ReadConfigFile(file);
  const Json& raw = c.raw;
  if (!raw.is_object()) throw InvalidArgument(file + ": a config must be a mapping of keys");
  try {
    CheckKnownKeys(raw, {"name", "base", "scale", "seed", "storage", "models_dir", "description"},
                   file);
    if (raw.contains("name")) {
      if (!raw.at("name").is_string() || raw.at("name").get<std::string>().empty()) {
        throw InvalidArgument("name: must be a non-empty string");
      }
      c.name = raw.at("name").get<std::string>();
    }
    if (!raw.contains("base") || !raw.at("base").is_object()) {
      throw InvalidArgument("base: missing: the training config of the base network");
    }
    c.base = raw.at("base");
    const Json model = c.base.value("model", Json());
    if (!model.is_object() || !model.contains("chain") || !model.at("chain").is_object() ||
        !model.at("chain").contains("arch")) {
      throw InvalidArgument(
          "base: model: must be a chain network ({chain: {arch: {stem, stages}}}): compound "
          "scaling scales its stages");
    }
    const Json arch = dl::CanonicalChainArch(model.at("chain").at("arch"), "base: model: chain");
    c.arch = nas::ChainArchFromJson(arch);
    c.base["model"]["chain"]["arch"] = arch;
    if (c.base.value("task", std::string("fashion-mnist")) != "fashion-mnist") {
      throw InvalidArgument("base: task: compound scaling needs images (fashion-mnist)");
    }
    const Json data = c.base.value("data", Json::object());
    if (data.is_object() && data.contains("resolution")) {
      if (!data.at("resolution").is_number_integer()) {
        throw InvalidArgument("base: data: resolution: must be an integer");
      }
      c.resolution = data.at("resolution").get<int64_t>();
    }
    if (c.base.contains("proxy")) {
      throw InvalidArgument("base: proxy: not used by scale (give scale.grid.epochs instead)");
    }
    if (raw.contains("scale")) ReadScaleKeys(raw.at("scale"), c);
    if (raw.contains("seed")) {
      if (!raw.at("seed").is_number_integer() || raw.at("seed").get<int64_t>() < 0) {
        throw InvalidArgument("seed: must be a non-negative integer");
      }
      c.seed = raw.at("seed").get<uint64_t>();
    }
    if (raw.contains("storage")) c.storage = raw.at("storage").get<std::string>();
    if (raw.contains("models_dir")) c.models_dir = raw.at("models_dir").get<std::string>();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(file + ": " + e.what());
  } catch (const Json::exception& e) {
    throw InvalidArgument(file + ": " + e.what());
  }
  return c;
}

// One member of the family: what phi makes of the base.
struct Member {
  nas::CompoundCoefficients coefficients;
  double phi = 0;
  nas::ScaleMultipliers m;
  nas::ChainArch arch;
  int64_t resolution = 0;
  Json config;                    // the train config
  int64_t params = 0, flops = 0;  // of the network built, as Summarize counts them
};

Member MakeMember(const ScaleConfig& c, const nas::CompoundCoefficients& k, double phi) {
  Member member{k, phi, nas::Multipliers(k, phi), {}, 0, c.base};
  member.arch = nas::ScaleChainArch(c.arch, member.m, c.width_divisor);
  member.resolution = nas::ScaledResolution(c.resolution, member.m.resolution);
  if (member.resolution < dl::kMinResolution || member.resolution > dl::kMaxResolution) {
    throw InvalidArgument("scale: phi " + std::to_string(phi) + " gives resolution " +
                          std::to_string(member.resolution) + ", outside " +
                          std::to_string(dl::kMinResolution) + ".." +
                          std::to_string(dl::kMaxResolution));
  }
  Json& chain = member.config["model"]["chain"];
  chain["arch"] = nas::ToJson(member.arch);
  if (chain.value("head", int64_t{0}) > 0) {
    chain["head"] = nas::RoundWidth(chain.at("head").get<int>(), member.m.width, c.width_divisor);
  }
  if (!member.config.contains("data") || !member.config.at("data").is_object()) {
    member.config["data"] = Json::object();
  }
  member.config["data"]["resolution"] = member.resolution;
  if (!member.config.contains("models_dir")) member.config["models_dir"] = c.models_dir;
  // Built once to count, so that --no-train shows what training would cost.
  const dl::Net net(dl::ModelSpec::FromJson(member.config.at("model")),
                    std::vector<int64_t>{1, member.resolution, member.resolution},
                    kFashionMnistClasses);
  member.params = net->summary().params;
  member.flops = net->summary().flops;
  return member;
}

SearchSpace CoefficientSpace() {
  const Json range = {{"type", "float"}, {"low", 1.0}, {"high", 4.0}};
  return SearchSpace::FromJson({{"alpha", range},
                                {"beta", range},
                                {"gamma", range},
                                {"phi", {{"type", "float"}, {"low", 0.0}, {"high", 8.0}}}});
}

ParamMap ParamsOf(const nas::CompoundCoefficients& k, double phi) {
  return {{"alpha", k.alpha}, {"beta", k.beta}, {"gamma", k.gamma}, {"phi", phi}};
}

// What one finished training gave.
struct Outcome {
  std::optional<double> val, test;
  double seconds = 0;
  std::string state;
};

Outcome OutcomeOf(const FrozenTrial& t) {
  Outcome o;
  const Json training = t.system_attrs.value("training", Json::object());
  if (t.state == TrialState::kComplete) o.val = t.value();
  if (training.contains("test_accuracy") && training.at("test_accuracy").is_number()) {
    o.test = training.at("test_accuracy").get<double>();
  }
  o.seconds = t.Duration().value_or(0);
  o.state = TrialStateName(t.state);
  return o;
}

// Trains |config| once as a trial of |study| with |params| and the user attribute |key|, unless
// the study holds a finished one; nullopt when interrupted before finishing.
std::optional<Outcome> TrainOnce(Study& study, const ParamMap& params, const Json& key,
                                 const Json& config, const std::string& label,
                                 const std::atomic<bool>& interrupted) {
  const Json canonical = study.space().CanonicalParams(params);
  for (const FrozenTrial& t : study.Trials()) {
    if (t.user_attrs.value("run", Json()) == key &&
        study.space().CanonicalParams(t.params) == canonical &&
        (t.state == TrialState::kComplete || t.state == TrialState::kFailed)) {
      return OutcomeOf(t);
    }
  }
  if (interrupted.load()) return std::nullopt;
  dl::TorchObjective run(config, study.space(), {Direction::kMaximize});
  run.set_stop_flag(&interrupted);
  const int64_t number = study.Enqueue(params, {{"run", key}});
  Trial trial = study.Ask();
  if (trial.number() != number) throw InternalError("scale: queue mismatch");
  std::fprintf(stderr, "[%s] trial %lld\n", label.c_str(), static_cast<long long>(number));
  TrialOutcome outcome;
  try {
    outcome = run.Run(trial);
  } catch (const std::exception& e) {
    outcome = TrialOutcome::Failed(e.what());
  }
  if (!trial.finished()) study.Tell(trial, outcome);
  const FrozenTrial done = study.GetTrial(number);
  if (interrupted.load() && done.state != TrialState::kComplete) return std::nullopt;
  return OutcomeOf(done);
}

std::string Fixed(double v, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string OpsText(const nas::ChainArch& arch) {
  std::string text;
  size_t layer = 0;
  for (const nas::ChainStage& stage : arch.stages) {
    text += text.empty() ? "" : " | ";
    text += std::to_string(stage.width) + ":";
    for (int i = 0; i < stage.layers; ++i, ++layer) text += " " + arch.ops[layer];
  }
  return text;
}

#endif  // AUTOML_HAVE_TORCH

class ScaleCommand : public Command {
 public:
  bool NeedsTorch() const override { return true; }
  CLI::App* Register(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "scale", "EfficientNet compound scaling: search alpha, beta, gamma, train the family");
    cmd->add_option("config", config_path_, "scale config (YAML or JSON)")->required();
    cmd->add_flag("--no-train", no_train_, "Print the family without training it");
    AddStorageOption(cmd, &storage_);
    cmd->add_option("--json", json_path_, "Also write the results to this JSON file");
    return cmd;
  }

  int Execute() override {
#ifndef AUTOML_HAVE_TORCH
    RunWithTorch();
#else
    const ScaleConfig config = ReadScaleConfig(config_path_);
    const std::string url = !storage_.empty() ? storage_ : config.storage.value_or(kDefaultStorage);
    // Every member must be buildable before anything trains.
    std::vector<nas::CompoundCoefficients> grid;
    if (!config.coefficients) {
      grid = nas::CompoundGrid(config.grid);
      if (grid.empty()) {
        throw InvalidArgument(config_path_ +
                              ": scale: grid: no point of the grid is within the tolerance of "
                              "the target; widen the tolerance or refine the step");
      }
    }
    try {
      for (const auto& k : grid) MakeMember(config, k, 1.0);
      if (config.coefficients) {
        for (const double phi : config.phi) MakeMember(config, *config.coefficients, phi);
      }
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(config_path_ + ": " + e.what());
    }
    if (no_train_ && !config.coefficients) {
      throw InvalidArgument(config_path_ +
                            ": --no-train prints the family of scale.coefficients; give them");
    }
    Json out = {{"name", config.name}, {"storage", url}};
    if (no_train_) {
      PrintFamily(config, *config.coefficients, nullptr, &out);
      return kExitSuccess;
    }
    auto storage = OpenStorage(url);
    const std::atomic<bool>& interrupted = InstallInterruptHandlers();
    StudyOptions options;
    options.space = CoefficientSpace();
    options.seed = config.seed;
    options.config = config.raw;
    options.directions = {Direction::kMaximize};

    nas::CompoundCoefficients chosen;
    if (config.coefficients) {
      chosen = *config.coefficients;
    } else {
      options.name = config.name + ".grid";
      Study study = Study::CreateOrLoad(storage, options);
      const std::optional<nas::CompoundCoefficients> best =
          SearchGrid(config, grid, study, interrupted, &out);
      if (!best) {
        ReportInterrupted();
        return kExitFailure;
      }
      chosen = *best;
    }
    options.name = config.name + ".family";
    Study family = Study::CreateOrLoad(storage, options);
    PrintFamily(config, chosen, &family, &out);
    if (!json_path_.empty()) WriteJsonFile(json_path_, out);
    return ReportInterrupted() ? kExitFailure : kExitSuccess;
#endif
  }

 private:
#ifdef AUTOML_HAVE_TORCH
  // Trains the base scaled by every grid point at phi = 1 and returns the point of the best
  // validation accuracy (the first such, in grid order); nullopt when interrupted or none trained.
  std::optional<nas::CompoundCoefficients> SearchGrid(
      const ScaleConfig& config, const std::vector<nas::CompoundCoefficients>& grid, Study& study,
      const std::atomic<bool>& interrupted, Json* out) const {
    Table table({"alpha", "beta", "gamma", "a*b^2*g^2", "depth|width|res", "params", "FLOPs",
                 "FLOPs x", "val acc"});
    const double base_flops = static_cast<double>(MakeMember(config, {}, 0).flops);
    Json points = Json::array();
    std::optional<nas::CompoundCoefficients> best;
    double best_val = -1;
    for (size_t i = 0; i < grid.size(); ++i) {
      Member member = MakeMember(config, grid[i], 1.0);
      member.config["seed"] = config.seed;
      if (config.grid_epochs) member.config["epochs"] = *config.grid_epochs;
      const std::string label = "grid " + std::to_string(i + 1) + "/" + std::to_string(grid.size());
      const std::optional<Outcome> o = TrainOnce(study, ParamsOf(grid[i], 1.0),
                                                 Json{
                                                     { "seed",
                                                       config.seed }},
                                                 member.config, label, interrupted);
      if (!o) return std::nullopt;
      if (o->val && *o->val > best_val) {
        best_val = *o->val;
        best = grid[i];
      }
      table.Add({Fixed(grid[i].alpha, 2), Fixed(grid[i].beta, 2), Fixed(grid[i].gamma, 2),
                 Fixed(grid[i].FlopsFactor(), 3), ShapeText(member), std::to_string(member.params),
                 std::to_string(member.flops), Fixed(member.flops / base_flops, 2),
                 o->val ? Fixed(*o->val, 4) : o->state});
      points.push_back({{"coefficients", grid[i].ToJson()},
                        {"flops_factor", grid[i].FlopsFactor()},
                        {"arch", nas::ToJson(member.arch)},
                        {"resolution", member.resolution},
                        {"params", member.params},
                        {"flops", member.flops},
                        {"val_accuracy", o->val ? Json(*o->val) : Json(nullptr)},
                        { "seconds",
                          o->seconds }});
    }
    std::printf("grid search at phi = 1 (%s):\n", study.name().c_str());
    table.Print(stdout);
    (*out)["grid"] = points;
    if (!best) throw FailedPrecondition("scale: every grid point failed; see the study's trials");
    std::printf("chosen: alpha %.2f, beta %.2f, gamma %.2f (val acc %.4f)\n", best->alpha,
                best->beta, best->gamma, best_val);
    (*out)["chosen"] = best->ToJson();
    return best;
  }

  static std::string ShapeText(const Member& m) {
    return Fixed(m.m.depth, 2) + "|" + Fixed(m.m.width, 2) + "|" + std::to_string(m.resolution);
  }

  // Prints the family of |k| and, with a study, trains each member once per seed.
  void PrintFamily(const ScaleConfig& config, const nas::CompoundCoefficients& k, Study* study,
                   Json* out) const {
    const std::atomic<bool>& interrupted = InterruptFlag();
    Table table({"phi", "depth", "width", "res", "params", "FLOPs", "FLOPs x", "val acc",
                 "test acc", "seeds", "architecture"});
    const double base_flops = static_cast<double>(MakeMember(config, k, 0).flops);
    Json members = Json::array();
    for (const double phi : config.phi) {
      Member member = MakeMember(config, k, phi);
      Json runs = Json::array();
      std::vector<double> vals, tests;
      for (const uint64_t seed : config.seeds) {
        if (study == nullptr) break;
        member.config["seed"] = seed;
        const std::optional<Outcome> o = TrainOnce(
            *study, ParamsOf(k, phi),
            Json{
                { "seed",
                  seed }},
            member.config, "phi " + Fixed(phi, 2) + " seed " + std::to_string(seed), interrupted);
        if (!o) break;
        if (o->val) vals.push_back(*o->val);
        if (o->test) tests.push_back(*o->test);
        runs.push_back({{"seed", seed},
                        {"state", o->state},
                        {"val_accuracy", o->val ? Json(*o->val) : Json(nullptr)},
                        {"test_accuracy", o->test ? Json(*o->test) : Json(nullptr)},
                        { "seconds",
                          o->seconds }});
      }
      table.Add({Fixed(phi, 2), Fixed(member.m.depth, 3), Fixed(member.m.width, 3),
                 std::to_string(member.resolution), std::to_string(member.params),
                 std::to_string(member.flops), Fixed(member.flops / base_flops, 2), MeanText(vals),
                 MeanText(tests), std::to_string(tests.size()), OpsText(member.arch)});
      members.push_back({{"phi", phi},
                         {"depth", member.m.depth},
                         {"width", member.m.width},
                         {"resolution", member.resolution},
                         {"arch", nas::ToJson(member.arch)},
                         {"params", member.params},
                         {"flops", member.flops},
                         { "runs",
                           runs }});
    }
    std::printf("family of alpha %.2f, beta %.2f, gamma %.2f%s:\n", k.alpha, k.beta, k.gamma,
                study ? (" (" + study->name() + ")").c_str() : "");
    table.Print(stdout);
    (*out)["coefficients"] = k.ToJson();
    (*out)["family"] = members;
  }

  // "0.8712 ± 0.0021" (mean ± sample standard deviation), "-" for none.
  static std::string MeanText(const std::vector<double>& v) {
    if (v.empty()) return "-";
    double mean = 0;
    for (const double x : v) mean += x / static_cast<double>(v.size());
    if (v.size() == 1) return Fixed(mean, 4);
    double ss = 0;
    for (const double x : v) ss += (x - mean) * (x - mean);
    return Fixed(mean, 4) + " ± " + Fixed(std::sqrt(ss / static_cast<double>(v.size() - 1)), 4);
  }
#endif  // AUTOML_HAVE_TORCH

  std::string config_path_;
  std::string storage_;
  std::string json_path_;
  bool no_train_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeScaleCommand() { return std::make_unique<ScaleCommand>(); }

}  // namespace automl::cli
