#pragma once

// The Linux x86-64 system calls Tessera implements, by their Linux numbers
// (arch/x86/entry/syscalls/syscall_64.tbl). Same format as syscall_table.h.
// Every number not listed returns -ENOSYS and is counted (unsupported.h).

#define TESSERA_LINUX_SYSCALLS(X)                                                          \
  X(0, LinuxRead, (int32_t fd, OUT_PTR(void) buf, uint64_t count), (fd, buf, count))       \
  X(1, LinuxWrite, (int32_t fd, IN_PTR(void) buf, uint64_t count), (fd, buf, count))       \
  X(3, LinuxClose, (int32_t fd), (fd))                                                     \
  X(7, LinuxPoll, (OUT_PTR(void) fds, uint64_t nfds, int32_t timeout), (fds, nfds, timeout)) \
  X(8, LinuxLseek, (int32_t fd, int64_t offset, int32_t whence), (fd, offset, whence))     \
  X(9, LinuxMmap,                                                                          \
    (uint64_t addr, uint64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset), \
    (addr, length, prot, flags, fd, offset))                                               \
  X(10, LinuxMprotect, (uint64_t addr, uint64_t length, int32_t prot), (addr, length, prot)) \
  X(11, LinuxMunmap, (uint64_t addr, uint64_t length), (addr, length))                     \
  X(12, LinuxBrk, (uint64_t addr), (addr))                                                 \
  X(16, LinuxIoctl, (int32_t fd, uint32_t request, uint64_t arg), (fd, request, arg))       \
  X(17, LinuxPread64, (int32_t fd, OUT_PTR(void) buf, uint64_t count, int64_t offset),     \
    (fd, buf, count, offset))                                                              \
  X(18, LinuxPwrite64, (int32_t fd, IN_PTR(void) buf, uint64_t count, int64_t offset),     \
    (fd, buf, count, offset))                                                              \
  X(19, LinuxReadv, (int32_t fd, IN_PTR(tessera::linux_iovec) iov, int32_t iovcnt),        \
    (fd, iov, iovcnt))                                                                     \
  X(20, LinuxWritev, (int32_t fd, IN_PTR(tessera::linux_iovec) iov, int32_t iovcnt),      \
    (fd, iov, iovcnt))                                                                     \
  X(22, LinuxPipe, (OUT_PTR(int32_t) fds), (fds))                                          \
  X(24, LinuxSchedYield, (), ())                                                           \
  X(32, LinuxDup, (int32_t fd), (fd))                                                      \
  X(33, LinuxDup2, (int32_t oldfd, int32_t newfd), (oldfd, newfd))                         \
  X(35, LinuxNanosleep, (IN_PTR(tessera::linux_timespec) req, OUT_PTR(tessera::linux_timespec) rem), \
    (req, rem))                                                                            \
  X(39, LinuxGetpid, (), ())                                                               \
  X(57, LinuxFork, (), ())                                                                 \
  X(58, LinuxVfork, (), ())                                                                \
  X(60, LinuxExit, (int32_t code), (code))                                                 \
  X(61, LinuxWait4, (int64_t pid, OUT_PTR(int32_t) status, int32_t options, OUT_PTR(void) rusage), \
    (pid, status, options, rusage))                                                        \
  X(63, LinuxUname, (OUT_PTR(void) buf), (buf))                                            \
  X(72, LinuxFcntl, (int32_t fd, int32_t cmd, uint64_t arg), (fd, cmd, arg))               \
  X(102, LinuxGetuid, (), ())                                                              \
  X(104, LinuxGetgid, (), ())                                                              \
  X(107, LinuxGeteuid, (), ())                                                             \
  X(108, LinuxGetegid, (), ())                                                             \
  X(109, LinuxSetpgid, (int64_t pid, int64_t pgid), (pid, pgid))                           \
  X(110, LinuxGetppid, (), ())                                                             \
  X(111, LinuxGetpgrp, (), ())                                                             \
  X(112, LinuxSetsid, (), ())                                                              \
  X(121, LinuxGetpgid, (int64_t pid), (pid))                                               \
  X(124, LinuxGetsid, (int64_t pid), (pid))                                                \
  X(158, LinuxArchPrctl, (int32_t code, uint64_t address), (code, address))                \
  X(186, LinuxGettid, (), ())                                                              \
  X(218, LinuxSetTidAddress, (uint64_t tidptr), (tidptr))                                  \
  X(228, LinuxClockGettime, (int32_t clock, OUT_PTR(tessera::linux_timespec) tp), (clock, tp)) \
  X(231, LinuxExitGroup, (int32_t code), (code))                                           \
  X(271, LinuxPpoll,                                                                       \
    (OUT_PTR(void) fds, uint64_t nfds, IN_PTR(tessera::linux_timespec) timeout,            \
     IN_PTR(void) sigmask, uint64_t sigsetsize),                                           \
    (fds, nfds, timeout, sigmask, sigsetsize))                                             \
  X(292, LinuxDup3, (int32_t oldfd, int32_t newfd, int32_t flags), (oldfd, newfd, flags))  \
  X(293, LinuxPipe2, (OUT_PTR(int32_t) fds, int32_t flags), (fds, flags))
