#pragma once

// What every handler file includes: the handler declarations generated from
// the tables (handlers.h), the caller (caller.h) and waiting on objects. The
// helpers each live in a file of their own (caller.h, deadline.h, rusage.h,
// sys_channel.h); this header only gathers what all handlers use.

#include "core/ipc/wait.h"
#include "core/object/handle_table.h"
#include "core/proc/futex.h"
#include "core/proc/thread_exit.h"
#include "core/syscall/caller.h"
#include "core/syscall/handlers.h"

namespace core::syscall {

using ipc::WaitForSignals;

}  // namespace core::syscall
