// Minimizes a quadratic with automl::core's ask/tell API; prints the best value found.
#include <cmath>
#include <cstdio>

#include "automl/automl.h"

int main() {
  automl::StudyOptions options;
  options.name = "quadratic";
  options.seed = 7;
  options.space = automl::SearchSpace(
      {automl::ParamSpec::Float("x", -4, 4), automl::ParamSpec::Int("n", 1, 5)});
  automl::Study study = automl::Study::CreateOrLoad(automl::OpenStorage("memory"), options);
  for (int i = 0; i < 50; ++i) {
    automl::Trial trial = study.Ask();
    const double x = trial.Float("x");
    study.Tell(trial, (x - 1) * (x - 1) + static_cast<double>(trial.Int("n")));
  }
  const auto best = study.BestTrial();
  std::printf("best %.4f after %lld trials\n", best->value(),
              static_cast<long long>(study.Counts().complete));
  return best->value() < 1.5 ? 0 : 1;
}
