#include "core/mm/heap.h"

#include "kstd/utility.h"

namespace core::mm {

namespace {

using kstd::AlignUp;
using kstd::Error;

constexpr uint32_t kLiveMagic = 0x4c697665;   // "Live": header of an allocated block
constexpr uint32_t kFreeMagic = 0x46726565;   // "Free": header of a freed block/slot
constexpr uint32_t kSlabMagic = 0x536c6162;   // "Slab"
constexpr uint32_t kLargeMagic = 0x4c617267;  // "Larg"

constexpr size_t kPayloadSizes[Heap::kClassCount] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4608, 8192,
};
static_assert(kPayloadSizes[Heap::kClassCount - 1] == Heap::kMaxSmallSize);

constexpr size_t kMaxSlabPages = 8;
constexpr size_t kMinSlotsPerSlab = 8;

uintptr_t Addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

}  // namespace

/// Precedes every payload (16 bytes, so payloads stay 16-byte aligned).
struct Heap::ObjectHeader {
  uint32_t magic;  // kLiveMagic or kFreeMagic
  uint32_t size;   // requested size
  void* owner;     // the Slab or LargeRun holding the block
};

/// The first 16 bytes of a free slot.
struct Heap::FreeSlot {
  uint32_t magic;  // kFreeMagic, where an unaligned block's header was
  uint32_t unused;
  FreeSlot* next;
};

/// At the start of a slab's first page; slots follow it.
struct alignas(16) Heap::Slab {
  uint32_t magic;  // kSlabMagic
  uint16_t class_index;
  uint16_t pages;
  uint32_t capacity;
  uint32_t in_use;
  uint32_t fresh;  // slots [fresh, capacity) have never been handed out
  uint32_t slot_size;
  FreeSlot* free_list;
  Slab* next;  // in SizeClass::partial
  Slab* prev;

  uint8_t* FirstSlot() { return reinterpret_cast<uint8_t*>(this) + sizeof(Slab); }
};

/// At the start of a large allocation's first page.
struct alignas(16) Heap::LargeRun {
  uint32_t magic;  // kLargeMagic
  uint32_t pages;
};

namespace {

/// Pages per slab for a payload size: the smallest power of two holding
/// kMinSlotsPerSlab slots, at most kMaxSlabPages.
constexpr size_t SlabPages(size_t payload, size_t slab_header) {
  size_t pages = 1;
  while (pages < kMaxSlabPages &&
         (pages * kPageSize - slab_header) / (payload + Heap::kMinAlign) < kMinSlotsPerSlab) {
    pages *= 2;
  }
  return pages;
}

}  // namespace

void Heap::SetErrorHandler(HeapErrorHandler handler, void* context) {
  MmLockGuard guard(lock_);
  error_handler_ = handler;
  error_context_ = context;
}

kstd::Result<void*> Heap::Allocate(size_t size, size_t align) {
  static_assert(sizeof(ObjectHeader) == kMinAlign && sizeof(Slab) % kMinAlign == 0 &&
                sizeof(LargeRun) == kMinAlign);
  MmLockGuard guard(lock_);
  if (align > kMaxAlign || (align & (align - 1)) != 0) return Error::kInvalid;
  if (align < kMinAlign) align = kMinAlign;
  if (size > kMaxSize) return Error::kNoMemory;
  // An aligned block may start up to align - kMinAlign bytes into its slot.
  const size_t need = kstd::Max<size_t>(size, 1) + (align - kMinAlign);
  for (size_t i = 0; i < kClassCount; ++i) {
    if (need <= kPayloadSizes[i]) return AllocateSmall(i, size, align);
  }
  return AllocateLarge(size, align);
}

kstd::Result<Heap::Slab*> Heap::NewSlab(size_t class_index) {
  const size_t payload = kPayloadSizes[class_index];
  const size_t pages = SlabPages(payload, sizeof(Slab));
  void* memory = TRY(source_->AllocPages(pages));
  Slab* slab = new (memory) Slab();
  slab->magic = kSlabMagic;
  slab->class_index = static_cast<uint16_t>(class_index);
  slab->pages = static_cast<uint16_t>(pages);
  slab->slot_size = static_cast<uint32_t>(payload + sizeof(ObjectHeader));
  slab->capacity = static_cast<uint32_t>((pages * kPageSize - sizeof(Slab)) / slab->slot_size);
  stats_.pages_held += pages;
  stats_.slab_pages += pages;
  return slab;
}

kstd::Result<void*> Heap::AllocateSmall(size_t class_index, size_t size, size_t align) {
  SizeClass& size_class = classes_[class_index];
  Slab* slab = size_class.partial;
  if (slab == nullptr) {
    if (size_class.empty != nullptr) {
      slab = size_class.empty;
      size_class.empty = nullptr;
    } else {
      slab = TRY(NewSlab(class_index));
    }
    Push(&size_class.partial, slab);
  }
  uint8_t* slot;
  if (slab->free_list != nullptr) {
    slot = reinterpret_cast<uint8_t*>(slab->free_list);
    slab->free_list = slab->free_list->next;
  } else {
    slot = slab->FirstSlot() + size_t{slab->fresh++} * slab->slot_size;
  }
  if (++slab->in_use == slab->capacity) Unlink(&size_class.partial, slab);

  uint8_t* payload = reinterpret_cast<uint8_t*>(AlignUp(Addr(slot) + sizeof(ObjectHeader), align));
  auto* header = reinterpret_cast<ObjectHeader*>(payload - sizeof(ObjectHeader));
  *header = ObjectHeader{kLiveMagic, static_cast<uint32_t>(size), slab};
  stats_.bytes_in_use += size;
  ++stats_.allocations;
  return static_cast<void*>(payload);
}

kstd::Result<void*> Heap::AllocateLarge(size_t size, size_t align) {
  // Run header, block header, payload; align is a power of two >= 16, so this
  // offset is a multiple of it.
  const size_t offset = kstd::Max(sizeof(LargeRun) + sizeof(ObjectHeader), align);
  const size_t pages = AlignUp(offset + size, kPageSize) / kPageSize;
  void* memory = TRY(source_->AllocPages(pages));
  LargeRun* run = new (memory) LargeRun{kLargeMagic, static_cast<uint32_t>(pages)};
  uint8_t* payload = static_cast<uint8_t*>(memory) + offset;
  auto* header = reinterpret_cast<ObjectHeader*>(payload - sizeof(ObjectHeader));
  *header = ObjectHeader{kLiveMagic, static_cast<uint32_t>(size), run};
  stats_.bytes_in_use += size;
  ++stats_.allocations;
  stats_.pages_held += pages;
  stats_.large_pages += pages;
  return static_cast<void*>(payload);
}

void Heap::Free(void* pointer) {
  if (pointer == nullptr) return;
  MmLockGuard guard(lock_);
  if (!kstd::IsAligned(Addr(pointer), kMinAlign)) return Report(HeapError::kBadPointer, pointer);
  auto* header =
      reinterpret_cast<ObjectHeader*>(static_cast<uint8_t*>(pointer) - sizeof(ObjectHeader));
  if (header->magic == kFreeMagic) return Report(HeapError::kDoubleFree, pointer);
  if (header->magic != kLiveMagic) return Report(HeapError::kBadPointer, pointer);
  // Check the owner looks like the start of a run holding the header before
  // reading through it.
  const uintptr_t owner = Addr(header->owner);
  if (!kstd::IsAligned(owner, kPageSize) || owner > Addr(header) ||
      Addr(header) - owner >= kMaxSlabPages * kPageSize) {
    return Report(HeapError::kCorrupted, pointer);
  }
  const uint32_t owner_magic = *reinterpret_cast<const uint32_t*>(owner);
  if (owner_magic == kSlabMagic) {
    Slab* slab = reinterpret_cast<Slab*>(owner);
    if (Addr(header) < Addr(slab->FirstSlot()) ||
        Addr(header) >= Addr(slab->FirstSlot()) + size_t{slab->fresh} * slab->slot_size) {
      return Report(HeapError::kCorrupted, pointer);
    }
    return FreeSmall(slab, header);
  }
  if (owner_magic == kLargeMagic) {
    LargeRun* run = reinterpret_cast<LargeRun*>(owner);
    if (Addr(header) - owner >= kPageSize) return Report(HeapError::kCorrupted, pointer);
    return FreeLarge(run, header);
  }
  Report(HeapError::kCorrupted, pointer);
}

void Heap::FreeSmall(Slab* slab, ObjectHeader* header) {
  stats_.bytes_in_use -= header->size;
  --stats_.allocations;
  header->magic = kFreeMagic;
  const size_t index = (Addr(header) - Addr(slab->FirstSlot())) / slab->slot_size;
  auto* slot = reinterpret_cast<FreeSlot*>(slab->FirstSlot() + index * slab->slot_size);
  slot->magic = kFreeMagic;
  slot->next = slab->free_list;
  slab->free_list = slot;

  SizeClass& size_class = classes_[slab->class_index];
  if (slab->in_use-- == slab->capacity) Push(&size_class.partial, slab);
  if (slab->in_use > 0) return;
  Unlink(&size_class.partial, slab);
  if (size_class.empty == nullptr) {
    size_class.empty = slab;
  } else {
    ReleaseSlab(slab);
  }
}

void Heap::FreeLarge(LargeRun* run, ObjectHeader* header) {
  stats_.bytes_in_use -= header->size;
  --stats_.allocations;
  header->magic = kFreeMagic;
  run->magic = 0;
  stats_.pages_held -= run->pages;
  stats_.large_pages -= run->pages;
  source_->FreePages(run, run->pages);
}

void Heap::ReleaseSlab(Slab* slab) {
  slab->magic = 0;
  stats_.pages_held -= slab->pages;
  stats_.slab_pages -= slab->pages;
  source_->FreePages(slab, slab->pages);
}

void Heap::ReleaseCachedSlabs() {
  MmLockGuard guard(lock_);
  for (SizeClass& size_class : classes_) {
    if (size_class.empty == nullptr) continue;
    ReleaseSlab(size_class.empty);
    size_class.empty = nullptr;
  }
}

void Heap::Report(HeapError error, const void* pointer) {
  ++stats_.errors;
  if (error_handler_ != nullptr) error_handler_(error_context_, error, pointer);
}

void Heap::Unlink(Slab** list, Slab* slab) {
  if (slab->prev != nullptr) {
    slab->prev->next = slab->next;
  } else {
    *list = slab->next;
  }
  if (slab->next != nullptr) slab->next->prev = slab->prev;
  slab->next = slab->prev = nullptr;
}

void Heap::Push(Slab** list, Slab* slab) {
  slab->prev = nullptr;
  slab->next = *list;
  if (*list != nullptr) (*list)->prev = slab;
  *list = slab;
}

HeapStats Heap::Stats() const {
  MmLockGuard guard(lock_);
  return stats_;
}

}  // namespace core::mm
