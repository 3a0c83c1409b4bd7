#include "automl/format.h"

#include <sstream>

namespace automl {

std::string FormatShort(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

std::string FormatShort(const std::vector<double>& values) {
  if (values.size() == 1) return FormatShort(values[0]);
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + FormatShort(values[i]);
  return out + "]";
}

}  // namespace automl
