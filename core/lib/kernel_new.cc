// kstd/new.h and the C++ delete operators for the kernel, on the kernel heap.

#include "core/kernel/memory.h"
#include "kstd/new.h"

void* operator new(size_t size, const kstd::NoThrow&) noexcept {
  auto r = core::KernelHeap().Allocate(size);
  return r.ok() ? r.value() : nullptr;
}
void* operator new[](size_t size, const kstd::NoThrow&) noexcept {
  auto r = core::KernelHeap().Allocate(size);
  return r.ok() ? r.value() : nullptr;
}
void* operator new(size_t size, size_t align, const kstd::NoThrow&) noexcept {
  auto r = core::KernelHeap().Allocate(size, align);
  return r.ok() ? r.value() : nullptr;
}
void operator delete(void* p) noexcept { core::KernelHeap().Free(p); }
void operator delete(void* p, size_t) noexcept { core::KernelHeap().Free(p); }
void operator delete[](void* p) noexcept { core::KernelHeap().Free(p); }
void operator delete[](void* p, size_t) noexcept { core::KernelHeap().Free(p); }
