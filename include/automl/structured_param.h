// StructuredParam: a parameter whose value is a structure (an architecture), searched as ordinary
// categorical decisions.
//
//   space:
//     arch: {type: nasnet-cell, blocks: 5}
//     lr: {type: float, low: 1.0e-4, high: 0.1, log: true}
//
// A SearchSpace expands a structured parameter into its decisions, categorical parameters named
// NAME.DECISION (arch.normal.b0.in0, ...), so that every sampler, pruner and storage works on it
// unchanged, and composes the structured value from the decisions' values when a trial needs it:
// "{arch}" in an objective's config is the architecture as JSON (DESIGN: Substitution). The
// composed value is canonical, so that two decision vectors that mean the same architecture give
// the same JSON (SearchSpace::CanonicalKey uses it to recognize repeats).
//
// Types: nasnet-cell (automl/nas/nasnet_cell.h); chain (automl/nas/chain_space.h), a chain of
// layers in stages with one decision per layer, NAME.l<i>.
#ifndef AUTOML_STRUCTURED_PARAM_H_
#define AUTOML_STRUCTURED_PARAM_H_

#include <memory>
#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/param_value.h"

namespace automl {

class ParamSpec;

class StructuredParam {
 public:
  virtual ~StructuredParam() = default;

  virtual const std::string& name() const = 0;
  // The config form, `type` first: StructuredParamFromJson(name(), ToJson()) is equal to this.
  virtual Json ToJson() const = 0;
  // The categorical decisions, named name() + "." + decision, in a fixed order.
  virtual const std::vector<ParamSpec>& decisions() const = 0;
  // The structured value in canonical form, from the values of every decision in |params|
  // (other entries are ignored). Throws InvalidArgument when a decision is missing.
  virtual Json Compose(const ParamMap& params) const = 0;
  // The decision values that give |value| (for enqueuing a known structure). Throws
  // InvalidArgument naming what is wrong with it.
  virtual ParamMap Decompose(const Json& value) const = 0;
};

// Whether |spec| (a parameter's config) is a structured parameter: a mapping whose `type` is a
// structured type.
bool IsStructuredSpec(const Json& spec);

// Reads a structured parameter's config; throws InvalidArgument naming the parameter and the
// problem.
std::shared_ptr<const StructuredParam> StructuredParamFromJson(const std::string& name,
                                                               const Json& spec);

}  // namespace automl

#endif  // AUTOML_STRUCTURED_PARAM_H_
