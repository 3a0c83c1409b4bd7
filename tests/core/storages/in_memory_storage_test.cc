#include "automl/storages/in_memory_storage.h"

#include "testing/storage_conformance.h"

namespace automl::testing {
namespace {

struct InMemoryFactory {
  std::shared_ptr<Storage> Make() { return std::make_shared<InMemoryStorage>(); }
};

INSTANTIATE_TYPED_TEST_SUITE_P(InMemory, StorageConformanceTest, InMemoryFactory);

TEST(OpenStorageTest, MemoryUrls) {
  for (const char* url : {"memory", ":memory:", "memory://"}) {
    EXPECT_EQ(OpenStorage(url)->Describe(), "memory") << url;
  }
  EXPECT_THROW(OpenStorage(""), InvalidArgument);
  EXPECT_THROW(OpenStorage("postgresql://u:secret@host/db"), InvalidArgument);
  try {
    OpenStorage("postgresql://u:secret@host/db");
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << "never print a password";
  }
}

}  // namespace
}  // namespace automl::testing
