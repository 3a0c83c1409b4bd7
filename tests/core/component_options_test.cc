#include "automl/component_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automl/error.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

TEST(ComponentOptionsTest, NameOrMapping) {
  EXPECT_EQ(ComponentOptions("sampler", "random").name(), "random");
  const ComponentOptions o("sampler",
                           Json{{"name", "grid"}, {"resolution", 4}, {"shuffle", false}});
  EXPECT_EQ(o.name(), "grid");
  EXPECT_EQ(o.Int("resolution", 10, 1), 4);
  EXPECT_FALSE(o.Bool("shuffle", true));
  EXPECT_EQ(o.Double("missing", 0.5), 0.5);
  EXPECT_NO_THROW(o.CheckAllUsed());
  EXPECT_THROW(ComponentOptions("sampler", 3), InvalidArgument);
  EXPECT_THROW(ComponentOptions("sampler", Json{{"resolution", 4}}), InvalidArgument);
  EXPECT_THROW(ComponentOptions("sampler", ""), InvalidArgument);
}

TEST(ComponentOptionsTest, TypedGettersNameTheOptionAndTheRule) {
  const ComponentOptions o("pruner",
                           Json{{"name", "sha"}, {"eta", "three"}, {"min", 0}, {"p", 2.0}});
  try {
    o.Int("eta", 3);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("pruner 'sha': option 'eta' must be an integer"));
  }
  try {
    o.Int("min", 1, 1, 100);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("pruner 'sha': option 'min' must lie in [1, 100], not 0"));
  }
  EXPECT_THROW(o.Bool("p", true), InvalidArgument);
  EXPECT_THROW(o.String("p", ""), InvalidArgument);
}

TEST(ComponentOptionsTest, UnknownOptionsAreRefusedListingKnownOnes) {
  const ComponentOptions o("sampler", Json{{"name", "grid"}, {"resolution", 4}, {"shufle", true}});
  o.Int("resolution", 10);
  o.Bool("shuffle", true);
  try {
    o.CheckAllUsed();
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("sampler 'grid': unknown option 'shufle' (known: resolution, shuffle)"));
  }
}

}  // namespace
}  // namespace automl
