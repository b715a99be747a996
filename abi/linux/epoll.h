#pragma once

// Linux epoll ABI (include/uapi/linux/eventpoll.h): the ctl operations, the
// event bits beyond poll's, the create flag and struct epoll_event, which
// x86-64 packs (12 bytes, data at offset 4).

#include <stdint.h>

#include "abi/linux/fcntl.h"

namespace linux_abi {

inline constexpr int32_t kEpollCtlAdd = 1;
inline constexpr int32_t kEpollCtlDel = 2;
inline constexpr int32_t kEpollCtlMod = 3;

/// epoll_create1's only flag (EPOLL_CLOEXEC == O_CLOEXEC).
inline constexpr int32_t kEpollCloexec = static_cast<int32_t>(kOCloExec);

inline constexpr uint32_t kEpollIn = 0x001;
inline constexpr uint32_t kEpollPri = 0x002;
inline constexpr uint32_t kEpollOut = 0x004;
inline constexpr uint32_t kEpollErr = 0x008;
inline constexpr uint32_t kEpollHup = 0x010;
inline constexpr uint32_t kEpollRdNorm = 0x040;
inline constexpr uint32_t kEpollRdBand = 0x080;
inline constexpr uint32_t kEpollWrNorm = 0x100;
inline constexpr uint32_t kEpollWrBand = 0x200;
inline constexpr uint32_t kEpollMsg = 0x400;
inline constexpr uint32_t kEpollRdHup = 0x2000;
inline constexpr uint32_t kEpollExclusive = 1u << 28;
inline constexpr uint32_t kEpollWakeup = 1u << 29;
inline constexpr uint32_t kEpollOneShot = 1u << 30;
inline constexpr uint32_t kEpollEt = 1u << 31;

/// The bits EPOLLEXCLUSIVE may be combined with on EPOLL_CTL_ADD.
inline constexpr uint32_t kEpollExclusiveOk = kEpollIn | kEpollOut | kEpollRdNorm | kEpollRdBand |
                                              kEpollWrNorm | kEpollWrBand | kEpollErr | kEpollHup |
                                              kEpollWakeup | kEpollEt | kEpollExclusive;

/// struct epoll_event (packed on x86-64).
struct __attribute__((packed)) EpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12, "epoll_event is 12 bytes on x86-64");

/// epoll_wait's bound on maxevents: INT_MAX / sizeof(struct epoll_event).
inline constexpr int32_t kEpMaxEvents = 0x7fffffff / static_cast<int32_t>(sizeof(EpollEvent));

/// Nesting limit of epolls inside epolls (EP_MAX_NESTS).
inline constexpr int kEpMaxNests = 4;

}  // namespace linux_abi
