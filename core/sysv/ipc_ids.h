#pragma once

// The ids of System V IPC objects, as Linux makes them: slot + seq * 32768
// (IPCMNI), where a slot's sequence number grows each time it is reused, so
// a stale id does not name the slot's next object.

#include <stdint.h>

namespace core::sysv {

inline constexpr int kIdStride = 32768;

inline int MakeId(int slot, uint16_t seq) { return static_cast<int>(seq) * kIdStride + slot; }
inline int SlotOf(int id) { return id % kIdStride; }
inline uint16_t SeqOf(int id) { return static_cast<uint16_t>(id / kIdStride); }

}  // namespace core::sysv
