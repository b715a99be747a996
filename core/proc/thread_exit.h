#pragma once

// The end of a user thread: what a Linux thread owes at exit (its robust
// futexes, its clear-tid word), then the process's accounting of the thread
// (the process ends with its last thread), then the scheduler's exit.

namespace core {

/// Ends the calling user thread (its process ends with its last thread).
/// Runs on the thread's own address space, so user memory can be written.
[[noreturn]] void ExitCurrentThread();

}  // namespace core
