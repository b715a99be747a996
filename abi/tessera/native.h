#pragma once

// Tessera's native system-call ABI, shared by the kernel and user programs
// (lib/tessera): the argument structures and constants of the calls in
// syscall_table.h. Plain C-layout types and constants only: this header is
// compiled both freestanding (kernel) and against musl (user space).
//
// Native calls live in their own number range, [kNativeBase, kNativeEnd),
// above every Linux x86-64 system call number, and use the same registers
// (number in rax; arguments in rdi, rsi, rdx, r10, r8, r9; result in rax).
// A negative result is -errno (Linux values).

#include <stdint.h>

#include "abi/tessera/rights.h"

namespace tessera {

inline constexpr uint64_t kNativeBase = 0x1000;
inline constexpr uint64_t kNativeEnd = 0x1100;

// Deadlines are absolute CLOCK_MONOTONIC nanoseconds; kInfinite waits forever.
inline constexpr int64_t kInfinite = INT64_MAX;

inline constexpr uint32_t kMaxMessageBytes = 65536;
inline constexpr uint32_t kMaxMessageHandles = 64;

/// Who sent a message: stamped by the kernel, never taken from the sender.
struct SenderInfo {
  uint64_t pid;
  uint64_t process_koid;
  uint64_t thread_koid;
};

/// channel_read: receives the oldest message. If a buffer is too small the
/// call fails with -EMSGSIZE, leaves the message queued and reports the sizes
/// it needs in actual_bytes/actual_handles.
struct ChannelReadArgs {
  void* bytes;                // in: buffer
  handle_t* handles;          // in: buffer for received handles
  uint32_t bytes_capacity;    // in
  uint32_t handles_capacity;  // in
  uint32_t actual_bytes;      // out
  uint32_t actual_handles;    // out
  uint32_t txid;              // out: non-zero for a channel_call request; reply with it
  uint32_t reserved;
  SenderInfo sender;  // out
};

/// channel_call: send a request and wait for the reply with the same
/// transaction id (the kernel assigns it).
struct ChannelCallArgs {
  const void* write_bytes;
  const handle_t* write_handles;
  uint32_t write_num_bytes;
  uint32_t write_num_handles;
  void* read_bytes;
  handle_t* read_handles;
  uint32_t read_bytes_capacity;
  uint32_t read_handles_capacity;
  int64_t deadline;         // absolute monotonic ns, or kInfinite
  uint32_t actual_bytes;    // out
  uint32_t actual_handles;  // out
};

struct WaitItem {
  handle_t handle;
  uint32_t wanted;    // signals to wait for
  uint32_t observed;  // out: signals when the wait ended
  uint32_t reserved;
};

/// process_spawn: start a boot module (or any executable memory object) as a
/// new process. `handles` are moved into the child; the child finds them, in
/// order, in its bootstrap message (see lib/tessera/bootstrap.h).
struct SpawnArgs {
  handle_t executable;  // memory object with kRightRead | kRightExecute
  uint32_t argc;        // <= kMaxSpawnArgs
  const char* const* argv;
  const handle_t* handles;          // moved into the child (need kRightTransfer)
  const char* const* handle_names;  // may be null: names for the bootstrap message
  uint32_t num_handles;             // <= kMaxMessageHandles
  uint32_t reserved;
  const char* name;  // process name (NUL-terminated, <= 31 chars)
};
inline constexpr uint32_t kMaxSpawnArgs = 64;

/// The auxiliary-vector entry (getauxval) holding the process's bootstrap
/// channel handle. Its one message: bytes = uint32_t count, then `count`
/// NUL-terminated names; handles = `count` handles in the same order. For
/// init they are the boot modules (memory objects) by module name.
inline constexpr uint64_t kAuxBootstrapHandle = 0x54450001;

// vmo_map protection takes Linux PROT_* values (abi/linux/mman.h); its flags:
inline constexpr uint32_t kVmoMapFixed = 1u << 0;   // exactly at addr (must be free)
inline constexpr uint32_t kVmoMapShared = 1u << 1;  // writes are seen by every mapping

// thread_set_priority: 1 (lowest) .. 31 (highest); 16 is the default. Any
// thread may go down to kPriorityMin and back up to kPriorityDefault; above
// the default needs a "sched" resource handle with kRightManage (EACCES).
inline constexpr uint32_t kPriorityMin = 1;
inline constexpr uint32_t kPriorityDefault = 16;
inline constexpr uint32_t kPriorityMax = 31;

// Pinned memory (vmo_create_contiguous, which needs a "dma" resource handle
// with kRightWrite; vmo_physical_address needs one with kRightManage):
// every process may hold at most kPinnedProcessLimitBytes of it, all
// processes together kPinnedSystemLimitBytes (ENOMEM past either limit). The
// memory counts against the process that made it until the memory object
// goes, wherever its handles went. /proc/<pid>/tessera shows the counts.
inline constexpr uint64_t kPinnedProcessLimitBytes = 16ull << 20;
inline constexpr uint64_t kPinnedSystemLimitBytes = 64ull << 20;

/// pci_get_info: one PCI function as the kernel found it.
struct PciBarInfo {
  uint64_t base;   // physical address (memory) or port (I/O)
  uint64_t size;   // 0: no such BAR
  uint32_t flags;  // kPciBarIo | kPciBar64 | kPciBarPrefetchable
  uint32_t reserved;
};
inline constexpr uint32_t kPciBarIo = 1u << 0;
inline constexpr uint32_t kPciBar64 = 1u << 1;
inline constexpr uint32_t kPciBarPrefetchable = 1u << 2;

struct PciFunctionInfo {
  uint8_t bus, device, function, header_type;
  uint16_t vendor_id, device_id;
  uint8_t class_code, subclass, prog_if, revision;
  uint8_t interrupt_pin, interrupt_line, reserved[2];
  PciBarInfo bars[6];
};

/// fs_mount: a file-system server mounts itself into the kernel VFS (the
/// protocol: abi/tessera/fsproto.h). The caller keeps the server end of a
/// channel and passes the other end here; the kernel takes that handle, makes
/// the mount's data buffer and writes the kHello message (carrying the
/// buffer) to the server end before returning. `root` is what the server
/// would answer to kHello (an fsproto::Reply: root node id, its attributes,
/// statfs data), given up front so the server needs no second thread.
/// Rights: `mount_right` is a kVfsMount object with kRightManage (init gets
/// one named "vfs" and hands it to the servers it trusts); `channel` needs
/// kRightRead | kRightWrite | kRightTransfer.
struct FsMountArgs {
  handle_t mount_right;
  handle_t channel;
  const char* path;     // NUL-terminated; an existing directory ("/" with kFsMountRoot)
  const void* root;     // an fsproto::Reply
  uint32_t root_size;   // sizeof(fsproto::Reply)
  uint32_t flags;       // kFsMount*
  uint32_t timeout_ms;  // per-request deadline (0: kFsDefaultTimeoutMs); past it: EIO, mount dead
  uint32_t pending_id;  // kFsMountPending: the mount agent's request id; else 0
};
/// Replace the root: `path` must name "/"; the mounts inside the old root
/// (/dev, /tmp, /proc, ...) move onto the same paths in the new file system
/// (which must have those directories), and every process whose root or cwd
/// was the old root directory gets the new one (pivot_root-like).
inline constexpr uint32_t kFsMountRoot = 1u << 0;
/// Re-attach: take over the existing user-space mount whose root `path`
/// names, after its server died (its calls fail with EIO), instead of making
/// a new mount; processes keep their cwds, paths and open files on it. The
/// hello (`root`) must report the same root node id and statfs magic; the
/// kernel then offers the server every node it still uses (fsproto kAdopt)
/// before fs_mount returns, so the caller must already serve `channel`.
/// Alone (not with kFsMountRoot). Errors: EINVAL (not a user-space mount's
/// root, another root, bad flags), EBUSY (its server is still alive, or
/// another re-attach is running), EIO (kAdopt failed), plus fs_mount's.
inline constexpr uint32_t kFsMountReplace = 1u << 1;
/// Mount at a pending mount point: the directory a mount(2) resolved and
/// handed to the mount agent (abi/tessera/mountproto.h) as request `pending_id`;
/// `path` is ignored. The mount gets that mount(2)'s source and flags (e.g.
/// "/dev/vdb", read-only). Alone. Errors: ENOENT (no such pending point: its
/// mount(2) gave up), EBUSY (another server is attaching there), plus
/// fs_mount's.
inline constexpr uint32_t kFsMountPending = 1u << 2;
inline constexpr uint32_t kFsDefaultTimeoutMs = 30000;

/// Per-process accounting, kept from the process's start.
struct ProcessStats {
  uint64_t pid;
  uint64_t cpu_time_ns;
  uint64_t syscalls;
  uint64_t ipc_messages_sent;
  uint64_t ipc_bytes_sent;
  uint64_t ipc_messages_received;
  uint64_t ipc_bytes_received;
  uint64_t resident_pages;
  uint64_t threads;
  uint64_t handles;
};

}  // namespace tessera
