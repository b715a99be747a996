#pragma once

// Linux flags of the small event files (include/uapi/linux/eventfd.h,
// timerfd.h, signalfd.h, pidfd.h): each file's NONBLOCK and CLOEXEC are
// O_NONBLOCK and O_CLOEXEC.

#include <stdint.h>

#include "abi/linux/fcntl.h"

namespace linux_abi {

// eventfd2(2).
inline constexpr uint32_t kEfdSemaphore = 1;
inline constexpr uint32_t kEfdCloexec = kOCloExec;
inline constexpr uint32_t kEfdNonblock = kONonBlock;

// timerfd_create(2) and timerfd_settime(2).
inline constexpr uint32_t kTfdCloexec = kOCloExec;
inline constexpr uint32_t kTfdNonblock = kONonBlock;
inline constexpr uint32_t kTfdTimerAbstime = 1u << 0;
inline constexpr uint32_t kTfdTimerCancelOnSet = 1u << 1;

// signalfd4(2).
inline constexpr uint32_t kSfdCloexec = kOCloExec;
inline constexpr uint32_t kSfdNonblock = kONonBlock;

// pidfd_open(2).
inline constexpr uint32_t kPidfdNonblock = kONonBlock;

/// struct itimerspec (timerfd_settime, timer_settime).
struct Itimerspec {
  int64_t it_interval_sec;
  int64_t it_interval_nsec;
  int64_t it_value_sec;
  int64_t it_value_nsec;
};

}  // namespace linux_abi
