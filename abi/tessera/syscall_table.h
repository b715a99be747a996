#pragma once

// The native system calls, in one declarative list from which the kernel's
// dispatch table (core/syscall/dispatch.cc) and the user-side stubs
// (lib/tessera/syscalls.h) are both generated. Numbers lie in
// [kNativeBase, kNativeEnd) of native.h. Each entry:
//
//   X(number, Name, (parameter list), (argument names))
//
// Parameter types use IN_PTR(T) / OUT_PTR(T) for user pointers: the kernel
// sees a checked core::UserPtr<T>, user code a plain pointer. Every call
// returns int64_t: >= 0 on success (a value or 0), -errno on failure.

#include <stdint.h>

#include "abi/tessera/native.h"
#include "abi/tessera/netproto.h"

#define TESSERA_NATIVE_SYSCALLS(X)                                                                \
  /* Handles */                                                                                   \
  X(0x1000, HandleClose, (tessera::handle_t handle), (handle))                                    \
  X(0x1001, HandleDuplicate, (tessera::handle_t handle, uint32_t rights), (handle, rights))       \
  /* Channels */                                                                                  \
  X(0x1010, ChannelCreate, (OUT_PTR(tessera::handle_t) out0, OUT_PTR(tessera::handle_t) out1),    \
    (out0, out1))                                                                                 \
  X(0x1011, ChannelWrite,                                                                         \
    (tessera::handle_t handle, IN_PTR(void) bytes, uint32_t num_bytes,                            \
     IN_PTR(tessera::handle_t) handles, uint32_t num_handles, uint32_t txid),                     \
    (handle, bytes, num_bytes, handles, num_handles, txid))                                       \
  X(0x1012, ChannelRead, (tessera::handle_t handle, OUT_PTR(tessera::ChannelReadArgs) args),      \
    (handle, args))                                                                               \
  X(0x1013, ChannelCall, (tessera::handle_t handle, OUT_PTR(tessera::ChannelCallArgs) args),      \
    (handle, args))                                                                               \
  /* Notifications */                                                                             \
  X(0x1020, NotificationCreate, (), ())                                                           \
  X(0x1021, NotificationSignal, (tessera::handle_t handle, uint64_t bits), (handle, bits))        \
  X(0x1022, NotificationTake, (tessera::handle_t handle, OUT_PTR(uint64_t) bits), (handle, bits)) \
  /* Waiting */                                                                                   \
  X(0x1030, ObjectWaitOne,                                                                        \
    (tessera::handle_t handle, uint32_t wanted, int64_t deadline, OUT_PTR(uint32_t) observed),    \
    (handle, wanted, deadline, observed))                                                         \
  X(0x1031, ObjectWaitMany, (OUT_PTR(tessera::WaitItem) items, uint32_t count, int64_t deadline), \
    (items, count, deadline))                                                                     \
  /* Processes and threads */                                                                     \
  X(0x1040, ProcessSpawn, (IN_PTR(tessera::SpawnArgs) args), (args))                              \
  X(0x1041, ProcessKill, (tessera::handle_t process, int32_t code), (process, code))              \
  X(0x1042, ProcessStats, (tessera::handle_t process, OUT_PTR(tessera::ProcessStats) stats),      \
    (process, stats))                                                                             \
  X(0x1043, ProcessExitCode, (tessera::handle_t process), (process))                              \
  X(0x1048, ThreadCreate, (uint64_t entry, uint64_t stack_top, uint64_t arg),                     \
    (entry, stack_top, arg))                                                                      \
  X(0x1049, ThreadExit, (), ())                                                                   \
  /* Memory objects */                                                                            \
  X(0x1058, VmoCreate, (uint64_t size), (size))                                                   \
  X(0x1059, VmoMap,                                                                               \
    (tessera::handle_t vmo, uint64_t offset, uint64_t size, uint32_t prot, uint64_t addr,         \
     uint32_t flags),                                                                             \
    (vmo, offset, size, prot, addr, flags))                                                       \
  X(0x105A, ThreadSetPriority, (tessera::handle_t sched, uint32_t priority), (sched, priority))   \
  X(0x105B, VmoCreateContiguous, (tessera::handle_t dma, uint64_t size), (dma, size))             \
  X(0x105C, VmoPhysicalAddress, (tessera::handle_t dma, tessera::handle_t vmo, uint64_t offset),  \
    (dma, vmo, offset))                                                                           \
  /* Devices (user-mode drivers) */                                                               \
  X(0x1070, PciGetInfo,                                                                           \
    (tessera::handle_t root, uint32_t index, OUT_PTR(tessera::PciFunctionInfo) info),             \
    (root, index, info))                                                                          \
  X(0x1071, PciOpen, (tessera::handle_t root, uint32_t index), (root, index))                     \
  X(0x1072, PciConfigRead, (tessera::handle_t device, uint32_t offset, uint32_t width),           \
    (device, offset, width))                                                                      \
  X(0x1073, PciConfigWrite,                                                                       \
    (tessera::handle_t device, uint32_t offset, uint32_t width, uint32_t value),                  \
    (device, offset, width, value))                                                               \
  X(0x1074, PciMapBar, (tessera::handle_t device, uint32_t bar), (device, bar))                   \
  X(0x1075, PciRouteMsix, (tessera::handle_t device, uint32_t entry), (device, entry))            \
  X(0x1076, InterruptAck, (tessera::handle_t interrupt), (interrupt))                             \
  X(0x1077, PciRouteIntx, (tessera::handle_t device), (device))                                   \
  /* File-system servers (abi/tessera/fsproto.h) */                                               \
  X(0x1080, FsMount, (IN_PTR(tessera::FsMountArgs) args), (args))                                 \
  X(0x1081, MountAgentRegister, (tessera::handle_t mount_right, tessera::handle_t channel),       \
    (mount_right, channel))                                                                       \
  /* The network server (abi/tessera/netproto.h) */                                               \
  X(0x1090, NetServe, (tessera::handle_t net_right, tessera::handle_t channel),                   \
    (net_right, channel))                                                                         \
  X(0x1091, NetDeliver,                                                                           \
    (tessera::handle_t server_end, IN_PTR(netproto::Delivery) records, uint32_t count),           \
    (server_end, records, count))                                                                 \
  /* Clock */                                                                                     \
  X(0x1050, ClockMonotonic, (), ())
