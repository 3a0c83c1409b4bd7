#include "automl/samplers/sobol_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

struct SobolFactory {
  static constexpr char kName[] = "sobol";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    return std::make_unique<SobolSampler>(space, seed);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Sobol, SamplerConformanceTest, SobolFactory, SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;

// A space of |n| unit floats, one Sobol' dimension each.
SearchSpace UnitSpace(size_t n) {
  std::vector<ParamSpec> params;
  for (size_t d = 0; d < n; ++d) params.push_back(ParamSpec::Float("x" + std::to_string(d), 0, 1));
  return SearchSpace(std::move(params));
}

SobolSamplerOptions Scramble(bool scramble) {
  SobolSamplerOptions options;
  options.scramble = scramble;
  return options;
}

// An independent Sobol' generator, written from Joe & Kuo's description ("Remark on algorithm
// 659", 2003, and their new-joe-kuo-6.21201 table), to check Boost's engine and how the sampler
// uses it. Dimension 0 is the van der Corput sequence; the others are given by the degree s of
// their primitive polynomial, its inner coefficients a and the initial direction numbers m.
struct JoeKuoRow {
  unsigned s;
  unsigned a;
  std::vector<uint32_t> m;
};
const JoeKuoRow kJoeKuo[] = {
    {1, 0, {1}},          {2, 1, {1, 3}},        {3, 1, {1, 3, 1}},        {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}}, {4, 4, {1, 3, 5, 13}}, {5, 2, {1, 1, 5, 5, 17}},
};
constexpr size_t kReferenceDims = 8;

// v[j] = m_j / 2^(j+1) as a 32-bit fraction, for bits j = 0..31.
std::vector<uint32_t> DirectionNumbers(size_t dim) {
  std::vector<uint32_t> m(32);
  if (dim == 0) {
    std::fill(m.begin(), m.end(), 1u);
  } else {
    const JoeKuoRow& row = kJoeKuo[dim - 1];
    for (unsigned j = 0; j < 32; ++j) {
      if (j < row.s) {
        m[j] = row.m[j];
        continue;
      }
      m[j] = m[j - row.s] ^ (m[j - row.s] << row.s);
      for (unsigned k = 1; k < row.s; ++k) {
        if ((row.a >> (row.s - 1 - k)) & 1u) m[j] ^= m[j - k] << k;
      }
    }
  }
  std::vector<uint32_t> v(32);
  for (unsigned j = 0; j < 32; ++j) v[j] = m[j] << (31 - j);
  return v;
}

// Point |k| of the sequence in Gray-code order (point 0 is the origin), as 32-bit integers.
std::vector<uint32_t> ReferencePoint(uint64_t k, size_t dims) {
  const uint64_t gray = k ^ (k >> 1);
  std::vector<uint32_t> x(dims, 0);
  for (size_t d = 0; d < dims; ++d) {
    const std::vector<uint32_t> v = DirectionNumbers(d);
    for (unsigned j = 0; j < 32; ++j) {
      if ((gray >> j) & 1u) x[d] ^= v[j];
    }
  }
  return x;
}

// The sampler's unit value for a 32-bit coordinate: the centre of its cell of width 2^-32.
double Unit(uint32_t x) { return (static_cast<double>(x) + 0.5) * 0x1.0p-32; }

TEST(SobolSamplerTest, UnscrambledPointsAreTheSobolSequence) {
  // The well-known start of the sequence in three dimensions (as SciPy's unscrambled Sobol'
  // gives it), from the origin on.
  const double known[8][3] = {
      {0, 0, 0},
      {0.5, 0.5, 0.5},
      {0.75, 0.25, 0.25},
      {0.25, 0.75, 0.75},
      {0.375, 0.375, 0.625},
      {0.875, 0.875, 0.125},
      {0.625, 0.125, 0.875},
      {0.125, 0.625, 0.375},
  };
  const SobolSampler sobol(UnitSpace(3), 1, Scramble(false));
  for (uint64_t k = 0; k < 8; ++k) {
    const std::vector<double> point = sobol.UnitPoint(k);
    ASSERT_EQ(point.size(), 3u);
    for (size_t d = 0; d < 3; ++d) {
      EXPECT_EQ(point[d], known[k][d] + 0x1.0p-33) << "point " << k << ", dimension " << d;
    }
  }
}

TEST(SobolSamplerTest, UnscrambledPointsMatchJoeKuoDirectionNumbers) {
  const SobolSampler sobol(UnitSpace(kReferenceDims), 1, Scramble(false));
  std::vector<uint64_t> indices;
  for (uint64_t k = 0; k < 4096; ++k) indices.push_back(k);
  for (uint64_t k : {uint64_t{123456789}, uint64_t{1} << 31, (uint64_t{1} << 32) - 1}) {
    indices.push_back(k);
  }
  for (uint64_t k : indices) {
    const std::vector<double> point = sobol.UnitPoint(k);
    const std::vector<uint32_t> expected = ReferencePoint(k, kReferenceDims);
    for (size_t d = 0; d < kReferenceDims; ++d) {
      ASSERT_EQ(point[d], Unit(expected[d])) << "point " << k << ", dimension " << d;
    }
  }
}

// Whether points first .. first + 2^m - 1 put exactly one point in each of the 2^m cells of
// every single dimension, and, for dimensions 0 and 1 (a (0,2)-sequence), exactly one in each
// elementary interval [a/2^i, (a+1)/2^i) x [b/2^(m-i), (b+1)/2^(m-i)) of area 2^-m.
::testing::AssertionResult IsNet(const SobolSampler& sobol, uint64_t first, int m) {
  const uint64_t n = uint64_t{1} << m;
  std::vector<std::vector<double>> points;
  for (uint64_t k = first; k < first + n; ++k) points.push_back(sobol.UnitPoint(k));
  for (size_t d = 0; d < sobol.dimensions(); ++d) {
    std::vector<int> cells(n, 0);
    for (const std::vector<double>& p : points) ++cells[static_cast<size_t>(std::ldexp(p[d], m))];
    for (uint64_t c = 0; c < n; ++c) {
      if (cells[c] != 1) {
        return ::testing::AssertionFailure()
               << "m = " << m << ", from point " << first << ": dimension " << d << " has "
               << cells[c] << " points in cell " << c;
      }
    }
  }
  for (int i = 0; i <= m; ++i) {
    std::vector<int> cells(n, 0);
    for (const std::vector<double>& p : points) {
      const auto a = static_cast<uint64_t>(std::ldexp(p[0], i));
      const auto b = static_cast<uint64_t>(std::ldexp(p[1], m - i));
      ++cells[(a << (m - i)) | b];
    }
    for (uint64_t c = 0; c < n; ++c) {
      if (cells[c] != 1) {
        return ::testing::AssertionFailure()
               << "m = " << m << ", from point " << first << ": elementary interval " << c
               << " of shape 2^-" << i << " x 2^-" << m - i << " holds " << cells[c] << " points";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(SobolSamplerTest, FirstPointsFormNets) {
  for (bool scramble : {false, true}) {
    for (uint64_t seed : {0u, 1u, 12345u}) {
      SCOPED_TRACE(std::string(scramble ? "scrambled" : "unscrambled") + ", seed " +
                   std::to_string(seed));
      const SobolSampler sobol(UnitSpace(10), seed, Scramble(scramble));
      for (int m = 1; m <= 10; ++m) {
        EXPECT_TRUE(IsNet(sobol, 0, m));
        // Every aligned block of 2^m points is a net too.
        EXPECT_TRUE(IsNet(sobol, uint64_t{5} << m, m));
      }
    }
  }
}

TEST(SobolSamplerTest, ScrambleDependsOnTheSeed) {
  const SobolSampler plain(UnitSpace(4), 1, Scramble(false));
  const SobolSampler one(UnitSpace(4), 1);
  const SobolSampler again(UnitSpace(4), 1);
  const SobolSampler two(UnitSpace(4), 2);
  int64_t same_as_plain = 0;
  int64_t same_as_two = 0;
  for (uint64_t k = 0; k < 64; ++k) {
    EXPECT_EQ(one.UnitPoint(k), again.UnitPoint(k));
    for (size_t d = 0; d < 4; ++d) {
      same_as_plain += one.UnitPoint(k)[d] == plain.UnitPoint(k)[d];
      same_as_two += one.UnitPoint(k)[d] == two.UnitPoint(k)[d];
    }
  }
  EXPECT_EQ(same_as_plain, 0);
  EXPECT_EQ(same_as_two, 0);
  // Each dimension has its own scramble: the scrambled origin differs across dimensions.
  const std::vector<double> origin = one.UnitPoint(0);
  EXPECT_EQ(std::set<double>(origin.begin(), origin.end()).size(), origin.size());
}

// Owen scrambling makes each point uniform over [0, 1) across seeds; the scrambled origin is
// uniform too, not stuck near 0.
TEST(SobolSamplerTest, ScrambledPointsAreUniformAcrossSeeds) {
  for (uint64_t k : {0u, 1u, 6u}) {
    SCOPED_TRACE(k);
    std::vector<int64_t> cells(10, 0);
    constexpr int kSeeds = 2000;
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
      ++cells[static_cast<size_t>(SobolSampler(UnitSpace(2), seed).UnitPoint(k)[1] * 10)];
    }
    double chi2 = 0;
    for (int64_t c : cells) chi2 += (c - kSeeds / 10.0) * (c - kSeeds / 10.0) / (kSeeds / 10.0);
    EXPECT_LT(chi2, 27.877);  // the 0.1% point of chi-square with 9 degrees of freedom
  }
}

TEST(SobolSamplerTest, UnitPointsLieInTheUnitInterval) {
  for (bool scramble : {false, true}) {
    const SobolSampler sobol(UnitSpace(20), 3, Scramble(scramble));
    std::vector<uint64_t> indices;
    for (uint64_t k = 0; k < 2000; ++k) indices.push_back(k);
    indices.push_back((uint64_t{1} << 32) - 1);  // the last point
    for (uint64_t k : indices) {
      for (double u : sobol.UnitPoint(k)) {
        ASSERT_GT(u, 0.0);
        ASSERT_LT(u, 1.0);
      }
    }
    EXPECT_THROW(sobol.UnitPoint(uint64_t{1} << 32), Exhausted);
  }
  EXPECT_TRUE(SobolSampler(SearchSpace(), 0).UnitPoint(0).empty());
}

// The study's k-th sampled trial takes point k, each parameter its own dimension (in the
// space's order, parents first) whether or not it is active.
TEST(SobolSamplerTest, TrialsTakeTheirSequencePoint) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    StudyOptions options;
    options.name = "sobol";
    options.space = space;
    options.seed = 21;
    Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                      std::make_unique<SobolSampler>(space, 21));
    testing::RunTrials(study, 40);
    const SobolSampler sobol(space, 21);
    for (const FrozenTrial& trial : study.Trials()) {
      ASSERT_TRUE(trial.sample_index.has_value());
      EXPECT_EQ(*trial.sample_index, trial.number);
      const std::vector<double> u = sobol.UnitPoint(static_cast<uint64_t>(*trial.sample_index));
      ASSERT_EQ(u.size(), space.size());
      for (size_t d = 0; d < space.size(); ++d) {
        const ParamSpec& spec = space.params()[d];
        auto it = trial.params.find(spec.name());
        if (it != trial.params.end()) {
          EXPECT_EQ(it->second, spec.FromUnit(u[d])) << spec.name();
        }
      }
    }
  }
}

// Stratification carries over to the values: 64 trials of an int with 8 values take each 8 times.
TEST(SobolSamplerTest, DiscreteValuesAreBalanced) {
  const SearchSpace space(
      {ParamSpec::Int("n", 1, 8), ParamSpec::Categorical("c", {"a", "b", "c", "d"})});
  StudyOptions options;
  options.name = "sobol";
  options.space = space;
  Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                    std::make_unique<SobolSampler>(space, options.seed));
  std::map<ParamValue, int> ns, cs;
  for (const ParamMap& params : testing::RunTrials(study, 64)) {
    ++ns[params.at("n")];
    ++cs[params.at("c")];
  }
  ASSERT_EQ(ns.size(), 8u);
  for (const auto& [value, count] : ns) EXPECT_EQ(count, 8) << value.ToText();
  ASSERT_EQ(cs.size(), 4u);
  for (const auto& [value, count] : cs) EXPECT_EQ(count, 16) << value.ToText();
}

TEST(SobolSamplerTest, SequenceEndsAfter2To32Points) {
  const SearchSpace space = UnitSpace(2);
  StudyOptions options;
  options.name = "sobol";
  options.space = space;
  const Study study = Study::CreateOrLoad(OpenStorage("memory"), options);
  const SobolSampler sobol(space, 0);
  FrozenTrial trial;
  trial.sample_index = (int64_t{1} << 32) - 1;
  const ParamMap last = sobol.SampleRelative(study, trial, {"x0", "x1"});
  EXPECT_TRUE(ParamsAreValid(space, last));
  trial.sample_index = int64_t{1} << 32;
  EXPECT_THROW(sobol.SampleRelative(study, trial, {"x0", "x1"}), Exhausted);
}

TEST(SobolSamplerTest, RefusesMoreDimensionsThanItHasDirectionNumbersFor) {
  EXPECT_NO_THROW(SobolSampler(UnitSpace(3667), 0).UnitPoint(5));
  EXPECT_THROW(SobolSampler(UnitSpace(3668), 0), InvalidArgument);
}

TEST(SobolSamplerTest, RegistryReadsItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = UnitSpace(3);
  context.seed = 4;

  const std::unique_ptr<Sampler> scrambled = components.samplers.Create("sobol", context);
  ASSERT_NE(dynamic_cast<const SobolSampler*>(scrambled.get()), nullptr);
  EXPECT_EQ(scrambled->name(), "sobol");
  EXPECT_EQ(dynamic_cast<const SobolSampler&>(*scrambled).UnitPoint(3),
            SobolSampler(context.space, 4).UnitPoint(3));

  const std::unique_ptr<Sampler> plain =
      components.samplers.Create(Json{{"name", "sobol"}, {"scramble", false}}, context);
  EXPECT_EQ(dynamic_cast<const SobolSampler&>(*plain).UnitPoint(1),
            (std::vector<double>(3, 0.5 + 0x1.0p-33)));

  try {
    components.samplers.Create(Json{{"name", "sobol"}, {"scrambled", false}}, context);
    ADD_FAILURE() << "an unknown option was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'scrambled'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace automl
