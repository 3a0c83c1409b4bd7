// The chain structured parameter: one categorical decision per layer of a chain space, NAME.l<i>,
// composed into the architecture's JSON (automl/structured_param.h, automl/nas/chain_space.h).
#include "core/nas/chain_param.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/nas/chain_space.h"
#include "automl/search_space.h"
#include "automl/structured_param.h"

namespace automl::nas {
namespace {

class ChainParam : public StructuredParam {
 public:
  ChainParam(std::string name, ChainSpaceOptions options)
      : name_(std::move(name)), options_(std::move(options)) {
    const std::vector<std::vector<std::string>> offered = LayerChoices(options_);
    for (size_t i = 0; i < offered.size(); ++i) {
      std::vector<ParamValue> choices(offered[i].begin(), offered[i].end());
      decisions_.push_back(
          ParamSpec::Categorical(name_ + ".l" + std::to_string(i), std::move(choices)));
    }
  }

  const std::string& name() const override { return name_; }
  Json ToJson() const override { return options_.ToJson(); }
  const std::vector<ParamSpec>& decisions() const override { return decisions_; }

  // Every path is its own architecture (automl/nas/chain_space.h), so the decoded path is
  // already canonical.
  Json Compose(const ParamMap& params) const override {
    std::vector<int64_t> path;
    path.reserve(decisions_.size());
    for (const ParamSpec& d : decisions_) {
      auto it = params.find(d.name());
      if (it == params.end()) {
        throw InvalidArgument("parameter '" + name_ + "': decision '" + d.name() +
                              "' has no value");
      }
      path.push_back(static_cast<int64_t>(d.IndexOf(it->second)));
    }
    return nas::ToJson(DecodePath(path, options_));
  }

  ParamMap Decompose(const Json& value) const override {
    std::vector<int64_t> path;
    try {
      path = EncodePath(ChainArchFromJson(value, options_), options_);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("parameter '" + name_ + "': " + e.what());
    }
    ParamMap params;
    for (size_t i = 0; i < decisions_.size(); ++i) {
      params.emplace(decisions_[i].name(), decisions_[i].ValueAt(static_cast<uint64_t>(path[i])));
    }
    return params;
  }

 private:
  std::string name_;
  ChainSpaceOptions options_;
  std::vector<ParamSpec> decisions_;
};

}  // namespace

std::shared_ptr<const StructuredParam> MakeChainParam(const std::string& name, const Json& spec) {
  try {
    return std::make_shared<const ChainParam>(name, ChainSpaceOptions::FromJson(spec));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("parameter '" + name + "': " + e.what());
  }
}

}  // namespace automl::nas
