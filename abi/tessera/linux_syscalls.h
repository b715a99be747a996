#pragma once

// The Linux x86-64 system calls Tessera implements, by their Linux numbers
// (arch/x86/entry/syscalls/syscall_64.tbl), with their parameters. Each entry:
//
//   X(number, Name, eintr, (parameter list), (argument names))
//
// as in syscall_table.h, plus `eintr`: what the call returns when a signal
// interrupts it (its handler's kInterrupted), Linux's choice for that call
// (core/posix/README.md), named by kstd::Error:
//   kRestartSys     ERESTARTSYS: restarted under SA_RESTART, else EINTR
//                   (read, write, readv, writev, wait4)
//   kRestartNoHand  ERESTARTNOHAND: restarted only when no handler runs
//                   (poll, select, pselect6, ppoll, nanosleep, clock_nanosleep)
//   kInterrupted    EINTR as it is
// A handler that needs another rule returns the restart code itself (futex,
// rt_sigsuspend, pause, clone). The kernel's dispatch (core/syscall) is
// generated from it, and test programs read it to know which calls exist and
// which parameters are user pointers. Every number not listed returns -ENOSYS
// and is counted (core/unsupported); abi/linux/syscall_names.h names it.

#include <stdint.h>

#include "abi/linux/epoll.h"
#include "abi/linux/event_fds.h"
#include "abi/linux/signal.h"
#include "abi/linux/time.h"
#include "abi/linux/uio.h"

#define TESSERA_LINUX_SYSCALLS(X)                                                                  \
  X(0, LinuxRead, kRestartSys, (int32_t fd, OUT_PTR(void) buf, uint64_t count), (fd, buf, count))  \
  X(1, LinuxWrite, kRestartSys, (int32_t fd, IN_PTR(void) buf, uint64_t count), (fd, buf, count))  \
  X(2, LinuxOpen, kInterrupted, (IN_PTR(char) path, int32_t flags, uint32_t mode),                 \
    (path, flags, mode))                                                                           \
  X(3, LinuxClose, kInterrupted, (int32_t fd), (fd))                                               \
  X(4, LinuxStat, kInterrupted, (IN_PTR(char) path, OUT_PTR(void) buf), (path, buf))               \
  X(5, LinuxFstat, kInterrupted, (int32_t fd, OUT_PTR(void) buf), (fd, buf))                       \
  X(6, LinuxLstat, kInterrupted, (IN_PTR(char) path, OUT_PTR(void) buf), (path, buf))              \
  X(7, LinuxPoll, kRestartNoHand, (OUT_PTR(void) fds, uint64_t nfds, int32_t timeout),             \
    (fds, nfds, timeout))                                                                          \
  X(8, LinuxLseek, kInterrupted, (int32_t fd, int64_t offset, int32_t whence),                     \
    (fd, offset, whence))                                                                          \
  X(9, LinuxMmap, kInterrupted,                                                                    \
    (uint64_t addr, uint64_t length, int32_t prot, int32_t flags, int32_t fd, int64_t offset),     \
    (addr, length, prot, flags, fd, offset))                                                       \
  X(10, LinuxMprotect, kInterrupted, (uint64_t addr, uint64_t length, int32_t prot),               \
    (addr, length, prot))                                                                          \
  X(11, LinuxMunmap, kInterrupted, (uint64_t addr, uint64_t length), (addr, length))               \
  X(12, LinuxBrk, kInterrupted, (uint64_t addr), (addr))                                           \
  X(13, LinuxRtSigaction, kInterrupted,                                                            \
    (int32_t signo, IN_PTR(linux_abi::KSigAction) act, OUT_PTR(linux_abi::KSigAction) oldact,      \
     uint64_t sigsetsize),                                                                         \
    (signo, act, oldact, sigsetsize))                                                              \
  X(14, LinuxRtSigprocmask, kInterrupted,                                                          \
    (int32_t how, IN_PTR(uint64_t) set, OUT_PTR(uint64_t) oldset, uint64_t sigsetsize),            \
    (how, set, oldset, sigsetsize))                                                                \
  X(15, LinuxRtSigreturn, kInterrupted, (), ())                                                    \
  X(16, LinuxIoctl, kInterrupted, (int32_t fd, uint32_t request, uint64_t arg),                    \
    (fd, request, arg))                                                                            \
  X(17, LinuxPread64, kInterrupted,                                                                \
    (int32_t fd, OUT_PTR(void) buf, uint64_t count, int64_t offset), (fd, buf, count, offset))     \
  X(18, LinuxPwrite64, kInterrupted,                                                               \
    (int32_t fd, IN_PTR(void) buf, uint64_t count, int64_t offset), (fd, buf, count, offset))      \
  X(19, LinuxReadv, kRestartSys, (int32_t fd, IN_PTR(linux_abi::Iovec) iov, int32_t iovcnt),       \
    (fd, iov, iovcnt))                                                                             \
  X(20, LinuxWritev, kRestartSys, (int32_t fd, IN_PTR(linux_abi::Iovec) iov, int32_t iovcnt),      \
    (fd, iov, iovcnt))                                                                             \
  X(21, LinuxAccess, kInterrupted, (IN_PTR(char) path, int32_t mode), (path, mode))                \
  X(22, LinuxPipe, kInterrupted, (OUT_PTR(int32_t) fds), (fds))                                    \
  X(23, LinuxSelect, kRestartNoHand,                                                               \
    (int32_t nfds, OUT_PTR(void) readfds, OUT_PTR(void) writefds, OUT_PTR(void) exceptfds,         \
     OUT_PTR(void) timeout),                                                                       \
    (nfds, readfds, writefds, exceptfds, timeout))                                                 \
  X(24, LinuxSchedYield, kInterrupted, (), ())                                                     \
  X(25, LinuxMremap, kInterrupted,                                                                 \
    (uint64_t old_addr, uint64_t old_size, uint64_t new_size, uint64_t flags, uint64_t new_addr),  \
    (old_addr, old_size, new_size, flags, new_addr))                                               \
  X(28, LinuxMadvise, kInterrupted, (uint64_t addr, uint64_t length, int32_t advice),              \
    (addr, length, advice))                                                                        \
  X(29, LinuxShmget, kInterrupted, (int32_t key, uint64_t size, int32_t flags),                    \
    (key, size, flags))                                                                            \
  X(30, LinuxShmat, kInterrupted, (int32_t id, uint64_t addr, int32_t flags), (id, addr, flags))   \
  X(31, LinuxShmctl, kInterrupted, (int32_t id, int32_t cmd, OUT_PTR(void) buf), (id, cmd, buf))   \
  X(32, LinuxDup, kInterrupted, (int32_t fd), (fd))                                                \
  X(33, LinuxDup2, kInterrupted, (int32_t oldfd, int32_t newfd), (oldfd, newfd))                   \
  X(34, LinuxPause, kInterrupted, (), ())                                                          \
  X(35, LinuxNanosleep, kRestartNoHand,                                                            \
    (IN_PTR(linux_abi::Timespec) req, OUT_PTR(linux_abi::Timespec) rem), (req, rem))               \
  X(36, LinuxGetitimer, kInterrupted, (int32_t which, OUT_PTR(linux_abi::Itimerval) value),        \
    (which, value))                                                                                \
  X(37, LinuxAlarm, kInterrupted, (uint32_t seconds), (seconds))                                   \
  X(38, LinuxSetitimer, kInterrupted,                                                              \
    (int32_t which, IN_PTR(linux_abi::Itimerval) value, OUT_PTR(linux_abi::Itimerval) old),        \
    (which, value, old))                                                                           \
  X(39, LinuxGetpid, kInterrupted, (), ())                                                         \
  X(40, LinuxSendfile, kRestartSys,                                                                \
    (int32_t out_fd, int32_t in_fd, OUT_PTR(int64_t) offset, uint64_t count),                      \
    (out_fd, in_fd, offset, count))                                                                \
  X(41, LinuxSocket, kInterrupted, (int32_t family, int32_t type, int32_t protocol),               \
    (family, type, protocol))                                                                      \
  X(42, LinuxConnect, kInterrupted, (int32_t fd, IN_PTR(void) addr, int32_t addrlen),              \
    (fd, addr, addrlen))                                                                           \
  X(43, LinuxAccept, kInterrupted, (int32_t fd, OUT_PTR(void) addr, OUT_PTR(int32_t) addrlen),     \
    (fd, addr, addrlen))                                                                           \
  X(44, LinuxSendto, kInterrupted,                                                                 \
    (int32_t fd, IN_PTR(void) buf, uint64_t len, int32_t flags, IN_PTR(void) addr,                 \
     int32_t addrlen),                                                                             \
    (fd, buf, len, flags, addr, addrlen))                                                          \
  X(45, LinuxRecvfrom, kInterrupted,                                                               \
    (int32_t fd, OUT_PTR(void) buf, uint64_t len, int32_t flags, OUT_PTR(void) addr,               \
     OUT_PTR(int32_t) addrlen),                                                                    \
    (fd, buf, len, flags, addr, addrlen))                                                          \
  X(46, LinuxSendmsg, kInterrupted, (int32_t fd, IN_PTR(void) msg, int32_t flags),                 \
    (fd, msg, flags))                                                                              \
  X(47, LinuxRecvmsg, kInterrupted, (int32_t fd, OUT_PTR(void) msg, int32_t flags),                \
    (fd, msg, flags))                                                                              \
  X(48, LinuxShutdown, kInterrupted, (int32_t fd, int32_t how), (fd, how))                         \
  X(49, LinuxBind, kInterrupted, (int32_t fd, IN_PTR(void) addr, int32_t addrlen),                 \
    (fd, addr, addrlen))                                                                           \
  X(50, LinuxListen, kInterrupted, (int32_t fd, int32_t backlog), (fd, backlog))                   \
  X(51, LinuxGetsockname, kInterrupted,                                                            \
    (int32_t fd, OUT_PTR(void) addr, OUT_PTR(int32_t) addrlen), (fd, addr, addrlen))               \
  X(52, LinuxGetpeername, kInterrupted,                                                            \
    (int32_t fd, OUT_PTR(void) addr, OUT_PTR(int32_t) addrlen), (fd, addr, addrlen))               \
  X(53, LinuxSocketpair, kInterrupted,                                                             \
    (int32_t family, int32_t type, int32_t protocol, OUT_PTR(int32_t) sv),                         \
    (family, type, protocol, sv))                                                                  \
  X(54, LinuxSetsockopt, kInterrupted,                                                             \
    (int32_t fd, int32_t level, int32_t name, IN_PTR(void) value, int32_t length),                 \
    (fd, level, name, value, length))                                                              \
  X(55, LinuxGetsockopt, kInterrupted,                                                             \
    (int32_t fd, int32_t level, int32_t name, OUT_PTR(void) value, OUT_PTR(int32_t) length),       \
    (fd, level, name, value, length))                                                              \
  X(56, LinuxClone, kInterrupted,                                                                  \
    (uint64_t flags, uint64_t newsp, OUT_PTR(int32_t) parent_tid, OUT_PTR(int32_t) child_tid,      \
     uint64_t tls),                                                                                \
    (flags, newsp, parent_tid, child_tid, tls))                                                    \
  X(57, LinuxFork, kInterrupted, (), ())                                                           \
  X(58, LinuxVfork, kInterrupted, (), ())                                                          \
  X(59, LinuxExecve, kInterrupted, (IN_PTR(char) path, IN_PTR(void) argv, IN_PTR(void) envp),      \
    (path, argv, envp))                                                                            \
  X(60, LinuxExit, kInterrupted, (int32_t code), (code))                                           \
  X(61, LinuxWait4, kRestartSys,                                                                   \
    (int32_t pid, OUT_PTR(int32_t) status, int32_t options, OUT_PTR(void) rusage),                 \
    (pid, status, options, rusage))                                                                \
  X(62, LinuxKill, kInterrupted, (int32_t pid, int32_t signo), (pid, signo))                       \
  X(63, LinuxUname, kInterrupted, (OUT_PTR(void) buf), (buf))                                      \
  X(64, LinuxSemget, kInterrupted, (int32_t key, int32_t nsems, int32_t flags),                    \
    (key, nsems, flags))                                                                           \
  X(65, LinuxSemop, kInterrupted, (int32_t id, IN_PTR(void) ops, uint64_t nops), (id, ops, nops))  \
  X(66, LinuxSemctl, kInterrupted, (int32_t id, int32_t num, int32_t cmd, uint64_t arg),           \
    (id, num, cmd, arg))                                                                           \
  X(67, LinuxShmdt, kInterrupted, (uint64_t addr), (addr))                                         \
  X(68, LinuxMsgget, kInterrupted, (int32_t key, int32_t flags), (key, flags))                     \
  X(69, LinuxMsgsnd, kRestartNoHand, (int32_t id, IN_PTR(void) msg, uint64_t size, int32_t flags), \
    (id, msg, size, flags))                                                                        \
  X(70, LinuxMsgrcv, kRestartNoHand,                                                               \
    (int32_t id, OUT_PTR(void) msg, uint64_t size, int64_t type, int32_t flags),                   \
    (id, msg, size, type, flags))                                                                  \
  X(71, LinuxMsgctl, kInterrupted, (int32_t id, int32_t cmd, OUT_PTR(void) buf), (id, cmd, buf))   \
  X(72, LinuxFcntl, kInterrupted, (int32_t fd, int32_t cmd, uint64_t arg), (fd, cmd, arg))         \
  X(73, LinuxFlock, kInterrupted, (int32_t fd, int32_t operation), (fd, operation))                \
  X(74, LinuxFsync, kInterrupted, (int32_t fd), (fd))                                              \
  X(75, LinuxFdatasync, kInterrupted, (int32_t fd), (fd))                                          \
  X(76, LinuxTruncate, kInterrupted, (IN_PTR(char) path, int64_t length), (path, length))          \
  X(77, LinuxFtruncate, kInterrupted, (int32_t fd, int64_t length), (fd, length))                  \
  X(79, LinuxGetcwd, kInterrupted, (OUT_PTR(void) buf, uint64_t size), (buf, size))                \
  X(80, LinuxChdir, kInterrupted, (IN_PTR(char) path), (path))                                     \
  X(81, LinuxFchdir, kInterrupted, (int32_t fd), (fd))                                             \
  X(82, LinuxRename, kInterrupted, (IN_PTR(char) oldpath, IN_PTR(char) newpath),                   \
    (oldpath, newpath))                                                                            \
  X(83, LinuxMkdir, kInterrupted, (IN_PTR(char) path, uint32_t mode), (path, mode))                \
  X(84, LinuxRmdir, kInterrupted, (IN_PTR(char) path), (path))                                     \
  X(85, LinuxCreat, kInterrupted, (IN_PTR(char) path, uint32_t mode), (path, mode))                \
  X(86, LinuxLink, kInterrupted, (IN_PTR(char) oldpath, IN_PTR(char) newpath), (oldpath, newpath)) \
  X(87, LinuxUnlink, kInterrupted, (IN_PTR(char) path), (path))                                    \
  X(88, LinuxSymlink, kInterrupted, (IN_PTR(char) target, IN_PTR(char) linkpath),                  \
    (target, linkpath))                                                                            \
  X(89, LinuxReadlink, kInterrupted, (IN_PTR(char) path, OUT_PTR(void) buf, int32_t size),         \
    (path, buf, size))                                                                             \
  X(90, LinuxChmod, kInterrupted, (IN_PTR(char) path, uint32_t mode), (path, mode))                \
  X(91, LinuxFchmod, kInterrupted, (int32_t fd, uint32_t mode), (fd, mode))                        \
  X(92, LinuxChown, kInterrupted, (IN_PTR(char) path, uint32_t uid, uint32_t gid),                 \
    (path, uid, gid))                                                                              \
  X(93, LinuxFchown, kInterrupted, (int32_t fd, uint32_t uid, uint32_t gid), (fd, uid, gid))       \
  X(94, LinuxLchown, kInterrupted, (IN_PTR(char) path, uint32_t uid, uint32_t gid),                \
    (path, uid, gid))                                                                              \
  X(95, LinuxUmask, kInterrupted, (uint32_t mask), (mask))                                         \
  X(96, LinuxGettimeofday, kInterrupted, (OUT_PTR(linux_abi::Timeval) tv, OUT_PTR(void) tz),       \
    (tv, tz))                                                                                      \
  X(97, LinuxGetrlimit, kInterrupted, (uint32_t resource, OUT_PTR(void) limit), (resource, limit)) \
  X(98, LinuxGetrusage, kInterrupted, (int32_t who, OUT_PTR(void) usage), (who, usage))            \
  X(99, LinuxSysinfo, kInterrupted, (OUT_PTR(void) info), (info))                                  \
  X(100, LinuxTimes, kInterrupted, (OUT_PTR(void) buf), (buf))                                     \
  X(102, LinuxGetuid, kInterrupted, (), ())                                                        \
  X(103, LinuxSyslog, kRestartSys, (int32_t type, OUT_PTR(char) buf, int32_t length),              \
    (type, buf, length))                                                                           \
  X(104, LinuxGetgid, kInterrupted, (), ())                                                        \
  X(107, LinuxGeteuid, kInterrupted, (), ())                                                       \
  X(108, LinuxGetegid, kInterrupted, (), ())                                                       \
  X(109, LinuxSetpgid, kInterrupted, (int32_t pid, int32_t pgid), (pid, pgid))                     \
  X(105, LinuxSetuid, kInterrupted, (uint32_t uid), (uid))                                         \
  X(106, LinuxSetgid, kInterrupted, (uint32_t gid), (gid))                                         \
  X(110, LinuxGetppid, kInterrupted, (), ())                                                       \
  X(113, LinuxSetreuid, kInterrupted, (uint32_t ruid, uint32_t euid), (ruid, euid))                \
  X(114, LinuxSetregid, kInterrupted, (uint32_t rgid, uint32_t egid), (rgid, egid))                \
  X(115, LinuxGetgroups, kInterrupted, (int32_t size, OUT_PTR(void) list), (size, list))           \
  X(116, LinuxSetgroups, kInterrupted, (int32_t size, IN_PTR(void) list), (size, list))            \
  X(117, LinuxSetresuid, kInterrupted, (uint32_t ruid, uint32_t euid, uint32_t suid),              \
    (ruid, euid, suid))                                                                            \
  X(118, LinuxGetresuid, kInterrupted,                                                             \
    (OUT_PTR(uint32_t) ruid, OUT_PTR(uint32_t) euid, OUT_PTR(uint32_t) suid), (ruid, euid, suid))  \
  X(119, LinuxSetresgid, kInterrupted, (uint32_t rgid, uint32_t egid, uint32_t sgid),              \
    (rgid, egid, sgid))                                                                            \
  X(120, LinuxGetresgid, kInterrupted,                                                             \
    (OUT_PTR(uint32_t) rgid, OUT_PTR(uint32_t) egid, OUT_PTR(uint32_t) sgid), (rgid, egid, sgid))  \
  X(122, LinuxSetfsuid, kInterrupted, (uint32_t uid), (uid))                                       \
  X(123, LinuxSetfsgid, kInterrupted, (uint32_t gid), (gid))                                       \
  X(125, LinuxCapget, kInterrupted, (OUT_PTR(void) header, OUT_PTR(void) data), (header, data))    \
  X(126, LinuxCapset, kInterrupted, (OUT_PTR(void) header, IN_PTR(void) data), (header, data))     \
  X(111, LinuxGetpgrp, kInterrupted, (), ())                                                       \
  X(112, LinuxSetsid, kInterrupted, (), ())                                                        \
  X(121, LinuxGetpgid, kInterrupted, (int32_t pid), (pid))                                         \
  X(124, LinuxGetsid, kInterrupted, (int32_t pid), (pid))                                          \
  X(127, LinuxRtSigpending, kInterrupted, (OUT_PTR(uint64_t) set, uint64_t sigsetsize),            \
    (set, sigsetsize))                                                                             \
  X(129, LinuxRtSigqueueinfo, kInterrupted,                                                        \
    (int32_t pid, int32_t signo, IN_PTR(linux_abi::SigInfo) info), (pid, signo, info))             \
  X(130, LinuxRtSigsuspend, kInterrupted, (IN_PTR(uint64_t) mask, uint64_t sigsetsize),            \
    (mask, sigsetsize))                                                                            \
  X(131, LinuxSigaltstack, kInterrupted,                                                           \
    (IN_PTR(linux_abi::StackT) ss, OUT_PTR(linux_abi::StackT) old), (ss, old))                     \
  X(133, LinuxMknod, kInterrupted, (IN_PTR(char) path, uint32_t mode, uint64_t dev),               \
    (path, mode, dev))                                                                             \
  X(135, LinuxPersonality, kInterrupted, (uint32_t persona), (persona))                            \
  X(137, LinuxStatfs, kInterrupted, (IN_PTR(char) path, OUT_PTR(void) buf), (path, buf))           \
  X(138, LinuxFstatfs, kInterrupted, (int32_t fd, OUT_PTR(void) buf), (fd, buf))                   \
  X(160, LinuxSetrlimit, kInterrupted, (uint32_t resource, IN_PTR(void) limit), (resource, limit)) \
  X(157, LinuxPrctl, kInterrupted,                                                                 \
    (int32_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5),                  \
    (option, arg2, arg3, arg4, arg5))                                                              \
  X(158, LinuxArchPrctl, kInterrupted, (int32_t code, uint64_t address), (code, address))          \
  X(162, LinuxSync, kInterrupted, (), ())                                                          \
  X(165, LinuxMount, kInterrupted,                                                                 \
    (IN_PTR(char) source, IN_PTR(char) target, IN_PTR(char) type, uint64_t flags,                  \
     IN_PTR(void) data),                                                                           \
    (source, target, type, flags, data))                                                           \
  X(166, LinuxUmount2, kInterrupted, (IN_PTR(char) path, int32_t flags), (path, flags))            \
  X(186, LinuxGettid, kInterrupted, (), ())                                                        \
  X(164, LinuxSettimeofday, kInterrupted, (IN_PTR(linux_abi::Timeval) tv, IN_PTR(void) tz),        \
    (tv, tz))                                                                                      \
  X(169, LinuxReboot, kInterrupted,                                                                \
    (uint32_t magic1, uint32_t magic2, uint32_t cmd, uint64_t arg), (magic1, magic2, cmd, arg))    \
  X(170, LinuxSethostname, kInterrupted, (IN_PTR(char) name, int32_t len), (name, len))            \
  X(171, LinuxSetdomainname, kInterrupted, (IN_PTR(char) name, int32_t len), (name, len))          \
  X(200, LinuxTkill, kInterrupted, (int32_t tid, int32_t signo), (tid, signo))                     \
  X(201, LinuxTime, kInterrupted, (OUT_PTR(int64_t) tloc), (tloc))                                 \
  X(202, LinuxFutex, kInterrupted,                                                                 \
    (OUT_PTR(uint32_t) uaddr, int32_t op, uint32_t val, IN_PTR(linux_abi::Timespec) timeout,       \
     uint64_t uaddr2, uint32_t val3),                                                              \
    (uaddr, op, val, timeout, uaddr2, val3))                                                       \
  X(204, LinuxSchedGetaffinity, kInterrupted, (int32_t pid, uint64_t size, OUT_PTR(void) mask),    \
    (pid, size, mask))                                                                             \
  X(213, LinuxEpollCreate, kInterrupted, (int32_t size), (size))                                   \
  X(217, LinuxGetdents64, kInterrupted, (int32_t fd, OUT_PTR(void) dirp, uint32_t count),          \
    (fd, dirp, count))                                                                             \
  X(218, LinuxSetTidAddress, kInterrupted, (uint64_t tidptr), (tidptr))                            \
  X(220, LinuxSemtimedop, kInterrupted,                                                            \
    (int32_t id, IN_PTR(void) ops, uint64_t nops, IN_PTR(linux_abi::Timespec) timeout),            \
    (id, ops, nops, timeout))                                                                      \
  X(227, LinuxClockSettime, kInterrupted, (int32_t clock, IN_PTR(linux_abi::Timespec) tp),         \
    (clock, tp))                                                                                   \
  X(228, LinuxClockGettime, kInterrupted, (int32_t clock, OUT_PTR(linux_abi::Timespec) tp),        \
    (clock, tp))                                                                                   \
  X(229, LinuxClockGetres, kInterrupted, (int32_t clock, OUT_PTR(linux_abi::Timespec) res),        \
    (clock, res))                                                                                  \
  X(230, LinuxClockNanosleep, kRestartNoHand,                                                      \
    (int32_t clock, int32_t flags, IN_PTR(linux_abi::Timespec) req,                                \
     OUT_PTR(linux_abi::Timespec) rem),                                                            \
    (clock, flags, req, rem))                                                                      \
  X(231, LinuxExitGroup, kInterrupted, (int32_t code), (code))                                     \
  X(232, LinuxEpollWait, kInterrupted,                                                             \
    (int32_t epfd, OUT_PTR(void) events, int32_t maxevents, int32_t timeout),                      \
    (epfd, events, maxevents, timeout))                                                            \
  X(233, LinuxEpollCtl, kInterrupted,                                                              \
    (int32_t epfd, int32_t op, int32_t fd, IN_PTR(linux_abi::EpollEvent) event),                   \
    (epfd, op, fd, event))                                                                         \
  X(234, LinuxTgkill, kInterrupted, (int32_t tgid, int32_t tid, int32_t signo),                    \
    (tgid, tid, signo))                                                                            \
  X(247, LinuxWaitid, kInterrupted,                                                                \
    (int32_t idtype, int32_t id, OUT_PTR(void) infop, int32_t options, OUT_PTR(void) rusage),      \
    (idtype, id, infop, options, rusage))                                                          \
  X(257, LinuxOpenat, kInterrupted,                                                                \
    (int32_t dirfd, IN_PTR(char) path, int32_t flags, uint32_t mode), (dirfd, path, flags, mode))  \
  X(258, LinuxMkdirat, kInterrupted, (int32_t dirfd, IN_PTR(char) path, uint32_t mode),            \
    (dirfd, path, mode))                                                                           \
  X(259, LinuxMknodat, kInterrupted,                                                               \
    (int32_t dirfd, IN_PTR(char) path, uint32_t mode, uint64_t dev), (dirfd, path, mode, dev))     \
  X(260, LinuxFchownat, kInterrupted,                                                              \
    (int32_t dirfd, IN_PTR(char) path, uint32_t uid, uint32_t gid, int32_t flags),                 \
    (dirfd, path, uid, gid, flags))                                                                \
  X(262, LinuxNewfstatat, kInterrupted,                                                            \
    (int32_t dirfd, IN_PTR(char) path, OUT_PTR(void) buf, int32_t flags),                          \
    (dirfd, path, buf, flags))                                                                     \
  X(263, LinuxUnlinkat, kInterrupted, (int32_t dirfd, IN_PTR(char) path, int32_t flags),           \
    (dirfd, path, flags))                                                                          \
  X(264, LinuxRenameat, kInterrupted,                                                              \
    (int32_t olddirfd, IN_PTR(char) oldpath, int32_t newdirfd, IN_PTR(char) newpath),              \
    (olddirfd, oldpath, newdirfd, newpath))                                                        \
  X(265, LinuxLinkat, kInterrupted,                                                                \
    (int32_t olddirfd, IN_PTR(char) oldpath, int32_t newdirfd, IN_PTR(char) newpath,               \
     int32_t flags),                                                                               \
    (olddirfd, oldpath, newdirfd, newpath, flags))                                                 \
  X(266, LinuxSymlinkat, kInterrupted,                                                             \
    (IN_PTR(char) target, int32_t newdirfd, IN_PTR(char) linkpath), (target, newdirfd, linkpath))  \
  X(267, LinuxReadlinkat, kInterrupted,                                                            \
    (int32_t dirfd, IN_PTR(char) path, OUT_PTR(void) buf, int32_t size), (dirfd, path, buf, size)) \
  X(268, LinuxFchmodat, kInterrupted, (int32_t dirfd, IN_PTR(char) path, uint32_t mode),           \
    (dirfd, path, mode))                                                                           \
  X(269, LinuxFaccessat, kInterrupted, (int32_t dirfd, IN_PTR(char) path, int32_t mode),           \
    (dirfd, path, mode))                                                                           \
  X(270, LinuxPselect6, kRestartNoHand,                                                            \
    (int32_t nfds, OUT_PTR(void) readfds, OUT_PTR(void) writefds, OUT_PTR(void) exceptfds,         \
     IN_PTR(linux_abi::Timespec) timeout, IN_PTR(void) sigmask),                                   \
    (nfds, readfds, writefds, exceptfds, timeout, sigmask))                                        \
  X(271, LinuxPpoll, kRestartNoHand,                                                               \
    (OUT_PTR(void) fds, uint64_t nfds, IN_PTR(linux_abi::Timespec) timeout, IN_PTR(void) sigmask,  \
     uint64_t sigsetsize),                                                                         \
    (fds, nfds, timeout, sigmask, sigsetsize))                                                     \
  X(272, LinuxUnshare, kInterrupted, (uint64_t flags), (flags))                                    \
  X(273, LinuxSetRobustList, kInterrupted, (uint64_t head, uint64_t length), (head, length))       \
  X(274, LinuxGetRobustList, kInterrupted,                                                         \
    (int32_t pid, OUT_PTR(uint64_t) head, OUT_PTR(uint64_t) length), (pid, head, length))          \
  X(275, LinuxSplice, kRestartSys,                                                                 \
    (int32_t fd_in, OUT_PTR(int64_t) off_in, int32_t fd_out, OUT_PTR(int64_t) off_out,             \
     uint64_t length, uint32_t flags),                                                             \
    (fd_in, off_in, fd_out, off_out, length, flags))                                               \
  X(276, LinuxTee, kRestartSys, (int32_t fd_in, int32_t fd_out, uint64_t length, uint32_t flags),  \
    (fd_in, fd_out, length, flags))                                                                \
  X(280, LinuxUtimensat, kInterrupted,                                                             \
    (int32_t dirfd, IN_PTR(char) path, IN_PTR(linux_abi::Timespec) times, int32_t flags),          \
    (dirfd, path, times, flags))                                                                   \
  X(281, LinuxEpollPwait, kInterrupted,                                                            \
    (int32_t epfd, OUT_PTR(void) events, int32_t maxevents, int32_t timeout,                       \
     IN_PTR(uint64_t) sigmask, uint64_t sigsetsize),                                               \
    (epfd, events, maxevents, timeout, sigmask, sigsetsize))                                       \
  X(282, LinuxSignalfd, kInterrupted, (int32_t fd, IN_PTR(uint64_t) mask, uint64_t sizemask),      \
    (fd, mask, sizemask))                                                                          \
  X(283, LinuxTimerfdCreate, kInterrupted, (int32_t clock, int32_t flags), (clock, flags))         \
  X(284, LinuxEventfd, kInterrupted, (uint32_t initval), (initval))                                \
  X(286, LinuxTimerfdSettime, kInterrupted,                                                        \
    (int32_t fd, int32_t flags, IN_PTR(linux_abi::Itimerspec) new_value,                           \
     OUT_PTR(linux_abi::Itimerspec) old_value),                                                    \
    (fd, flags, new_value, old_value))                                                             \
  X(287, LinuxTimerfdGettime, kInterrupted, (int32_t fd, OUT_PTR(linux_abi::Itimerspec) cur),      \
    (fd, cur))                                                                                     \
  X(288, LinuxAccept4, kInterrupted,                                                               \
    (int32_t fd, OUT_PTR(void) addr, OUT_PTR(int32_t) addrlen, int32_t flags),                     \
    (fd, addr, addrlen, flags))                                                                    \
  X(285, LinuxFallocate, kInterrupted, (int32_t fd, int32_t mode, int64_t offset, int64_t length), \
    (fd, mode, offset, length))                                                                    \
  X(289, LinuxSignalfd4, kInterrupted,                                                             \
    (int32_t fd, IN_PTR(uint64_t) mask, uint64_t sizemask, int32_t flags),                         \
    (fd, mask, sizemask, flags))                                                                   \
  X(290, LinuxEventfd2, kInterrupted, (uint32_t initval, int32_t flags), (initval, flags))         \
  X(291, LinuxEpollCreate1, kInterrupted, (int32_t flags), (flags))                                \
  X(292, LinuxDup3, kInterrupted, (int32_t oldfd, int32_t newfd, int32_t flags),                   \
    (oldfd, newfd, flags))                                                                         \
  X(293, LinuxPipe2, kInterrupted, (OUT_PTR(int32_t) fds, int32_t flags), (fds, flags))            \
  X(316, LinuxRenameat2, kInterrupted,                                                             \
    (int32_t olddirfd, IN_PTR(char) oldpath, int32_t newdirfd, IN_PTR(char) newpath,               \
     uint32_t flags),                                                                              \
    (olddirfd, oldpath, newdirfd, newpath, flags))                                                 \
  X(299, LinuxRecvmmsg, kInterrupted,                                                              \
    (int32_t fd, OUT_PTR(void) msgvec, uint32_t vlen, int32_t flags,                               \
     IN_PTR(linux_abi::Timespec) timeout),                                                         \
    (fd, msgvec, vlen, flags, timeout))                                                            \
  X(302, LinuxPrlimit64, kInterrupted,                                                             \
    (int32_t pid, uint32_t resource, IN_PTR(void) new_limit, OUT_PTR(void) old_limit),             \
    (pid, resource, new_limit, old_limit))                                                         \
  X(307, LinuxSendmmsg, kInterrupted,                                                              \
    (int32_t fd, OUT_PTR(void) msgvec, uint32_t vlen, int32_t flags), (fd, msgvec, vlen, flags))   \
  X(308, LinuxSetns, kInterrupted, (int32_t fd, int32_t nstype), (fd, nstype))                     \
  X(318, LinuxGetrandom, kInterrupted, (OUT_PTR(void) buf, uint64_t count, uint32_t flags),        \
    (buf, count, flags))                                                                           \
  X(319, LinuxMemfdCreate, kInterrupted, (IN_PTR(char) name, uint32_t flags), (name, flags))       \
  X(326, LinuxCopyFileRange, kInterrupted,                                                         \
    (int32_t fd_in, OUT_PTR(int64_t) off_in, int32_t fd_out, OUT_PTR(int64_t) off_out,             \
     uint64_t length, uint32_t flags),                                                             \
    (fd_in, off_in, fd_out, off_out, length, flags))                                               \
  X(332, LinuxStatx, kInterrupted,                                                                 \
    (int32_t dirfd, IN_PTR(char) path, int32_t flags, uint32_t mask, OUT_PTR(void) buf),           \
    (dirfd, path, flags, mask, buf))                                                               \
  X(424, LinuxPidfdSendSignal, kInterrupted,                                                       \
    (int32_t pidfd, int32_t signo, IN_PTR(linux_abi::SigInfo) info, uint32_t flags),               \
    (pidfd, signo, info, flags))                                                                   \
  X(434, LinuxPidfdOpen, kInterrupted, (int32_t pid, uint32_t flags), (pid, flags))                \
  X(439, LinuxFaccessat2, kInterrupted,                                                            \
    (int32_t dirfd, IN_PTR(char) path, int32_t mode, int32_t flags), (dirfd, path, mode, flags))   \
  X(441, LinuxEpollPwait2, kInterrupted,                                                           \
    (int32_t epfd, OUT_PTR(void) events, int32_t maxevents, IN_PTR(linux_abi::Timespec) timeout,   \
     IN_PTR(uint64_t) sigmask, uint64_t sigsetsize),                                               \
    (epfd, events, maxevents, timeout, sigmask, sigsetsize))

namespace tessera {

/// The number of each call above, by its name: kNrLinuxWrite is 1 (for
/// programs that make raw system calls).
enum LinuxSyscallNumber : uint64_t {
#define TESSERA_LINUX_NUMBER(number, Name, eintr, params, args) kNr##Name = number,
  TESSERA_LINUX_SYSCALLS(TESSERA_LINUX_NUMBER)
#undef TESSERA_LINUX_NUMBER
};

}  // namespace tessera
