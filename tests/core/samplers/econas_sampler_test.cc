#include "automl/samplers/econas_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/registry.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storage.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"
#include "testing/temp_dir.h"

namespace automl {
namespace {

EcoNasSamplerOptions Options(int64_t population, int64_t children, std::vector<int64_t> promote,
                             int64_t sample_size = 3, int64_t max_age = 10) {
  EcoNasSamplerOptions options;
  options.population = population;
  options.children = children;
  options.levels = static_cast<int64_t>(promote.size()) + 1;
  options.promote = std::move(promote);
  options.sample_size = sample_size;
  options.max_age = max_age;
  return options;
}

// Small enough that the suite's runs (30 to 200 trials) go through many iterations: 20 random
// networks with 6 continuations, then 8 children and 6 continuations per iteration. The suite's
// objectives ignore directives, which is all the suite needs: a continuation repeats its parent's
// parameters by design, and no test of the suite asks every trial to differ (the distinct-point
// checks count distinct values or ask for more than half of the trials to differ, which the 8 new
// networks of every 14 trials give).
struct EcoNasFactory {
  static constexpr char kName[] = "econas";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    return std::make_unique<EcoNasSampler>(space, seed, Options(20, 8, {4, 2}, 5));
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(EcoNas, SamplerConformanceTest, EcoNasFactory, SamplerFactoryName);
}  // namespace testing

namespace {

Study NewStudy(const SearchSpace& space, std::unique_ptr<Sampler> sampler, uint64_t seed,
               std::shared_ptr<Storage> storage = std::make_shared<InMemoryStorage>(),
               Direction direction = Direction::kMinimize) {
  StudyOptions options;
  options.name = "econas";
  options.space = space;
  options.seed = seed;
  options.directions = {direction};
  return Study::CreateOrLoad(std::move(storage), options, std::move(sampler));
}

Study EcoNasStudy(const SearchSpace& space, uint64_t seed, const EcoNasSamplerOptions& options,
                  std::shared_ptr<Storage> storage = std::make_shared<InMemoryStorage>(),
                  Direction direction = Direction::kMinimize) {
  return NewStudy(space, std::make_unique<EcoNasSampler>(space, seed, options), seed,
                  std::move(storage), direction);
}

EcoNasDirective DirectiveOf(const FrozenTrial& trial) {
  const std::optional<EcoNasDirective> d = EcoNasDirective::Of(trial);
  if (!d) {
    ADD_FAILURE() << "trial " << trial.number << " has no directive: " << trial.system_attrs.dump();
    return {};
  }
  return *d;
}

// A value per parameter set that differs between sets (almost surely), so that rankings are
// never decided by a tie.
double HashScore(const ParamMap& params) {
  return static_cast<double>(HashName(ParamsToJson(params).dump()) % 1000003) / 1000003.0;
}

// What a trial scores: a network's value falls as it trains (minimized), by its architecture.
using Objective = std::function<double(const FrozenTrial&, const EcoNasDirective&)>;

double Trained(const FrozenTrial& trial, const EcoNasDirective& d) {
  return HashScore(trial.params) + 1.0 / static_cast<double>(d.level);
}

// Asks for |n| trials one after another and tells each its value; checks that the Trial handed
// out carries the stored directive.
void Train(Study& study, int n, const Objective& objective = Trained) {
  for (int i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    const EcoNasDirective d = DirectiveOf(trial.record());
    EXPECT_EQ(d, DirectiveOf(study.GetTrial(trial.number()))) << "trial " << trial.number();
    study.Tell(trial, objective(trial.record(), d));
  }
}

// The trials and their directives, by number.
struct Record {
  FrozenTrial trial;
  EcoNasDirective d;
};

std::vector<Record> Records(const Study& study) {
  std::vector<Record> records;
  for (FrozenTrial& t : study.Trials()) {
    const EcoNasDirective d = DirectiveOf(t);
    records.push_back({std::move(t), d});
  }
  return records;
}

// ---- An oracle, independent of the sampler's code -----------------------------------------------

// A network as the test reads the history of trials numbered below |before| (all finished when
// the trials are run one after another).
struct Net {
  int64_t root;
  int64_t latest;
  int64_t level;
  int64_t last_update;
  double value;
  ParamMap params;
};

std::vector<Net> NetworksBefore(const std::vector<Record>& records, int64_t before) {
  std::vector<Net> nets;
  for (const Record& r : records) {
    if (r.trial.number >= before || r.d.level != 1 || r.trial.state != TrialState::kComplete) {
      continue;
    }
    Net net{r.trial.number, r.trial.number, 1, r.d.iteration, r.trial.value(), r.trial.params};
    for (bool more = true; more;) {
      more = false;
      for (const Record& c : records) {  // by number: the first complete one
        if (c.trial.number < before && c.d.continues == net.latest &&
            c.trial.state == TrialState::kComplete) {
          net = {net.root, c.trial.number, c.d.level, c.d.iteration, c.trial.value(), net.params};
          more = true;
          break;
        }
      }
    }
    nets.push_back(net);
  }
  return nets;
}

// Whether some trial numbered below |before| continues trial |number|.
bool ContinuedBefore(const std::vector<Record>& records, int64_t number, int64_t before) {
  return std::any_of(records.begin(), records.end(), [&](const Record& r) {
    return r.trial.number < before && r.d.continues == number;
  });
}

// Whether |child| differs from |parent| in exactly one value (spaces without conditions).
bool OneDecisionApart(const ParamMap& parent, const ParamMap& child) {
  if (parent.size() != child.size()) return false;
  int differences = 0;
  for (const auto& [name, value] : child) {
    const auto it = parent.find(name);
    if (it == parent.end()) return false;
    differences += it->second != value;
  }
  return differences == 1;
}

// |n| categoricals of |choices| integer choices each, named c0, c1, ...: random points are
// almost never one decision apart, so that a child shows its parent.
SearchSpace Categoricals(int n, int choices) {
  std::vector<ParamValue> values;
  for (int k = 0; k < choices; ++k) values.emplace_back(k);
  std::vector<ParamSpec> params;
  for (int i = 0; i < n; ++i) {
    params.push_back(ParamSpec::Categorical("c" + std::to_string(i), values));
  }
  return SearchSpace(params);
}

// ---- The schedule -------------------------------------------------------------------------------

// Iteration 0 is `population` new networks, the `random` sampler's points, trained from scratch;
// the Trial that Ask hands out carries the directive.
TEST(EcoNasSamplerTest, FirstPopulationIsNewRandomNetworks) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    Study econas = EcoNasStudy(space, 3, Options(6, 3, {2, 1}));
    Study random = NewStudy(space, std::make_unique<RandomSampler>(3), 3);
    for (int i = 0; i < 6; ++i) {
      Trial a = econas.Ask();
      Trial b = random.Ask();
      EXPECT_EQ(a.params(), b.params()) << "trial " << i;
      EXPECT_EQ(a.record().system_attrs.at(kEcoNasAttr),
                (Json{{"level", 1}, {"levels", 3}, {"continues", nullptr}, {"iteration", 0}}));
      econas.Tell(a, HashScore(a.params()));
      random.Tell(b, 1.0);
    }
    // Then the best network is continued.
    const Trial next = econas.Ask();
    EXPECT_EQ(DirectiveOf(next.record()).level, 2);
  }
}

// One worker: every iteration is its new networks, then exactly promote[0] continuations to level
// 2, then promote[1] to level 3; each continuation has its parent's parameters, one level more,
// and continues a COMPLETE trial that nothing else continues.
TEST(EcoNasSamplerTest, EachIterationContinuesExactlyItsQuotas) {
  const SearchSpace space = testing::MixedSpace();
  Study study = EcoNasStudy(space, 5, Options(8, 4, {3, 2}));
  Train(study, 8 + 5 + 6 * 9);
  const std::vector<Record> records = Records(study);
  std::map<int64_t, std::vector<int64_t>> levels_by_iteration;
  std::set<int64_t> continued;
  for (const Record& r : records) {
    levels_by_iteration[r.d.iteration].push_back(r.d.level);
    EXPECT_EQ(r.d.levels, 3);
    if (r.d.level == 1) {
      EXPECT_FALSE(r.d.continues.has_value());
      continue;
    }
    ASSERT_TRUE(r.d.continues.has_value());
    const Record& parent = records.at(static_cast<size_t>(*r.d.continues));
    EXPECT_LT(parent.trial.number, r.trial.number);
    EXPECT_EQ(parent.trial.state, TrialState::kComplete);
    EXPECT_EQ(parent.d.level + 1, r.d.level);
    EXPECT_EQ(parent.trial.params, r.trial.params);
    EXPECT_TRUE(continued.insert(parent.trial.number).second)
        << "trial " << parent.trial.number << " continued twice";
  }
  ASSERT_EQ(levels_by_iteration.size(), 7u);
  EXPECT_EQ(levels_by_iteration[0], (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3}));
  for (int64_t j = 1; j <= 6; ++j) {
    EXPECT_EQ(levels_by_iteration[j], (std::vector<int64_t>{1, 1, 1, 1, 2, 2, 2, 3, 3}))
        << "iteration " << j;
  }
}

// Each continuation goes to the best candidate of its group: a network finished at the level
// below, in the population (aging), not continued yet; checked against the test's own reading of
// the history, on both directions.
TEST(EcoNasSamplerTest, TheBestNetworksAreContinued) {
  for (const Direction direction : {Direction::kMinimize, Direction::kMaximize}) {
    for (const int64_t max_age : {1, 3, 100}) {
      SCOPED_TRACE(std::string(DirectionName(direction)) + ", max_age " + std::to_string(max_age));
      const SearchSpace space = Categoricals(6, 10);
      Study study = EcoNasStudy(space, 9, Options(10, 4, {3, 2}, 3, max_age),
                                std::make_shared<InMemoryStorage>(), direction);
      Train(study, 150);
      const std::vector<Record> records = Records(study);
      int64_t checked = 0;
      for (const Record& r : records) {
        if (r.d.level == 1) continue;
        const int64_t j = r.d.iteration;
        std::optional<Net> best;
        for (const Net& net : NetworksBefore(records, r.trial.number)) {
          if (net.level != r.d.level - 1 || net.last_update < j - max_age ||
              ContinuedBefore(records, net.latest, r.trial.number)) {
            continue;
          }
          if (!best || Better(direction, net.value, best->value)) best = net;
        }
        ASSERT_TRUE(best.has_value()) << "trial " << r.trial.number << " had no candidate";
        EXPECT_EQ(*r.d.continues, best->latest) << "trial " << r.trial.number;
        ++checked;
      }
      EXPECT_GT(checked, 50);
    }
  }
}

// A child of iteration j >= 1 is one decision away from a network of the population at j; with
// tournaments of the whole group, from the best network of one of the groups.
TEST(EcoNasSamplerTest, ChildrenComeFromTournamentsWithinGroups) {
  const SearchSpace space = Categoricals(8, 10);
  for (const int64_t sample_size : {2, 1000}) {
    SCOPED_TRACE("sample_size " + std::to_string(sample_size));
    const int64_t max_age = 2;
    Study study = EcoNasStudy(space, 17, Options(10, 4, {3, 2}, sample_size, max_age));
    Train(study, 120);
    const std::vector<Record> records = Records(study);
    std::set<int64_t> parent_levels;
    int64_t children = 0;
    for (const Record& r : records) {
      if (r.d.level != 1 || r.d.iteration == 0) continue;
      ++children;
      const int64_t j = r.d.iteration;
      std::map<int64_t, Net> group_best;
      std::vector<Net> population;
      for (const Net& net : NetworksBefore(records, r.trial.number)) {
        if (net.last_update < j - max_age) continue;
        population.push_back(net);
        const auto it = group_best.find(net.level);
        if (it == group_best.end() || net.value < it->second.value) group_best[net.level] = net;
      }
      std::vector<const Net*> parents;
      if (sample_size == 1000) {
        for (const auto& [level, net] : group_best) {
          if (OneDecisionApart(net.params, r.trial.params)) parents.push_back(&net);
        }
      } else {
        for (const Net& net : population) {
          if (OneDecisionApart(net.params, r.trial.params)) parents.push_back(&net);
        }
      }
      ASSERT_FALSE(parents.empty()) << "trial " << r.trial.number << " has no parent";
      for (const Net* p : parents) parent_levels.insert(p->level);
    }
    EXPECT_GT(children, 30);
    // Parents come from every group.
    EXPECT_EQ(parent_levels, (std::set<int64_t>{1, 2, 3}));
  }
}

// Networks not trained for max_age iterations leave the population: the first population's
// networks are by far the best (value 0), yet once they are max_age iterations old the ones that
// were not continued are never continued, while without aging they are.
TEST(EcoNasSamplerTest, AgingDropsNetworks) {
  const SearchSpace space = Categoricals(6, 10);
  const auto run = [&](int64_t max_age) {
    Study study = EcoNasStudy(space, 21, Options(16, 4, {2, 1}, 3, max_age));
    // A network keeps its first trial's value at every level: the first 16 stay at 0.
    std::map<int64_t, int64_t> root_of;
    for (int i = 0; i < 16 + 3 + 8 * 7; ++i) {
      Trial trial = study.Ask();
      const EcoNasDirective d = DirectiveOf(trial.record());
      const int64_t root = d.continues ? root_of.at(*d.continues) : trial.number();
      root_of[trial.number()] = root;
      study.Tell(trial, root < 16 ? 0.0 : 1.0 + HashScore(trial.params()));
    }
    // For each iteration: the iteration of the networks its level-2 continuations continue.
    std::map<int64_t, std::set<int64_t>> continued_from;
    const std::vector<Record> records = Records(study);
    for (const Record& r : records) {
      if (r.d.level == 2) {
        continued_from[r.d.iteration].insert(
            records.at(static_cast<size_t>(*r.d.continues)).d.iteration);
      }
    }
    return continued_from;
  };
  // Without aging the 16 first networks are continued two per iteration: iterations 0 .. 7.
  const std::map<int64_t, std::set<int64_t>> ageless = run(100);
  for (int64_t j = 0; j <= 7; ++j) EXPECT_EQ(ageless.at(j), std::set<int64_t>{0}) << j;
  // With max_age 2 they leave the population at iteration 3.
  const std::map<int64_t, std::set<int64_t>> aging = run(2);
  for (int64_t j = 0; j <= 2; ++j) EXPECT_EQ(aging.at(j), std::set<int64_t>{0}) << j;
  for (int64_t j = 3; j <= 7; ++j) {
    ASSERT_TRUE(aging.count(j)) << j;
    EXPECT_EQ(aging.at(j).count(0), 0u) << "iteration " << j << " continued an aged network";
  }
}

// A continuation that fails ends its network at the level below: it is not continued again, and
// the quota goes to the next best network.
TEST(EcoNasSamplerTest, AFailedContinuationEndsItsNetwork) {
  const SearchSpace space = Categoricals(4, 10);
  Study study = EcoNasStudy(space, 4, Options(5, 2, {2, 1}));
  Train(study, 5);
  Trial first = study.Ask();
  const EcoNasDirective d = DirectiveOf(first.record());
  ASSERT_EQ(d.level, 2);
  const int64_t failed_parent = *d.continues;
  study.Tell(first, TrialState::kFailed, "out of memory");
  Train(study, 40);
  const std::vector<Record> records = Records(study);
  int64_t level2_in_0 = 0;
  for (const Record& r : records) {
    if (r.trial.number == first.number()) continue;
    EXPECT_NE(r.d.continues, failed_parent) << "trial " << r.trial.number;
    EXPECT_NE(r.d.continues, first.number()) << "trial " << r.trial.number;
    if (r.d.level == 2 && r.d.iteration == 0) ++level2_in_0;
  }
  // The failed trial used one of iteration 0's two level-2 slots.
  EXPECT_EQ(level2_in_0, 1);
}

// No architecture is tried twice among new networks, however its decisions spell it; a
// continuation has its parent's architecture.
TEST(EcoNasSamplerTest, NoArchitectureTwiceAmongNewNetworks) {
  const SearchSpace space = SearchSpace::FromJson(
      Json{{"arch",
            {{"type", "nasnet-cell"}, {"blocks", 1}, {"operations", {"identity", "conv_3x3"}}}}});
  Study study = EcoNasStudy(space, 11, Options(10, 5, {2, 1}));
  Train(study, 120);
  std::set<std::string> architectures;
  int64_t networks = 0;
  const std::vector<Record> records = Records(study);
  for (const Record& r : records) {
    const std::string arch = space.CanonicalParams(r.trial.params).dump();
    if (r.d.level == 1) {
      ++networks;
      EXPECT_TRUE(architectures.insert(arch).second) << "trial " << r.trial.number << " repeats";
    } else {
      EXPECT_EQ(space.CanonicalParams(records.at(static_cast<size_t>(*r.d.continues)).trial.params)
                    .dump(),
                arch);
    }
  }
  EXPECT_GT(networks, 70);
}

// With one level there is nothing to continue: aging evolution in iterations of `children`.
TEST(EcoNasSamplerTest, OneLevelIsPlainEvolution) {
  Study study = EcoNasStudy(Categoricals(5, 10), 2, Options(6, 3, {}));
  Train(study, 30);
  const std::vector<Record> records = Records(study);
  for (const Record& r : records) {
    EXPECT_EQ(r.d.level, 1);
    EXPECT_EQ(r.d.levels, 1);
    EXPECT_EQ(r.d.iteration, r.trial.number < 6 ? 0 : 1 + (r.trial.number - 6) / 3);
  }
}

// Several trials asked before any is told (parallel workers): running candidates are not waited
// for, continuations go to finished networks only, and no network is continued twice.
TEST(EcoNasSamplerTest, AsksAheadOfTellsContinueFinishedNetworksOnly) {
  const SearchSpace space = Categoricals(6, 10);
  Study study = EcoNasStudy(space, 13, Options(8, 4, {3, 2}));
  std::set<int64_t> continued;
  for (int round = 0; round < 25; ++round) {
    std::vector<Trial> batch;
    for (int k = 0; k < 3; ++k) {
      batch.push_back(study.Ask());
      const EcoNasDirective d = DirectiveOf(batch.back().record());
      if (!d.continues) continue;
      const FrozenTrial parent = study.GetTrial(*d.continues);
      EXPECT_EQ(parent.state, TrialState::kComplete);
      EXPECT_EQ(parent.params, batch.back().params());
      EXPECT_EQ(DirectiveOf(parent).level + 1, d.level);
      EXPECT_TRUE(continued.insert(parent.number).second);
    }
    for (Trial& trial : batch)
      study.Tell(trial, Trained(trial.record(), DirectiveOf(trial.record())));
  }
  const std::vector<Record> records = Records(study);
  EXPECT_GT(
      std::count_if(records.begin(), records.end(), [](const Record& r) { return r.d.level == 3; }),
      5);
}

// ---- Enqueued trials and retries ----------------------------------------------------------------

// An enqueued trial keeps its values and is a new network; a re-run of a lost trial keeps its
// parameters and the original's directive (a retry of a continuation continues the same
// checkpoint) and does not use up a quota; the network goes on through the retry.
TEST(EcoNasSamplerTest, EnqueuedTrialsAndRetriesGetTheirDirectives) {
  const SearchSpace space = Categoricals(4, 10);
  Study study = EcoNasStudy(space, 6, Options(4, 2, {2, 1}));
  const ParamMap given = {{"c0", 1}, {"c1", 2}, {"c2", 3}, {"c3", 4}};
  study.Enqueue(given);
  Trial enqueued = study.Ask();
  EXPECT_EQ(enqueued.params(), given);
  EXPECT_EQ(DirectiveOf(enqueued.record()), (EcoNasDirective{1, 3, std::nullopt, 0}));
  study.Tell(enqueued, Trained(enqueued.record(), DirectiveOf(enqueued.record())));

  // A new network whose worker is lost: its retry trains it from scratch again.
  Trial lost = study.Ask();
  ASSERT_TRUE(study.storage().FailLostTrial(lost.id(), "worker lost", /*requeue=*/true));
  Trial retry = study.Ask();
  EXPECT_EQ(retry.record().retry_of, lost.number());
  EXPECT_EQ(retry.params(), lost.params());
  EXPECT_EQ(DirectiveOf(retry.record()), DirectiveOf(study.GetTrial(lost.number())));
  study.Tell(retry, Trained(retry.record(), DirectiveOf(retry.record())));
  Train(study, 2);  // the population's last two networks (the enqueued and the lost one count)

  // A lost continuation.
  Trial lost_continuation = study.Ask();
  const EcoNasDirective d = DirectiveOf(lost_continuation.record());
  ASSERT_EQ(d.level, 2);
  ASSERT_TRUE(study.storage().FailLostTrial(lost_continuation.id(), "worker lost", true));
  Trial retried_continuation = study.Ask();
  EXPECT_EQ(retried_continuation.record().retry_of, lost_continuation.number());
  EXPECT_EQ(retried_continuation.params(), lost_continuation.params());
  EXPECT_EQ(DirectiveOf(retried_continuation.record()), d);
  // Make it the best level-2 network, so that iteration 0's level-3 trial continues the retry.
  study.Tell(retried_continuation, -1.0);
  Train(study, 2);  // the second level-2 continuation and the level-3 one
  const std::vector<Record> records = Records(study);
  int64_t level2 = 0;
  int64_t level3 = 0;
  for (const Record& r : records) {
    if (r.d.iteration != 0 || r.trial.retry_of) continue;
    level2 += r.d.level == 2;
    level3 += r.d.level == 3;
    if (r.d.level == 3) {
      EXPECT_EQ(r.d.continues, retried_continuation.number());
    }
  }
  EXPECT_EQ(level2, 2) << "the retry used up a quota";
  EXPECT_EQ(level3, 1);
  EXPECT_EQ(DirectiveOf(study.Ask().record()).iteration, 1);
}

// A trial asked from a space without parameters gets its directive too.
TEST(EcoNasSamplerTest, EmptySpaceTrialsGetDirectives) {
  Study study = EcoNasStudy(SearchSpace(), 1, Options(2, 1, {1}));
  Train(study, 6,
        [](const FrozenTrial& t, const EcoNasDirective&) { return static_cast<double>(t.number); });
  std::vector<int64_t> levels;
  for (const Record& r : Records(study)) levels.push_back(r.d.level);
  EXPECT_EQ(levels, (std::vector<int64_t>{1, 1, 2, 1, 2, 1}));
}

// ---- Purity and reproducibility -----------------------------------------------------------------

TEST(EcoNasSamplerTest, SameSeedSameSequenceOfParamsAndDirectives) {
  const SearchSpace space = testing::ConditionalSpace();
  const auto run = [&](uint64_t seed) {
    Study study = EcoNasStudy(space, seed, Options(6, 3, {2, 1}));
    Train(study, 60);
    std::vector<std::pair<ParamMap, Json>> sequence;
    for (const FrozenTrial& t : study.Trials()) {
      sequence.emplace_back(t.params, t.system_attrs.at(kEcoNasAttr));
    }
    return sequence;
  };
  const auto first = run(31);
  EXPECT_EQ(first, run(31));
  const auto other = run(32);
  int64_t same = 0;
  for (size_t i = 0; i < first.size(); ++i) same += first[i].first == other[i].first;
  EXPECT_LT(same, 10);
}

// A study resumed by a new process (a new storage handle and sampler) in the middle of an
// iteration's continuations continues exactly, from memory and from a file.
TEST(EcoNasSamplerTest, ResumedStudyContinuesExactly) {
  const SearchSpace space = testing::MixedSpace();
  const EcoNasSamplerOptions options = Options(6, 3, {2, 1});
  Study whole = EcoNasStudy(space, 6, options);
  Train(whole, 40);
  const std::vector<FrozenTrial> expected = whole.Trials();

  testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.File("study.db") + "?synchronous=off";
  const std::vector<std::function<std::shared_ptr<Storage>()>> storages = {
      [memory = std::make_shared<InMemoryStorage>()] { return memory; },
      [&url] { return OpenStorage(url); }};
  for (const auto& open : storages) {
    {
      Study first = EcoNasStudy(space, 6, options, open());
      Train(first, 17);  // into iteration 1's continuations
    }
    Study second = EcoNasStudy(space, 6, options, open());
    Train(second, 23);
    const std::vector<FrozenTrial> resumed = second.Trials();
    ASSERT_EQ(resumed.size(), expected.size());
    for (size_t i = 0; i < resumed.size(); ++i) {
      EXPECT_EQ(resumed[i].params, expected[i].params) << i;
      EXPECT_EQ(resumed[i].system_attrs.at(kEcoNasAttr), expected[i].system_attrs.at(kEcoNasAttr))
          << i;
    }
  }
}

// The sampler must see claimed trials: it refuses a provisional one, and never samples ahead.
TEST(EcoNasSamplerTest, SamplesClaimedTrialsOnly) {
  const SearchSpace space = Categoricals(3, 4);
  const EcoNasSampler sampler(space, 1, Options(4, 2, {1}));
  EXPECT_FALSE(sampler.MaySampleAhead());
  Study study = EcoNasStudy(space, 1, Options(4, 2, {1}));
  FrozenTrial provisional;
  provisional.number = 0;
  provisional.sample_index = 0;
  provisional.state = TrialState::kRunning;
  EXPECT_THROW(
      sampler.SampleRelative(study, provisional, sampler.RelativeParams(study, provisional)),
      FailedPrecondition);
}

// ---- The directive ------------------------------------------------------------------------------

TEST(EcoNasSamplerTest, DirectiveReadsWhatItWrites) {
  const EcoNasDirective first{1, 3, std::nullopt, 0};
  const EcoNasDirective second{2, 3, 17, 4};
  EXPECT_EQ(first.ToJson().dump(), R"({"level":1,"levels":3,"continues":null,"iteration":0})");
  EXPECT_EQ(second.ToJson().dump(), R"({"level":2,"levels":3,"continues":17,"iteration":4})");
  EXPECT_EQ(EcoNasDirective::FromJson(first.ToJson()), first);
  EXPECT_EQ(EcoNasDirective::FromJson(second.ToJson()), second);
  for (const Json& bad :
       {Json(nullptr), Json(3), Json{{"level", 1}},
        Json{{"level", 0}, {"levels", 3}, {"continues", nullptr}, {"iteration", 0}},
        Json{{"level", 4}, {"levels", 3}, {"continues", 1}, {"iteration", 0}},
        Json{{"level", 2}, {"levels", 3}, {"continues", nullptr}, {"iteration", 0}},
        Json{{"level", 1}, {"levels", 3}, {"continues", 5}, {"iteration", 0}},
        Json{{"level", 1}, {"levels", 3}, {"continues", nullptr}, {"iteration", -1}},
        Json{{"level", 2}, {"levels", 3}, {"continues", "5"}, {"iteration", 0}}}) {
    EXPECT_FALSE(EcoNasDirective::FromJson(bad).has_value()) << bad.dump();
  }
  // 60 epochs in 3 chunks: [0, 20), [20, 40), [40, 60); 10 in 3: [0, 3), [3, 6), [6, 10).
  EXPECT_EQ(first.FirstEpoch(60), 0);
  EXPECT_EQ(first.EndEpoch(60), 20);
  EXPECT_EQ(second.FirstEpoch(60), 20);
  EXPECT_EQ(second.EndEpoch(60), 40);
  const EcoNasDirective third{3, 3, 20, 4};
  EXPECT_EQ(third.FirstEpoch(10), 6);
  EXPECT_EQ(third.EndEpoch(10), 10);
}

// ---- Options ------------------------------------------------------------------------------------

TEST(EcoNasSamplerTest, RegistryReadsItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = testing::MixedSpace();
  context.directions = {Direction::kMinimize};

  const std::unique_ptr<Sampler> plain = components.samplers.Create("econas", context);
  const auto& defaults = dynamic_cast<const EcoNasSampler&>(*plain);
  EXPECT_EQ(defaults.name(), "econas");
  EXPECT_EQ(defaults.options().population, 50);
  EXPECT_EQ(defaults.options().children, 16);
  EXPECT_EQ(defaults.options().levels, 3);
  EXPECT_EQ(defaults.options().promote, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(defaults.options().sample_size, 10);
  EXPECT_EQ(defaults.options().max_age, 10);
  EXPECT_EQ(defaults.options().mutation_scale, 0.1);

  const Json spec = {{"name", "econas"}, {"population", 30},      {"children", 5},
                     {"levels", 4},      {"promote", {6, 3, 1}},  {"sample_size", 7},
                     {"max_age", 4},     {"mutation_scale", 0.25}};
  const std::unique_ptr<Sampler> tuned = components.samplers.Create(spec, context);
  const auto& econas = dynamic_cast<const EcoNasSampler&>(*tuned);
  EXPECT_EQ(econas.options().population, 30);
  EXPECT_EQ(econas.options().children, 5);
  EXPECT_EQ(econas.options().levels, 4);
  EXPECT_EQ(econas.options().promote, (std::vector<int64_t>{6, 3, 1}));
  EXPECT_EQ(econas.options().sample_size, 7);
  EXPECT_EQ(econas.options().max_age, 4);
  EXPECT_EQ(econas.options().mutation_scale, 0.25);

  // Other numbers of levels get halving quotas unless given.
  const auto levels = [&](int64_t n) {
    const std::unique_ptr<Sampler> s =
        components.samplers.Create(Json{{"name", "econas"}, {"levels", n}}, context);
    return dynamic_cast<const EcoNasSampler&>(*s).options().promote;
  };
  EXPECT_EQ(levels(1), std::vector<int64_t>{});
  EXPECT_EQ(levels(2), std::vector<int64_t>{8});
  EXPECT_EQ(levels(5), (std::vector<int64_t>{8, 4, 2, 1}));
}

TEST(EcoNasSamplerTest, BadOptionsAreRefusedByName) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = testing::MixedSpace();
  context.directions = {Direction::kMinimize};
  const std::vector<std::pair<std::string, Json>> bad = {
      {"population", 0},      {"population", 2.5},   {"children", 0},
      {"children", "many"},   {"levels", 0},         {"levels", 101},
      {"promote", 8},         {"promote", {8}},      {"promote", {8, 4, 2}},
      {"promote", {8, -1}},   {"promote", {8, 2.5}}, {"sample_size", 0},
      {"max_age", 0},         {"mutation_scale", 0}, {"mutation_scale", 1.5},
      {"tournament_size", 3},
  };
  for (const auto& [key, value] : bad) {
    try {
      components.samplers.Create(Json{{"name", "econas"}, {key, value}}, context);
      ADD_FAILURE() << key << " = " << value.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
  }
  // Quotas that do not match the levels given with them.
  try {
    components.samplers.Create(Json{{"name", "econas"}, {"levels", 2}, {"promote", {8, 4}}},
                               context);
    ADD_FAILURE() << "2 quotas for 2 levels were accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'promote'"), std::string::npos) << e.what();
  }

  // The struct's own check, as a program that builds the sampler directly meets it.
  std::vector<std::pair<std::string, EcoNasSamplerOptions>> invalid;
  const auto with = [&](const std::string& key,
                        const std::function<void(EcoNasSamplerOptions&)>& f) {
    EcoNasSamplerOptions o;
    f(o);
    invalid.emplace_back(key, o);
  };
  with("population", [](EcoNasSamplerOptions& o) { o.population = 0; });
  with("children", [](EcoNasSamplerOptions& o) { o.children = -1; });
  with("levels", [](EcoNasSamplerOptions& o) { o.levels = 0; });
  with("promote", [](EcoNasSamplerOptions& o) { o.levels = 4; });
  with("promote", [](EcoNasSamplerOptions& o) { o.promote = {8, -4}; });
  with("sample_size", [](EcoNasSamplerOptions& o) { o.sample_size = 0; });
  with("max_age", [](EcoNasSamplerOptions& o) { o.max_age = 0; });
  with("mutation_scale", [](EcoNasSamplerOptions& o) { o.mutation_scale = 0; });
  with("mutation_scale", [](EcoNasSamplerOptions& o) { o.mutation_scale = std::nan(""); });
  for (const auto& [key, options] : invalid) {
    try {
      const EcoNasSampler sampler(context.space, 0, options);
      ADD_FAILURE() << key << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'econas'"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(EcoNasSamplerOptions{}.Validate());
}

TEST(EcoNasSamplerTest, RefusesSeveralObjectives) {
  const SearchSpace space = Categoricals(3, 3);
  const std::vector<Direction> two = {Direction::kMinimize, Direction::kMaximize};
  EXPECT_THROW(EcoNasSampler(space, 0, {}, two), InvalidArgument);
  SamplerContext context;
  context.space = space;
  context.directions = two;
  EXPECT_THROW(BuiltinComponents().samplers.Create("econas", context), InvalidArgument);

  // A sampler built without knowing the directions refuses when it meets the study.
  StudyOptions options;
  options.name = "two";
  options.space = space;
  options.directions = two;
  Study study = Study::CreateOrLoad(
      std::make_shared<InMemoryStorage>(), options,
      std::make_unique<EcoNasSampler>(space, 0, EcoNasSamplerOptions{}, std::vector<Direction>{}));
  try {
    study.Ask();
    ADD_FAILURE() << "a study with two objectives was sampled";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'econas'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace automl
