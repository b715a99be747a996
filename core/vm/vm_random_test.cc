// Randomized map/unmap/protect/fault/fork/exit sequences, checked page by page
// against a simple model, ending with every page back in the pmm.

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "core/vm/vm_aspace.h"
#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

constexpr uint64_t kWindow = 0x10000000;  // most activity happens in 48 pages here
constexpr uint64_t kWindowPages = 48;
constexpr uint64_t kByte = 8;  // the byte of each page the model tracks
constexpr size_t kMaxAspaces = 4;
constexpr uint64_t kHeldPages = 8;

using Cell = std::shared_ptr<uint8_t>;

// One page of a model address space.
struct ModelPage {
  Prot prot = kProtNone;
  bool guard = false;
  bool shared = false;  // kMapShared: fork shares the cell
  Cell cell;            // shared between pages that must show the same byte
};

struct Process {
  RefPtr<VmAspace> aspace;
  std::map<uint64_t, ModelPage> pages;  // by page address
};

// A VMO the test holds a handle to, mappable shared or private.
struct Held {
  RefPtr<VmObject> vmo;
  std::vector<Cell> cells;
};

const Prot kProts[] = {kProtNone, kProtRead, kProtRead | kProtWrite, kProtRead | kProtExec,
                       kProtAll};

class VmRandomTest : public VmTest {
 protected:
  std::mt19937_64 rng_;
  std::vector<Process> procs_;
  std::vector<Held> held_;

  uint64_t Rand(uint64_t n) { return rng_() % n; }
  uint64_t WindowPage() { return kWindow + Rand(kWindowPages) * kPageSize; }
  uint64_t Length(uint64_t max_pages) { return (1 + Rand(max_pages)) * kPageSize; }

  bool AnyMapped(const Process& p, uint64_t addr, uint64_t size) {
    for (uint64_t a = addr; a < addr + size; a += kPageSize) {
      if (p.pages.count(a)) return true;
    }
    return false;
  }
  void ModelUnmap(Process& p, uint64_t addr, uint64_t size) {
    p.pages.erase(p.pages.lower_bound(addr), p.pages.lower_bound(addr + size));
  }

  void DoMap(Process& p) {
    const uint64_t size = Length(8);
    const Prot prot = kProts[Rand(5)];
    const int how = static_cast<int>(Rand(4));  // fixed, replace, hint, guard
    uint64_t addr = WindowPage();
    const bool from_held = Rand(3) == 0;
    const bool shared = from_held ? Rand(2) == 0 : Rand(4) == 0;
    const MapFlags flags = shared ? kMapShared : 0;
    RefPtr<VmObject> vmo;
    uint64_t offset = 0;
    Held* held = nullptr;
    if (from_held && size <= kHeldPages * kPageSize) {
      held = &held_[Rand(held_.size())];
      offset = Rand(kHeldPages - size / kPageSize + 1) * kPageSize;
      vmo = held->vmo;
    } else {
      vmo = NewAnon(size / kPageSize);
    }
    const bool busy = AnyMapped(p, addr, size);
    kstd::Result<uint64_t> r = [&]() -> kstd::Result<uint64_t> {
      switch (how) {
        case 0: return p.aspace->Map(vmo, offset, size, prot, addr, flags | kMapFixed);
        case 1: return p.aspace->MapFixedReplace(addr, vmo, offset, size, prot, flags);
        case 2: return p.aspace->Map(vmo, offset, size, prot, addr, flags);
        default: return p.aspace->MapGuard(addr, size, kMapFixed);
      }
    }();
    if ((how == 0 || how == 3) && busy) {
      ASSERT_EQ(r.error(), Error::kExists);
      return;
    }
    if (how == 1) ModelUnmap(p, addr, size);
    ASSERT_TRUE(r.ok()) << how;
    if (how == 2) {
      addr = r.value();
      ASSERT_FALSE(AnyMapped(p, addr, size));
    } else {
      ASSERT_EQ(r.value(), addr);
    }
    for (uint64_t i = 0; i < size / kPageSize; ++i) {
      ModelPage page;
      if (how == 3) {
        page.guard = true;
      } else {
        page.prot = prot;
        page.shared = shared;
        if (held == nullptr) {
          page.cell = std::make_shared<uint8_t>(0);
        } else if (shared) {
          page.cell = held->cells[offset / kPageSize + i];
        } else {
          page.cell = std::make_shared<uint8_t>(*held->cells[offset / kPageSize + i]);
        }
      }
      p.pages[addr + i * kPageSize] = page;
    }
  }
  void DoUnmap(Process& p) {
    const uint64_t addr = WindowPage();
    const uint64_t size = Length(12);
    ASSERT_TRUE(p.aspace->Unmap(addr, size).ok());
    ModelUnmap(p, addr, size);
  }

  void DoProtect(Process& p) {
    const uint64_t addr = WindowPage();
    const uint64_t size = Length(8);
    const Prot prot = kProts[Rand(5)];
    Error expected{};
    for (uint64_t a = addr; a < addr + size; a += kPageSize) {
      auto it = p.pages.find(a);
      if (it == p.pages.end()) {
        expected = Error::kNotFound;
        break;
      }
      if (it->second.guard) {
        expected = Error::kAccess;
        break;
      }
    }
    kstd::Result<void> r = p.aspace->Protect(addr, size, prot);
    if (expected != Error{}) {
      ASSERT_EQ(r.error(), expected);
      return;
    }
    ASSERT_TRUE(r.ok());
    for (uint64_t a = addr; a < addr + size; a += kPageSize) p.pages[a].prot = prot;
  }

  void DoAccess(Process& p) {
    const uint64_t addr = WindowPage() + kByte;
    const Access access = static_cast<Access>(Rand(3));
    auto it = p.pages.find(addr - kByte);
    Error expected{};
    if (it == p.pages.end()) {
      expected = Error::kFault;
    } else if (it->second.guard) {
      expected = Error::kAccess;
    } else {
      const Prot prot = it->second.prot;
      const bool ok = access == Access::kRead    ? prot != kProtNone
                      : access == Access::kWrite ? (prot & kProtWrite) != 0
                                                 : (prot & kProtExec) != 0;
      if (!ok) expected = Error::kAccess;
    }
    kstd::Result<void> r = Touch(*p.aspace, addr, access);
    if (expected != Error{}) {
      ASSERT_EQ(r.error(), expected) << std::hex << addr;
      return;
    }
    ASSERT_TRUE(r.ok()) << std::hex << addr;
    uint8_t& byte = Byte(PhysOf(*p.aspace, addr) + kByte);
    ASSERT_EQ(byte, *it->second.cell) << std::hex << addr;
    if (access == Access::kWrite) {
      byte = static_cast<uint8_t>(rng_());
      *it->second.cell = byte;
    }
  }

  void DoPoke(Process& p) {
    const uint64_t addr = WindowPage() + kByte;
    const uint8_t value = static_cast<uint8_t>(rng_());
    auto it = p.pages.find(addr - kByte);
    kstd::Result<void> r = p.aspace->Poke(addr, &value, 1);
    if (it == p.pages.end() || it->second.guard) {
      ASSERT_EQ(r.error(), Error::kFault);
      return;
    }
    ASSERT_TRUE(r.ok());
    *it->second.cell = value;
    uint8_t back = 0;
    ASSERT_TRUE(p.aspace->Peek(addr, &back, 1).ok());
    ASSERT_EQ(back, value);
  }

  void DoHeldWrite() {
    Held& held = held_[Rand(held_.size())];
    const uint64_t page = Rand(kHeldPages);
    const uint8_t value = static_cast<uint8_t>(rng_());
    ASSERT_TRUE(held.vmo->Write(page * kPageSize + kByte, &value, 1).ok());
    *held.cells[page] = value;
  }

  void DoFork(size_t i) {
    if (procs_.size() >= kMaxAspaces) return;
    kstd::Result<RefPtr<VmAspace>> child = procs_[i].aspace->Fork();
    ASSERT_TRUE(child.ok());
    Process copy;
    copy.aspace = child.release_value();
    for (const auto& [addr, page] : procs_[i].pages) {  // NOLINT
      ModelPage c = page;
      // Private pages are copied; shared ones stay shared.
      if (page.cell && !page.shared) {
        c.cell = std::make_shared<uint8_t>(*page.cell);
      }
      copy.pages[addr] = c;
    }
    procs_.push_back(std::move(copy));
  }

  void DoExit(size_t i) {
    if (procs_.size() <= 1) return;
    procs_[i].aspace->Destroy();
    procs_.erase(procs_.begin() + static_cast<long>(i));
  }

  // Every page table entry agrees with the model, and copy-on-write never
  // leaves a shared frame writable.
  void CheckInvariants() {
    for (Process& p : procs_) {
      uint64_t present = 0;
      for (const auto& [addr, page] : p.pages) {
        const Pte pte(RawPte(*p.aspace, addr));
        if (!pte.present()) continue;
        ++present;
        ASSERT_FALSE(page.guard);
        ASSERT_NE(page.prot, kProtNone) << std::hex << addr;
        const PhysAddr phys = PhysOf(*p.aspace, addr);
        ASSERT_EQ(Byte(phys + kByte), *page.cell) << std::hex << addr;
        if (pte.writable()) {
          ASSERT_TRUE(page.prot & kProtWrite) << std::hex << addr;
          ASSERT_EQ(RefCount(phys), 1u) << "shared frame mapped writable at " << std::hex << addr;
        }
        ASSERT_EQ(!pte.no_execute(), (page.prot & kProtExec) != 0) << std::hex << addr;
      }
      for (uint64_t i = 0; i < kWindowPages; ++i) {
        const uint64_t addr = kWindow + i * kPageSize;
        if (!p.pages.count(addr)) {
          ASSERT_EQ(RawPte(*p.aspace, addr), 0u) << std::hex << addr;
        }
      }
      ASSERT_EQ(p.aspace->resident_pages(), present);
    }
    for (Held& held : held_) {
      for (uint64_t i = 0; i < kHeldPages; ++i) {
        uint8_t value = 0;
        ASSERT_TRUE(held.vmo->Read(i * kPageSize + kByte, &value, 1).ok());
        ASSERT_EQ(value, *held.cells[i]);
      }
    }
  }

  void Run(uint64_t seed, int steps) {
    rng_.seed(seed);
    procs_.clear();
    held_.clear();
    procs_.push_back(Process{NewAspace(), {}});
    for (int i = 0; i < 2; ++i) {
      Held held{NewAnon(kHeldPages), {}};
      for (uint64_t p = 0; p < kHeldPages; ++p) held.cells.push_back(std::make_shared<uint8_t>(0));
      held_.push_back(std::move(held));
    }
    for (int step = 0; step < steps; ++step) {
      const size_t i = Rand(procs_.size());
      const uint64_t op = Rand(100);
      if (op < 15) {
        DoMap(procs_[i]);
      } else if (op < 23) {
        DoUnmap(procs_[i]);
      } else if (op < 31) {
        DoProtect(procs_[i]);
      } else if (op < 81) {
        DoAccess(procs_[i]);
      } else if (op < 85) {
        DoPoke(procs_[i]);
      } else if (op < 89) {
        DoHeldWrite();
      } else if (op < 95) {
        DoFork(i);
      } else {
        DoExit(i);
      }
      if (::testing::Test::HasFatalFailure()) {
        ADD_FAILURE() << "seed " << seed << " step " << step;
        return;
      }
      CheckInvariants();
      if (::testing::Test::HasFatalFailure()) {
        ADD_FAILURE() << "invariant broken: seed " << seed << " step " << step;
        return;
      }
    }
    for (Process& p : procs_) p.aspace->Destroy();
    procs_.clear();
    held_.clear();
    ExpectNoLeaks();
  }
};

TEST_F(VmRandomTest, ShortSequences) {
  for (uint64_t seed = 1; seed <= 40 && !HasFailure(); ++seed) Run(seed, 300);
}

TEST_F(VmRandomTest, LongSequences) {
  for (uint64_t seed = 1000; seed < 1004 && !HasFailure(); ++seed) Run(seed, 5000);
}

}  // namespace
}  // namespace core::vm::testing
