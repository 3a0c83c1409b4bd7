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
  EXPECT_THROW(OpenStorage("mysql://u:secret@host/db"), InvalidArgument);
  // An unknown host: an error at once, which names the server but never prints the password.
  try {
    OpenStorage("postgresql://u:secret@no-such-host.invalid/db");
    ADD_FAILURE() << "no such server";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << "never print a password";
    EXPECT_NE(std::string(e.what()).find("postgresql://u:***@no-such-host.invalid/db"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace automl::testing
