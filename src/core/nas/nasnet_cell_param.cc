// The nasnet-cell structured parameter: the NASNet cell space's decisions as categorical
// parameters of a search space (automl/structured_param.h, automl/nas/nasnet_cell.h).
#include "core/nas/nasnet_cell_param.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"
#include "automl/search_space.h"
#include "automl/structured_param.h"

namespace automl::nas {
namespace {

class NasnetCellParam : public StructuredParam {
 public:
  NasnetCellParam(std::string name, CellSpaceOptions options)
      : name_(std::move(name)), options_(std::move(options)) {
    options_.Validate();
    for (const Decision& d : Decisions(options_)) {
      std::vector<ParamValue> choices(d.choices.begin(), d.choices.end());
      decisions_.push_back(ParamSpec::Categorical(name_ + "." + d.name, std::move(choices)));
    }
  }

  const std::string& name() const override { return name_; }
  Json ToJson() const override { return options_.ToJson(); }
  const std::vector<ParamSpec>& decisions() const override { return decisions_; }

  Json Compose(const ParamMap& params) const override {
    std::vector<int64_t> indices;
    indices.reserve(decisions_.size());
    for (const ParamSpec& d : decisions_) {
      auto it = params.find(d.name());
      if (it == params.end()) {
        throw InvalidArgument("parameter '" + name_ + "': decision '" + d.name() +
                              "' has no value");
      }
      indices.push_back(static_cast<int64_t>(d.IndexOf(it->second)));
    }
    return nas::ToJson(Decode(indices, options_));
  }

  ParamMap Decompose(const Json& value) const override {
    std::vector<int64_t> indices;
    try {
      // Encode refuses what no decision describes (a cell with output "all").
      indices = Encode(nas::FromJson(value, options_), options_);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("parameter '" + name_ + "': " + e.what());
    }
    ParamMap params;
    for (size_t i = 0; i < decisions_.size(); ++i) {
      params.emplace(decisions_[i].name(),
                     decisions_[i].ValueAt(static_cast<uint64_t>(indices[i])));
    }
    return params;
  }

 private:
  std::string name_;
  CellSpaceOptions options_;
  std::vector<ParamSpec> decisions_;
};

}  // namespace

std::shared_ptr<const StructuredParam> MakeNasnetCellParam(const std::string& name,
                                                           const Json& spec) {
  try {
    return std::make_shared<const NasnetCellParam>(name, CellSpaceOptions::FromJson(spec));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("parameter '" + name + "': " + e.what());
  }
}

}  // namespace automl::nas
