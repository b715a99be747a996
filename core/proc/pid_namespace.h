#pragma once

// A PID namespace (Linux's pid_namespace): the numbers its processes and
// threads have there. Namespaces nest: the root one (level 0) sees every
// process, a child namespace (level n + 1, at most kMaxLevel deep) sees the
// processes made in it and in its descendants. Every process and thread has
// one number in its own namespace and one in each ancestor's.
//
// Numbers: the kernel's ids are the root namespace's numbers (core/proc's
// pid allocator hands them out, honouring kernel.pid_max); a non-root
// namespace gives its own numbers from its own PidAllocator (the same
// cyclic rule: 1 upwards, wrapping to 300 below pid_max, skipping numbers
// still held) and keeps the table kernel id <-> its number. Enter gives an
// id its numbers in a namespace and every ancestor below the root; Leave
// takes them back. A number stays held from Enter to Leave (a process's pid
// until it is reaped, a thread's tid until it ends).
//
// The first id to get number 1 is the namespace's init (child reaper).
// Once it dies (MarkDead) no id enters the namespace again (Enter: kNoMemory,
// Linux's ENOMEM for a fork into a namespace whose init is gone).
//
// Each has the id /proc/<pid>/ns/pid shows ("pid:[id]"): the root one
// Linux's PROC_PID_INIT_INO, later ones counting up from kFirstDynamicId.
//
// Portable (host-tested: pid_namespace_test); safe from any thread. Lock
// order: a namespace's allocator lock, then its table lock (the allocator's
// in-use callback reads the table); no other lock is taken under them.

#include <stddef.h>
#include <stdint.h>

#include "core/proc/pid_allocator.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {

class PidNamespace final : public kstd::RefCounted<PidNamespace> {
 public:
  /// Linux's MAX_PID_NS_LEVEL: deeper namespaces are refused (ENOSPC).
  static constexpr unsigned kMaxLevel = 32;
  static constexpr uint64_t kRootId = 0xEFFFFFFCu;  // PROC_PID_INIT_INO
  static constexpr uint64_t kFirstDynamicId = 0xF2000000u;

  /// The boot namespace (level 0); never freed. Its numbers are the
  /// kernel's ids: Enter and Leave do nothing there.
  static PidNamespace* Root();
  /// A new namespace below `parent` (which it keeps alive).
  /// Errors: kNoSpace (deeper than kMaxLevel), kNoMemory.
  static kstd::Result<kstd::RefPtr<PidNamespace>> CreateChild(PidNamespace* parent);

  ~PidNamespace();

  uint64_t id() const { return id_; }
  unsigned level() const { return level_; }
  PidNamespace* parent() const { return parent_; }

  /// Gives kernel id `global` a number here and in every ancestor below
  /// the root; returns this namespace's (`global` itself in the root).
  /// `pid_max` bounds the numbers (kernel.pid_max, as Linux shares it).
  /// Errors: kNoMemory (this namespace's init died, or out of memory),
  /// kAgain (no free number); on error no number was taken.
  kstd::Result<uint64_t> Enter(uint64_t global, uint64_t pid_max);
  /// Takes back `global`'s numbers here and in every ancestor (nothing if
  /// it has none).
  void Leave(uint64_t global);
  /// `global`'s number here; 0 if it has none (not visible here).
  uint64_t ToLocal(uint64_t global) const;
  /// The kernel id whose number here is `local`; 0 if none.
  uint64_t ToGlobal(uint64_t local) const;
  /// Whether this is `other` or one of its ancestors (`other`'s processes
  /// are visible here).
  bool Encloses(const PidNamespace* other) const;

  /// The kernel id of the namespace's init (its number 1); 0 before it
  /// entered. The root's is 1.
  uint64_t init_global() const { return __atomic_load_n(&init_global_, __ATOMIC_ACQUIRE); }
  /// Its init died: no new ids enter (idempotent).
  void MarkDead() { __atomic_store_n(&dead_, true, __ATOMIC_RELEASE); }
  bool dead() const { return __atomic_load_n(&dead_, __ATOMIC_ACQUIRE); }
  /// Numbers held here.
  size_t size() const EXCLUDES(lock_);
  /// The number given last here (0 before the first; /proc/loadavg's last
  /// pid for a reader in this namespace). Not kept for the root: its
  /// numbers are the kernel's ids (Process::LastPid).
  uint64_t last_number() const { return allocator_.last(); }

  /// The root namespace's constructor (constant-initialised).
  constexpr PidNamespace(uint64_t id, PidNamespace* parent, unsigned level)
      : id_(id), level_(level), parent_(parent), init_global_(parent == nullptr ? 1 : 0) {}

 private:
  struct Entry {
    uint64_t global;
    uint64_t local;
  };
  static bool LocalInUse(uint64_t local, void* self);
  // This namespace's number for `global` (not the ancestors'). Errors as
  // Enter's (kNoMemory for a dead namespace only if `refuse_if_dead`).
  kstd::Result<uint64_t> EnterHere(uint64_t global, uint64_t pid_max, bool refuse_if_dead);
  void LeaveHere(uint64_t global) EXCLUDES(lock_);
  // Makes room for one more entry. Errors: kNoMemory.
  kstd::Result<void> Reserve() EXCLUDES(lock_);

  const uint64_t id_;
  const unsigned level_;
  PidNamespace* const parent_;  // a reference held (null for the root)
  uint64_t init_global_;        // atomic
  bool dead_ = false;           // atomic
  PidAllocator allocator_;
  mutable SpinLock lock_;
  Entry* entries_ GUARDED_BY(lock_) = nullptr;  // owned (new[]), unordered
  size_t count_ GUARDED_BY(lock_) = 0;
  size_t capacity_ GUARDED_BY(lock_) = 0;
};

}  // namespace core
