#include "automl/samplers/econas_sampler.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/genetic_operators.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/one_decision.h"

namespace automl {
namespace {

constexpr char kWho[] = "sampler 'econas'";

uint64_t Stream() { return kSamplerStream ^ HashName("econas"); }

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument(std::string(kWho) + " optimizes a single objective; the study has " +
                          std::to_string(objectives) + " (use sampler 'nsga2')");
  }
}

bool Completed(const FrozenTrial& t) {
  return t.state == TrialState::kComplete && t.values.size() == 1;
}

// ---- The history as networks --------------------------------------------------------------------

// A trial with a directive.
struct Node {
  const FrozenTrial* trial;
  EcoNasDirective directive;
};

struct Network {
  const FrozenTrial* root;    // its level-1 trial
  const FrozenTrial* latest;  // its latest COMPLETE trial
  int64_t level = 1;
  int64_t last_update = 0;  // the iteration of |latest|
  bool continued = false;   // a trial (any state) continues |latest|
  double value() const { return latest->values.front(); }
};

// The study's trials read as EcoNAS networks; everything but trial |except_number| (the one being
// planned). Keeps pointers into |trials|.
class Networks {
 public:
  Networks(const std::vector<FrozenTrial>& trials, int64_t except_number) {
    for (const FrozenTrial& t : trials) {
      if (t.number == except_number) continue;
      if (std::optional<EcoNasDirective> d = EcoNasDirective::Of(t)) nodes_.push_back({&t, *d});
    }
    for (const Node& node : nodes_) {
      by_number_.emplace(node.trial->number, &node);
      if (node.directive.continues) continuations_[*node.directive.continues].push_back(&node);
    }
    for (const Node& node : nodes_) {
      if (node.directive.level != 1 || !Completed(*node.trial)) continue;
      Network network{node.trial, node.trial, 1, node.directive.iteration, false};
      // The first COMPLETE continuation (the lowest number) carries the network on.
      for (;;) {
        const auto it = continuations_.find(network.latest->number);
        if (it == continuations_.end()) break;
        network.continued = true;
        const auto next = std::find_if(it->second.begin(), it->second.end(), [&](const Node* c) {
          return c->directive.level == network.level + 1 && Completed(*c->trial);
        });
        if (next == it->second.end()) break;
        network.latest = (*next)->trial;
        network.level = (*next)->directive.level;
        network.last_update = (*next)->directive.iteration;
        network.continued = false;
      }
      networks_.push_back(network);
    }
  }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Network>& networks() const { return networks_; }
  // The directive of trial |number|, if it has one.
  const Node* Find(int64_t number) const {
    const auto it = by_number_.find(number);
    return it == by_number_.end() ? nullptr : it->second;
  }

 private:
  std::vector<Node> nodes_;  // by number
  std::map<int64_t, const Node*> by_number_;
  std::map<int64_t, std::vector<const Node*>> continuations_;  // by the number they continue
  std::vector<Network> networks_;                              // by their root's number
};

// ---- The plan -----------------------------------------------------------------------------------

struct Plan {
  int64_t iteration = 0;
  const Network* continued = nullptr;  // the network to continue; none for a new network
};

bool InPopulation(const Network& n, int64_t iteration, int64_t max_age) {
  return n.last_update >= iteration - max_age;
}

// Whether |a| goes before |b|: a better value, or the older network among equals.
bool Ahead(Direction direction, const Network& a, const Network& b) {
  if (Better(direction, a.value(), b.value())) return true;
  if (Better(direction, b.value(), a.value())) return false;
  return a.root->number < b.root->number;
}

Plan MakePlan(const Networks& history, const EcoNasSamplerOptions& options, Direction direction) {
  // The current iteration: the largest of the trials the schedule made (retries re-run those).
  int64_t iteration = 0;
  for (const Node& node : history.nodes()) {
    if (!node.trial->retry_of) iteration = std::max(iteration, node.directive.iteration);
  }
  // Trials of the current iteration by level.
  std::map<int64_t, int64_t> made;
  for (const Node& node : history.nodes()) {
    if (!node.trial->retry_of && node.directive.iteration == iteration) {
      ++made[node.directive.level];
    }
  }
  const int64_t new_networks = iteration == 0 ? options.population : options.children;
  if (made[1] < new_networks) return Plan{iteration, nullptr};
  for (int64_t k = 1; k < options.levels; ++k) {
    if (made[k + 1] >= options.promote[static_cast<size_t>(k - 1)]) continue;
    const Network* best = nullptr;
    for (const Network& n : history.networks()) {
      if (n.level != k || n.continued || !InPopulation(n, iteration, options.max_age)) continue;
      if (!best || Ahead(direction, n, *best)) best = &n;
    }
    if (best) return Plan{iteration, best};
  }
  return Plan{iteration + 1, nullptr};
}

// The best of |sample_size| members of |group| drawn without replacement (the first drawn among
// equals).
const Network& TournamentWinner(const std::vector<const Network*>& group, size_t sample_size,
                                Direction direction, Rng& rng) {
  std::vector<size_t> everyone(group.size());
  std::iota(everyone.begin(), everyone.end(), size_t{0});
  const auto better = [&](size_t a, size_t b) {
    return Better(direction, group[a]->value(), group[b]->value());
  };
  return *group[TournamentSelect(everyone, sample_size, better, rng)];
}

void Write(const Study& study, const FrozenTrial& trial, const EcoNasDirective& directive) {
  study.storage().SetTrialSystemAttr(trial.id, kEcoNasAttr, directive.ToJson());
}

}  // namespace

// ---- The directive ------------------------------------------------------------------------------

Json EcoNasDirective::ToJson() const {
  return Json{{"level", level},
              {"levels", levels},
              {"continues", continues ? Json(*continues) : Json(nullptr)},
              {"iteration", iteration}};
}

std::optional<EcoNasDirective> EcoNasDirective::FromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  const auto integer = [&](const char* key) -> std::optional<int64_t> {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  EcoNasDirective d;
  const std::optional<int64_t> level = integer("level");
  const std::optional<int64_t> levels = integer("levels");
  const std::optional<int64_t> iteration = integer("iteration");
  const auto continues = json.find("continues");
  if (!level || !levels || !iteration || continues == json.end()) return std::nullopt;
  d.level = *level;
  d.levels = *levels;
  d.iteration = *iteration;
  if (continues->is_number_integer()) {
    d.continues = continues->get<int64_t>();
  } else if (!continues->is_null()) {
    return std::nullopt;
  }
  if (d.level < 1 || d.level > d.levels || d.iteration < 0) return std::nullopt;
  if ((d.level == 1) != !d.continues) return std::nullopt;
  return d;
}

std::optional<EcoNasDirective> EcoNasDirective::Of(const FrozenTrial& trial) {
  const auto it = trial.system_attrs.find(kEcoNasAttr);
  if (it == trial.system_attrs.end()) return std::nullopt;
  return FromJson(*it);
}

// ---- Options ------------------------------------------------------------------------------------

std::vector<int64_t> EcoNasSamplerOptions::DefaultPromote(int64_t levels) {
  std::vector<int64_t> promote;
  int64_t quota = 8;
  for (int64_t k = 1; k < levels; ++k) {
    promote.push_back(quota);
    quota = std::max<int64_t>(1, quota / 2);
  }
  return promote;
}

EcoNasSamplerOptions EcoNasSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  EcoNasSamplerOptions o;
  o.population = options.Int("population", o.population, 1, int64_t{1} << 20);
  o.children = options.Int("children", o.children, 1, int64_t{1} << 20);
  o.levels = options.Int("levels", o.levels, 1, 100);
  o.promote = DefaultPromote(o.levels);
  const Json promote = options.Raw("promote");
  if (!promote.is_null()) {
    if (!promote.is_array()) {
      throw InvalidArgument(options.Describe("promote") + " must be a list of levels - 1 = " +
                            std::to_string(o.levels - 1) + " integers, not " + promote.dump());
    }
    o.promote.clear();
    for (const Json& quota : promote) {
      if (!quota.is_number_integer()) {
        throw InvalidArgument(options.Describe("promote") + " must hold integers, not " +
                              quota.dump());
      }
      o.promote.push_back(quota.get<int64_t>());
    }
  }
  o.sample_size = options.Int("sample_size", o.sample_size, 1, int64_t{1} << 20);
  o.max_age = options.Int("max_age", o.max_age, 1, int64_t{1} << 40);
  o.mutation_scale = options.Double("mutation_scale", o.mutation_scale, 0.0, 1.0);
  o.Validate();
  return o;
}

void EcoNasSamplerOptions::Validate() const {
  const auto fail = [](const std::string& option, const std::string& rule) {
    throw InvalidArgument(std::string(kWho) + ": option '" + option + "' " + rule);
  };
  if (population < 1) {
    fail("population", "must be at least 1, not " + std::to_string(population));
  }
  if (children < 1) fail("children", "must be at least 1, not " + std::to_string(children));
  if (levels < 1 || levels > 100) {
    fail("levels", "must lie in [1, 100], not " + std::to_string(levels));
  }
  if (static_cast<int64_t>(promote.size()) != levels - 1) {
    fail("promote", "must hold levels - 1 = " + std::to_string(levels - 1) +
                        " quotas (one per level that can be continued), not " +
                        std::to_string(promote.size()));
  }
  for (int64_t quota : promote) {
    if (quota < 0) fail("promote", "must hold quotas >= 0, not " + std::to_string(quota));
  }
  if (sample_size < 1) {
    fail("sample_size", "must be at least 1, not " + std::to_string(sample_size));
  }
  if (max_age < 1) fail("max_age", "must be at least 1, not " + std::to_string(max_age));
  if (!(mutation_scale > 0 && mutation_scale <= 1)) {
    fail("mutation_scale", "must lie in (0, 1], not " + std::to_string(mutation_scale));
  }
}

// ---- The sampler --------------------------------------------------------------------------------

EcoNasSampler::EcoNasSampler(const SearchSpace& space, uint64_t seed, EcoNasSamplerOptions options,
                             const std::vector<Direction>& directions)
    : space_(space), seed_(seed), options_(std::move(options)) {
  options_.Validate();
  if (!directions.empty()) CheckSingleObjective(directions.size());
}

std::vector<std::string> EcoNasSampler::RelativeParams(const Study& study,
                                                       const FrozenTrial& trial) const {
  // Without parameters SampleRelative is not called: the directive is written here.
  if (space_.size() == 0) Propose(study, trial);
  std::vector<std::string> names;
  names.reserve(space_.size());
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap EcoNasSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                       const std::vector<std::string>& /*names*/) const {
  return Propose(study, trial);
}

ParamMap EcoNasSampler::Propose(const Study& study, const FrozenTrial& trial) const {
  CheckSingleObjective(study.directions().size());
  if (trial.id < 0) {
    throw FailedPrecondition(std::string(kWho) + " samples claimed trials only: trial " +
                             std::to_string(trial.number) + " has no storage id for its directive");
  }
  const Direction direction = study.directions().front();
  const std::vector<FrozenTrial> trials = study.Trials();
  const Networks history(trials, trial.number);

  // An enqueued trial or a retry keeps its parameters.
  if (!trial.sample_index) {
    if (trial.retry_of) {
      if (const Node* original = history.Find(*trial.retry_of)) {
        Write(study, trial, original->directive);
        return {};
      }
    }
    const Plan plan = MakePlan(history, options_, direction);
    Write(study, trial, EcoNasDirective{1, options_.levels, std::nullopt, plan.iteration});
    return {};
  }

  const Plan plan = MakePlan(history, options_, direction);
  if (plan.continued) {
    const Network& network = *plan.continued;
    Write(study, trial,
          EcoNasDirective{network.level + 1, options_.levels, network.latest->number,
                          plan.iteration});
    return network.latest->params;
  }
  Write(study, trial, EcoNasDirective{1, options_.levels, std::nullopt, plan.iteration});

  const internal::PointSet taken(space_, trials, trial.number);
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), Stream()));
  std::map<int64_t, std::vector<const Network*>> by_level;
  if (plan.iteration > 0) {
    for (const Network& n : history.networks()) {
      if (InPopulation(n, plan.iteration, options_.max_age)) by_level[n.level].push_back(&n);
    }
  }
  if (by_level.empty()) return internal::RandomNewPoint(space_, seed_, trial, taken, rng);
  std::vector<const std::vector<const Network*>*> groups;
  groups.reserve(by_level.size());
  for (const auto& [level, group] : by_level) groups.push_back(&group);
  const auto sample_size = static_cast<size_t>(options_.sample_size);
  return internal::NewMutant(
      space_, options_.mutation_scale,
      [&](Rng& r) -> const ParamMap& {
        const std::vector<const Network*>& group = *groups[r.Below(groups.size())];
        return TournamentWinner(group, sample_size, direction, r).latest->params;
      },
      taken, rng);
}

ParamValue EcoNasSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                            const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
