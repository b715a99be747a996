// rfs_toyserver: a TEST-ONLY, RAM-backed toy file-system server speaking
// abi/tessera/fsproto.h, for the in-guest test of user-space mounts (rfstest). Not the
// product: the real server is servers/fs (ext2). Fixed tables, no locking,
// no persistence.
//
//   rfs_toyserver MODE PATH
//     good     a working file system mounted on PATH
//     garbage  answers kLookup with malformed replies (the kernel must give EIO)
//     exit     exits when the first kLookup arrives (mid-call)
//     stall    never answers kLookup (mounted with a 1 s deadline)
// Bootstrap handles: "vfs" (the mount right).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/mman.h"
#include "abi/linux/stat.h"
#include "abi/tessera/fsproto.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/syscalls.h"

namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr int kMaxNodes = 256;
constexpr int kMaxEntries = 512;
constexpr uint64_t kMaxFile = 1 << 20;

struct Node {
  bool used;
  uint32_t mode;
  uint32_t nlink;
  uint64_t parent;
  uint8_t* data;  // regular files and symlink targets
  uint64_t size;
  int64_t mtime;
};
struct Entry {
  bool used;
  uint64_t dir;
  uint64_t node;
  char name[fsproto::kMaxName + 1];
};

Node g_nodes[kMaxNodes];
Entry g_entries[kMaxEntries];
uint8_t* g_buffer = nullptr;
int64_t g_clock = 1700000000LL * 1000000000LL;

// Node ids are never reused (fsproto: an id names one node until the kernel
// forgets it; this toy simply never recycles).
uint64_t g_next_node = 2;

uint64_t NewNode(uint32_t mode, uint64_t parent) {
  for (uint64_t i = g_next_node; i < kMaxNodes; ++i) {
    if (!g_nodes[i].used) {
      g_next_node = i + 1;
      g_nodes[i] = Node{true,
                        mode,
                        (mode & linux_abi::kModeTypeMask) == linux_abi::kModeDirectory ? 2u : 1u,
                        parent,
                        nullptr,
                        0,
                        ++g_clock};
      return i;
    }
  }
  return 0;
}

fsproto::Attr AttrOf(uint64_t n) {
  fsproto::Attr a{};
  a.node = n;
  a.mode = g_nodes[n].mode;
  a.nlink = g_nodes[n].nlink;
  a.size = g_nodes[n].size;
  a.blocks = (g_nodes[n].size + 511) / 512;
  a.block_size = 4096;
  a.atime_ns = a.mtime_ns = a.ctime_ns = a.btime_ns = g_nodes[n].mtime;
  return a;
}

bool IsDir(uint64_t n) {
  return (g_nodes[n].mode & linux_abi::kModeTypeMask) == linux_abi::kModeDirectory;
}
bool Valid(uint64_t n) { return n > 0 && n < kMaxNodes && g_nodes[n].used; }

Entry* Find(uint64_t dir, const char* name, uint32_t len) {
  for (Entry& e : g_entries) {
    if (e.used && e.dir == dir && strlen(e.name) == len && memcmp(e.name, name, len) == 0)
      return &e;
  }
  return nullptr;
}

int AddEntry(uint64_t dir, const char* name, uint32_t len, uint64_t node) {
  for (Entry& e : g_entries) {
    if (!e.used) {
      e.used = true;
      e.dir = dir;
      e.node = node;
      memcpy(e.name, name, len);
      e.name[len] = 0;
      return 0;
    }
  }
  return 28;  // ENOSPC
}

bool DirEmpty(uint64_t dir) {
  for (Entry& e : g_entries) {
    if (e.used && e.dir == dir) return false;
  }
  return true;
}

void Drop(uint64_t n) {
  if (--g_nodes[n].nlink == 0 || (IsDir(n) && g_nodes[n].nlink <= 1)) {
    free(g_nodes[n].data);
    g_nodes[n] = Node{};
  }
}

int Resize(uint64_t n, uint64_t size) {
  if (size > kMaxFile) return 27;  // EFBIG
  uint8_t* p = static_cast<uint8_t*>(realloc(g_nodes[n].data, size ? size : 1));
  if (p == nullptr) return 12;
  if (size > g_nodes[n].size) memset(p + g_nodes[n].size, 0, size - g_nodes[n].size);
  g_nodes[n].data = p;
  g_nodes[n].size = size;
  return 0;
}

// Serves one request; returns the errno (0: ok).
int Serve(const fsproto::Request& q, const char* name, const char* name2, fsproto::Reply& r) {
  if (q.op == fsproto::kSyncFs || q.op == fsproto::kUnmount) return 0;
  if (q.op == fsproto::kStatFs) {
    r.info.block_size = 4096;
    r.info.total_blocks = 256;
    r.info.magic = 0x70795254;
    r.info.max_name_length = 255;
    return 0;
  }
  if (!Valid(q.node)) return 116;  // ESTALE
  uint64_t n = q.node;
  Node& node = g_nodes[n];
  switch (q.op) {
    case fsproto::kLookup: {
      if (!IsDir(n)) return 20;
      uint64_t found = 0;
      if (q.name_length == 2 && memcmp(name, "..", 2) == 0) {
        found = node.parent;
      } else if (Entry* e = Find(n, name, q.name_length)) {
        found = e->node;
      } else {
        return 2;
      }
      r.node = found;
      r.attr = AttrOf(found);
      return 0;
    }
    case fsproto::kGetAttr: r.attr = AttrOf(n); return 0;
    case fsproto::kSetAttr:
      if (q.setattr_mask & fsproto::kSetMode) {
        node.mode = (node.mode & linux_abi::kModeTypeMask) | (q.mode & 07777);
      }
      if (q.setattr_mask & fsproto::kSetMtime) node.mtime = q.mtime_ns;
      r.attr = AttrOf(n);
      return 0;
    case fsproto::kCreate: {
      if (!IsDir(n)) return 20;
      if (Find(n, name, q.name_length)) return 17;
      uint32_t type = q.mode & linux_abi::kModeTypeMask;
      if (type != linux_abi::kModeRegular && type != linux_abi::kModeDirectory &&
          type != linux_abi::kModeSymlink) {
        return 1;
      }
      uint64_t c = NewNode(q.mode, n);
      if (c == 0) return 28;
      if (int e = AddEntry(n, name, q.name_length, c)) {
        g_nodes[c] = Node{};
        return e;
      }
      if (type == linux_abi::kModeSymlink) {
        Resize(c, q.name2_length);
        memcpy(g_nodes[c].data, name2, q.name2_length);
      }
      if (type == linux_abi::kModeDirectory) node.nlink++;
      r.node = c;
      r.attr = AttrOf(c);
      return 0;
    }
    case fsproto::kLink: {
      if (!Valid(q.node2) || IsDir(q.node2)) return 1;
      if (Find(n, name, q.name_length)) return 17;
      if (int e = AddEntry(n, name, q.name_length, q.node2)) return e;
      g_nodes[q.node2].nlink++;
      r.attr = AttrOf(q.node2);
      return 0;
    }
    case fsproto::kUnlink:
    case fsproto::kRmdir: {
      Entry* e = Find(n, name, q.name_length);
      if (e == nullptr) return 2;
      uint64_t c = e->node;
      if (q.op == fsproto::kUnlink && IsDir(c)) return 21;
      if (q.op == fsproto::kRmdir && !IsDir(c)) return 20;
      if (q.op == fsproto::kRmdir && !DirEmpty(c)) return 39;
      e->used = false;
      if (IsDir(c)) node.nlink--;
      Drop(c);
      r.node = c;
      return 0;
    }
    case fsproto::kRename: {
      if (!Valid(q.node2) || !IsDir(q.node2)) return 20;
      Entry* e = Find(n, name, q.name_length);
      if (e == nullptr) return 2;
      if (Entry* t = Find(q.node2, name2, q.name2_length)) {
        if (t == e) return 0;
        if (IsDir(t->node) != IsDir(e->node)) return IsDir(t->node) ? 21 : 20;
        if (IsDir(t->node) && !DirEmpty(t->node)) return 39;
        uint64_t old = t->node;
        t->used = false;
        Drop(old);
        r.node = old;
      }
      e->dir = q.node2;
      memcpy(e->name, name2, q.name2_length);
      e->name[q.name2_length] = 0;
      if (IsDir(e->node)) g_nodes[e->node].parent = q.node2;
      return 0;
    }
    case fsproto::kReadDir: {
      // Cursor: 0 -> ".", 1 -> "..", k+2 -> g_entries[k] onwards.
      uint32_t used = 0, count = 0;
      uint64_t cursor = q.offset;
      uint32_t cap = q.length < fsproto::kDataBufferSize ? q.length : fsproto::kDataBufferSize;
      while (cursor < 2 + kMaxEntries) {
        const char* nm;
        uint64_t child;
        if (cursor == 0) {
          nm = ".", child = n;
        } else if (cursor == 1) {
          nm = "..", child = node.parent;
        } else {
          Entry& e = g_entries[cursor - 2];
          if (!e.used || e.dir != n) {
            ++cursor;
            continue;
          }
          nm = e.name, child = e.node;
        }
        uint32_t len = static_cast<uint32_t>(strlen(nm));
        uint32_t size = fsproto::DirRecordSize(len);
        if (cap - used < size) break;
        fsproto::DirRecord rec{};
        rec.node = child;
        rec.next_cursor = cursor + 1;
        rec.name_length = static_cast<uint16_t>(len);
        rec.type = IsDir(child) ? 4
                   : (g_nodes[child].mode & linux_abi::kModeTypeMask) == linux_abi::kModeSymlink
                       ? 10
                       : 8;
        memcpy(g_buffer + used, &rec, sizeof rec);
        memcpy(g_buffer + used + sizeof rec, nm, len);
        used += size;
        ++count;
        ++cursor;
      }
      r.value = count;
      r.length = used;
      if (count == 0) r.flags = fsproto::kReplyEndOfDirectory;
      return 0;
    }
    case fsproto::kRead: {
      if (IsDir(n)) return 21;
      uint64_t len = 0;
      if (q.offset < node.size) len = node.size - q.offset;
      if (len > q.length) len = q.length;
      if (len) memcpy(g_buffer, node.data + q.offset, len);
      r.length = static_cast<uint32_t>(len);
      return 0;
    }
    case fsproto::kWrite:
    case fsproto::kAppend: {
      if (IsDir(n)) return 21;
      uint64_t at = q.op == fsproto::kAppend ? node.size : q.offset;
      if (at + q.length > node.size) {
        if (int e = Resize(n, at + q.length)) return e;
      }
      memcpy(node.data + at, g_buffer, q.length);
      node.mtime = ++g_clock;
      r.value = q.length;
      r.attr = AttrOf(n);
      return 0;
    }
    case fsproto::kTruncate:
      if (int e = Resize(n, q.offset)) return e;
      r.attr = AttrOf(n);
      return 0;
    case fsproto::kReadLink: {
      uint64_t len = node.size < q.length ? node.size : q.length;
      memcpy(g_buffer, node.data, len);
      r.length = static_cast<uint32_t>(len);
      return 0;
    }
    case fsproto::kSyncNode: return 0;
    default: return 38;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "good";
  const char* path = argc > 2 ? argv[2] : "/mnt/test";
  tessera::Bootstrap boot;
  if (boot.Load() < 0 || boot.Find("vfs") == tessera::kInvalidHandle) {
    printf("rfs_toyserver: no vfs handle\n");
    return 2;
  }
  g_nodes[1] = Node{true, linux_abi::kModeDirectory | 0755, 2, 1, nullptr, 0, g_clock};
  handle_t server_end, kernel_end;
  if (sys::ChannelCreate(&server_end, &kernel_end) < 0) return 3;
  fsproto::Reply root{};
  root.op = fsproto::kHello;
  root.node = 1;
  root.attr = AttrOf(1);
  root.info.block_size = 4096;
  root.info.magic = 0x70795254;
  tessera::FsMountArgs args{};
  args.mount_right = boot.Find("vfs");
  args.channel = kernel_end;
  args.path = path;
  args.root = &root;
  args.root_size = sizeof root;
  args.timeout_ms = strcmp(mode, "stall") == 0 ? 1000 : 0;
  // "reattach": take over the dead mount at `path` (fs_mount kFsMountReplace).
  // This server answers nothing during fs_mount, so that works only while the
  // kernel holds no node of the mount but its root (no kAdopt to answer).
  args.flags = strcmp(mode, "reattach") == 0 ? tessera::kFsMountReplace : 0;
  int64_t mounted = sys::FsMount(&args);
  if (mounted < 0) {
    printf("rfs_toyserver: fs_mount %s failed: %lld\n", path, static_cast<long long>(mounted));
    return 4;
  }
  static uint8_t message[fsproto::kMaxRequestBytes + 16];
  for (;;) {
    uint32_t observed = 0;
    sys::ObjectWaitOne(server_end, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                       tessera::kInfinite, &observed);
    handle_t handles[4];
    tessera::ChannelReadArgs rd{};
    rd.bytes = message;
    rd.handles = handles;
    rd.bytes_capacity = sizeof message;
    rd.handles_capacity = 4;
    int64_t got = sys::ChannelRead(server_end, &rd);
    if (got < 0) {
      if (observed & tessera::kSignalPeerClosed) return 0;  // unmounted
      continue;
    }
    fsproto::Request q;
    if (rd.actual_bytes < sizeof q) continue;
    memcpy(&q, message, sizeof q);
    if (q.magic != fsproto::kMagic) continue;
    if (q.op == fsproto::kHello) {
      if (rd.actual_handles != 1) return 5;
      int64_t addr =
          sys::VmoMap(handles[0], 0, fsproto::kDataBufferSize,
                      linux_abi::kProtRead | linux_abi::kProtWrite, 0, tessera::kVmoMapShared);
      if (addr < 0) return 6;
      g_buffer = reinterpret_cast<uint8_t*>(addr);
      continue;
    }
    if (q.op == fsproto::kForget) continue;
    if (q.name_length > fsproto::kMaxName || q.name2_length > fsproto::kMaxSymlink ||
        sizeof q + q.name_length + q.name2_length != rd.actual_bytes) {
      continue;
    }
    if (q.op == fsproto::kLookup && strcmp(mode, "exit") == 0) return 0;
    if (q.op == fsproto::kLookup && strcmp(mode, "stall") == 0) continue;
    const char* name = reinterpret_cast<const char*>(message + sizeof q);
    fsproto::Reply r{};
    r.op = q.op;
    r.error = Serve(q, name, name + q.name_length, r);
    if (r.error != 0) r.length = 0;
    uint32_t size = sizeof r;
    if (q.op == fsproto::kLookup && strcmp(mode, "garbage") == 0) {
      r.attr.mode = 0;  // no type bits
      r.length = 0xFFFFFFFF;
      size = 17;  // and a short message
    }
    sys::ChannelWrite(server_end, &r, size, nullptr, 0, rd.txid);
    if (q.op == fsproto::kUnmount) return 0;
  }
}
