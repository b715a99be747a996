#pragma once

// The ids of System V IPC objects, as Linux makes them: slot + seq * 32768
// (IPCMNI), where a slot's sequence number grows each time it is reused, so
// a stale id does not name the slot's next object.

#include <stdint.h>

#include "abi/linux/sysv_ipc.h"

namespace core::sysv {

/// What every System V IPC object has: its key, owner, creator and mode
/// (checked by ipc_perm.h).
struct Perm {
  int32_t key = 0;
  uint32_t uid = 0, gid = 0, cuid = 0, cgid = 0;
  uint32_t mode = 0;
};

/// The struct ipc_perm the STAT commands report.
inline linux_abi::IpcPerm ToIpcPerm(const Perm& p, uint16_t seq) {
  linux_abi::IpcPerm out{};
  out.key = p.key;
  out.uid = p.uid;
  out.gid = p.gid;
  out.cuid = p.cuid;
  out.cgid = p.cgid;
  out.mode = p.mode;
  out.seq = seq;
  return out;
}

/// IPC_SET: the owner and the permission bits from `in`.
inline void SetOwner(Perm* p, const linux_abi::IpcPerm& in) {
  p->uid = in.uid;
  p->gid = in.gid;
  p->mode = in.mode & 0777;
}

inline constexpr int kIdStride = 32768;

inline int MakeId(int slot, uint16_t seq) { return static_cast<int>(seq) * kIdStride + slot; }
inline int SlotOf(int id) { return id % kIdStride; }
inline uint16_t SeqOf(int id) { return static_cast<uint16_t>(id / kIdStride); }

}  // namespace core::sysv
