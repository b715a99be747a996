#pragma once

// Intrusive reference counting for kernel objects.
//
//   class Channel : public kstd::RefCounted<Channel> { ... };
//   kstd::RefPtr<Channel> ch = kstd::AdoptRef(new (kstd::nothrow) Channel(...));
//
// The count starts at 1 when AdoptRef takes ownership of a new object; the last
// RefPtr to go away deletes it. Counting is atomic (safe across CPUs).

#include <stddef.h>

#include "kstd/utility.h"

namespace kstd {

template <typename T>
class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  void AddRef() const { __atomic_fetch_add(&ref_count_, 1, __ATOMIC_RELAXED); }
  /// Returns true if this was the last reference (the caller deletes).
  bool Release() const { return __atomic_fetch_sub(&ref_count_, 1, __ATOMIC_ACQ_REL) == 1; }
  /// Takes a reference only if the object is still alive (count > 0): for
  /// a holder of a raw pointer that the object unregisters in its destructor.
  [[nodiscard]] bool TryAddRef() const {
    int n = __atomic_load_n(&ref_count_, __ATOMIC_RELAXED);
    while (n > 0) {
      if (__atomic_compare_exchange_n(&ref_count_, &n, n + 1, true, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED))
        return true;
    }
    return false;
  }
  int ref_count() const { return __atomic_load_n(&ref_count_, __ATOMIC_RELAXED); }

 protected:
  ~RefCounted() = default;

 private:
  mutable int ref_count_ = 1;
};

template <typename T>
class RefPtr {
 public:
  constexpr RefPtr() = default;
  constexpr RefPtr(decltype(nullptr)) {}  // NOLINT
  RefPtr(const RefPtr& other) : ptr_(other.ptr_) {
    if (ptr_ != nullptr) ptr_->AddRef();
  }
  RefPtr(RefPtr&& other) : ptr_(other.ptr_) { other.ptr_ = nullptr; }
  template <typename U>
  RefPtr(const RefPtr<U>& other) : ptr_(other.get()) {  // NOLINT: upcast
    if (ptr_ != nullptr) ptr_->AddRef();
  }
  template <typename U>
  RefPtr(RefPtr<U>&& other) : ptr_(other.leak_ref()) {}  // NOLINT: upcast
  ~RefPtr() { reset(); }

  RefPtr& operator=(const RefPtr& other) {
    RefPtr copy(other);
    swap(copy);
    return *this;
  }
  RefPtr& operator=(RefPtr&& other) {
    RefPtr moved(Move(other));
    swap(moved);
    return *this;
  }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  bool operator==(const RefPtr& other) const { return ptr_ == other.ptr_; }

  void reset() {
    T* p = ptr_;
    ptr_ = nullptr;
    if (p != nullptr && p->Release()) delete p;
  }
  void swap(RefPtr& other) {
    T* p = ptr_;
    ptr_ = other.ptr_;
    other.ptr_ = p;
  }
  /// Gives up ownership without dropping the reference.
  T* leak_ref() {
    T* p = ptr_;
    ptr_ = nullptr;
    return p;
  }

  template <typename U>
  friend RefPtr<U> AdoptRef(U* object);
  /// Takes a new reference to an object already owned elsewhere.
  static RefPtr FromRaw(T* object) {
    if (object != nullptr) object->AddRef();
    RefPtr r;
    r.ptr_ = object;
    return r;
  }
  /// A new reference unless the object is already being destroyed (then
  /// empty); see RefCounted::TryAddRef.
  static RefPtr TryFromRaw(T* object) {
    RefPtr r;
    if (object != nullptr && object->TryAddRef()) r.ptr_ = object;
    return r;
  }

 private:
  T* ptr_ = nullptr;
};

/// Takes ownership of a freshly allocated object (its count is already 1).
/// A nullptr (failed allocation) gives an empty RefPtr.
template <typename T>
RefPtr<T> AdoptRef(T* object) {
  RefPtr<T> r;
  r.ptr_ = object;
  return r;
}

/// Downcast for kernel objects whose type the caller has checked.
template <typename To, typename From>
RefPtr<To> StaticRefCast(RefPtr<From> from) {
  return AdoptRef(static_cast<To*>(from.leak_ref()));
}

}  // namespace kstd
