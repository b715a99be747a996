#include "core/vm/vm_object.h"

#include <cstring>
#include <vector>

#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

class VmObjectTest : public VmTest {
 protected:
  std::vector<uint8_t> ReadAll(VmObject& vmo) {
    std::vector<uint8_t> bytes(vmo.size());
    EXPECT_TRUE(vmo.Read(0, bytes.data(), bytes.size()).ok());
    return bytes;
  }
};

TEST_F(VmObjectTest, CreateValidatesSizes) {
  EXPECT_EQ(VmObject::CreateAnonymous(&pmm_, 0).error(), Error::kInvalid);
  EXPECT_EQ(VmObject::CreateAnonymous(&pmm_, 100).error(), Error::kInvalid);
  EXPECT_EQ(VmObject::CreateAnonymous(&pmm_, VmObject::kMaxSize + kPageSize).error(),
            Error::kInvalid);
  EXPECT_EQ(VmObject::CreateAnonymous(nullptr, kPageSize).error(), Error::kInvalid);
  kstd::Result<RefPtr<VmObject>> big = VmObject::CreateAnonymous(&pmm_, VmObject::kMaxSize);
  ASSERT_TRUE(big.ok());  // nothing is committed up front
  EXPECT_EQ(big.value()->resident_pages(), 0u);
  EXPECT_EQ(big.value()->type(), ObjectType::kVmObject);
  EXPECT_NE(big.value()->koid(), 0u);

  EXPECT_EQ(VmObject::CreatePhysical(kModuleBase + 1, kPageSize, false).error(), Error::kInvalid);
  EXPECT_EQ(VmObject::CreatePhysical(kModuleBase, 0, false).error(), Error::kInvalid);
  EXPECT_EQ(VmObject::CreatePhysical(mm::kPhysAddrLimit - kPageSize, 2 * kPageSize, false).error(),
            Error::kInvalid);
  kstd::Result<RefPtr<VmObject>> module = VmObject::CreatePhysical(kModuleBase, kModuleSize, false);
  ASSERT_TRUE(module.ok());
  EXPECT_TRUE(module.value()->is_physical());
  EXPECT_FALSE(module.value()->writable());
  EXPECT_EQ(module.value()->physical_base(), kModuleBase);
  EXPECT_EQ(module.value()->resident_pages(), kModuleSize / kPageSize);
  EXPECT_EQ(module.value()->CloneCow(0, kPageSize).error(), Error::kNotSupported);
  EXPECT_EQ(module.value()->Decommit(0, kPageSize).error(), Error::kNotSupported);
  uint8_t byte = 0;
  EXPECT_EQ(module.value()->Read(0, &byte, 1).error(), Error::kNotSupported);
  EXPECT_EQ(module.value()->Write(0, &byte, 1).error(), Error::kNotSupported);
}

TEST_F(VmObjectTest, ReadsZerosWithoutCommittingAndWritesCommit) {
  RefPtr<VmObject> vmo = NewAnon(4);
  std::vector<uint8_t> bytes = ReadAll(*vmo);
  EXPECT_EQ(bytes, std::vector<uint8_t>(4 * kPageSize, 0));
  EXPECT_EQ(vmo->resident_pages(), 0u);
  EXPECT_EQ(FreePages(), start_free_);

  const char text[] = "straddles a page boundary";
  ASSERT_TRUE(vmo->Write(kPageSize - 5, text, sizeof(text)).ok());
  EXPECT_EQ(vmo->resident_pages(), 2u);
  EXPECT_EQ(FreePages(), start_free_ - 2);
  char back[sizeof(text)] = {};
  ASSERT_TRUE(vmo->Read(kPageSize - 5, back, sizeof(back)).ok());
  EXPECT_STREQ(back, text);

  EXPECT_EQ(vmo->Read(4 * kPageSize - 1, back, 2).error(), Error::kInvalid);
  EXPECT_EQ(vmo->Write(~uint64_t{0}, text, 2).error(), Error::kInvalid);
  vmo.reset();
  ExpectNoLeaks();
}

TEST_F(VmObjectTest, CloneSharesPagesUntilEitherSideWrites) {
  RefPtr<VmObject> parent = NewAnon(4);
  const uint8_t a = 0xaa, b = 0xbb;
  ASSERT_TRUE(parent->Write(0, &a, 1).ok());
  ASSERT_TRUE(parent->Write(2 * kPageSize, &b, 1).ok());
  const uint64_t after_parent = FreePages();

  kstd::Result<RefPtr<VmObject>> cloned = parent->CloneCow(0, 4 * kPageSize);
  ASSERT_TRUE(cloned.ok());
  RefPtr<VmObject> child = cloned.release_value();
  EXPECT_EQ(FreePages(), after_parent);  // nothing copied
  EXPECT_EQ(child->resident_pages(), 2u);
  EXPECT_EQ(ReadAll(*child), ReadAll(*parent));

  // The child writes page 0: it gets a copy; the parent keeps its byte.
  const uint8_t c = 0xcc;
  ASSERT_TRUE(child->Write(1, &c, 1).ok());
  EXPECT_EQ(FreePages(), after_parent - 1);
  uint8_t got[2] = {};
  ASSERT_TRUE(child->Read(0, got, 2).ok());
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], c);
  ASSERT_TRUE(parent->Read(0, got, 2).ok());
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], 0);

  // Page 2: the parent writes, then the child's sole reference just stays.
  ASSERT_TRUE(parent->Write(2 * kPageSize, &c, 1).ok());
  EXPECT_EQ(FreePages(), after_parent - 2);
  ASSERT_TRUE(child->Write(2 * kPageSize + 1, &c, 1).ok());  // refcount 1: no copy
  EXPECT_EQ(FreePages(), after_parent - 2);
  ASSERT_TRUE(child->Read(2 * kPageSize, got, 2).ok());
  EXPECT_EQ(got[0], b);
  EXPECT_EQ(got[1], c);

  // Pages absent at clone time stay demand-zero on both sides.
  ASSERT_TRUE(parent->Write(3 * kPageSize, &a, 1).ok());
  ASSERT_TRUE(child->Read(3 * kPageSize, got, 1).ok());
  EXPECT_EQ(got[0], 0);

  parent.reset();
  child.reset();
  ExpectNoLeaks();
}

TEST_F(VmObjectTest, CloneOfARangeRebasesOffsets) {
  RefPtr<VmObject> parent = NewAnon(8);
  for (uint8_t i = 0; i < 8; ++i) ASSERT_TRUE(parent->Write(i * kPageSize, &i, 1).ok());
  EXPECT_EQ(parent->CloneCow(kPageSize, 0).error(), Error::kInvalid);
  EXPECT_EQ(parent->CloneCow(kPageSize + 1, kPageSize).error(), Error::kInvalid);
  EXPECT_EQ(parent->CloneCow(7 * kPageSize, 2 * kPageSize).error(), Error::kInvalid);
  kstd::Result<RefPtr<VmObject>> clone = parent->CloneCow(3 * kPageSize, 2 * kPageSize);
  ASSERT_TRUE(clone.ok());
  EXPECT_EQ(clone.value()->size(), 2 * kPageSize);
  uint8_t got = 0;
  ASSERT_TRUE(clone.value()->Read(kPageSize, &got, 1).ok());
  EXPECT_EQ(got, 4);
  EXPECT_EQ(clone.value()->resident_pages(), 2u);
  EXPECT_EQ(FreePages(), start_free_ - 8);  // shared, not copied
  parent.reset();                           // frees the 6 pages the clone does not hold
  EXPECT_EQ(FreePages(), start_free_ - 2);
  ASSERT_TRUE(clone.value()->Read(0, &got, 1).ok());
  EXPECT_EQ(got, 3);
  clone.value().reset();
  ExpectNoLeaks();
}

TEST_F(VmObjectTest, DecommitFreesPagesAndTheyReadAsZero) {
  RefPtr<VmObject> vmo = NewAnon(4);
  const uint8_t x = 0x5a;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(vmo->Write(i * kPageSize, &x, 1).ok());
  EXPECT_EQ(vmo->Decommit(kPageSize, 4 * kPageSize).error(), Error::kInvalid);
  ASSERT_TRUE(vmo->Decommit(kPageSize, 2 * kPageSize).ok());
  EXPECT_EQ(vmo->resident_pages(), 2u);
  EXPECT_EQ(FreePages(), start_free_ - 2);
  uint8_t got = 1;
  ASSERT_TRUE(vmo->Read(kPageSize, &got, 1).ok());
  EXPECT_EQ(got, 0);
  ASSERT_TRUE(vmo->Read(3 * kPageSize, &got, 1).ok());
  EXPECT_EQ(got, x);
  vmo.reset();
  ExpectNoLeaks();
}

TEST_F(VmObjectTest, DecommitOfASharedPageKeepsTheClonesCopy) {
  RefPtr<VmObject> vmo = NewAnon(1);
  const uint8_t x = 0x77;
  ASSERT_TRUE(vmo->Write(0, &x, 1).ok());
  RefPtr<VmObject> clone = vmo->CloneCow(0, kPageSize).release_value();
  ASSERT_TRUE(vmo->Decommit(0, kPageSize).ok());
  uint8_t got = 0;
  ASSERT_TRUE(clone->Read(0, &got, 1).ok());
  EXPECT_EQ(got, x);
  ASSERT_TRUE(vmo->Read(0, &got, 1).ok());
  EXPECT_EQ(got, 0);
  EXPECT_EQ(FreePages(), start_free_ - 1);
  clone.reset();
  vmo.reset();
  ExpectNoLeaks();
}

TEST_F(VmObjectTest, OutOfMemoryLeavesTheObjectIntact) {
  RefPtr<VmObject> vmo = NewAnon(2);
  const uint8_t x = 1;
  ASSERT_TRUE(vmo->Write(0, &x, 1).ok());
  RefPtr<VmObject> clone = vmo->CloneCow(0, 2 * kPageSize).release_value();
  std::vector<PhysAddr> hoard;
  for (;;) {
    kstd::Result<PhysAddr> page = pmm_.AllocPage();
    if (page.is_error()) break;
    hoard.push_back(page.value());
  }
  // A copy-on-write break and a demand-zero commit both need a page.
  EXPECT_EQ(clone->Write(0, &x, 1).error(), Error::kNoMemory);
  EXPECT_EQ(vmo->Write(kPageSize, &x, 1).error(), Error::kNoMemory);
  EXPECT_EQ(vmo->resident_pages(), 1u);
  for (PhysAddr page : hoard) ASSERT_TRUE(pmm_.FreePage(page).ok());
  ASSERT_TRUE(clone->Write(0, &x, 1).ok());
  vmo.reset();
  clone.reset();
  ExpectNoLeaks();
}

}  // namespace
}  // namespace core::vm::testing
