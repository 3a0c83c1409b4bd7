#include "cli/interrupt.h"

#include <signal.h>

#include <cstdio>

namespace automl::cli {
namespace {

std::atomic<bool> g_interrupted{false};  // NOLINT: written by the signal handler

extern "C" void OnAutomlInterrupt(int /*signal*/) { g_interrupted.store(true); }

}  // namespace

const std::atomic<bool>& InterruptFlag() { return g_interrupted; }

const std::atomic<bool>& InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = OnAutomlInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return g_interrupted;
}

bool ReportInterrupted() {
  if (!g_interrupted.load()) return false;
  std::fprintf(stderr, "interrupted: run the command again to resume\n");
  return true;
}

}  // namespace automl::cli
