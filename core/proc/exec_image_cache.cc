#include "core/proc/exec_image_cache.h"

#include "core/exec/elf_loader.h"
#include "core/kernel/memory.h"
#include "core/sync/spin_lock.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core {
namespace {

struct Slot {
  kstd::RefPtr<vfs::Vnode> vnode;  // null: empty
  uint64_t version = 0;
  kstd::RefPtr<ExecImage> image;
  uint64_t last_use = 0;
};

SpinLock g_lock;
Slot g_slots[kExecCacheMaxEntries] GUARDED_BY(g_lock);
uint64_t g_clock GUARDED_BY(g_lock) = 0;
uint64_t g_bytes GUARDED_BY(g_lock) = 0;
uint64_t g_hits GUARDED_BY(g_lock) = 0;
uint64_t g_misses GUARDED_BY(g_lock) = 0;

uint64_t BytesOf(const Slot& slot) { return slot.image ? slot.image->vmo()->size() : 0; }

// Moves the slot's references into `out` (released by the caller, unlocked:
// the last reference to a VMO frees its pages).
void TakeLocked(Slot& slot, Slot* out) REQUIRES(g_lock) {
  g_bytes -= BytesOf(slot);
  out->vnode = kstd::Move(slot.vnode);
  out->image = kstd::Move(slot.image);
  slot = Slot{};
}

}  // namespace

void DropExecImages() {
  Slot dropped[kExecCacheMaxEntries];  // released after the lock
  SpinLockGuard guard(g_lock);
  for (size_t i = 0; i < kExecCacheMaxEntries; ++i) TakeLocked(g_slots[i], &dropped[i]);
}

kstd::RefPtr<ExecImage> FindExecImage(vfs::Vnode* v) {
  const uint64_t version = v->content_version();
  Slot stale;
  kstd::RefPtr<ExecImage> found;
  {
    SpinLockGuard guard(g_lock);
    for (Slot& slot : g_slots) {
      if (slot.vnode.get() != v) continue;
      if (slot.version == version) {
        slot.last_use = ++g_clock;
        found = slot.image;
      } else {
        TakeLocked(slot, &stale);  // the file changed since
      }
      break;
    }
    if (found) {
      ++g_hits;
    } else {
      ++g_misses;
    }
  }
  return found;
}

kstd::RefPtr<ExecImage> MakeExecImage(vfs::Vnode* v, uint64_t version, kstd::ByteSpan file) {
  const uint64_t size = kstd::AlignUp(static_cast<uint64_t>(file.size()), uint64_t{vm::kPageSize});
  if (file.size() == 0 || size > kExecCacheMaxBytes) return nullptr;
  kstd::Result<elf::ElfImage> elf = elf::ParseElf64(file, nullptr);
  if (elf.is_error() || !exec::FileMappable(elf.value())) return nullptr;
  kstd::Result<kstd::RefPtr<vm::VmObject>> vmo = vm::VmObject::CreateAnonymous(&Pmm(), size);
  if (vmo.is_error()) return nullptr;
  if (vmo.value()->Write(0, file.data(), file.size()).is_error()) return nullptr;
  kstd::RefPtr<ExecImage> image =
      kstd::AdoptRef(new (kstd::nothrow) ExecImage(vmo.release_value(), elf.value(), file.size()));
  if (!image) return nullptr;

  Slot evicted[kExecCacheMaxEntries + 1];
  size_t evicted_count = 0;
  {
    SpinLockGuard guard(g_lock);
    // One entry per vnode: a racing exec of the same file may have made one.
    for (Slot& slot : g_slots) {
      if (slot.vnode.get() == v) TakeLocked(slot, &evicted[evicted_count++]);
    }
    // Room: the least recently used go until the image fits.
    for (;;) {
      Slot* free_slot = nullptr;
      Slot* oldest = nullptr;
      for (Slot& slot : g_slots) {
        if (!slot.vnode) {
          free_slot = free_slot != nullptr ? free_slot : &slot;
        } else if (oldest == nullptr || slot.last_use < oldest->last_use) {
          oldest = &slot;
        }
      }
      if (free_slot != nullptr && g_bytes + size <= kExecCacheMaxBytes) {
        free_slot->vnode = kstd::RefPtr<vfs::Vnode>::FromRaw(v);
        free_slot->version = version;
        free_slot->image = image;
        free_slot->last_use = ++g_clock;
        g_bytes += size;
        break;
      }
      if (oldest == nullptr) break;  // nothing left to evict: not cached
      TakeLocked(*oldest, &evicted[evicted_count++]);
    }
  }
  return image;  // `evicted` releases its references here, unlocked
}

ExecCacheStats GetExecCacheStats() {
  SpinLockGuard guard(g_lock);
  ExecCacheStats stats;
  for (const Slot& slot : g_slots) stats.entries += slot.vnode ? 1 : 0;
  stats.bytes = g_bytes;
  stats.hits = g_hits;
  stats.misses = g_misses;
  return stats;
}

}  // namespace core
