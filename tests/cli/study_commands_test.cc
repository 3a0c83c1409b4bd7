// ls, show, best, export, retry and enqueue against a study made by `automl run`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

class StudyCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Trials with x > 5 fail, so the study has both states.
    WriteFile(dir_.File("c.yaml"),
              "study: demo\ntrials: 8\nseed: 5\nmax_failures: 50\n"
              "space:\n"
              "  x: {type: float, low: 0, high: 10}\n"
              "  mode: [branin, exit]\n"
              "objective:\n"
              "  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"{mode}\", \"2\", \"{x}\"]\n");
    const CliResult r = Cli({"run", dir_.File("c.yaml"), "--progress", "quiet"});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  CliResult Cli(std::vector<std::string> args) {
    args.push_back("--storage");
    args.push_back("sqlite:///" + dir_.File("automl.db"));
    return RunCli(args, dir_.path().string());
  }

  TempDir dir_;
};

TEST_F(StudyCommandsTest, LsListsStudiesWithCounts) {
  const CliResult r = Cli({"ls"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("demo"));
  EXPECT_THAT(r.out, HasSubstr("minimize"));
  const Json j = Cli({"ls", "--json"}).json();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["study"], "demo");
  EXPECT_EQ(j[0]["counts"]["complete"], 8);
  EXPECT_TRUE(j[0]["best"].is_number());
}

TEST_F(StudyCommandsTest, ShowJsonHasTheDocumentedShape) {
  const CliResult r = Cli({"show", "demo", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = r.json();
  EXPECT_EQ(j["study"], "demo");
  ASSERT_TRUE(j["trials"].is_array());
  EXPECT_GE(j["trials"].size(), 8u);
  bool saw_failed = false, saw_complete = false;
  for (const Json& t : j["trials"]) {
    for (const char* key :
         {"number", "state", "params", "value", "intermediate", "reason", "started", "finished"}) {
      EXPECT_TRUE(t.contains(key)) << key;
    }
    if (t["state"] == "COMPLETE") {
      saw_complete = true;
      EXPECT_TRUE(t["value"].is_number());
      EXPECT_EQ(t["intermediate"].size(), 3u);
      EXPECT_TRUE(t["intermediate"]["0"].is_number());
      EXPECT_TRUE(t["reason"].is_null());
      EXPECT_THAT(t["started"].get<std::string>(), ::testing::EndsWith("Z"));
    } else {
      saw_failed = true;
      EXPECT_EQ(t["state"], "FAILED");
      EXPECT_THAT(t["reason"].get<std::string>(), HasSubstr("exited with status 2"));
    }
  }
  EXPECT_TRUE(saw_complete && saw_failed);
  EXPECT_TRUE(j["system_attrs"].contains("environment"));

  const CliResult human = Cli({"show", "demo"});
  EXPECT_THAT(human.out, HasSubstr("study demo (minimize)"));
  EXPECT_THAT(human.out, HasSubstr("COMPLETE"));
  EXPECT_THAT(human.out, HasSubstr("exited with status 2"));
  const CliResult one = Cli({"show", "demo", "--trial", "0"});
  EXPECT_EQ(one.code, 0);
  EXPECT_THAT(one.out, HasSubstr("\"number\": 0"));
  EXPECT_EQ(Cli({"show", "demo", "--trial", "999"}).code, 1);
}

TEST_F(StudyCommandsTest, BestPrintsTheBestTrial) {
  const Json best = Cli({"best", "demo", "--json"}).json();
  const Json all = Cli({"show", "demo", "--json"}).json();
  double lowest = 1e300;
  for (const Json& t : all["trials"]) {
    if (t["state"] == "COMPLETE") lowest = std::min(lowest, t["value"].get<double>());
  }
  EXPECT_EQ(best["value"].get<double>(), lowest);
  EXPECT_EQ(best["state"], "COMPLETE");
  EXPECT_TRUE(best["params"].contains("x"));
  const CliResult human = Cli({"best", "demo"});
  EXPECT_THAT(human.out, HasSubstr("x: "));
}

TEST_F(StudyCommandsTest, ExportCsvAndJson) {
  const CliResult csv = Cli({"export", "demo", "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  const auto lines = Lines(csv.out);
  EXPECT_EQ(lines[0],
            "number,state,value,param_x,param_mode,reason,started,finished,duration,seed");
  EXPECT_GE(lines.size(), 9u);
  const Json shown = Cli({"show", "demo", "--json"}).json();
  EXPECT_EQ(lines.size(), shown["trials"].size() + 1);

  const CliResult json = Cli({"export", "demo", "--format", "json", "-o", dir_.File("out.json")});
  ASSERT_EQ(json.code, 0) << json.err;
  std::ifstream in(dir_.File("out.json"));
  const Json exported = Json::parse(in);
  EXPECT_EQ(exported["trials"].size(), shown["trials"].size());
}

TEST_F(StudyCommandsTest, RetryReEnqueuesFailedTrialsOnce) {
  const Json before = Cli({"show", "demo", "--json"}).json();
  int failed = 0;
  for (const Json& t : before["trials"]) failed += t["state"] == "FAILED";
  ASSERT_GT(failed, 0);
  const CliResult r = Cli({"retry", "demo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(std::to_string(failed) + " trial"));
  EXPECT_THAT(Cli({"retry", "demo"}).out, HasSubstr("0 trials re-enqueued"));
  const Json after = Cli({"show", "demo", "--json"}).json();
  int waiting = 0;
  for (const Json& t : after["trials"]) {
    if (t["state"] == "WAITING") {
      ++waiting;
      EXPECT_TRUE(t["retry_of"].is_number());
      EXPECT_EQ(t["params"], before["trials"][t["retry_of"].get<size_t>()]["params"]);
    }
  }
  EXPECT_EQ(waiting, failed);
}

TEST_F(StudyCommandsTest, EnqueueValidatesAndTheNextRunUsesIt) {
  CliResult r = Cli({"enqueue", "demo", "--params", R"({"x": 3.25, "mode": "branin"})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("enqueued as trial"));
  r = Cli({"enqueue", "demo", "--params", R"({"x": 30})"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("parameter 'x'"));
  EXPECT_EQ(Cli({"enqueue", "demo", "--params", "[1]"}).code, 2);
  r = Cli({"run", dir_.File("c.yaml"), "--trials", "9", "--progress", "quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  bool found = false;
  const Json shown = Cli({"show", "demo", "--json"}).json();
  for (const Json& t : shown["trials"]) {
    found |= t["params"]["x"] == 3.25 && t["state"] == "COMPLETE";
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace automl::testing
