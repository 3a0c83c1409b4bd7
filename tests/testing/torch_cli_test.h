// The fixture of CLI tests that need the LibTorch commands: skipped, with a visible message, when
// this automl was built without LibTorch; each test runs `automl` in a fresh directory.
#ifndef AUTOML_TESTS_TESTING_TORCH_CLI_TEST_H_
#define AUTOML_TESTS_TESTING_TORCH_CLI_TEST_H_

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "automl/json.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {

class TorchCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliResult probe = RunCli({"train", "/nonexistent.yaml"});
    if (probe.err.find("without LibTorch") != std::string::npos) {
      GTEST_SKIP() << "this automl was built without LibTorch";
    }
  }
  // `automl ARGS...` in the test's directory, for up to four minutes (small trainings).
  CliResult Cli(std::vector<std::string> args) {
    return RunCli(args, dir_.path().string(), std::chrono::seconds(240));
  }
  // A JSON file (null when it is missing or not JSON).
  static Json ReadJson(const std::string& path) {
    std::ifstream file(path);
    return Json::parse(file, nullptr, false);
  }
  TempDir dir_;
};

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_TORCH_CLI_TEST_H_
