// abi/linux/epoll.h, event_fds.h and signalfd.h against the host's headers.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/epoll.h"
#include "abi/linux/event_fds.h"
#include "abi/linux/signalfd.h"

namespace linux_abi {
namespace {

TEST(EventFdsAbiTest, EpollConstants) {
  EXPECT_SAME_VALUE(kEpollCtlAdd, EPOLL_CTL_ADD);
  EXPECT_SAME_VALUE(kEpollCtlDel, EPOLL_CTL_DEL);
  EXPECT_SAME_VALUE(kEpollCtlMod, EPOLL_CTL_MOD);
  EXPECT_SAME_VALUE(kEpollCloexec, EPOLL_CLOEXEC);
  EXPECT_SAME_VALUE(kEpollIn, EPOLLIN);
  EXPECT_SAME_VALUE(kEpollPri, EPOLLPRI);
  EXPECT_SAME_VALUE(kEpollOut, EPOLLOUT);
  EXPECT_SAME_VALUE(kEpollErr, EPOLLERR);
  EXPECT_SAME_VALUE(kEpollHup, EPOLLHUP);
  EXPECT_SAME_VALUE(kEpollRdNorm, EPOLLRDNORM);
  EXPECT_SAME_VALUE(kEpollRdBand, EPOLLRDBAND);
  EXPECT_SAME_VALUE(kEpollWrNorm, EPOLLWRNORM);
  EXPECT_SAME_VALUE(kEpollWrBand, EPOLLWRBAND);
  EXPECT_SAME_VALUE(kEpollMsg, EPOLLMSG);
  EXPECT_SAME_VALUE(kEpollRdHup, EPOLLRDHUP);
  EXPECT_SAME_VALUE(kEpollExclusive, EPOLLEXCLUSIVE);
  EXPECT_SAME_VALUE(kEpollWakeup, EPOLLWAKEUP);
  EXPECT_SAME_VALUE(kEpollOneShot, EPOLLONESHOT);
  EXPECT_SAME_VALUE(kEpollEt, EPOLLET);
}

TEST(EventFdsAbiTest, EpollEventLayout) {
  EXPECT_EQ(sizeof(EpollEvent), sizeof(struct epoll_event));
  EXPECT_SAME_OFFSET(EpollEvent, events, struct epoll_event, events);
  EXPECT_SAME_OFFSET(EpollEvent, data, struct epoll_event, data);
}

TEST(EventFdsAbiTest, FileFlags) {
  EXPECT_SAME_VALUE(kEfdSemaphore, EFD_SEMAPHORE);
  EXPECT_SAME_VALUE(kEfdCloexec, EFD_CLOEXEC);
  EXPECT_SAME_VALUE(kEfdNonblock, EFD_NONBLOCK);
  EXPECT_SAME_VALUE(kTfdCloexec, TFD_CLOEXEC);
  EXPECT_SAME_VALUE(kTfdNonblock, TFD_NONBLOCK);
  EXPECT_SAME_VALUE(kTfdTimerAbstime, TFD_TIMER_ABSTIME);
  EXPECT_SAME_VALUE(kSfdCloexec, SFD_CLOEXEC);
  EXPECT_SAME_VALUE(kSfdNonblock, SFD_NONBLOCK);
}

TEST(EventFdsAbiTest, ItimerspecLayout) {
  EXPECT_EQ(sizeof(Itimerspec), sizeof(struct itimerspec));
  EXPECT_EQ(offsetof(Itimerspec, it_interval_sec), offsetof(struct itimerspec, it_interval));
  EXPECT_EQ(offsetof(Itimerspec, it_value_sec), offsetof(struct itimerspec, it_value));
  EXPECT_EQ(offsetof(Itimerspec, it_value_nsec),
            offsetof(struct itimerspec, it_value) + offsetof(struct timespec, tv_nsec));
}

TEST(EventFdsAbiTest, SignalfdSiginfoLayout) {
  using Theirs = struct signalfd_siginfo;
  EXPECT_EQ(sizeof(SignalfdSiginfo), sizeof(Theirs));
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_signo, Theirs, ssi_signo);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_errno, Theirs, ssi_errno);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_code, Theirs, ssi_code);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_pid, Theirs, ssi_pid);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_uid, Theirs, ssi_uid);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_fd, Theirs, ssi_fd);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_tid, Theirs, ssi_tid);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_band, Theirs, ssi_band);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_overrun, Theirs, ssi_overrun);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_trapno, Theirs, ssi_trapno);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_status, Theirs, ssi_status);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_int, Theirs, ssi_int);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_ptr, Theirs, ssi_ptr);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_utime, Theirs, ssi_utime);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_stime, Theirs, ssi_stime);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_addr, Theirs, ssi_addr);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_addr_lsb, Theirs, ssi_addr_lsb);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_syscall, Theirs, ssi_syscall);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_call_addr, Theirs, ssi_call_addr);
  EXPECT_SAME_OFFSET(SignalfdSiginfo, ssi_arch, Theirs, ssi_arch);
}

}  // namespace
}  // namespace linux_abi
