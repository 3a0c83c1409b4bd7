// The message of the InvalidArgument an action throws, for tests of one-line error messages.
#ifndef AUTOML_TESTS_TESTING_ERROR_OF_H_
#define AUTOML_TESTS_TESTING_ERROR_OF_H_

#include <functional>
#include <string>

#include "automl/error.h"

namespace automl::testing {

// What |action| throws as InvalidArgument; "(no InvalidArgument)" when it throws nothing, so that
// a test expecting a message fails with a readable value. Other exceptions pass through.
inline std::string ErrorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_ERROR_OF_H_
