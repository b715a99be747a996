#include "core/pci/intx_line.h"

#include "core/kernel/log.h"
#include "core/pci/pci_device.h"
#include "core/sync/spin_lock.h"
#include "hal/irq.h"

namespace core::pci {
namespace {

constexpr uint16_t kCommand = 0x04;
constexpr uint16_t kStatus = 0x06;
constexpr uint16_t kStatusInterrupt = 1u << 3;  // PCI 3.0 §6.2.3: INTx state of the function
constexpr uint32_t kStormLimit = 1000;

constexpr int kMaxLines = 8;     // q35: PIRQA..H
constexpr int kMaxMembers = 16;  // functions sharing one GSI

struct Member {
  const Function* function = nullptr;
  Interrupt* irq = nullptr;  // weak: UnbindIntx runs before it is freed
  bool reported = false;     // an unowned assertion was logged
};

struct Line {
  bool used = false;
  uint32_t gsi = 0;
  uint8_t vector = 0;
  Member members[kMaxMembers];
  int member_count = 0;
  int bound = 0;
  uint32_t unclaimed = 0;  // fires in a row with no member asserting
  bool stormed = false;
};

SpinLock g_intx_lock;  // guards g_lines and every INTx Command register update
Line g_lines[kMaxLines];

volatile uint16_t* Reg16(const Function* f, uint16_t offset) {
  return reinterpret_cast<volatile uint16_t*>(f->config + offset);
}

// Read-modify-write of the Command register. Caller holds g_intx_lock.
void UpdateCommandLocked(const Function* f, uint16_t set, uint16_t clear) {
  volatile uint16_t* command = Reg16(f, kCommand);
  *command = static_cast<uint16_t>((*command | set) & ~clear);
}

void SetIntxDisabledLocked(const Function* f, bool disabled) {
  UpdateCommandLocked(f, disabled ? kCommandIntxDisable : 0, disabled ? 0 : kCommandIntxDisable);
}

Line* FindLineLocked(uint32_t gsi) {
  for (Line& l : g_lines) {
    if (l.used && l.gsi == gsi) return &l;
  }
  return nullptr;
}

Member* FindMemberLocked(Interrupt* irq, Line** line_out) {
  for (Line& l : g_lines) {
    if (!l.used) continue;
    for (int i = 0; i < l.member_count; ++i) {
      if (l.members[i].irq == irq) {
        *line_out = &l;
        return &l.members[i];
      }
    }
  }
  return nullptr;
}

void OnLevelGsi(uint32_t gsi) {
  SpinLockGuard guard(g_intx_lock);
  Line* line = FindLineLocked(gsi);
  if (line == nullptr || line->stormed) return;
  int claimed = 0;
  for (int i = 0; i < line->member_count; ++i) {
    Member& m = line->members[i];
    if ((*Reg16(m.function, kCommand) & kCommandIntxDisable) != 0 ||
        (*Reg16(m.function, kStatus) & kStatusInterrupt) == 0) {
      continue;
    }
    SetIntxDisabledLocked(m.function, true);  // deasserts its INTx
    ++claimed;
    if (m.irq != nullptr) {
      m.irq->Fire();
    } else if (!m.reported) {
      m.reported = true;
      Log("pci", "%02x:%02x.%u asserted INTx on GSI %u with no driver bound: disabled",
          m.function->bus, m.function->device, m.function->function, gsi);
    }
  }
  if (claimed != 0) {
    line->unclaimed = 0;
    return;
  }
  if (++line->unclaimed == kStormLimit) {
    line->stormed = true;
    hal::MaskLevelGsi(gsi);
    Log("pci", "GSI %u fired %u times with no function asserting INTx: masked for good", gsi,
        kStormLimit);
  }
}

}  // namespace

void UpdateCommand(const Function* f, uint16_t set, uint16_t clear) {
  SpinLockGuard guard(g_intx_lock);
  UpdateCommandLocked(f, set, clear);
}

bool IntxMaskable(const Function* f) {
  UpdateCommand(f, kCommandIntxDisable, 0);
  return (*Reg16(f, kCommand) & kCommandIntxDisable) != 0;
}

kstd::Result<void> BindIntx(const Function* f, uint32_t gsi, Interrupt* irq) {
  // Every function on the same GSI, found before taking the lock (the GSI
  // computation maps chipset registers the first time).
  const Function* sharers[kMaxMembers];
  int sharer_count = 0;
  for (size_t i = 0; i < FunctionCount(); ++i) {
    const Function* other = FunctionAt(i);
    if (other->interrupt_pin == 0) continue;
    auto other_gsi = IntxGsi(*other);
    if (other_gsi.is_error() || other_gsi.value() != gsi) continue;
    if (sharer_count == kMaxMembers) return kstd::Error::kNoSpace;
    sharers[sharer_count++] = other;
  }

  SpinLockGuard guard(g_intx_lock);
  Line* line = FindLineLocked(gsi);
  if (line == nullptr) {
    for (Line& l : g_lines) {
      if (!l.used) {
        line = &l;
        break;
      }
    }
    if (line == nullptr) return kstd::Error::kNoSpace;
    *line = Line();
    for (int i = 0; i < sharer_count; ++i) line->members[i].function = sharers[i];
    line->member_count = sharer_count;
    // Handled under the lock: a fire right after the unmask waits for us.
    auto vector = hal::EnableLevelGsi(gsi);
    if (vector.is_error()) return vector.error();
    line->used = true;
    line->gsi = gsi;
    line->vector = vector.value();
  }
  Member* member = nullptr;
  for (int i = 0; i < line->member_count; ++i) {
    if (line->members[i].function == f) member = &line->members[i];
  }
  if (member == nullptr) {  // cannot happen: f's own GSI is gsi
    if (line->bound == 0) {
      hal::DisableLevelGsi(gsi);
      line->used = false;
    }
    return kstd::Error::kNotFound;
  }
  if (member->irq != nullptr) return kstd::Error::kBusy;
  member->irq = irq;
  ++line->bound;
  SetIntxDisabledLocked(f, false);
  Log("pci",
      "%02x:%02x.%u INTx pin %c -> GSI %u -> vector %u (level, active low), %d function(s) on the "
      "line%s",
      f->bus, f->device, f->function, 'A' + f->interrupt_pin - 1, gsi, line->vector,
      line->member_count, line->stormed ? " (masked: it stormed)" : "");
  return kstd::Ok();
}

void UnbindIntx(Interrupt* irq) {
  SpinLockGuard guard(g_intx_lock);
  Line* line = nullptr;
  Member* member = FindMemberLocked(irq, &line);
  if (member == nullptr) return;
  SetIntxDisabledLocked(member->function, true);
  member->irq = nullptr;
  if (--line->bound == 0) {
    hal::DisableLevelGsi(line->gsi);
    line->used = false;
  }
}

void UnmaskIntx(Interrupt* irq) {
  SpinLockGuard guard(g_intx_lock);
  Line* line = nullptr;
  Member* member = FindMemberLocked(irq, &line);
  if (member != nullptr) SetIntxDisabledLocked(member->function, false);
}

void InitIntxLines() { hal::SetLevelGsiHandler(OnLevelGsi); }

}  // namespace core::pci
