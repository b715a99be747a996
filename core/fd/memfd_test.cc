// MemfdVnode over the real VmObject and VmAspace (fake RAM): bytes shared
// between read/write and shared mappings, truncation, and the seal rules.

#include "core/fd/memfd.h"

#include <string.h>

#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::fd {
namespace {

using kstd::Error;
using vm::kPageSize;
using vm::kProtRead;
using vm::kProtWrite;
constexpr vm::Prot kRW = kProtRead | kProtWrite;

class MemfdTest : public vm::testing::AspaceTest {
 protected:
  kstd::RefPtr<MemfdVnode> New(uint32_t flags = kMfdAllowSealing) {
    auto v = MemfdVnode::Create(&pmm_, vfs::Name("test"), flags, 0, 0);
    EXPECT_TRUE(v.ok());
    return v.ok() ? v.release_value() : nullptr;
  }
  static size_t Write(MemfdVnode& v, uint64_t offset, const char* text) {
    auto r = v.WriteAt(
        offset, kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text), strlen(text)));
    return r.ok() ? r.value() : 0;
  }
  static std::string Read(MemfdVnode& v, uint64_t offset, size_t n) {
    std::string out(n, '\0');
    auto r = v.ReadAt(offset, kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), n));
    EXPECT_TRUE(r.ok());
    out.resize(r.ok() ? r.value() : 0);
    return out;
  }
};

TEST_F(MemfdTest, NameSizeAndAttributes) {
  auto v = New();
  EXPECT_STREQ(v->name(), "memfd:test");
  EXPECT_EQ(MemfdVnode::From(v.get()), v.get());
  vfs::Attributes a = v->GetAttr();
  EXPECT_EQ(a.mode, linux_abi::kModeRegular | 0777);
  EXPECT_EQ(a.size, 0u);
  EXPECT_EQ(v->fs()->StatFs().magic, linux_abi::kTmpfsMagic);
  std::string long_name(kMemfdNameMax + 1, 'x');
  EXPECT_EQ(MemfdVnode::Create(&pmm_, vfs::Name(long_name.c_str()), 0, 0, 0).error(),
            Error::kInvalid);
  EXPECT_TRUE(MemfdVnode::Create(&pmm_, vfs::Name(long_name.c_str(), kMemfdNameMax), 0, 0, 0).ok());
}

TEST_F(MemfdTest, WritesReadsAndTruncates) {
  auto v = New();
  EXPECT_EQ(Write(*v, 0, "hello"), 5u);
  EXPECT_EQ(Write(*v, 3 * kPageSize, "far"), 3u);  // grows the object
  EXPECT_EQ(v->size(), 3 * kPageSize + 3);
  EXPECT_EQ(Read(*v, 0, 8), std::string("hello\0\0\0", 8));
  EXPECT_EQ(Read(*v, 3 * kPageSize, 10), "far");
  ASSERT_TRUE(v->Truncate(2).ok());
  EXPECT_EQ(Read(*v, 0, 10), "he");
  ASSERT_TRUE(v->Truncate(10).ok());  // the dropped bytes come back as zeros
  EXPECT_EQ(Read(*v, 0, 10), std::string("he\0\0\0\0\0\0\0\0", 10));
  EXPECT_EQ(v->Truncate(MemfdVnode::kMaxFileSize + 1).error(), Error::kFileTooBig);
  uint64_t end = 0;
  ASSERT_TRUE(
      v->Append(kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>("!"), 1), &end).ok());
  EXPECT_EQ(end, 11u);
}

TEST_F(MemfdTest, SharedMappingsSeeWritesBothWays) {
  auto v = New();
  ASSERT_TRUE(v->Truncate(2 * kPageSize).ok());
  auto addr = v->MapShared(aspace_.get(), 0, 0, 2 * kPageSize, kRW, 0, true, false);
  ASSERT_TRUE(addr.ok());
  Write(*v, kPageSize + 1, "A");
  EXPECT_EQ(MustRead(*aspace_, addr.value() + kPageSize + 1), 'A');
  MustWrite(*aspace_, addr.value() + 7, 'Z');
  EXPECT_EQ(Read(*v, 7, 1), "Z");
  // A second address space (a forked child) shares the same pages.
  auto child = aspace_->Fork();
  ASSERT_TRUE(child.ok());
  MustWrite(*child.value(), addr.value() + 8, 'Y');
  EXPECT_EQ(Read(*v, 8, 1), "Y");
  // Shrinking drops the tail from every mapping: a touch there is past the
  // file's end (SIGBUS), in both address spaces.
  ASSERT_TRUE(v->Truncate(kPageSize).ok());
  EXPECT_EQ(Touch(*aspace_, addr.value() + kPageSize + 1, vm::Access::kRead).error(),
            Error::kNoDeviceOrAddress);
  EXPECT_EQ(Touch(*child.value(), addr.value() + kPageSize, vm::Access::kWrite).error(),
            Error::kNoDeviceOrAddress);
  EXPECT_TRUE(aspace_->PastObjectEnd(addr.value() + kPageSize + 1));
  EXPECT_FALSE(aspace_->PastObjectEnd(addr.value() + kPageSize - 1));
  EXPECT_EQ(MustRead(*aspace_, addr.value() + 7), 'Z');
  // Growing again brings the page back, zeroed.
  ASSERT_TRUE(v->Truncate(kPageSize + 2).ok());
  EXPECT_EQ(MustRead(*aspace_, addr.value() + kPageSize + 1), 0);
  child.value()->Destroy();
}

TEST_F(MemfdTest, AMappingOfAnEmptyMemfdFaultsPastTheEnd) {
  auto v = New();
  auto addr = v->MapShared(aspace_.get(), 0, 0, 2 * kPageSize, kRW, 0, true, false);
  ASSERT_TRUE(addr.ok());
  EXPECT_TRUE(aspace_->PastObjectEnd(addr.value()));
  EXPECT_EQ(Touch(*aspace_, addr.value(), vm::Access::kRead).error(), Error::kNoDeviceOrAddress);
  Write(*v, 10, "x");  // a write(2) past the end grows the file and the limit
  EXPECT_FALSE(aspace_->PastObjectEnd(addr.value()));
  EXPECT_EQ(MustRead(*aspace_, addr.value() + 10), 'x');
  EXPECT_TRUE(aspace_->PastObjectEnd(addr.value() + kPageSize));
}

TEST_F(MemfdTest, SealsForbidWhatTheyName) {
  auto v = New();
  Write(*v, 0, "abcd");
  EXPECT_EQ(v->AddSeals(0x40).error(), Error::kInvalid);
  ASSERT_TRUE(v->AddSeals(kSealShrink).ok());
  EXPECT_EQ(v->Truncate(2).error(), Error::kPermission);
  EXPECT_TRUE(v->Truncate(8).ok());
  ASSERT_TRUE(v->AddSeals(kSealGrow).ok());
  EXPECT_EQ(v->Truncate(9).error(), Error::kPermission);
  EXPECT_EQ(Write(*v, 6, "xyz"), 0u);  // would grow: refused
  EXPECT_EQ(Write(*v, 5, "xyz"), 3u);  // within the size: fine
  ASSERT_TRUE(v->AddSeals(kSealWrite).ok());
  EXPECT_EQ(Write(*v, 0, "q"), 0u);
  EXPECT_EQ(v->MapShared(aspace_.get(), 0, 0, kPageSize, kRW, 0, true, false).error(),
            Error::kPermission);
  auto ro = v->MapShared(aspace_.get(), 0, 0, kPageSize, kProtRead, 0, true, false);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(aspace_->Protect(ro.value(), kPageSize, kRW).error(), Error::kAccess);
  ASSERT_TRUE(v->AddSeals(kSealSeal).ok());
  EXPECT_EQ(v->AddSeals(kSealFutureWrite).error(), Error::kPermission);
  EXPECT_EQ(v->seals(), kSealShrink | kSealGrow | kSealWrite | kSealSeal);
}

TEST_F(MemfdTest, SealWriteIsBusyWhileASharedMappingMayWrite) {
  auto v = New();
  ASSERT_TRUE(v->Truncate(kPageSize).ok());
  auto rw = v->MapShared(aspace_.get(), 0, 0, kPageSize, kProtRead, 0, true, false);
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(v->AddSeals(kSealWrite).error(), Error::kBusy);  // may write (mprotect)
  // A description not open for writing maps without write, which does not count.
  EXPECT_EQ(v->MapShared(aspace_.get(), 0, 0, kPageSize, kRW, 0, false, false).error(),
            Error::kAccess);
  auto ro = v->MapShared(aspace_.get(), 0, 0, kPageSize, kProtRead, 0, false, false);
  ASSERT_TRUE(ro.ok());
  ASSERT_TRUE(aspace_->Unmap(rw.value(), kPageSize).ok());
  EXPECT_TRUE(v->AddSeals(kSealWrite).ok());
  // FUTURE_WRITE needs no such check.
  auto w = New();
  ASSERT_TRUE(w->Truncate(kPageSize).ok());
  auto wm = w->MapShared(aspace_.get(), 0, 0, kPageSize, kRW, 0, true, false);
  ASSERT_TRUE(wm.ok());
  EXPECT_TRUE(w->AddSeals(kSealFutureWrite).ok());
  MustWrite(*aspace_, wm.value(), 'k');  // the old mapping still writes
  EXPECT_EQ(Read(*w, 0, 1), "k");
  EXPECT_EQ(Write(*w, 0, "n"), 0u);
}

TEST_F(MemfdTest, StartsSealedUnlessAllowedAndExecSeal) {
  EXPECT_EQ(New(0)->seals(), kSealSeal);
  EXPECT_EQ(New(0)->AddSeals(kSealGrow).error(), Error::kPermission);
  auto noexec = New(kMfdNoexecSeal);
  EXPECT_EQ(noexec->seals(), kSealExec);
  EXPECT_EQ(noexec->GetAttr().mode & 0777, 0666u);
  vfs::SetAttrRequest chmod;
  chmod.mask = vfs::SetAttrRequest::kMode;
  chmod.mode = 0766;
  EXPECT_EQ(noexec->SetAttr(chmod).error(), Error::kPermission);
  chmod.mode = 0600;
  EXPECT_TRUE(noexec->SetAttr(chmod).ok());
  // An executable file sealed against exec is sealed against writing too.
  auto exec = New();
  ASSERT_TRUE(exec->AddSeals(kSealExec).ok());
  EXPECT_EQ(exec->seals(), kSealExec | kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite);
}

TEST_F(MemfdTest, AllocateGrowsAndPunchesHoles) {
  auto v = New();
  Write(*v, 0, "0123456789");
  ASSERT_TRUE(v->Allocate(0, 0, 3 * kPageSize).ok());
  EXPECT_EQ(v->size(), 3 * kPageSize);
  ASSERT_TRUE(v->Allocate(kFallocKeepSize, 0, 5 * kPageSize).ok());
  EXPECT_EQ(v->size(), 3 * kPageSize);
  EXPECT_EQ(v->Allocate(kFallocPunchHole, 2, 3).error(), Error::kOperationNotSupported);
  EXPECT_EQ(v->Allocate(0x10, 2, 3).error(), Error::kOperationNotSupported);
  EXPECT_EQ(v->Allocate(0, 0, 0).error(), Error::kInvalid);
  Write(*v, kPageSize + 5, "page-two");
  ASSERT_TRUE(v->Allocate(kFallocPunchHole | kFallocKeepSize, 2, kPageSize + 7).ok());
  EXPECT_EQ(Read(*v, 0, 10), std::string("01\0\0\0\0\0\0\0\0", 10));
  EXPECT_EQ(Read(*v, kPageSize + 5, 4), std::string(4, '\0'));  // "page" was in the hole
  EXPECT_EQ(Read(*v, kPageSize + 9, 4), "-two");
  // A whole page in the hole gives its memory back.
  const uint64_t blocks = v->GetAttr().blocks;
  ASSERT_TRUE(v->Allocate(kFallocPunchHole | kFallocKeepSize, kPageSize, kPageSize).ok());
  EXPECT_EQ(v->GetAttr().blocks, blocks - kPageSize / 512);
  EXPECT_EQ(Read(*v, kPageSize + 9, 4), std::string(4, '\0'));
  ASSERT_TRUE(v->AddSeals(kSealGrow).ok());
  EXPECT_EQ(v->Allocate(kFallocKeepSize, 0, 4 * kPageSize).error(), Error::kPermission);
  EXPECT_TRUE(v->Allocate(0, 0, kPageSize).ok());
  ASSERT_TRUE(v->AddSeals(kSealWrite).ok());
  EXPECT_EQ(v->Allocate(kFallocPunchHole | kFallocKeepSize, 0, 1).error(), Error::kPermission);
  EXPECT_TRUE(v->Allocate(0, 0, 1).ok());
}

}  // namespace
}  // namespace core::fd
