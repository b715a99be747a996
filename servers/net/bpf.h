#pragma once

// Classic BPF (SO_ATTACH_FILTER) for packet sockets: a checker and an
// interpreter with the semantics Linux gives socket filters (see
// Documentation/networking/filter.rst).
//
// Check() refuses what Linux refuses (an empty or too long program, an
// unknown opcode, a jump out of the program, a constant division by zero or
// shift by 32 or more, a scratch slot past 15, a last instruction that does
// not return) and, unlike Linux, the ancillary loads this server cannot
// answer (only protocol, pkttype, ifindex, hatype, mark, queue, cpu and
// vlan_tag_present are known). Run() of a checked program never reads
// outside the packet or the program: a load past the end, or a division by
// X = 0, drops the packet (returns 0), as Linux does.

#include <stdint.h>

#include "servers/net/packet_abi.h"

namespace netserver {

/// What a filter sees besides the bytes.
struct BpfPacket {
  const uint8_t* frame = nullptr;  // the whole Ethernet frame
  uint32_t frame_length = 0;
  uint32_t data_offset = 0;  // where the socket's data (offset 0) starts in frame
  uint16_t protocol = 0;     // the EtherType, host order (SKF_AD_PROTOCOL)
  uint8_t pkttype = 0;
  int32_t ifindex = 0;
  uint16_t hatype = 0;
};

/// Returns 0, or -EINVAL for a program Linux (or this server) would not run.
int CheckBpf(const packet::BpfInsn* program, uint32_t count);

/// Runs a checked program; returns how many bytes of the packet to keep
/// (0: drop it).
uint32_t RunBpf(const packet::BpfInsn* program, uint32_t count, const BpfPacket& packet);

}  // namespace netserver
