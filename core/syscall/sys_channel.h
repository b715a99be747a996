#pragma once

// Channel calls (channel_call): the kernel wakes a caller when its reply
// arrives.

namespace core::syscall {

/// Connects channel arrivals to the threads waiting in channel_call (boot).
void InitChannelCalls();

}  // namespace core::syscall
