#include "servers/net/bpf.h"

#include <errno.h>

namespace netserver {
namespace {

using packet::BpfInsn;

// Opcode fields (uapi/linux/bpf_common.h).
constexpr uint16_t Class(uint16_t code) { return code & 0x07; }
constexpr uint16_t Size(uint16_t code) { return code & 0x18; }
constexpr uint16_t Mode(uint16_t code) { return code & 0xe0; }
constexpr uint16_t Op(uint16_t code) { return code & 0xf0; }
constexpr uint16_t Src(uint16_t code) { return code & 0x08; }

constexpr uint16_t kLd = 0x00, kLdx = 0x01, kSt = 0x02, kStx = 0x03, kAlu = 0x04, kJmp = 0x05,
                   kRet = 0x06, kMisc = 0x07;
constexpr uint16_t kW = 0x00, kH = 0x08, kB = 0x10;
constexpr uint16_t kImm = 0x00, kAbs = 0x20, kInd = 0x40, kMem = 0x60, kLen = 0x80, kMsh = 0xa0;
constexpr uint16_t kAdd = 0x00, kSub = 0x10, kMul = 0x20, kDiv = 0x30, kOr = 0x40, kAnd = 0x50,
                   kLsh = 0x60, kRsh = 0x70, kNeg = 0x80, kMod = 0x90, kXor = 0xa0;
constexpr uint16_t kJa = 0x00, kJeq = 0x10, kJgt = 0x20, kJge = 0x30, kJset = 0x40;
constexpr uint16_t kK = 0x00, kX = 0x08;
constexpr uint16_t kRetK = 0x00, kRetA = 0x10;
constexpr uint16_t kTax = 0x00, kTxa = 0x80;

// Negative load offsets (uapi/linux/filter.h), as unsigned 32-bit values.
constexpr uint32_t kAncillary = 0xfffff000u;   // SKF_AD_OFF
constexpr uint32_t kNetOffset = 0xfff00000u;   // SKF_NET_OFF
constexpr uint32_t kLinkOffset = 0xffe00000u;  // SKF_LL_OFF
constexpr uint32_t kAdProtocol = 0, kAdPkttype = 4, kAdIfindex = 8, kAdMark = 20, kAdQueue = 24,
                   kAdHatype = 28, kAdCpu = 36, kAdVlanTagPresent = 48;

bool KnownAncillary(uint32_t which) {
  switch (which) {
    case kAdProtocol:
    case kAdPkttype:
    case kAdIfindex:
    case kAdMark:
    case kAdQueue:
    case kAdHatype:
    case kAdCpu:
    case kAdVlanTagPresent: return true;
    default: return false;
  }
}

uint32_t Ancillary(uint32_t which, const BpfPacket& p) {
  switch (which) {
    case kAdProtocol: return p.protocol;
    case kAdPkttype: return p.pkttype;
    case kAdIfindex: return static_cast<uint32_t>(p.ifindex);
    case kAdHatype: return p.hatype;
    default: return 0;  // no marks, one queue, one CPU, VLAN tags left in the frame
  }
}

// Loads `size` bytes (big-endian) at the program's offset `k` (plus `x` for
// IND). False: outside the packet, the filter drops it.
bool Load(const BpfPacket& p, uint64_t offset, uint32_t size, uint32_t* out) {
  uint64_t at;  // offset into the frame
  if (offset >= kAncillary && offset <= 0xffffffffu) {
    return false;  // ancillary loads are handled by the caller
  } else if (offset >= kNetOffset && offset <= 0xffffffffu) {
    at = uint64_t{packet::kEthHeader} + (offset - kNetOffset);
  } else if (offset >= kLinkOffset && offset <= 0xffffffffu) {
    at = offset - kLinkOffset;
  } else {
    at = uint64_t{p.data_offset} + offset;
  }
  if (at + size > p.frame_length) return false;
  uint32_t v = 0;
  for (uint32_t i = 0; i < size; ++i) v = (v << 8) | p.frame[at + i];
  *out = v;
  return true;
}

bool JumpFits(uint32_t pc, uint64_t skip, uint32_t count) { return pc + 1 + skip < count; }

}  // namespace

int CheckBpf(const BpfInsn* program, uint32_t count) {
  if (count == 0 || count > packet::kBpfMaxInsns) return -EINVAL;
  for (uint32_t pc = 0; pc < count; ++pc) {
    const BpfInsn& in = program[pc];
    const uint16_t c = in.code;
    if ((c & 0xff00) != 0) return -EINVAL;
    switch (Class(c)) {
      case kLd:
        if (Mode(c) == kImm || Mode(c) == kLen) {
          if (c != (kLd | kW | Mode(c))) return -EINVAL;
        } else if (Mode(c) == kMem) {
          if (c != (kLd | kW | kMem) || in.k >= packet::kBpfMemWords) return -EINVAL;
        } else if (Mode(c) == kAbs || Mode(c) == kInd) {
          if (Size(c) != kW && Size(c) != kH && Size(c) != kB) return -EINVAL;
          if (Mode(c) == kAbs && in.k >= kAncillary && !KnownAncillary(in.k - kAncillary))
            return -EINVAL;
        } else {
          return -EINVAL;
        }
        break;
      case kLdx:
        if (c == (kLdx | kW | kMem)) {
          if (in.k >= packet::kBpfMemWords) return -EINVAL;
        } else if (c != (kLdx | kW | kImm) && c != (kLdx | kW | kLen) && c != (kLdx | kB | kMsh)) {
          return -EINVAL;
        }
        break;
      case kSt:
      case kStx:
        if (c != Class(c) || in.k >= packet::kBpfMemWords) return -EINVAL;
        break;
      case kAlu:
        switch (Op(c)) {
          case kNeg:
            if (c != (kAlu | kNeg)) return -EINVAL;
            break;
          case kAdd:
          case kSub:
          case kMul:
          case kOr:
          case kAnd:
          case kXor:
          case kDiv:
          case kMod:
          case kLsh:
          case kRsh:
            if (Src(c) == kK && (Op(c) == kDiv || Op(c) == kMod) && in.k == 0) return -EINVAL;
            if (Src(c) == kK && (Op(c) == kLsh || Op(c) == kRsh) && in.k >= 32) return -EINVAL;
            break;
          default: return -EINVAL;
        }
        break;
      case kJmp:
        if (Op(c) == kJa) {
          if (c != (kJmp | kJa) || !JumpFits(pc, in.k, count)) return -EINVAL;
        } else if (Op(c) == kJeq || Op(c) == kJgt || Op(c) == kJge || Op(c) == kJset) {
          if (!JumpFits(pc, in.jt, count) || !JumpFits(pc, in.jf, count)) return -EINVAL;
        } else {
          return -EINVAL;
        }
        break;
      case kRet:
        if (c != (kRet | kRetK) && c != (kRet | kRetA)) return -EINVAL;
        break;
      case kMisc:
        if (c != (kMisc | kTax) && c != (kMisc | kTxa)) return -EINVAL;
        break;
    }
  }
  const uint16_t last = program[count - 1].code;
  if (last != (kRet | kRetK) && last != (kRet | kRetA)) return -EINVAL;
  return 0;
}

uint32_t RunBpf(const BpfInsn* program, uint32_t count, const BpfPacket& p) {
  uint32_t a = 0, x = 0;
  uint32_t mem[packet::kBpfMemWords] = {};
  if (p.data_offset > p.frame_length) return 0;
  const uint32_t data_length = p.frame_length - p.data_offset;
  static constexpr uint32_t kBytes[] = {4, 2, 1};
  for (uint32_t pc = 0; pc < count; ++pc) {
    const BpfInsn& in = program[pc];
    const uint16_t c = in.code;
    const uint32_t operand = Src(c) == kX ? x : in.k;
    switch (Class(c)) {
      case kLd:
        switch (Mode(c)) {
          case kImm: a = in.k; break;
          case kLen: a = data_length; break;
          case kMem: a = mem[in.k]; break;
          case kAbs:
            if (in.k >= kAncillary) {
              a = Ancillary(in.k - kAncillary, p);
            } else if (!Load(p, in.k, kBytes[Size(c) >> 3], &a)) {
              return 0;
            }
            break;
          case kInd:
            if (!Load(p, uint64_t{in.k} + x, kBytes[Size(c) >> 3], &a)) return 0;
            break;
        }
        break;
      case kLdx:
        if (Mode(c) == kImm) {
          x = in.k;
        } else if (Mode(c) == kLen) {
          x = data_length;
        } else if (Mode(c) == kMem) {
          x = mem[in.k];
        } else {  // MSH: the IPv4 header length at k
          uint32_t b;
          if (!Load(p, in.k, 1, &b)) return 0;
          x = (b & 0xf) * 4;
        }
        break;
      case kSt: mem[in.k] = a; break;
      case kStx: mem[in.k] = x; break;
      case kAlu:
        switch (Op(c)) {
          case kAdd: a += operand; break;
          case kSub: a -= operand; break;
          case kMul: a *= operand; break;
          case kDiv:
            if (operand == 0) return 0;
            a /= operand;
            break;
          case kMod:
            if (operand == 0) return 0;
            a %= operand;
            break;
          case kOr: a |= operand; break;
          case kAnd: a &= operand; break;
          case kXor: a ^= operand; break;
          case kLsh: a <<= (operand & 31); break;
          case kRsh: a >>= (operand & 31); break;
          case kNeg: a = 0u - a; break;
        }
        break;
      case kJmp: {
        bool taken;
        switch (Op(c)) {
          case kJa: pc += in.k; continue;
          case kJeq: taken = a == operand; break;
          case kJgt: taken = a > operand; break;
          case kJge: taken = a >= operand; break;
          default: taken = (a & operand) != 0; break;  // JSET
        }
        pc += taken ? in.jt : in.jf;
        break;
      }
      case kRet: return c == (kRet | kRetA) ? a : in.k;
      case kMisc:
        if (c == (kMisc | kTax)) {
          x = a;
        } else {
          a = x;
        }
        break;
    }
  }
  return 0;  // unreachable for a checked program: the last instruction returns
}

}  // namespace netserver
