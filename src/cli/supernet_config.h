// The config shared by `automl supernet-rank` and `automl supernet-search`, and the supernet
// training both start from (automl/dl/supernet_trainer.h).
//
//   name: chain                   # studies NAME.<...>; files under models_dir/NAME
//   space: {arch: {type: chain, layers: 6, stem: 8, stages: [...]}}   # one chain parameter
//   objective:                    # the stand-alone recipe; the supernet trains with it too
//     task: fashion-mnist
//     data: {fraction: 0.2, resolution: 14}
//     model: {chain: {arch: "{arch}"}}
//     optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
//     schedule: cosine
//     epochs: 3
//   supernet: {sampler: greedy, epochs: 10, greedy: {num_sampled: 10, num_kept: 5}}
//   seed: 0
//   storage: sqlite:///automl.db
//   models_dir: automl_models
//
// With a `proxy` in the objective, its search setting is what the supernet and the stand-alone
// networks train.
#ifndef AUTOML_SRC_CLI_SUPERNET_CONFIG_H_
#define AUTOML_SRC_CLI_SUPERNET_CONFIG_H_

#ifdef AUTOML_HAVE_TORCH

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/dl/data.h"
#include "automl/dl/supernet_trainer.h"
#include "automl/dl/trainer.h"
#include "automl/json.h"
#include "automl/nas/chain_space.h"
#include "automl/param_value.h"
#include "automl/search_space.h"
#include "automl/structured_param.h"

namespace automl::cli {

struct SupernetRunConfig {
  std::string file;  // the config's path, for messages
  std::string name = "supernet";
  SearchSpace space;
  std::shared_ptr<const StructuredParam> arch;  // the chain parameter
  nas::ChainSpaceOptions chain;
  Json objective;          // the stand-alone recipe as written ("{arch}" in its model)
  dl::TrainConfig recipe;  // what the supernet trains with: the objective at its search setting
  Json supernet;           // `supernet:` as written
  uint64_t seed = 0;
  std::optional<std::string> storage;
  std::string models_dir = "automl_models";
  Json raw;

  // A path (one choice index per layer) and the parameters of a trial, each way.
  std::vector<int64_t> PathOf(const ParamMap& params) const;
  ParamMap ParamsOf(const std::vector<int64_t>& path) const;
};

// Reads the keys above; `paths` (supernet-rank's), `search` and `latency` (supernet-search's)
// are left in raw for the command that reads them, so that one file can serve both. Throws
// InvalidArgument naming the file and the key.
SupernetRunConfig ReadSupernetRunConfig(const std::string& file);

// The options of each sampler `supernet:` names: `sampler: NAME` (one, uniform by default) or
// `samplers: [uniform, greedy, pcnas]`; the keys under a sampler's name are its options, the other
// keys (epochs, score_examples, bn_batches, warmup) are shared. Throws InvalidArgument.
std::vector<dl::SupernetOptions> SupernetOptionsOf(const SupernetRunConfig& config);

// A supernet trained as |options| says: continued from models_dir/NAME/supernet-<label>.pt when
// that file holds the same supernet, saved there after every epoch, and trained to its last
// epoch unless |interrupted| is raised (then it stops after the epoch running). One line per
// epoch on stderr.
std::unique_ptr<dl::SupernetTrainer> TrainSupernet(const SupernetRunConfig& config,
                                                   const dl::SupernetOptions& options,
                                                   const dl::DataSplits& data,
                                                   const std::string& label,
                                                   const std::atomic<bool>& interrupted);

}  // namespace automl::cli

#endif  // AUTOML_HAVE_TORCH

#endif  // AUTOML_SRC_CLI_SUPERNET_CONFIG_H_
