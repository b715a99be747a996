// posixhelper: the program the POSIX suite's execve cases run (/bin/posixhelper
// on Tessera; the same binary on the host). What it does is named by argv[1]
// and it reports on stdout, so the test reads the result through a pipe:
//   args                 prints argc, every argv[i] and every envp[i]
//   auxv EXECFN          checks the initial stack and auxiliary vector; "ok"
//                        or "bad: why"
//   fdstate FD...        prints "FD:open" or "FD:closed" for each FD
//   write FD TEXT        writes TEXT to FD (an inherited descriptor)
//   sigstate             dispositions of SIGUSR1/SIGUSR2/SIGINT, blocked and
//                        pending masks (what execve keeps and resets)
//   ids                  pid, ppid, pgid, sid
//   creds                real and effective uid, AT_SECURE
//   sleep MS             sleeps MS milliseconds, exits 0
//   segv                 writes through a null pointer (a real fault)
//   exit N               exits with status N
//   random               prints the 16 AT_RANDOM bytes in hex
// Anything else exits 2.

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

extern "C" void _start();

namespace {

int Args(int argc, char** argv, char** envp) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  for (int i = 0; envp[i] != nullptr; ++i) printf("envp[%d]=%s\n", i, envp[i]);
  return 0;
}

int Bad(const char* why) {
  printf("bad: %s\n", why);
  return 1;
}

int Auxv(int argc, char** argv, char** envp, const char* execfn) {
  // The Linux initial stack: argv[argc] == NULL, envp right after it, the
  // auxiliary vector right after envp's NULL.
  if (argv[argc] != nullptr) return Bad("argv[argc] is not NULL");
  if (envp != argv + argc + 1) return Bad("envp does not follow argv");
  char** e = envp;
  while (*e != nullptr) ++e;
  const Elf64_auxv_t* auxv = reinterpret_cast<const Elf64_auxv_t*>(e + 1);
  bool seen[64] = {};
  for (const Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; ++a) {
    if (a->a_type < 64) seen[a->a_type] = true;
  }
  const int required[] = {AT_PHDR, AT_PHENT, AT_PHNUM,  AT_PAGESZ, AT_ENTRY,  AT_UID,   AT_EUID,
                          AT_GID,  AT_EGID,  AT_RANDOM, AT_HWCAP,  AT_EXECFN, AT_SECURE};
  for (int type : required) {
    if (!seen[type]) {
      static char why[64];
      snprintf(why, sizeof why, "auxv entry %d missing", type);
      return Bad(why);
    }
  }
  if (getauxval(AT_PAGESZ) != 4096) return Bad("AT_PAGESZ != 4096");
  if (getauxval(AT_PHENT) != sizeof(Elf64_Phdr)) return Bad("AT_PHENT != sizeof(Elf64_Phdr)");
  if (getauxval(AT_ENTRY) != reinterpret_cast<unsigned long>(&_start))
    return Bad("AT_ENTRY is not _start");
  // AT_PHDR points at this program's program headers: a PT_LOAD among them.
  const Elf64_Phdr* ph = reinterpret_cast<const Elf64_Phdr*>(getauxval(AT_PHDR));
  unsigned long phnum = getauxval(AT_PHNUM);
  if (ph == nullptr || phnum == 0 || phnum > 64) return Bad("AT_PHDR/AT_PHNUM unusable");
  bool load = false;
  for (unsigned long i = 0; i < phnum; ++i) load |= ph[i].p_type == PT_LOAD;
  if (!load) return Bad("no PT_LOAD at AT_PHDR");
  if (getauxval(AT_UID) != getuid() || getauxval(AT_EUID) != geteuid())
    return Bad("AT_UID/AT_EUID");
  if (getauxval(AT_GID) != getgid() || getauxval(AT_EGID) != getegid())
    return Bad("AT_GID/AT_EGID");
  if (getauxval(AT_SECURE) != 0) return Bad("AT_SECURE != 0");
  if (getauxval(AT_HWCAP) == 0) return Bad("AT_HWCAP is 0");
  const unsigned char* random = reinterpret_cast<const unsigned char*>(getauxval(AT_RANDOM));
  if (random == nullptr) return Bad("AT_RANDOM is NULL");
  int zero = 0;
  for (int i = 0; i < 16; ++i) zero += random[i] == 0;
  if (zero == 16) return Bad("AT_RANDOM bytes are all zero");
  const char* fn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
  if (fn == nullptr || strcmp(fn, execfn) != 0)
    return Bad("AT_EXECFN is not the path execve was given");
  printf("ok\n");
  return 0;
}

int FdState(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    int fd = atoi(argv[i]);
    errno = 0;
    bool open = fcntl(fd, F_GETFD) != -1;
    printf("%d:%s\n", fd, open ? "open" : errno == EBADF ? "closed" : "error");
  }
  return 0;
}

const char* Disposition(int sig) {
  struct sigaction sa;
  if (sigaction(sig, nullptr, &sa) != 0) return "error";
  if (sa.sa_handler == SIG_DFL) return "dfl";
  if (sa.sa_handler == SIG_IGN) return "ign";
  return "handler";
}

int SigState() {
  sigset_t blocked, pending;
  sigprocmask(SIG_BLOCK, nullptr, &blocked);
  sigpending(&pending);
  printf("USR1=%s USR2=%s INT=%s blocked:USR1=%d INT=%d pending:USR1=%d\n", Disposition(SIGUSR1),
         Disposition(SIGUSR2), Disposition(SIGINT), sigismember(&blocked, SIGUSR1),
         sigismember(&blocked, SIGINT), sigismember(&pending, SIGUSR1));
  return 0;
}

// Uses about `bytes` of stack, a page per call, and returns how much (the
// compiler cannot drop the frames: each one's page is written and read).
[[gnu::noinline]] long UseStack(long bytes) {
  char* page = static_cast<char*>(__builtin_alloca(4096));
  page[0] = static_cast<char>(bytes);
  page[4095] = page[0];
  __asm__ volatile("" : : "r"(page) : "memory");  // the page is used
  long below = bytes <= 4096 ? 0 : UseStack(bytes - 4096);
  __asm__ volatile("" : : "r"(page) : "memory");  // and still live after the call
  return 4096 + below;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  if (argc < 2) return 2;
  const char* mode = argv[1];
  int status = 2;
  if (strcmp(mode, "args") == 0) {
    status = Args(argc, argv, envp);
  } else if (strcmp(mode, "random") == 0) {
    const unsigned char* r =
        reinterpret_cast<const unsigned char*>(static_cast<uintptr_t>(getauxval(AT_RANDOM)));
    if (r == nullptr) return 1;
    for (int i = 0; i < 16; ++i) printf("%02x", r[i]);
    printf("\n");
    status = 0;
  } else if (strcmp(mode, "auxv") == 0 && argc >= 3) {
    status = Auxv(argc, argv, envp, argv[2]);
  } else if (strcmp(mode, "fdstate") == 0) {
    status = FdState(argc, argv);
  } else if (strcmp(mode, "write") == 0 && argc >= 4) {
    size_t n = strlen(argv[3]);
    status = write(atoi(argv[2]), argv[3], n) == static_cast<ssize_t>(n) ? 0 : 1;
  } else if (strcmp(mode, "sigstate") == 0) {
    status = SigState();
  } else if (strcmp(mode, "ids") == 0) {
    printf("pid=%d ppid=%d pgid=%d sid=%d\n", getpid(), getppid(), getpgrp(), getsid(0));
    status = 0;
  } else if (strcmp(mode, "creds") == 0) {
    printf("ruid=%u euid=%u secure=%lu\n", getuid(), geteuid(), getauxval(AT_SECURE));
    status = 0;
  } else if (strcmp(mode, "sleep") == 0 && argc >= 3) {
    int ms = atoi(argv[2]);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    status = 0;
  } else if (strcmp(mode, "segv") == 0) {
    fflush(stdout);
    volatile unsigned long address = 0;  // opaque to the compiler: a real store
    *reinterpret_cast<volatile int*>(address) = 1;
    status = 3;
  } else if (strcmp(mode, "exit") == 0 && argc >= 3) {
    status = atoi(argv[2]);
  } else if (strcmp(mode, "stack") == 0 && argc >= 3) {
    // posixhelper stack BYTES: prints "used N" after touching BYTES of stack.
    printf("used %ld\n", UseStack(atol(argv[2])));
    status = 0;
  }
  fflush(stdout);
  return status;
}
