#pragma once

// servers::fs::Server: the fs server's protocol layer. It turns one fsproto
// request message (abi/tessera/fsproto.h) into calls on a mounted ext2::Ext2
// and fills the reply. No IPC here: main.cc owns the channel and the data
// buffer mapping, so this layer runs unchanged in host tests against image
// files (server_test.cc).
//
// Node ids are inode numbers. The kernel's references (one per reply that
// carries Reply::node for kHello/kLookup/kCreate, given back by kForget) are
// counted per inode; an inode with references is held open in the ext2 layer
// (OpenInode), so an unlinked file the kernel still uses keeps its data until
// the last kForget (CloseInode frees it then).
//
// A restarted server (one that took over a mount whose server crashed)
// gets kAdopt with the node ids the kernel still holds: each inode still in
// use, or an orphan its predecessor kept open, gets one reference
// (Ext2::AdoptInode), anything else ESTALE.
//
// Every request is validated before it touches the file system (header
// size, magic, name lengths against the message size, names without '/' or
// NUL, node ids known to the table, lengths within the data buffer); a bad
// one gets an errno reply, never a crash. Not thread-safe: the server's
// dispatch thread owns it.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/fsproto.h"
#include "servers/fs/ext2/ext2.h"

namespace servers::fs {

class Server {
 public:
  /// What the caller does after Handle.
  enum class Action : uint8_t {
    kReply,      // send `*reply` (sizeof(fsproto::Reply) bytes) with the request's txid
    kNoReply,    // one-way request (kForget, kHello): nothing to send
    kUnmounted,  // send `*reply`; the file system is unmounted, the server may exit
  };

  /// `fs` is mounted and outlives the server. `buffer` is the shared data
  /// buffer (fsproto::kDataBufferSize bytes) or nullptr until kHello maps it
  /// (set_buffer); requests that move data fail with EIO without one.
  Server(ext2::Ext2* fs, uint8_t* buffer);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void set_buffer(uint8_t* buffer) { buffer_ = buffer; }

  /// The reply describing the root (for fs_mount's FsMountArgs::root): gives
  /// the kernel its first reference, to the root inode. Errors: those of
  /// GetAttr/StatFs/OpenInode.
  kstd::Result<void> MakeRootReply(fsproto::Reply* reply);

  /// Handles one request message (`size` bytes: header + names).
  Action Handle(const uint8_t* message, size_t size, fsproto::Reply* reply);

  /// Writes dirty data back if anything changed since the last sync (the
  /// periodic write-back). Returns 0 or the errno of the sync.
  int WriteBack();

  /// Drops every reference (CloseInode) and unmounts. Returns 0 or an errno;
  /// on an error the file system stays mounted (retry later).
  int Unmount();

  /// The references the kernel holds on `ino` (0: none / unknown).
  uint32_t references(uint32_t ino) const;
  /// How many inodes the kernel holds references on.
  size_t live_nodes() const { return live_; }

 private:
  struct Slot {
    uint32_t ino;  // 0: free; kTombstone: deleted
    uint32_t refs;
  };
  static constexpr uint32_t kTombstone = 0xFFFFFFFFu;

  int Dispatch(const fsproto::Request& q, ext2::Name name, ext2::Name name2, fsproto::Reply* r);
  /// Gives the kernel one reference to `ino` (opening it on the first; with
  /// `adopt`, through Ext2::AdoptInode).
  int AddReference(uint32_t ino, bool adopt = false);
  void DropReferences(uint32_t ino, uint64_t count);
  Slot* FindSlot(uint32_t ino) const;
  bool Grow();
  /// ESTALE unless `node` is a node id the kernel holds.
  int CheckNode(uint64_t node) const;
  int Fill(const ext2::Attr& attr, fsproto::Attr* out) const;
  int FillInfo(fsproto::FsInfo* out);

  int DoReadDir(const fsproto::Request& q, fsproto::Reply* r);
  int DoAdopt(const fsproto::Request& q, fsproto::Reply* r);
  int DoCreate(const fsproto::Request& q, ext2::Name name, ext2::Name target, fsproto::Reply* r);

  ext2::Ext2* fs_;
  uint8_t* buffer_;
  bool dirty_ = false;
  Slot* slots_ = nullptr;  // open-addressing hash table (linear probing)
  size_t capacity_ = 0;    // a power of two
  size_t used_ = 0;        // live + tombstones
  size_t live_ = 0;
};

/// A Linux DT_* value for an ext2 file type.
uint8_t DirentType(ext2::FileType type);

}  // namespace servers::fs
