// A command objective for tests. Usage:
//   automl_test_objective MODE [x] [y] [options]
// MODE:
//   branin X Y        prints {"step": k, "value": ..} for k < steps, then {"value": branin(X, Y)}
//   multi X Y         prints {"values": [branin, x^2 + y^2]}
//   exit N            prints a result line, then exits with status N (after "boom" on stderr)
//   signal N          raises signal N
//   noresult          prints only log lines
//   nan               prints {"value": NaN} as Python's json module would
//   inf               prints {"value": Infinity}
//   sleep S           sleeps S seconds, then prints {"value": S}
//   env               prints {"value": 0} and the AUTOML_* variables as a log line
//   curve X           reports {"step": k, "value": X + 1/(k+1)} every 0.05 s for 40 steps
//   printenv NAME...  prints NAME=value (or NAME=(unset)) for each NAME, then {"value": 0}
//   pwd               prints the working directory as a log line, then {"value": 0}
//   count TEXT WORD   prints {"value": number of occurrences of WORD in TEXT}
// Options: --steps K (branin), --pid-file PATH (writes its PID first), --sleep S (before the
// result), --hold-while PATH (while PATH exists at start: writes its PID to PATH.held, then waits
// until PATH is removed; lets a test catch a trial in flight without racing a timer)
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

double Branin(double x, double y) {
  const double pi = 3.14159265358979323846;
  const double b = 5.1 / (4 * pi * pi);
  const double c = 5 / pi;
  const double t = 1 / (8 * pi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

void Sleep(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

// Announces the PID atomically (write, then rename) and waits while |path| exists. Several
// objectives may hold on one path at once, so each writes its own temporary file.
void HoldWhileExists(const std::string& path) {
  if (!std::filesystem::exists(path)) return;
  const std::string tmp = path + ".held." + std::to_string(getpid()) + ".tmp";
  std::ofstream(tmp) << getpid() << "\n";
  std::filesystem::rename(tmp, path + ".held");
  while (std::filesystem::exists(path)) Sleep(0.02);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int steps = 3;
  double sleep_before_result = 0;
  std::string hold_path;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--steps" && i + 1 < args.size()) {
      steps = std::atoi(args[++i].c_str());
    } else if (args[i] == "--pid-file" && i + 1 < args.size()) {
      std::ofstream(args[++i]) << getpid() << "\n";
    } else if (args[i] == "--sleep" && i + 1 < args.size()) {
      sleep_before_result = std::atof(args[++i].c_str());
    } else if (args[i] == "--hold-while" && i + 1 < args.size()) {
      hold_path = args[++i];
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.empty()) {
    std::fprintf(stderr, "usage: automl_test_objective MODE ...\n");
    return 2;
  }
  const std::string& mode = positional[0];
  auto arg = [&](size_t i) {
    return i < positional.size() ? std::atof(positional[i].c_str()) : 0.0;
  };
  std::printf("starting %s\n", mode.c_str());
  std::fflush(stdout);
  if (!hold_path.empty()) HoldWhileExists(hold_path);

  if (mode == "branin") {
    const double value = Branin(arg(1), arg(2));
    for (int k = 0; k < steps; ++k) {
      std::printf("{\"step\": %d, \"value\": %.17g}\n", k, value + std::pow(2.0, -k));
      std::fflush(stdout);
    }
    Sleep(sleep_before_result);
    std::printf("{\"value\": %.17g}\n", value);
  } else if (mode == "count") {
    const std::string text = positional.size() > 1 ? positional[1] : "";
    const std::string word = positional.size() > 2 ? positional[2] : "";
    int count = 0;
    for (size_t at = text.find(word); !word.empty() && at != std::string::npos;
         at = text.find(word, at + word.size())) {
      ++count;
    }
    std::printf("{\"value\": %d}\n", count);
  } else if (mode == "multi") {
    Sleep(sleep_before_result);
    std::printf("{\"values\": [%.17g, %.17g]}\n", Branin(arg(1), arg(2)),
                arg(1) * arg(1) + arg(2) * arg(2));
  } else if (mode == "exit") {
    std::printf("{\"value\": 1}\n");
    std::fprintf(stderr, "some warning\nboom: the objective failed\n");
    return static_cast<int>(arg(1));
  } else if (mode == "signal") {
    std::fflush(stdout);
    std::raise(static_cast<int>(arg(1)));
    Sleep(5);
  } else if (mode == "noresult") {
    std::printf("epoch 1 done\nepoch 2 done\n");
  } else if (mode == "nan") {
    std::printf("{\"value\": NaN}\n");
  } else if (mode == "inf") {
    std::printf("{\"value\": Infinity}\n");
  } else if (mode == "sleep") {
    Sleep(arg(1));
    std::printf("{\"value\": %.17g}\n", arg(1));
  } else if (mode == "env") {
    for (const char* name : {"AUTOML_PARAMS", "AUTOML_TRIAL", "AUTOML_SEED", "AUTOML_STUDY"}) {
      const char* v = std::getenv(name);
      std::printf("%s=%s\n", name, v ? v : "(unset)");
    }
    std::printf("{\"value\": 0}\n");
  } else if (mode == "printenv") {
    for (size_t i = 1; i < positional.size(); ++i) {
      const char* v = std::getenv(positional[i].c_str());
      std::printf("%s=%s\n", positional[i].c_str(), v ? v : "(unset)");
    }
    std::printf("{\"value\": 0}\n");
  } else if (mode == "pwd") {
    char cwd[4096];
    std::printf("%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "(unknown)");
    std::printf("{\"value\": 0}\n");
  } else if (mode == "curve") {
    for (int k = 0; k < 40; ++k) {
      std::printf("{\"step\": %d, \"value\": %.17g}\n", k, arg(1) + 1.0 / (k + 1));
      std::fflush(stdout);
      Sleep(0.05);
    }
    std::printf("{\"value\": %.17g}\n", arg(1));
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  return 0;
}
