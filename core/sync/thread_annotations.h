#pragma once

// Lock annotations for clang's thread-safety analysis (-Wthread-safety, on in
// the kernel build): what each lock guards and what each function expects to
// hold, checked by the compiler. Other compilers (the host tests' g++) see
// nothing.
//
//   SpinLock lock_;
//   int count_ GUARDED_BY(lock_) = 0;          // read or written only holding lock_
//   void BumpLocked() REQUIRES(lock_);         // the caller holds lock_
//   void Bump() EXCLUDES(lock_);               // takes lock_ itself
//
// A lock is a CAPABILITY type with ACQUIRE/RELEASE methods; a guard that holds
// one for a scope is SCOPED_CAPABILITY. Code the analysis cannot follow (a
// lock taken in one function and dropped in another, as around a thread
// switch) says so with NO_THREAD_SAFETY_ANALYSIS and a comment.

#if defined(__clang__)
#define TS_ATTRIBUTE(x) __attribute__((x))
#else
#define TS_ATTRIBUTE(x)
#endif

#define CAPABILITY(name) TS_ATTRIBUTE(capability(name))
#define SCOPED_CAPABILITY TS_ATTRIBUTE(scoped_lockable)
#define GUARDED_BY(lock) TS_ATTRIBUTE(guarded_by(lock))
#define PT_GUARDED_BY(lock) TS_ATTRIBUTE(pt_guarded_by(lock))
#define ACQUIRED_BEFORE(...) TS_ATTRIBUTE(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) TS_ATTRIBUTE(acquired_after(__VA_ARGS__))
#define REQUIRES(...) TS_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) TS_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define RELEASE(...) TS_ATTRIBUTE(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) TS_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) TS_ATTRIBUTE(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) TS_ATTRIBUTE(assert_capability(x))
#define RETURN_CAPABILITY(x) TS_ATTRIBUTE(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS TS_ATTRIBUTE(no_thread_safety_analysis)
