#include "core/proc/uts_namespace.h"

#include <gtest/gtest.h>

#include <string>

namespace core {
namespace {

std::string Name(const UtsNamespace& ns, bool host) {
  char out[UtsNamespace::kNameLength];
  ns.Get(host, out);
  return out;
}

TEST(UtsNamespaceTest, RootHasLinuxsInitIdAndTheBootNames) {
  UtsNamespace* root = UtsNamespace::Root();
  EXPECT_EQ(root->id(), 4026531838u);  // PROC_UTS_INIT_INO
  EXPECT_EQ(root, UtsNamespace::Root());
  EXPECT_EQ(Name(*root, true), "tessera");
  EXPECT_EQ(Name(*root, false), "(none)");
}

TEST(UtsNamespaceTest, CopyHasTheNamesAndItsOwnIdAndState) {
  UtsNamespace original(UtsNamespace::kRootId);
  original.Set(true, "alpha", 5);
  original.Set(false, "example.org", 11);
  auto a = UtsNamespace::CopyOf(original);
  auto b = UtsNamespace::CopyOf(original);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a.value()->id(), UtsNamespace::kFirstDynamicId);
  EXPECT_NE(a.value()->id(), b.value()->id());
  EXPECT_EQ(Name(*a.value(), true), "alpha");
  EXPECT_EQ(Name(*a.value(), false), "example.org");
  a.value()->Set(true, "beta", 4);
  EXPECT_EQ(Name(*a.value(), true), "beta");
  EXPECT_EQ(Name(original, true), "alpha");  // the copy is its own
  EXPECT_EQ(Name(*b.value(), true), "alpha");
}

TEST(UtsNamespaceTest, NamesAreCutTo64BytesAndReplacedWhole) {
  UtsNamespace ns(UtsNamespace::kRootId);
  std::string long_name(80, 'x');
  ns.Set(true, long_name.data(), long_name.size());
  EXPECT_EQ(Name(ns, true), std::string(64, 'x'));
  ns.Set(true, "ab", 2);
  EXPECT_EQ(Name(ns, true), "ab");
  ns.Set(false, "", 0);
  EXPECT_EQ(Name(ns, false), "");
}

}  // namespace
}  // namespace core
