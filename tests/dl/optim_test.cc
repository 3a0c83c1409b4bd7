#include "automl/dl/optim.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "automl/error.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

std::string Refusal(const Json& json) {
  try {
    OptimizerOptions::FromJson(json);
    return "";
  } catch (const InvalidArgument& e) {
    return e.what();
  }
}

TEST(OptimTest, OptimizerOptionsFromConfigs) {
  const OptimizerOptions sgd = OptimizerOptions::FromJson(Json{{"name", "sgd"},
                                                               {"lr", 0.05},
                                                               {"momentum", 0.9},
                                                               {"nesterov", true},
                                                               {"weight_decay", 5e-4}});
  EXPECT_EQ(sgd.name, "sgd");
  EXPECT_EQ(sgd.lr, 0.05);
  EXPECT_TRUE(sgd.nesterov);
  EXPECT_EQ(OptimizerOptions::FromJson("adam").lr, 1e-3);
  EXPECT_EQ(OptimizerOptions::FromJson("sgd").lr, 0.1);
  const OptimizerOptions adamw =
      OptimizerOptions::FromJson(Json{{"name", "adamw"}, {"betas", {0.8, 0.99}}});
  EXPECT_EQ(adamw.beta1, 0.8);
  EXPECT_EQ(adamw.weight_decay, 0.01);
  EXPECT_EQ(OptimizerOptions::FromJson(sgd.ToJson()).ToJson(), sgd.ToJson());

  EXPECT_THAT(Refusal("rmsprop"),
              HasSubstr("unknown optimizer 'rmsprop' (known: adam, adamw, sgd)"));
  EXPECT_THAT(Refusal(Json{{"name", "adam"}, {"momentum", 0.9}}),
              HasSubstr("optimizer 'adam': unknown option 'momentum'"));
  EXPECT_THAT(Refusal(Json{{"name", "sgd"}, {"nesterov", true}}), HasSubstr("needs momentum > 0"));
  EXPECT_THAT(Refusal(Json{{"name", "sgd"}, {"lr", -1}}), HasSubstr("option 'lr' must lie in"));
  EXPECT_THAT(Refusal(Json{{"name", "adam"}, {"betas", {0.9}}}), HasSubstr("two numbers"));
}

TEST(OptimTest, EachOptimizerTakesAStepDownhill) {
  for (const char* name : {"sgd", "adam", "adamw"}) {
    torch::Tensor w = torch::tensor({3.0, -2.0}, torch::requires_grad());
    auto optimizer =
        MakeOptimizer({w}, OptimizerOptions::FromJson(Json{{"name", name}, {"lr", 0.1}}));
    const double before = w.pow(2).sum().item<double>();
    for (int i = 0; i < 5; ++i) {
      optimizer->zero_grad();
      w.pow(2).sum().backward();
      optimizer->step();
    }
    EXPECT_LT(w.pow(2).sum().item<double>(), before) << name;
    SetLearningRate(*optimizer, 0.5);
    EXPECT_EQ(optimizer->param_groups()[0].options().get_lr(), 0.5) << name;
  }
}

TEST(OptimTest, SchedulesFollowTheirFormulas) {
  const ScheduleOptions constant;
  EXPECT_EQ(constant.LearningRate(0.1, 7.5, 10), 0.1);

  const ScheduleOptions step =
      ScheduleOptions::FromJson(Json{{"name", "step"}, {"step_epochs", 3}, {"gamma", 0.5}});
  EXPECT_DOUBLE_EQ(step.LearningRate(0.1, 2.9, 10), 0.1);
  EXPECT_DOUBLE_EQ(step.LearningRate(0.1, 3.0, 10), 0.05);
  EXPECT_DOUBLE_EQ(step.LearningRate(0.1, 6.5, 10), 0.025);

  const ScheduleOptions cosine =
      ScheduleOptions::FromJson(Json{{"name", "cosine"}, {"min_lr", 0.001}});
  EXPECT_DOUBLE_EQ(cosine.LearningRate(0.1, 0, 10), 0.1);
  EXPECT_NEAR(cosine.LearningRate(0.1, 5, 10), 0.001 + 0.099 * 0.5, 1e-12);
  EXPECT_NEAR(cosine.LearningRate(0.1, 10, 10), 0.001, 1e-12);

  const ScheduleOptions warm =
      ScheduleOptions::FromJson(Json{{"name", "cosine"}, {"warmup_epochs", 2}});
  EXPECT_NEAR(warm.LearningRate(0.1, 0, 10), 0.001, 1e-12);  // starts at 1%
  EXPECT_NEAR(warm.LearningRate(0.1, 1, 10), 0.1 * (0.01 + 0.99 * 0.5), 1e-12);
  EXPECT_NEAR(warm.LearningRate(0.1, 2, 10), 0.1, 1e-12);  // then the cosine from its top
  EXPECT_NEAR(warm.LearningRate(0.1, 6, 10), 0.05, 1e-12);

  EXPECT_THROW(ScheduleOptions::FromJson("linear"), InvalidArgument);
  EXPECT_THROW(ScheduleOptions::FromJson(Json{{"name", "constant"}, {"gamma", 0.5}}),
               InvalidArgument);
  EXPECT_EQ(ScheduleOptions::FromJson(warm.ToJson()).ToJson(), warm.ToJson());
}

}  // namespace
}  // namespace automl::dl
