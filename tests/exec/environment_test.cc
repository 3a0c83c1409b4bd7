#include "automl/exec/environment.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "automl/version.h"
#include "testing/temp_dir.h"

extern char** environ;

namespace automl::exec {
namespace {

using ::testing::HasSubstr;

// Runs git in |dir| with its output discarded, independently of the code under test (no
// Subprocess). Returns whether it succeeded.
bool Git(const std::filesystem::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git",          "-C",          dir.string(),
                                   "-c",           "user.name=x", "-c",
                                   "user.email=y", "-c",          "commit.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, "git", &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The commit HEAD points to, read from the repository's files.
std::string HeadRevision(const std::filesystem::path& repo) {
  const std::string head = ReadFile(repo / ".git" / "HEAD");
  if (head.rfind("ref: ", 0) != 0) return head;
  return ReadFile(repo / ".git" / head.substr(5));
}

// Keeps git from finding a repository above |dir| (a TMPDIR inside a checkout).
class GitCeiling {
 public:
  explicit GitCeiling(const std::filesystem::path& dir) {
    if (const char* old = std::getenv("GIT_CEILING_DIRECTORIES")) old_ = old;
    setenv("GIT_CEILING_DIRECTORIES", dir.parent_path().string().c_str(), 1);
  }
  ~GitCeiling() {
    if (old_) {
      setenv("GIT_CEILING_DIRECTORIES", old_->c_str(), 1);
    } else {
      unsetenv("GIT_CEILING_DIRECTORIES");
    }
  }
  GitCeiling(const GitCeiling&) = delete;
  GitCeiling& operator=(const GitCeiling&) = delete;

 private:
  std::optional<std::string> old_;
};

TEST(EnvironmentTest, DescribesTheMachineAndTheBuild) {
  testing::TempDir dir;
  const Json env = CaptureEnvironment(dir.path().string());
  ASSERT_TRUE(env.is_object());
  EXPECT_EQ(env.at("automl"), AUTOML_VERSION);
  ASSERT_TRUE(env.at("host").is_string());
  EXPECT_FALSE(env.at("host").get<std::string>().empty());
  ASSERT_TRUE(env.contains("os"));
  EXPECT_THAT(env.at("os").get<std::string>(), ::testing::StartsWith("Linux "));
  ASSERT_TRUE(env.at("cpu").is_object());
  EXPECT_FALSE(env.at("cpu").at("model").get<std::string>().empty());
  EXPECT_GT(env.at("cpu").at("cores").get<int64_t>(), 0);
  EXPECT_EQ(env.at("cpu").at("cores").get<unsigned>(), std::thread::hardware_concurrency());
  ASSERT_TRUE(env.contains("memory_gib"));
  EXPECT_GT(env.at("memory_gib").get<double>(), 0);
  EXPECT_TRUE(env.at("gpus").is_array());
  ASSERT_TRUE(env.contains("compiler"));
  EXPECT_FALSE(env.at("compiler").get<std::string>().empty());
  const std::regex version(R"(\d+\.\d+\.\d+)");
  for (const char* library : {"sqlite", "nlohmann_json", "boost"}) {
    ASSERT_TRUE(env.at("libraries").contains(library)) << library;
    EXPECT_TRUE(std::regex_match(env.at("libraries").at(library).get<std::string>(), version))
        << library << ": " << env.at("libraries").at(library);
  }
  EXPECT_EQ(env.at("directory"), dir.path().string());
}

TEST(EnvironmentTest, NoGitKeyOutsideARepository) {
  testing::TempDir dir;
  GitCeiling ceiling(dir.path());
  const Json env = CaptureEnvironment(dir.path().string());
  EXPECT_FALSE(env.contains("git")) << env.dump();
}

TEST(EnvironmentTest, NoGitKeyForARepositoryWithoutCommits) {
  testing::TempDir dir;
  GitCeiling ceiling(dir.path());
  ASSERT_TRUE(Git(dir.path(), {"init", "-q"}));
  EXPECT_FALSE(CaptureEnvironment(dir.path().string()).contains("git"));
}

TEST(EnvironmentTest, RecordsTheGitRevisionAndWhetherTheCheckoutIsDirty) {
  testing::TempDir dir;
  GitCeiling ceiling(dir.path());
  ASSERT_TRUE(Git(dir.path(), {"init", "-q"}));
  std::ofstream(dir.File("train.py")) << "print('hello')\n";
  ASSERT_TRUE(Git(dir.path(), {"add", "train.py"}));
  ASSERT_TRUE(Git(dir.path(), {"commit", "-q", "-m", "first"}));
  const std::string head = HeadRevision(dir.path());
  ASSERT_TRUE(std::regex_match(head, std::regex("[0-9a-f]{40}"))) << head;

  const Json clean = CaptureEnvironment(dir.path().string());
  ASSERT_TRUE(clean.contains("git")) << clean.dump();
  EXPECT_EQ(clean.at("git").at("revision"), head);
  EXPECT_EQ(clean.at("git").at("dirty"), false);

  // A subdirectory of the checkout is in it too.
  std::filesystem::create_directory(dir.path() / "sub");
  EXPECT_EQ(CaptureEnvironment(dir.File("sub")).at("git").at("revision"), head);

  // Untracked files do not make it dirty ...
  std::ofstream(dir.File("notes.txt")) << "scratch\n";
  EXPECT_EQ(CaptureEnvironment(dir.path().string()).at("git").at("dirty"), false);

  // ... a change to a tracked file does.
  std::ofstream(dir.File("train.py")) << "print('changed')\n";
  const Json dirty = CaptureEnvironment(dir.path().string());
  EXPECT_EQ(dirty.at("git").at("revision"), head);
  EXPECT_EQ(dirty.at("git").at("dirty"), true);
}

TEST(EnvironmentTest, AMissingDirectoryDoesNotThrow) {
  testing::TempDir dir;
  Json env;
  EXPECT_NO_THROW(env = CaptureEnvironment(dir.File("no-such-directory")));
  EXPECT_FALSE(env.contains("git"));
  EXPECT_THAT(env.at("directory").get<std::string>(), HasSubstr("no-such-directory"));
  EXPECT_EQ(env.at("automl"), AUTOML_VERSION);
}

}  // namespace
}  // namespace automl::exec
