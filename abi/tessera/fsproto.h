#pragma once

// fsproto: how the kernel VFS talks to a user-space file-system server.
//
// Shared by the kernel (core/vfs/remote_fs.{h,cc}, core/syscall/sys_fs_mount.cc)
// and servers (servers/fs, testing/guest/rfs_toyserver.cc). Freestanding: only
// <stdint.h>, plain C layouts, no pointers (every struct crosses an address
// space). Little-endian x86-64; sizes are fixed and checked below.
//
// ## Transport
//
// A server makes a channel pair, keeps one end (the *server end*) and gives
// the other to the kernel with the fs_mount native call (see
// abi/tessera/syscall_table.h, the kFsMount* flags in abi/tessera/native.h).
// Then, on the server end:
//
//   1. The kernel's first message is a Request with op kHello; it carries ONE
//      handle: the per-mount *data buffer*, a memory object of kDataBufferSize
//      bytes that the server maps read-write (vmo_map with kVmoMapShared).
//      The server answers with a Reply whose `node` is the root node id and
//      `attr` the root's attributes (a directory), `info` its statfs data.
//   2. Every later message is a Request; the server answers each with exactly
//      one Reply written with the request's txid (channel_write(..., txid)).
//      Replies carry no handles (any are dropped).
//   3. Requests are serialized per mount: the kernel sends a request only
//      after the previous one was answered (or abandoned, see below), so the
//      whole data buffer belongs to the current request. Exception: kForget
//      is one-way (txid 0, no reply, never touches the buffer) and may arrive
//      at any time.
//
// A request message is a Request header followed by its name bytes: `name`
// (name_length bytes) then `name2` (name2_length bytes), no NULs. Replies are
// exactly sizeof(Reply) bytes. Bulk data never travels in messages: write
// payloads are in the data buffer at offset 0 when the request arrives;
// read / readdir / readlink results are put at offset 0 of the buffer by the
// server, with Reply::length saying how many bytes are valid.
//
// ## Node ids
//
// The server names nodes with 64-bit ids of its choosing (e.g. inode numbers;
// 0 is invalid). An id stays valid, and names the same node with the same
// type, from the reply that first reports it until the kernel sends kForget
// for it (even if the node is unlinked meanwhile: the server keeps an
// unlinked node's data until forgotten, like an orphan inode). Ids in
// requests were always reported by this server before and not yet forgotten;
// the server answers ESTALE/ENOENT for ids it does not know.
//
// References: every reply that returns a node id in Reply::node (kHello's
// root, kLookup, kCreate) gives the kernel one reference to it; kForget
// (node, offset = count) gives `count` of them back. A node whose count
// drops to 0 may be forgotten by the server once it has no links either.
// (Counting replies, not vnodes, keeps a lookup reply that crosses a forget
// on the channel consistent, as FUSE's nlookup does.)
//
// ## Re-attach (a restarted server)
//
// When a server dies its mount fails with EIO. A new server of the same file
// system may take the mount over with fs_mount and kFsMountReplace, naming
// the mount's path (abi/tessera/native.h): its hello must report the same root
// node id. Node ids must keep their meaning across the restart (inode
// numbers do), because the kernel keeps its vnodes: right after the kHello
// message, before any other request, the kernel sends kAdopt with every node
// id it still uses besides the root (open files, working directories, mount
// points). The server takes one reference to each node that still exists,
// exactly as if a kLookup had named it (an unlinked node the old server kept
// alive for the kernel may be adopted too), and refuses the others; the
// kernel then answers ESTALE for refused nodes. So fs_mount with
// kFsMountReplace must run while the server already serves its channel
// (the fs server calls it on a second thread).
//
// ## Errors
//
// Reply::error is 0 or a positive Linux errno (ENOENT 2, EIO 5, EEXIST 17,
// ENOTDIR 20, EISDIR 21, EINVAL 22, ENOSPC 28, EROFS 30, ENAMETOOLONG 36,
// ENOTEMPTY 39, ...). On an error only `op` and `error` are meaningful.
//
// ## What the kernel checks (a hostile server cannot crash it)
//
// Reply size, op echo, txid; error within the known errno set (anything else
// becomes EIO); lengths within what the request asked for and the buffer;
// node ids non-zero; attribute type bits valid and equal to the type the
// kernel already knows for that id; directory records well formed (name
// 1..255 bytes without '/' or NUL, known d_type, record inside `length`).
// The kernel copies results out of the data buffer once, before looking at
// them. A server whose channel closes, or that misses the mount's deadline,
// makes every operation on the mount fail with EIO from then on; a caller
// interrupted by a signal gets EINTR and the next request first waits for
// (and discards) the abandoned reply.

#include <stdint.h>

#include "abi/linux/stat.h"

namespace fsproto {

inline constexpr uint32_t kMagic = 0x31534654;  // "TFS1"
inline constexpr uint32_t kVersion = 1;

/// Size of the per-mount data buffer (and the most data one request moves).
inline constexpr uint32_t kDataBufferSize = 64 * 1024;
/// Longest name (one path component) and symlink target, as in Linux.
inline constexpr uint32_t kMaxName = 255;
inline constexpr uint32_t kMaxSymlink = 4095;

/// kHello's Reply::value: the type /proc/mounts names (0, or a value the
/// kernel does not know: named by FsInfo::magic).
enum TypeName : uint64_t {
  kTypeExt2 = 2,
  kTypeExt3 = 3,
  kTypeExt4 = 4,
};

enum Op : uint32_t {
  kHello = 1,      // first message; carries the data buffer handle
  kLookup = 2,     // node = dir, name            -> node, attr
  kGetAttr = 3,    // node                        -> attr
  kSetAttr = 4,    // node, setattr_mask + fields -> attr
  kCreate = 5,     // node = dir, name, mode (S_IFREG/S_IFDIR/S_IFLNK/S_IFCHR/S_IFBLK/
                   // S_IFIFO/S_IFSOCK | perms), uid, gid, rdev; symlinks: name2 =
                   // target                      -> node, attr
  kLink = 6,       // node = dir, name, node2 = existing non-directory -> attr (of node2)
  kUnlink = 7,     // node = dir, name (not a directory)     -> node = the unlinked node
  kRmdir = 8,      // node = dir, name (an empty directory)   -> node = the removed directory
  kRename = 9,     // node = old dir, name; node2 = new dir, name2 (rename(2) semantics)
                   //   -> node = the replaced target (0 if none)
                   // For these three a non-zero Reply::node (no reference is
                   // given) lets the kernel send kForget at once when it holds
                   // no other reference, so the server can free the node.
  kReadDir = 10,   // node = dir, offset = cursor (0: start), length = buffer bytes
                   //   -> buffer: DirRecord..., value = record count, length = bytes,
                   //      flags kReplyEndOfDirectory when nothing follows
  kRead = 11,      // node, offset, length        -> buffer: data, length = bytes (0: EOF)
  kWrite = 12,     // node, offset, buffer: length bytes -> value = bytes written, attr
  kAppend = 13,    // node, buffer: length bytes, written at the end atomically
                   //   -> value = bytes written, attr (attr.size = the offset
                   //      right after the data: the writer's new position)
  kTruncate = 14,  // node, offset = new size     -> attr
  kReadLink = 15,  // node                        -> buffer: target, length = bytes
  kSyncNode = 16,  // node (fsync)
  kSyncFs = 17,    // (sync / syncfs)
  kStatFs = 18,    //                             -> info
  kForget = 19,    // node, offset = count: one-way; drops `count` references (below)
  kUnmount = 20,   // flush everything, then the server may exit; -> error of the flush
  kAdopt = 21,     // re-attach only (below): buffer: `length` / 8 node ids (uint64)
                   //   -> buffer: one int32 per id, 0 (the server now holds one
                   //      reference to it for the kernel) or an errno (ESTALE: no
                   //      such node any more); length = 4 * ids
};

/// Most node ids one kAdopt carries.
inline constexpr uint32_t kMaxAdoptNodes = kDataBufferSize / sizeof(uint64_t);

/// SetAttr mask bits (Request::setattr_mask).
inline constexpr uint32_t kSetMode = 1u << 0;  // mode & 07777
inline constexpr uint32_t kSetUid = 1u << 1;
inline constexpr uint32_t kSetGid = 1u << 2;
inline constexpr uint32_t kSetAtime = 1u << 3;  // atime_ns (the kernel resolves "now")
inline constexpr uint32_t kSetMtime = 1u << 4;  // mtime_ns
inline constexpr uint32_t kSetAllMask = 0x1F;

/// Reply::flags.
inline constexpr uint32_t kReplyEndOfDirectory = 1u << 0;

/// A node's attributes (what stat reports). Times are ns since the epoch.
struct Attr {
  uint64_t node;  // the node id (also st_ino)
  uint32_t mode;  // S_IF* (abi/linux/stat.h) | permissions
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint64_t rdev;        // Linux dev_t encoding (device nodes)
  uint64_t size;        // bytes (symlinks: target length)
  uint64_t blocks;      // 512-byte units allocated
  uint32_t block_size;  // preferred I/O size
  uint32_t reserved;
  int64_t atime_ns;
  int64_t mtime_ns;
  int64_t ctime_ns;
  int64_t btime_ns;
};
static_assert(sizeof(Attr) == 88, "fsproto::Attr layout");

/// statfs(2) data.
struct FsInfo {
  uint64_t block_size;
  uint64_t total_blocks;
  uint64_t free_blocks;
  uint64_t available_blocks;
  uint64_t total_files;
  uint64_t free_files;
  uint32_t max_name_length;
  uint32_t magic;  // f_type (e.g. 0xEF53 for ext2)
};
static_assert(sizeof(FsInfo) == 56, "fsproto::FsInfo layout");

/// Every kernel -> server message starts with this; name bytes follow.
struct Request {
  uint32_t magic;         // kMagic
  uint32_t op;            // Op
  uint64_t node;          // the node the op is about (the directory for namespace ops)
  uint64_t node2;         // kLink: the existing node; kRename: the new directory
  uint64_t offset;        // kRead/kWrite: file offset; kTruncate: size; kReadDir: cursor
  uint32_t length;        // kRead/kReadDir: buffer bytes wanted; kWrite/kAppend: bytes in buffer
  uint32_t name_length;   // bytes of `name` after the header
  uint32_t name2_length;  // bytes of `name2` after `name`
  uint32_t setattr_mask;  // kSetAttr: kSet* bits
  uint32_t mode;          // kCreate, kSetAttr
  uint32_t uid;           // kCreate, kSetAttr
  uint32_t gid;           // kCreate, kSetAttr
  uint32_t version;       // kHello: kVersion
  uint64_t rdev;          // kCreate (device nodes)
  int64_t atime_ns;       // kSetAttr
  int64_t mtime_ns;       // kSetAttr
  uint64_t reserved;
};
static_assert(sizeof(Request) == 96, "fsproto::Request layout");

/// The largest request message: header + name + symlink target.
inline constexpr uint32_t kMaxRequestBytes = sizeof(Request) + kMaxName + kMaxSymlink;

/// Every server -> kernel reply (exactly this size).
struct Reply {
  uint32_t op;      // echoes Request::op
  int32_t error;    // 0 or a positive Linux errno
  uint64_t node;    // kHello: the root; kLookup/kCreate: the node; kUnlink/kRmdir/kRename: see Op
  uint64_t value;   // kWrite/kAppend: bytes written; kReadDir: record count; kHello: a TypeName
  uint32_t length;  // bytes valid at the start of the data buffer
  uint32_t flags;   // kReplyEndOfDirectory
  Attr attr;        // the node's attributes after the op (see Op)
  FsInfo info;      // kHello, kStatFs
};
static_assert(sizeof(Reply) == 176, "fsproto::Reply layout");

/// One directory entry in the data buffer after kReadDir. Records are packed
/// back to back, each DirRecordSize(name_length) bytes (8-byte aligned).
struct DirRecord {
  uint64_t node;         // the entry's node id (d_ino)
  uint64_t next_cursor;  // the cursor that continues after this entry (d_off)
  uint16_t name_length;  // 1..kMaxName; the name follows the record
  uint8_t type;          // Linux DT_* (DT_REG 8, DT_DIR 4, DT_LNK 10, ...)
  uint8_t reserved[5];
};
static_assert(sizeof(DirRecord) == 24, "fsproto::DirRecord layout");

inline constexpr uint32_t DirRecordSize(uint32_t name_length) {
  return (static_cast<uint32_t>(sizeof(DirRecord)) + name_length + 7u) & ~7u;
}

}  // namespace fsproto
