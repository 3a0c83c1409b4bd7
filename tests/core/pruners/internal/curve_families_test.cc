#include "core/pruners/internal/curve_families.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "automl/error.h"

namespace automl::internal {
namespace {

struct FormulaCase {
  std::string family;
  std::vector<double> theta;
  std::function<double(double x)> formula;  // the paper's formula with theta filled in
};

// Each family at parameters away from its starting values, against its formula in Table 1 of
// Domhan et al. (ilog2 shifted by one, as the reference code).
TEST(CurveFamiliesTest, EachFamilyEvaluatesItsFormula) {
  const std::vector<FormulaCase> cases = {
      {"vapor_pressure",
       {-0.5, -0.3, 0.05},
       [](double x) { return std::exp(-0.5 - 0.3 / x + 0.05 * std::log(x)); }},
      {"pow3", {0.9, 0.6, 0.4}, [](double x) { return 0.9 - 0.6 * std::pow(x, -0.4); }},
      {"log_log_linear", {0.3, 1.2}, [](double x) { return std::log(0.3 * std::log(x) + 1.2); }},
      {"hill3",
       {0.8, 0.7, 3.0},
       [](double x) { return 0.8 * std::pow(x, 0.7) / (std::pow(3.0, 0.7) + std::pow(x, 0.7)); }},
      {"log_power",
       {0.85, 2.0, -0.6},
       [](double x) { return 0.85 / (1 + std::pow(x / std::exp(2.0), -0.6)); }},
      {"pow4", {0.9, 2.0, 1.0, 0.5}, [](double x) { return 0.9 - std::pow(2.0 * x + 1.0, -0.5); }},
      {"mmf",
       {0.9, 0.2, 0.3, 1.5},
       [](double x) { return 0.9 - (0.9 - 0.2) / (1 + std::pow(0.3 * x, 1.5)); }},
      {"exp4",
       {0.9, 0.5, -0.2, 0.6},
       [](double x) { return 0.9 - std::exp(-0.5 * std::pow(x, 0.6) - 0.2); }},
      {"janoschek",
       {0.9, 0.1, 0.2, 0.8},
       [](double x) { return 0.9 - (0.9 - 0.1) * std::exp(-0.2 * std::pow(x, 0.8)); }},
      {"weibull",
       {0.9, 0.1, 0.1, 1.3},
       [](double x) { return 0.9 - (0.9 - 0.1) * std::exp(-std::pow(0.1 * x, 1.3)); }},
      {"ilog2", {0.9, 0.4}, [](double x) { return 0.9 - 0.4 / std::log(x + 1); }},
  };
  ASSERT_EQ(cases.size(), CurveFamilies().size());
  for (const FormulaCase& c : cases) {
    const CurveFamily& family = FindCurveFamily(c.family);
    ASSERT_EQ(static_cast<size_t>(family.num_params), c.theta.size()) << c.family;
    for (const double x : {1.0, 2.0, 7.0, 50.0}) {
      EXPECT_NEAR(family.Value(c.theta.data(), x), c.formula(x), 1e-12) << c.family << " x=" << x;
    }
  }
}

TEST(CurveFamiliesTest, TheElevenFamiliesOfThePaper) {
  std::vector<std::string> names;
  int params = 0;
  for (const CurveFamily& family : CurveFamilies()) {
    names.push_back(family.name);
    params += family.num_params;
    // The reference code's starting values lie inside each family's domain.
    EXPECT_TRUE(std::isfinite(family.Value(family.initial.data(), 1.0))) << family.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"vapor_pressure", "pow3", "log_log_linear", "hill3",
                                             "log_power", "pow4", "mmf", "exp4", "janoschek",
                                             "weibull", "ilog2"}));
  EXPECT_EQ(params, 36);
  EXPECT_THROW(FindCurveFamily("pow5"), InvalidArgument);
}

TEST(CurveFamiliesTest, OutsideTheDomainIsNotFinite) {
  // ln(a ln x + b) of a negative number; a negative base under a fractional power.
  const std::vector<double> log_log = {-1.0, 0.5};
  EXPECT_TRUE(std::isnan(FindCurveFamily("log_log_linear").Value(log_log.data(), 10.0)));
  const std::vector<double> pow4 = {0.9, -1.0, 0.5, 0.5};
  EXPECT_FALSE(std::isfinite(FindCurveFamily("pow4").Value(pow4.data(), 3.0)));
  const std::vector<double> weibull = {0.9, 0.1, -0.1, 1.5};
  EXPECT_FALSE(std::isfinite(FindCurveFamily("weibull").Value(weibull.data(), 3.0)));
}

std::vector<double> Range(int n) {
  std::vector<double> x;
  for (int i = 1; i <= n; ++i) x.push_back(i);
  return x;
}

// Least squares recovers the parameters of noiseless curves, from the starting values that the
// reference code chose for accuracies.
TEST(CurveFamiliesTest, LeastSquaresRecoversNoiselessParameters) {
  const Abscissae at(Range(25));
  const std::vector<std::pair<std::string, std::vector<double>>> truths = {
      {"pow3", {0.85, 0.6, 0.5}},
      {"janoschek", {0.9, 0.1, 0.3, 0.7}},
      {"ilog2", {0.9, 0.5}},
  };
  for (const auto& [name, truth] : truths) {
    const CurveFamily& family = FindCurveFamily(name);
    std::vector<double> y(at.x.size());
    family.evaluate(truth.data(), at, y.data());
    const std::optional<Eigen::VectorXd> fit = FitCurveFamily(family, at, y);
    ASSERT_TRUE(fit.has_value()) << name;
    for (size_t i = 0; i < truth.size(); ++i) {
      EXPECT_NEAR((*fit)[static_cast<Eigen::Index>(i)], truth[i], 1e-4) << name << " " << i;
    }
  }
}

TEST(CurveFamiliesTest, FitNeedsAsManyPointsAsParameters) {
  const Abscissae at(Range(3));
  const std::vector<double> y = {0.2, 0.4, 0.5};
  EXPECT_TRUE(FitCurveFamily(FindCurveFamily("pow3"), at, y).has_value());
  EXPECT_FALSE(FitCurveFamily(FindCurveFamily("mmf"), at, y).has_value());
}

}  // namespace
}  // namespace automl::internal
