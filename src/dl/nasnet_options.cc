// NasnetOptions: construction and checks.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "automl/dl/nasnet.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

// Large enough for any real network, small enough that shape arithmetic cannot overflow before
// the checked counts see it (as in automl/dl/model.h).
constexpr int64_t kMaxSize = int64_t{1} << 30;
constexpr int64_t kMaxCells = 1000;
constexpr int64_t kMaxStages = 30;

[[noreturn]] void Fail(const std::string& what) { throw InvalidArgument("nasnet: " + what); }

void CheckCount(int64_t value, const char* name, int64_t max) {
  if (value < 1 || value > max) {
    Fail(std::string(name) + " must be an integer in [1, " + std::to_string(max) + "], not " +
         std::to_string(value));
  }
}

std::string Text(double value) { return Json(value).dump(); }

void CheckShape(const std::vector<int64_t>& shape) {
  std::string text;
  for (const int64_t d : shape) text += (text.empty() ? "" : ", ") + std::to_string(d);
  if (shape.size() != 3) Fail("input_shape must be an image (C, H, W), not (" + text + ")");
  for (const int64_t d : shape) {
    if (d < 1 || d > kMaxSize) {
      Fail("input_shape must have sizes in [1, " + std::to_string(kMaxSize) + "], not (" + text +
           ")");
    }
  }
}

void CheckGenotype(const nas::Genotype& genotype) {
  const auto blocks = static_cast<int64_t>(genotype.normal.blocks.size());
  if (blocks < nas::CellSpaceOptions::kMinBlocks || blocks > nas::CellSpaceOptions::kMaxBlocks) {
    Fail("genotype: normal: needs " + std::to_string(nas::CellSpaceOptions::kMinBlocks) + " to " +
         std::to_string(nas::CellSpaceOptions::kMaxBlocks) + " blocks, not " +
         std::to_string(blocks));
  }
  try {
    nas::Validate(genotype, GenotypeSpace(static_cast<int>(blocks)));
  } catch (const InvalidArgument& e) {
    Fail(e.what());  // "genotype: reduction[1].ops[0]: ..."
  }
}

}  // namespace

nas::CellSpaceOptions GenotypeSpace(int blocks) {
  nas::CellSpaceOptions space;
  space.blocks = blocks;
  space.operations = nas::KnownCellOperations();
  space.combine = {"add", "concat"};
  space.separate_reduction = true;
  return space;
}

NasnetOptions::NasnetOptions(nas::Genotype genotype, int64_t classes,
                             std::vector<int64_t> input_shape)
    : genotype_(std::move(genotype)), classes_(classes), input_shape_(std::move(input_shape)) {}

void NasnetOptions::Validate() const {
  CheckGenotype(genotype_);
  CheckCount(classes_, "classes", kMaxSize);
  CheckShape(input_shape_);
  CheckCount(cells_, "cells", kMaxCells);
  CheckCount(filters_, "filters", kMaxSize);
  CheckCount(stages_, "stages", kMaxStages);
  CheckCount(stem_multiplier_, "stem_multiplier", kMaxSize);
  if ((filters_ << (stages_ - 1)) > kMaxSize) {
    Fail("filters " + std::to_string(filters_) + " doubled over " + std::to_string(stages_) +
         " stages is too wide");
  }
  if (filters_ * stem_multiplier_ > kMaxSize) {
    Fail("the stem's stem_multiplier * filters channels are too many");
  }
  if (!(drop_path_ >= 0 && drop_path_ <= 1)) {
    Fail("drop_path must be a probability in [0, 1], not " + Text(drop_path_));
  }
  if (!(dropout_ >= 0 && dropout_ < 1)) Fail("dropout must lie in [0, 1), not " + Text(dropout_));
  if (!(auxiliary_weight_ >= 0 && std::isfinite(auxiliary_weight_))) {
    Fail("auxiliary_weight must be a finite number >= 0, not " + Text(auxiliary_weight_));
  }
  if (auxiliary_ && stages_ < 3) {
    Fail(
        "auxiliary: the auxiliary head reads the second stage before the last reduction, so it "
        "needs stages >= 3, not " +
        std::to_string(stages_));
  }
}

}  // namespace automl::dl
