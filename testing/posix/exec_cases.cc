// POSIX cases for execve, modelled on LTP's execve0[1-6], execl01/execvp01,
// fcntl's close-on-exec cases and signal state across exec: the program runs
// the suite's helper (/bin/posixhelper on Tessera, `posixtest --helper PATH`
// on the host), which reports on stdout through a pipe.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/posix/cases.h"
#include "testing/posix/harness.h"
#include "testing/posix/util.h"

namespace posix_test {
namespace {

// The helper ran and exited 0; *out is what it printed.
#define CHECK_RAN_OK(r)                                                              \
  do {                                                                               \
    if ((r).exec_errno != 0)                                                         \
      return Fail("execve of the helper failed: %s", strerror((r).exec_errno));      \
    if (!WIFEXITED((r).status) || WEXITSTATUS((r).status) != 0)                      \
      return Fail("helper ended with status 0x%x, output: %s", (r).status, (r).out); \
  } while (0)

const char* ExecveArgvEnvp() {
  const char* argv[] = {"posixhelper", "args", "two words", "", nullptr};
  const char* envp[] = {"A=1", "EMPTY=", "PATH=/nowhere", nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK_RAN_OK(r);
  const char* want =
      "argc=4\nargv[0]=posixhelper\nargv[1]=args\nargv[2]=two words\nargv[3]=\n"
      "envp[0]=A=1\nenvp[1]=EMPTY=\nenvp[2]=PATH=/nowhere\n";
  if (strcmp(r.out, want) != 0) return Fail("helper printed:\n%s", r.out);
  return nullptr;
}

const char* ExecveEmptyEnvironment() {
  const char* argv[] = {"h", "args", nullptr};
  const char* envp[] = {nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK_RAN_OK(r);
  if (strcmp(r.out, "argc=2\nargv[0]=h\nargv[1]=args\n") != 0)
    return Fail("helper printed:\n%s", r.out);
  return nullptr;
}

const char* ExecveAuxv() {
  const char* argv[] = {"posixhelper", "auxv", HelperPath(), nullptr};
  const char* envp[] = {"X=y", nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  if (strcmp(r.out, "ok\n") != 0) return Fail("helper: %s (status 0x%x)", r.out, r.status);
  CHECK_RAN_OK(r);
  return nullptr;
}

const char* ExecveEnoent() {
  const char* argv[] = {"x", nullptr};
  const char* envp[] = {nullptr};
  char* const* a = const_cast<char* const*>(argv);
  char* const* e = const_cast<char* const*>(envp);
  CHECK_ERRNO(execve("/nonexistent-posixtest/prog", a, e), ENOENT);
  CHECK_ERRNO(execve(TmpPath("missing"), a, e), ENOENT);
  CHECK_ERRNO(execve("", a, e), ENOENT);
  // A path through a regular file: ENOTDIR.
  CHECK(WriteFile(TmpPath("plain"), "x", 1, 0755));
  CHECK_ERRNO(execve(TmpPath("plain/prog"), a, e), ENOTDIR);
  unlink(TmpPath("plain"));
  return nullptr;
}

const char* ExecveEaccesNotExecutable() {
  const char* argv[] = {"x", nullptr};
  const char* envp[] = {nullptr};
  char* const* a = const_cast<char* const*>(argv);
  char* const* e = const_cast<char* const*>(envp);
  // No execute bit anywhere: EACCES even for root.
  const char script[] = "#!/bin/sh\nexit 0\n";
  CHECK(WriteFile(TmpPath("noexec"), script, sizeof script - 1, 0644));
  CHECK_ERRNO(execve(TmpPath("noexec"), a, e), EACCES);
  // A directory is not executable either.
  CHECK_ERRNO(execve(WorkDir(), a, e), EACCES);
  unlink(TmpPath("noexec"));
  return nullptr;
}

const char* ExecveEnoexecGarbage() {
  const char* argv[] = {"x", nullptr};
  const char* envp[] = {nullptr};
  char* const* a = const_cast<char* const*>(argv);
  char* const* e = const_cast<char* const*>(envp);
  char garbage[512];
  for (size_t i = 0; i < sizeof garbage; ++i) garbage[i] = static_cast<char>((i * 37 + 11) & 0x7F);
  garbage[0] = 'Z';
  CHECK(WriteFile(TmpPath("garbage"), garbage, sizeof garbage, 0755));
  CHECK_ERRNO(execve(TmpPath("garbage"), a, e), ENOEXEC);
  // An empty executable file.
  CHECK(WriteFile(TmpPath("empty"), "", 0, 0755));
  CHECK_ERRNO(execve(TmpPath("empty"), a, e), ENOEXEC);
  unlink(TmpPath("garbage"));
  unlink(TmpPath("empty"));
  return nullptr;
}

const char* ExecveEnoexecBadElf() {
  const char* argv[] = {"x", nullptr};
  const char* envp[] = {nullptr};
  // The ELF magic and nothing usable after it (class, machine, type all 0).
  char elf[128] = {0x7f, 'E', 'L', 'F'};
  CHECK(WriteFile(TmpPath("badelf"), elf, sizeof elf, 0755));
  CHECK_ERRNO(
      execve(TmpPath("badelf"), const_cast<char* const*>(argv), const_cast<char* const*>(envp)),
      ENOEXEC);
  unlink(TmpPath("badelf"));
  return nullptr;
}

const char* ExecveScriptWithArgument() {
  // "#!INTERPRETER ARG": the kernel runs INTERPRETER with argv
  // {INTERPRETER, ARG, SCRIPT-PATH, the script's argv[1..]}.
  char script[700];
  snprintf(script, sizeof script, "#!%s args\nthis line is for the interpreter\n", HelperPath());
  CHECK(WriteFile(TmpPath("script"), script, strlen(script), 0755));
  const char* argv[] = {"my-script", "one", "two three", nullptr};
  const char* envp[] = {"S=1", nullptr};
  RunResult r;
  CHECK(RunProgram(TmpPath("script"), argv, envp, &r));
  CHECK_RAN_OK(r);
  char want[2048];
  snprintf(
      want, sizeof want,
      "argc=5\nargv[0]=%s\nargv[1]=args\nargv[2]=%s\nargv[3]=one\nargv[4]=two three\nenvp[0]=S=1\n",
      HelperPath(), TmpPath("script"));
  if (strcmp(r.out, want) != 0) return Fail("interpreter printed:\n%s", r.out);
  unlink(TmpPath("script"));
  return nullptr;
}

const char* ExecveScriptMissingInterpreter() {
  const char script[] = "#!/nonexistent-posixtest/interp -x\n";
  CHECK(WriteFile(TmpPath("badscript"), script, sizeof script - 1, 0755));
  const char* argv[] = {"s", nullptr};
  const char* envp[] = {nullptr};
  CHECK_ERRNO(
      execve(TmpPath("badscript"), const_cast<char* const*>(argv), const_cast<char* const*>(envp)),
      ENOENT);
  unlink(TmpPath("badscript"));
  return nullptr;
}

const char* ExecveCloseOnExec() {
  int p[2];
  CHECK(pipe(p) == 0);
  int keep = dup(p[1]);
  int via_fcntl = dup(p[1]);
  CHECK(keep >= 0 && via_fcntl >= 0);
  CHECK(fcntl(via_fcntl, F_SETFD, FD_CLOEXEC) == 0);
  int via_open = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int via_dupfd = fcntl(p[0], F_DUPFD_CLOEXEC, 20);
  CHECK(via_open >= 0 && via_dupfd >= 20);
  char a[16], b[16], c[16], d[16];
  snprintf(a, sizeof a, "%d", keep);
  snprintf(b, sizeof b, "%d", via_fcntl);
  snprintf(c, sizeof c, "%d", via_open);
  snprintf(d, sizeof d, "%d", via_dupfd);
  const char* argv[] = {"posixhelper", "fdstate", a, b, c, d, nullptr};
  const char* envp[] = {nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK_RAN_OK(r);
  char want[128];
  snprintf(want, sizeof want, "%d:open\n%d:closed\n%d:closed\n%d:closed\n", keep, via_fcntl,
           via_open, via_dupfd);
  if (strcmp(r.out, want) != 0) return Fail("helper saw:\n%s(want:\n%s)", r.out, want);
  // The flag is per descriptor: the parent's copies are all still open.
  CHECK(fcntl(via_fcntl, F_GETFD) == FD_CLOEXEC);
  CHECK(fcntl(keep, F_GETFD) == 0);
  return nullptr;
}

const char* ExecveInheritsDescriptors() {
  int p[2];
  CHECK(pipe(p) == 0);
  char fd[16];
  snprintf(fd, sizeof fd, "%d", p[1]);
  const char* argv[] = {"posixhelper", "write", fd, "through exec", nullptr};
  const char* envp[] = {nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK_RAN_OK(r);
  close(p[1]);
  char buf[64];
  CHECK(ReadAll(p[0], buf, sizeof buf) == 12);
  CHECK(strcmp(buf, "through exec") == 0);
  close(p[0]);
  return nullptr;
}

void Nop(int) {}

const char* ExecveSignalState() {
  // Caught signals revert to SIG_DFL, ignored ones stay ignored; the mask and
  // pending signals are kept.
  CHECK(SetHandler(SIGUSR1, Nop, 0) == 0);
  CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &block, nullptr) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);  // pending (blocked)
  const char* argv[] = {"posixhelper", "sigstate", nullptr};
  const char* envp[] = {nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK_RAN_OK(r);
  // The fork in RunProgram does not inherit the pending signal (POSIX), so it
  // is not pending in the helper either.
  const char* want = "USR1=dfl USR2=ign INT=dfl blocked:USR1=1 INT=1 pending:USR1=0\n";
  if (strcmp(r.out, want) != 0) return Fail("helper saw: %s", r.out);
  return nullptr;
}

const char* ExecvePendingSignalKept() {
  // A signal pending (blocked) at execve is still pending in the new program.
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, nullptr);
    kill(getpid(), SIGUSR1);
    close(p[0]);
    dup2(p[1], 1);
    const char* argv[] = {"posixhelper", "sigstate", nullptr};
    const char* envp[] = {nullptr};
    execve(HelperPath(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
  }
  close(p[1]);
  char buf[256];
  CHECK(ReadAll(p[0], buf, sizeof buf) > 0);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  if (strcmp(buf, "USR1=dfl USR2=dfl INT=dfl blocked:USR1=1 INT=0 pending:USR1=1\n") != 0) {
    return Fail("helper saw: %s", buf);
  }
  return nullptr;
}

const char* ExecveKeepsPidAndParent() {
  const char* argv[] = {"posixhelper", "ids", nullptr};
  const char* envp[] = {nullptr};
  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    dup2(p[1], 1);
    execve(HelperPath(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
  }
  close(p[1]);
  char buf[256];
  CHECK(ReadAll(p[0], buf, sizeof buf) > 0);
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char want[256];
  snprintf(want, sizeof want, "pid=%d ppid=%d pgid=%d sid=%d\n", pid, getpid(), getpgrp(),
           getsid(0));
  if (strcmp(buf, want) != 0) return Fail("helper: %s want: %s", buf, want);
  return nullptr;
}

const char* VforkThenExec() {
  const char* argv[] = {"posixhelper", "exit", "23", nullptr};
  const char* envp[] = {nullptr};
  pid_t pid = vfork();
  CHECK(pid >= 0);
  if (pid == 0) {
    execve(HelperPath(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 23);
  return nullptr;
}

const char* ExecveFaultingProgramIsKilled() {
  // The new image faults for real: SIGSEGV, and only that process dies.
  const char* argv[] = {"posixhelper", "segv", nullptr};
  const char* envp[] = {nullptr};
  RunResult r;
  CHECK(RunProgram(HelperPath(), argv, envp, &r));
  CHECK(r.exec_errno == 0);
  if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGSEGV) return Fail("status 0x%x", r.status);
  return nullptr;
}

}  // namespace

// The whole file at `path` in a malloc'ed buffer (*size bytes), or null.
uint8_t* Slurp(const char* path, size_t* size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return nullptr;
  size_t cap = 1 << 20, len = 0;
  auto* buf = static_cast<uint8_t*>(malloc(cap));
  for (;;) {
    if (buf == nullptr) break;
    if (len == cap) {
      cap *= 2;
      auto* bigger = static_cast<uint8_t*>(realloc(buf, cap));
      if (bigger == nullptr) {
        free(buf);
        buf = nullptr;
        break;
      }
      buf = bigger;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      free(buf);
      buf = nullptr;
      break;
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  close(fd);
  *size = len;
  return buf;
}

const char* ExecveSeesARewrittenProgram() {
  // Run a program twice (a kernel may cache its image), rewrite the file in
  // place with another program, run it again: the new program runs. Then
  // without the execute bit it is refused, cached or not.
  size_t helper_size = 0, self_size = 0;  // "self": the replacement program
  uint8_t* helper = Slurp(HelperPath(), &helper_size);
  uint8_t* self = Slurp("/bin/busybox", &self_size);  // another static program, on both systems
  if (helper == nullptr || self == nullptr) {
    free(helper);
    free(self);
    return Fail("cannot read the helper or /bin/busybox");
  }
  const char* prog = TmpPath("rewritten");
  bool ok = WriteFile(prog, helper, helper_size, 0755);
  free(helper);
  if (!ok) {
    free(self);
    return Fail("cannot write %s", prog);
  }
  const char* argv[] = {"prog", "args", nullptr};
  const char* envp[] = {nullptr};
  for (int round = 0; round < 2; ++round) {
    RunResult r;
    CHECK(RunProgram(prog, argv, envp, &r));
    if (r.exec_errno != 0 || strncmp(r.out, "argc=2\n", 7) != 0) {
      free(self);
      return Fail("round %d: the helper copy printed: %s (errno %d)", round, r.out, r.exec_errno);
    }
  }
  int fd = open(prog, O_WRONLY | O_TRUNC);
  bool rewritten = fd >= 0 && write(fd, self, self_size) == static_cast<ssize_t>(self_size);
  if (fd >= 0) close(fd);
  free(self);
  CHECK(rewritten);
  const char* list_argv[] = {"busybox", "echo", "rewritten", nullptr};
  RunResult listed;
  CHECK(RunProgram(prog, list_argv, envp, &listed));
  if (strcmp(listed.out, "rewritten\n") != 0) {
    return Fail("after the rewrite the old program ran: %.200s", listed.out);
  }
  CHECK_OK(chmod(prog, 0644));
  CHECK_ERRNO(execve(prog, const_cast<char* const*>(list_argv), const_cast<char* const*>(envp)),
              EACCES);
  unlink(prog);
  return nullptr;
}

// AT_RANDOM (libc's stack canary and pointer guard) differs from one execve
// to the next and is not all zeros.
const char* AtRandomDiffersPerExec() {
  const char* argv[] = {HelperPath(), "random", nullptr};
  const char* envp[] = {nullptr};
  RunResult a, b;
  CHECK(RunProgram(HelperPath(), argv, envp, &a) && a.status == 0);
  CHECK(RunProgram(HelperPath(), argv, envp, &b) && b.status == 0);
  CHECK(a.out_len == 33 && b.out_len == 33);
  CHECK(strncmp(a.out, "00000000000000000000000000000000", 32) != 0);
  CHECK(strcmp(a.out, b.out) != 0);
  return nullptr;
}

// A dynamically linked program: Debian's bash (PT_INTERP glibc's linker,
// NEEDED libtinfo and libc) runs and its exit status comes back.
const char* ExecveDynamicallyLinkedProgram() {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    execl("/bin/bash", "bash", "-c", "exit $((6 * 7))", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 42) {
    return Fail("bash -c 'exit $((6 * 7))' ended with status 0x%x (127: execve failed)", status);
  }
  return nullptr;
}

// A program whose dynamic linker does not exist: ENOENT (the program itself
// is there), as Linux. A copy of /bin/bash with its PT_INTERP path changed
// in its last character.
const char* ExecveMissingDynamicLinkerEnoent() {
  int fd = open("/bin/bash", O_RDONLY);
  CHECK(fd >= 0);
  struct stat st;
  CHECK_OK(fstat(fd, &st));
  char* bytes = static_cast<char*>(malloc(st.st_size));
  CHECK(bytes != nullptr);
  CHECK_EQ(read(fd, bytes, st.st_size), st.st_size);
  close(fd);
  static const char kLinker[] = "/lib64/ld-linux-x86-64.so.2";
  char* at = static_cast<char*>(memmem(bytes, st.st_size, kLinker, sizeof kLinker));
  if (at == nullptr) {
    free(bytes);
    return Fail("/bin/bash does not name %s", kLinker);
  }
  at[sizeof kLinker - 2] = '9';  // /lib64/ld-linux-x86-64.so.9
  const bool written = WriteFile(TmpPath("nolinker"), bytes, st.st_size, 0755);
  free(bytes);
  CHECK(written);
  char* const a[] = {const_cast<char*>("nolinker"), nullptr};
  char* const e[] = {nullptr};
  errno = 0;
  const int r = execve(TmpPath("nolinker"), a, e);
  const int saved = errno;
  unlink(TmpPath("nolinker"));
  if (r != -1 || saved != ENOENT) return Fail("execve gave %d, errno %d (want ENOENT)", r, saved);
  return nullptr;
}

const Case kExecCases[] = {
    {"at_random_differs_per_exec", AtRandomDiffersPerExec},
    {"execve_sees_rewritten_program", ExecveSeesARewrittenProgram},
    {"execve_argv_envp", ExecveArgvEnvp},
    {"execve_empty_environment", ExecveEmptyEnvironment},
    {"execve_auxv", ExecveAuxv},
    {"execve_enoent", ExecveEnoent},
    {"execve_eacces_not_executable", ExecveEaccesNotExecutable},
    {"execve_enoexec_garbage", ExecveEnoexecGarbage},
    {"execve_enoexec_bad_elf", ExecveEnoexecBadElf},
    {"execve_script_with_argument", ExecveScriptWithArgument},
    {"execve_script_missing_interpreter", ExecveScriptMissingInterpreter},
    {"execve_close_on_exec", ExecveCloseOnExec},
    {"execve_inherits_descriptors", ExecveInheritsDescriptors},
    {"execve_signal_state", ExecveSignalState},
    {"execve_pending_signal_kept", ExecvePendingSignalKept},
    {"execve_keeps_pid_and_parent", ExecveKeepsPidAndParent},
    {"vfork_then_exec", VforkThenExec},
    {"execve_faulting_program_killed", ExecveFaultingProgramIsKilled},
    {"execve_dynamically_linked_program", ExecveDynamicallyLinkedProgram},
    {"execve_missing_dynamic_linker_enoent", ExecveMissingDynamicLinkerEnoent},
};
const int kExecCaseCount = sizeof kExecCases / sizeof kExecCases[0];

}  // namespace posix_test
