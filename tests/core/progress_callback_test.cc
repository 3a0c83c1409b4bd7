#include "automl/progress_callback.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "automl/study.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

std::string Read(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) out.append(buffer, n);
  return out;
}

Study MakeStudy() {
  StudyOptions o;
  o.name = "p";
  o.space = SearchSpace({ParamSpec::Float("x", 0, 1)});
  return Study::CreateOrLoad(OpenStorage("memory"), o);
}

TEST(ProgressCallbackTest, LinesModeWritesOneLinePerTrialAndASummary) {
  std::FILE* out = std::tmpfile();
  Study study = MakeStudy();
  OptimizeOptions o;
  o.target_trials = 3;
  o.callbacks.push_back(std::make_shared<ProgressCallback>(3, out, ProgressCallback::Mode::kLines));
  study.Optimize(
      [](Trial& t) -> double {
        if (t.number() == 1) throw std::runtime_error("diverged");
        return t.Float("x");
      },
      o);
  const std::string text = Read(out);
  EXPECT_THAT(text, HasSubstr("study 'p' in memory: 0 finished, 0 running, target 3"));
  EXPECT_THAT(text, HasSubstr("trial 0 COMPLETE"));
  EXPECT_THAT(text, HasSubstr("trial 1 FAILED"));
  EXPECT_THAT(text, HasSubstr(": diverged"));
  EXPECT_THAT(text, HasSubstr("stopped: target of 3 finished trials reached"));
  EXPECT_EQ(text.find('\r'), std::string::npos) << "no terminal control in logs";
  std::fclose(out);
}

TEST(ProgressCallbackTest, LiveModeRewritesOneLine) {
  std::FILE* out = std::tmpfile();
  Study study = MakeStudy();
  OptimizeOptions o;
  o.target_trials = 2;
  o.callbacks.push_back(std::make_shared<ProgressCallback>(2, out, ProgressCallback::Mode::kLive));
  study.Optimize([](Trial& t) { return t.Float("x"); }, o);
  const std::string text = Read(out);
  EXPECT_THAT(text, HasSubstr("\r\033[K[0/2]"));
  EXPECT_THAT(text, HasSubstr("stopped:"));
  std::fclose(out);
}

TEST(ProgressCallbackTest, QuietModeWritesNothing) {
  std::FILE* out = std::tmpfile();
  Study study = MakeStudy();
  OptimizeOptions o;
  o.target_trials = 2;
  o.callbacks.push_back(std::make_shared<ProgressCallback>(2, out, ProgressCallback::Mode::kQuiet));
  study.Optimize([](Trial& t) { return t.Float("x"); }, o);
  EXPECT_EQ(Read(out), "");
  std::fclose(out);
}

}  // namespace
}  // namespace automl
