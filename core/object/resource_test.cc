#include "core/object/resource.h"

#include <gtest/gtest.h>

namespace core {
namespace {

constexpr uint64_t kSecret = 0x0F1E'2D3C'4B5A'6978ull;

// Any object that is not a resource.
class Plain final : public KernelObject {
 public:
  Plain() : KernelObject(ObjectType::kNotification) {}
};

HandleValue AddResource(HandleTable& table, ResourceKind kind, Rights rights) {
  auto handle = table.Add(Resource::Create(kind).release_value(), rights);
  EXPECT_TRUE(handle.ok());
  return handle.value();
}

TEST(ResourceTest, TheRightKindWithTheRightRightsPasses) {
  HandleTable table(kSecret);
  HandleValue dma =
      AddResource(table, ResourceKind::kDma, kRightsBasic | kRightWrite | kRightManage);
  EXPECT_TRUE(RequireResource(table, dma, ResourceKind::kDma, kRightWrite).ok());
  EXPECT_TRUE(RequireResource(table, dma, ResourceKind::kDma, kRightManage).ok());
}

TEST(ResourceTest, EverythingElseIsAccessDenied) {
  HandleTable table(kSecret);
  // An allocate-only duplicate: no physical addresses.
  HandleValue alloc_only = AddResource(table, ResourceKind::kDma, kRightsBasic | kRightWrite);
  HandleValue sched = AddResource(table, ResourceKind::kPriority, kRightsBasic | kRightManage);
  struct Case {
    HandleValue value;
    ResourceKind kind;
    Rights rights;
  } cases[] = {
      {kInvalidHandle, ResourceKind::kDma, kRightWrite},     // a plain process has none
      {alloc_only, ResourceKind::kDma, kRightManage},        // no physical addresses
      {sched, ResourceKind::kDma, kRightWrite},              // another kind
      {alloc_only, ResourceKind::kPriority, kRightWrite},    // another kind
      {alloc_only ^ 0x40, ResourceKind::kDma, kRightWrite},  // a forged value
  };
  for (const Case& c : cases) {
    auto r = RequireResource(table, c.value, c.kind, c.rights);
    ASSERT_TRUE(r.is_error()) << c.value;
    EXPECT_EQ(r.error(), kstd::Error::kAccess);
  }
  // Not a resource at all.
  HandleValue plain = table.Add(kstd::AdoptRef(new (kstd::nothrow) Plain()), kRightsAll).value();
  auto not_resource = RequireResource(table, plain, ResourceKind::kDma, kRightNone);
  ASSERT_TRUE(not_resource.is_error());
  EXPECT_EQ(not_resource.error(), kstd::Error::kAccess);
  ASSERT_TRUE(table.Close(sched).ok());
  auto closed = RequireResource(table, sched, ResourceKind::kPriority, kRightManage);
  ASSERT_TRUE(closed.is_error());
  EXPECT_EQ(closed.error(), kstd::Error::kAccess);
}

}  // namespace
}  // namespace core
