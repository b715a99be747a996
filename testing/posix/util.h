#pragma once

// Shared helpers of the POSIX suite's cases: the scratch directory, the
// helper program (posixhelper) and running a program with its output captured.

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

namespace posix_test {

/// The helper program execve cases run: /bin/posixhelper on Tessera (from
/// the initramfs), the built binary on the host (`posixtest --helper PATH`).
const char* HelperPath();
void SetHelperPath(const char* path);

/// A per-run scratch directory: $TEST_TMPDIR (the host under Bazel) or /tmp,
/// plus a fresh posixtest.XXXXXX. Set up by main before the cases run.
const char* WorkDir();
bool MakeWorkDir();
void RemoveWorkDir();

/// WorkDir()/name, in one of 64 rotating static buffers: a result stays
/// valid for the next 63 calls (a case keeping a path longer copies it).
const char* TmpPath(const char* name);

/// A shared futex handshake across fork: the child waits (FUTEX_WAIT, 10 s
/// bound) on the word at child_view[0] after setting child_view[1]; the parent
/// sets the word and wakes through parent_view (the same memory, maybe at
/// another address). Returns nullptr or why it failed.
const char* FutexWakeAcrossFork(uint32_t* child_view, uint32_t* parent_view);

/// Reads until EOF (or cap - 1 bytes), NUL-terminates; returns the length or -1.
ssize_t ReadAll(int fd, char* buf, size_t cap);

/// Creates (or truncates) path with mode and writes data; true on success.
bool WriteFile(const char* path, const void* data, size_t size, mode_t mode);

/// A finished program: its wait status and what it wrote on stdout.
struct RunResult {
  int status = -1;
  char out[4096] = {};
  ssize_t out_len = 0;
  int exec_errno = 0;  // execve's errno when it failed (then status is 127<<8)
};

/// Forks; the child execve()s path with argv/envp (stdout into a pipe the
/// parent reads to EOF) and the parent waits. False if fork/pipe failed.
bool RunProgram(const char* path, const char* const argv[], const char* const envp[],
                RunResult* result);

/// sigaction() with a plain or SA_SIGINFO handler and flags, empty sa_mask.
int SetHandler(int sig, void (*handler)(int), int flags);
int SetInfoHandler(int sig, void (*handler)(int, siginfo_t*, void*), int flags);

/// Sleeps for ms milliseconds (restarting after signal handlers).
void SleepMs(int ms);

}  // namespace posix_test
