#pragma once

// The fields of frameproto::DriverFigures as one list, so the driver's
// stores and the client's loads into the shared header (both relaxed
// atomics, field by field) cannot miss one.

#include "abi/tessera/frameproto.h"

namespace frameproto {

inline constexpr uint64_t DriverFigures::*kDriverFigureFields[] = {
    &DriverFigures::tx_frames,        &DriverFigures::tx_wakeups, &DriverFigures::rx_frames,
    &DriverFigures::rx_signals,       &DriverFigures::interrupts, &DriverFigures::bad_descriptors,
    &DriverFigures::bad_used_lengths, &DriverFigures::tx_refused, &DriverFigures::recoveries,
};
static_assert(sizeof(kDriverFigureFields) / sizeof(kDriverFigureFields[0]) * sizeof(uint64_t) ==
                  sizeof(DriverFigures),
              "kDriverFigureFields names every field");

}  // namespace frameproto
