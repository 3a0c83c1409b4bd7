// Numbers as automl prints them for people (reports, progress lines, tables).
#ifndef AUTOML_FORMAT_H_
#define AUTOML_FORMAT_H_

#include <string>
#include <vector>

namespace automl {

// Six significant digits: "0.397887", "1.2e-05", "42".
std::string FormatShort(double value);
// One value as FormatShort; several as "[a, b]".
std::string FormatShort(const std::vector<double>& values);

}  // namespace automl

#endif  // AUTOML_FORMAT_H_
