#include "automl/dl/proxy.h"

#include <string>
#include <vector>

#include "automl/config_keys.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

// A factor in (0, 1]: a proxy only makes training cheaper.
double Factor(const Json& json, const char* key) {
  if (!json.is_number() || !(json.get<double>() > 0 && json.get<double>() <= 1)) {
    throw InvalidArgument(std::string("proxy: ") + key + " must lie in (0, 1], not " + json.dump());
  }
  return json.get<double>();
}

}  // namespace

ProxyOptions ProxyOptions::FromJson(const Json& json) {
  if (!json.is_object() || json.empty()) {
    throw InvalidArgument(
        "proxy: must be a mapping with at least one of channels, resolution, fraction, epochs");
  }
  CheckKnownKeys(json, {"channels", "resolution", "fraction", "epochs"}, "proxy");
  ProxyOptions o;
  if (json.contains("channels")) o.channels = Factor(json.at("channels"), "channels");
  if (json.contains("resolution")) o.resolution = Factor(json.at("resolution"), "resolution");
  if (json.contains("fraction")) o.fraction = Factor(json.at("fraction"), "fraction");
  if (json.contains("epochs")) {
    const Json& e = json.at("epochs");
    if (!e.is_number_integer() || e.get<int64_t>() < 1) {
      throw InvalidArgument("proxy: epochs must be an integer >= 1, not " + e.dump());
    }
    o.epochs = e.get<int64_t>();
  }
  return o;
}

Json ProxyOptions::ToJson() const {
  Json j = Json::object();
  if (channels) j["channels"] = *channels;
  if (resolution) j["resolution"] = *resolution;
  if (fraction) j["fraction"] = *fraction;
  if (epochs) j["epochs"] = *epochs;
  return j;
}

}  // namespace automl::dl
