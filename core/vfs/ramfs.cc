#include "core/vfs/ramfs.h"

#include "abi/linux/statfs.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"

namespace core::vfs {

// ---- Block sources

namespace {

class HeapBlockSource final : public BlockSource {
 public:
  uint8_t* AllocBlock() override { return new (kstd::nothrow) uint8_t[kBlockSize]; }
  void FreeBlock(uint8_t* block) override { delete[] block; }
};

constinit HeapBlockSource g_heap_blocks;

constexpr size_t kBlockSize = BlockSource::kBlockSize;

}  // namespace

BlockSource& HeapBlocks() { return g_heap_blocks; }

// ---- Nodes

/// Base of every ramfs vnode: counts itself against the file system's inode
/// cap and gives RamDir access to link counts and times of other nodes.
class RamNode : public Vnode {
 public:
  ~RamNode() override { ramfs()->ReleaseInode(); }

  RamFs* ramfs() const { return static_cast<RamFs*>(fs()); }

  uint32_t links() const {
    SpinLockGuard guard(attr_lock_);
    return attr_.nlink;
  }
  void AddLinks(int delta) {
    SpinLockGuard guard(attr_lock_);
    attr_.nlink = static_cast<uint32_t>(static_cast<int64_t>(attr_.nlink) + delta);
    TouchChangedLocked();
  }
  void SetLinks(uint32_t links) {
    SpinLockGuard guard(attr_lock_);
    attr_.nlink = links;
    TouchChangedLocked();
  }
  void TouchModified() {
    SpinLockGuard guard(attr_lock_);
    TouchModifiedLocked();
  }
  void TouchChanged() {
    SpinLockGuard guard(attr_lock_);
    TouchChangedLocked();
  }
  void TouchAccessed() {
    SpinLockGuard guard(attr_lock_);
    TouchAccessedLocked();
  }

 protected:
  RamNode(RamFs* fs, VnodeType type, const CreateRequest& request)
      : Vnode(kstd::RefPtr<FileSystem>::FromRaw(fs), type, fs->NextIno(),
              type == VnodeType::kSymlink ? 0777 : request.mode, request.uid, request.gid,
              request.rdev) {}
};

/// Device nodes, fifos and sockets: attributes only.
class RamSpecial final : public RamNode {
 public:
  RamSpecial(RamFs* fs, const CreateRequest& request) : RamNode(fs, request.type, request) {}
};

class RamSymlink final : public RamNode {
 public:
  /// Takes ownership of `target` (length bytes, from new[]).
  RamSymlink(RamFs* fs, const CreateRequest& request, char* target, size_t length)
      : RamNode(fs, VnodeType::kSymlink, request), target_(target), length_(length) {
    attr_.size = length;
  }
  ~RamSymlink() override { delete[] target_; }

  kstd::Result<size_t> ReadLink(kstd::Span<char> out) override {
    size_t n = kstd::Min(out.size(), length_);
    __builtin_memcpy(out.data(), target_, n);  // immutable: no lock needed
    TouchAccessed();
    return n;
  }

 private:
  char* const target_;
  const size_t length_;
};

class RamFile final : public RamNode {
 public:
  RamFile(RamFs* fs, const CreateRequest& request) : RamNode(fs, VnodeType::kRegular, request) {}
  ~RamFile() override {
    for (size_t i = 0; i < slots_; ++i) {
      if (blocks_[i] != nullptr) ramfs()->FreeBlock(blocks_[i]);
    }
    delete[] blocks_;
  }

  kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) override;
  kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override;
  kstd::Result<void> Truncate(uint64_t size) override;

 private:
  /// WriteAt's body. Caller holds the fs lock.
  kstd::Result<size_t> WriteLocked(uint64_t offset, kstd::Span<const uint8_t> in);
  /// Makes blocks_ hold at least `count` slots. Caller holds the fs lock.
  kstd::Result<void> EnsureSlotsLocked(size_t count);
  /// Frees blocks from index `first` on. Caller holds the fs lock.
  void FreeBlocksFromLocked(size_t first);
  void SetSizeLocked(uint64_t size, bool modified);

  // Guarded by the fs lock.
  uint8_t** blocks_ = nullptr;  // slots_ entries; null = hole
  size_t slots_ = 0;
  uint64_t allocated_ = 0;  // non-null blocks
};

class RamDir final : public RamNode {
 public:
  struct Entry {
    kstd::ListNode node;
    uint64_t cookie = 0;
    kstd::RefPtr<RamNode> child;
    size_t length = 0;
    char* name() { return reinterpret_cast<char*>(this + 1); }
    Name view() { return Name(name(), length); }
  };
  using EntryList = kstd::IntrusiveList<Entry, &Entry::node>;

  /// Entries freed (and their references dropped) when it goes out of scope:
  /// declare it before the lock guard so that happens after the unlock.
  class Graveyard {
   public:
    Graveyard() = default;
    Graveyard(const Graveyard&) = delete;
    Graveyard& operator=(const Graveyard&) = delete;
    ~Graveyard() {
      while (Entry* e = list.PopFront()) FreeEntry(e);
    }
    void Add(Entry* e) {
      if (e != nullptr) list.PushBack(e);
    }
    EntryList list;
  };

  RamDir(RamFs* fs, const CreateRequest& request) : RamNode(fs, VnodeType::kDirectory, request) {
    attr_.nlink = 2;
    attr_.size = kBlockSize;
  }
  ~RamDir() override {
    // Normally empty (only empty directories are unlinked; Shutdown empties
    // the tree), but never leak.
    while (Entry* e = entries_.PopFront()) FreeEntry(e);
  }

  static Entry* NewEntry(Name name, kstd::RefPtr<RamNode> child) {
    uint8_t* memory = new (kstd::nothrow) uint8_t[sizeof(Entry) + name.size() + 1];
    if (memory == nullptr) return nullptr;
    Entry* e = new (memory) Entry();
    __builtin_memcpy(e->name(), name.data(), name.size());
    e->name()[name.size()] = '\0';
    e->length = name.size();
    e->child = kstd::Move(child);
    return e;
  }
  static void FreeEntry(Entry* e) {
    e->~Entry();
    delete[] reinterpret_cast<uint8_t*>(e);
  }

  kstd::Result<kstd::RefPtr<Vnode>> Lookup(Name name) override;
  kstd::Result<kstd::RefPtr<Vnode>> Create(Name name, const CreateRequest& request) override;
  kstd::Result<void> Link(Name name, Vnode* target) override;
  kstd::Result<void> Unlink(Name name) override;
  kstd::Result<void> Rmdir(Name name) override;
  kstd::Result<void> Rename(Name old_name, Vnode* new_dir, Name new_name) override;
  kstd::Result<void> ReadDir(uint64_t* cursor, DirSink& sink) override;

  /// Moves every entry of this subtree into `grave` and marks every
  /// directory dead. Iterative. Caller holds the fs lock.
  void DetachTreeLocked(Graveyard& grave);

 private:
  Entry* FindLocked(Name name) const {
    return entries_.FindIf([&](Entry* e) { return e->view() == name; });
  }
  void InsertLocked(Entry* e) {
    e->cookie = next_cookie_++;
    entries_.PushBack(e);
  }
  bool EmptyLocked() const { return entries_.empty(); }
  static RamDir* AsDir(RamNode* node) { return static_cast<RamDir*>(node); }
  static kstd::Result<kstd::RefPtr<RamNode>> NewNode(RamFs* fs, const CreateRequest& request);

  // Guarded by the fs lock.
  EntryList entries_;
  uint64_t next_cookie_ = 3;  // 1 and 2 are "." and ".."
  RamDir* parent_ = nullptr;  // null for the root and for removed directories
  bool dead_ = false;
};

// ---- RamFs

RamFs::RamFs(const RamFsOptions& options, uint64_t device)
    : FileSystem(options.name, device),
      blocks_(options.blocks != nullptr ? options.blocks : &HeapBlocks()),
      max_blocks_(options.max_bytes / kBlockSize),
      max_inodes_(options.max_inodes),
      magic_(kstd::StringEqual(options.name, "ramfs") ? linux_abi::kRamfsMagic
                                                      : linux_abi::kTmpfsMagic),
      root_mode_(options.root_mode & 07777),
      root_uid_(options.root_uid),
      root_gid_(options.root_gid),
      default_max_blocks_(options.default_max_bytes / kBlockSize),
      default_max_inodes_(options.default_max_inodes),
      ram_bytes_(options.ram_bytes) {}

RamFs::~RamFs() = default;

kstd::Result<kstd::RefPtr<RamFs>> RamFs::Create(const RamFsOptions& options) {
  if (options.name == nullptr) return kstd::Error::kInvalid;
  uint64_t device = options.device != 0 ? options.device : AllocateAnonymousDevice();
  kstd::RefPtr<RamFs> fs = kstd::AdoptRef(new (kstd::nothrow) RamFs(options, device));
  if (!fs) return kstd::Error::kNoMemory;
  TRY(fs->ReserveInode());
  CreateRequest request;
  request.type = VnodeType::kDirectory;
  request.mode = options.root_mode;
  request.uid = options.root_uid;
  request.gid = options.root_gid;
  RamDir* root = new (kstd::nothrow) RamDir(fs.get(), request);
  if (root == nullptr) {
    fs->ReleaseInode();
    return kstd::Error::kNoMemory;
  }
  {
    SpinLockGuard guard(fs->lock_);  // uncontended: fs is not published yet
    fs->root_ = kstd::AdoptRef(root);
  }
  return fs;
}

kstd::RefPtr<Vnode> RamFs::Root() {
  SpinLockGuard guard(lock_);
  return root_;
}

FsStats RamFs::StatFs() const {
  FsStats stats;
  stats.magic = magic_;
  stats.block_size = kBlockSize;
  uint64_t used = blocks_used();
  uint64_t max_blocks = this->max_blocks();
  if (max_blocks != 0) {
    stats.total_blocks = max_blocks;
    stats.free_blocks = stats.available_blocks = max_blocks > used ? max_blocks - used : 0;
  }
  uint64_t inodes = inodes_used();
  uint64_t max_inodes = this->max_inodes();
  if (max_inodes != 0) {
    stats.total_files = max_inodes;
    stats.free_files = max_inodes > inodes ? max_inodes - inodes : 0;
  }
  return stats;
}

namespace {

// Appends to a NUL-terminated buffer, cutting short at its end.
class OptionText {
 public:
  explicit OptionText(kstd::Span<char> out) : out_(out) {
    if (!out_.empty()) out_[0] = '\0';
  }
  void Add(const char* text) {
    for (; *text != '\0'; ++text) Put(*text);
  }
  void AddNumber(uint64_t v, unsigned base, int min_digits = 1) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % base);
      v /= base;
    } while (v != 0);
    while (n < min_digits) digits[n++] = '0';
    while (n > 0) Put(digits[--n]);
  }

 private:
  void Put(char c) {
    if (used_ + 1 >= out_.size()) return;
    out_[used_++] = c;
    out_[used_] = '\0';
  }
  kstd::Span<char> out_;
  size_t used_ = 0;
};

}  // namespace

void RamFs::FormatOptions(kstd::Span<char> out) const {
  OptionText text(out);
  if (magic_ == linux_abi::kRamfsMagic) {
    if (root_mode_ != 0755) {
      text.Add(",mode=");
      text.AddNumber(root_mode_, 8);
    }
    return;
  }
  if (max_blocks() != default_max_blocks_) {
    text.Add(",size=");
    text.AddNumber(max_blocks() * (kBlockSize / 1024), 10);
    text.Add("k");
  }
  if (max_inodes() != default_max_inodes_) {
    text.Add(",nr_inodes=");
    text.AddNumber(max_inodes(), 10);
  }
  if (root_mode_ != 01777) {
    text.Add(",mode=");
    text.AddNumber(root_mode_, 8, 3);
  }
  if (root_uid_ != 0) {
    text.Add(",uid=");
    text.AddNumber(root_uid_, 10);
  }
  if (root_gid_ != 0) {
    text.Add(",gid=");
    text.AddNumber(root_gid_, 10);
  }
}

kstd::Result<void> RamFs::Remount(Name data, uint32_t* flags) {
  if (magic_ == linux_abi::kRamfsMagic) {
    uint32_t mode = root_mode_;
    return ParseRamfsOptions(data, &mode, flags);
  }
  TmpfsOptions options = TRY(ParseTmpfsOptions(data, ram_bytes_, flags));
  return Reconfigure(options);
}

kstd::Result<void> RamFs::Reconfigure(const TmpfsOptions& options) {
  uint64_t blocks = options.max_bytes / kBlockSize;
  SpinLockGuard guard(lock_);
  if (options.size_set && blocks != 0 && (max_blocks() == 0 || blocks_used() > blocks)) {
    return kstd::Error::kInvalid;
  }
  if (options.inodes_set && options.max_inodes != 0 &&
      (max_inodes() == 0 || inodes_used() > options.max_inodes)) {
    return kstd::Error::kInvalid;
  }
  if (options.size_set) __atomic_store_n(&max_blocks_, blocks, __ATOMIC_RELAXED);
  if (options.inodes_set) __atomic_store_n(&max_inodes_, options.max_inodes, __ATOMIC_RELAXED);
  return kstd::Ok();
}

void RamFs::Shutdown() {
  RamDir::Graveyard grave;    // entries dropped after the unlock
  kstd::RefPtr<RamDir> root;  // and then the root
  SpinLockGuard guard(lock_);
  if (!root_) return;
  root = kstd::Move(root_);
  root->DetachTreeLocked(grave);
}

kstd::Result<void> RamFs::ReserveInode() {
  uint64_t used = __atomic_add_fetch(&inodes_used_, 1, __ATOMIC_RELAXED);
  uint64_t max = max_inodes();
  if (max != 0 && used > max) {
    __atomic_sub_fetch(&inodes_used_, 1, __ATOMIC_RELAXED);
    return kstd::Error::kNoSpace;
  }
  return kstd::Ok();
}

void RamFs::ReleaseInode() { __atomic_sub_fetch(&inodes_used_, 1, __ATOMIC_RELAXED); }

kstd::Result<uint8_t*> RamFs::AllocBlockLocked() {
  uint64_t max = max_blocks();
  if (max != 0 && blocks_used() >= max) return kstd::Error::kNoSpace;
  uint8_t* block = blocks_->AllocBlock();
  if (block == nullptr) return kstd::Error::kNoMemory;
  __builtin_memset(block, 0, kBlockSize);
  __atomic_add_fetch(&blocks_used_, 1, __ATOMIC_RELAXED);
  return block;
}

void RamFs::FreeBlock(uint8_t* block) {
  blocks_->FreeBlock(block);
  __atomic_sub_fetch(&blocks_used_, 1, __ATOMIC_RELAXED);
}

// ---- RamFile

kstd::Result<void> RamFile::EnsureSlotsLocked(size_t count) {
  if (count <= slots_) return kstd::Ok();
  size_t capacity = kstd::Max(count, slots_ * 2);
  uint8_t** grown = new (kstd::nothrow) uint8_t*[capacity];
  if (grown == nullptr) {
    capacity = count;  // retry without the slack
    grown = new (kstd::nothrow) uint8_t*[capacity];
    if (grown == nullptr) return kstd::Error::kNoMemory;
  }
  for (size_t i = 0; i < slots_; ++i) grown[i] = blocks_[i];
  for (size_t i = slots_; i < capacity; ++i) grown[i] = nullptr;
  delete[] blocks_;
  blocks_ = grown;
  slots_ = capacity;
  return kstd::Ok();
}

void RamFile::FreeBlocksFromLocked(size_t first) {
  for (size_t i = first; i < slots_; ++i) {
    if (blocks_[i] != nullptr) {
      ramfs()->FreeBlock(blocks_[i]);
      blocks_[i] = nullptr;
      --allocated_;
    }
  }
}

void RamFile::SetSizeLocked(uint64_t size, bool modified) {
  SpinLockGuard guard(attr_lock_);
  attr_.size = size;
  attr_.blocks = allocated_ * (kBlockSize / 512);
  if (modified) TouchModifiedLocked();
}

kstd::Result<size_t> RamFile::ReadAt(uint64_t offset, kstd::Span<uint8_t> out) {
  SpinLockGuard guard(ramfs()->lock_);
  uint64_t size = attr_.size;  // written only under the fs lock
  if (offset >= size || out.empty()) return size_t{0};
  size_t count = static_cast<size_t>(kstd::Min<uint64_t>(out.size(), size - offset));
  size_t done = 0;
  while (done < count) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / kBlockSize);
    size_t within = static_cast<size_t>(at % kBlockSize);
    size_t chunk = kstd::Min(count - done, kBlockSize - within);
    uint8_t* block = index < slots_ ? blocks_[index] : nullptr;
    if (block != nullptr) {
      __builtin_memcpy(out.data() + done, block + within, chunk);
    } else {
      __builtin_memset(out.data() + done, 0, chunk);
    }
    done += chunk;
  }
  TouchAccessed();
  return count;
}

kstd::Result<size_t> RamFile::WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) {
  SpinLockGuard guard(ramfs()->lock_);
  return WriteLocked(offset, in);
}

kstd::Result<size_t> RamFile::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  SpinLockGuard guard(ramfs()->lock_);
  uint64_t offset = attr_.size;  // written only under the fs lock
  size_t n = TRY(WriteLocked(offset, in));
  *end = offset + n;
  return n;
}

kstd::Result<size_t> RamFile::WriteLocked(uint64_t offset, kstd::Span<const uint8_t> in) {
  if (in.empty()) return size_t{0};
  if (offset >= RamFs::kMaxFileSize) return kstd::Error::kFileTooBig;
  size_t count = static_cast<size_t>(kstd::Min<uint64_t>(in.size(), RamFs::kMaxFileSize - offset));
  uint64_t end = offset + count;
  TRY(EnsureSlotsLocked(static_cast<size_t>((end + kBlockSize - 1) / kBlockSize)));
  size_t done = 0;
  kstd::Error failure = kstd::Error::kNoSpace;
  while (done < count) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / kBlockSize);
    size_t within = static_cast<size_t>(at % kBlockSize);
    size_t chunk = kstd::Min(count - done, kBlockSize - within);
    if (blocks_[index] == nullptr) {
      kstd::Result<uint8_t*> block = ramfs()->AllocBlockLocked();
      if (block.is_error()) {
        failure = block.error();
        break;
      }
      blocks_[index] = block.value();
      ++allocated_;
    }
    __builtin_memcpy(blocks_[index] + within, in.data() + done, chunk);
    done += chunk;
  }
  uint64_t size = attr_.size;
  SetSizeLocked(kstd::Max<uint64_t>(size, offset + done), done > 0);
  if (done == 0) return failure;
  return done;
}

kstd::Result<void> RamFile::Truncate(uint64_t size) {
  if (size > RamFs::kMaxFileSize) return kstd::Error::kFileTooBig;
  SpinLockGuard guard(ramfs()->lock_);
  uint64_t old_size = attr_.size;
  if (size < old_size) {
    size_t keep = static_cast<size_t>((size + kBlockSize - 1) / kBlockSize);
    FreeBlocksFromLocked(keep);
    size_t within = static_cast<size_t>(size % kBlockSize);
    size_t last = static_cast<size_t>(size / kBlockSize);
    if (within != 0 && last < slots_ && blocks_[last] != nullptr) {
      // Zero the tail so growing the file again reads zeros there.
      __builtin_memset(blocks_[last] + within, 0, kBlockSize - within);
    }
  }
  SetSizeLocked(size, size != old_size);
  return kstd::Ok();
}

// ---- RamDir

namespace {

// Validates an entry name for creating operations.
kstd::Result<void> CheckNewName(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDotOrDotDot()) return kstd::Error::kExists;
  if (!name.IsValidEntryName()) return kstd::Error::kInvalid;
  return kstd::Ok();
}

}  // namespace

kstd::Result<kstd::RefPtr<RamNode>> RamDir::NewNode(RamFs* fs, const CreateRequest& request) {
  RamNode* node = nullptr;
  switch (request.type) {
    case VnodeType::kRegular: node = new (kstd::nothrow) RamFile(fs, request); break;
    case VnodeType::kDirectory: node = new (kstd::nothrow) RamDir(fs, request); break;
    case VnodeType::kSymlink: {
      size_t length = request.symlink_target.size();
      char* target = new (kstd::nothrow) char[length];
      if (target == nullptr) break;
      __builtin_memcpy(target, request.symlink_target.data(), length);
      node = new (kstd::nothrow) RamSymlink(fs, request, target, length);
      if (node == nullptr) delete[] target;
      break;
    }
    case VnodeType::kCharDevice:
    case VnodeType::kBlockDevice:
    case VnodeType::kFifo:
    case VnodeType::kSocket: node = new (kstd::nothrow) RamSpecial(fs, request); break;
  }
  if (node == nullptr) {
    fs->ReleaseInode();
    return kstd::Error::kNoMemory;
  }
  return kstd::AdoptRef(node);
}

kstd::Result<kstd::RefPtr<Vnode>> RamDir::Lookup(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  SpinLockGuard guard(ramfs()->lock_);
  if (dead_) return kstd::Error::kNotFound;
  if (name.IsDot()) return kstd::RefPtr<Vnode>::FromRaw(this);
  if (name.IsDotDot()) {
    return kstd::RefPtr<Vnode>::FromRaw(parent_ != nullptr ? static_cast<Vnode*>(parent_) : this);
  }
  Entry* e = FindLocked(name);
  if (e == nullptr) return kstd::Error::kNotFound;
  return kstd::RefPtr<Vnode>(e->child);
}

kstd::Result<kstd::RefPtr<Vnode>> RamDir::Create(Name name, const CreateRequest& request) {
  TRY(CheckNewName(name));
  if (request.type == VnodeType::kSymlink) {
    if (request.symlink_target.empty()) return kstd::Error::kNotFound;
    if (request.symlink_target.size() > kMaxPathLength) return kstd::Error::kNameTooLong;
  }
  RamFs* fs = ramfs();
  TRY(fs->ReserveInode());
  kstd::RefPtr<RamNode> node = TRY(NewNode(fs, request));
  Entry* entry = NewEntry(name, node);
  if (entry == nullptr) return kstd::Error::kNoMemory;

  Graveyard grave;  // the entry, if it is not inserted
  SpinLockGuard guard(fs->lock_);
  if (dead_) {
    grave.Add(entry);
    return kstd::Error::kNotFound;
  }
  if (FindLocked(name) != nullptr) {
    grave.Add(entry);
    return kstd::Error::kExists;
  }
  bool is_dir = request.type == VnodeType::kDirectory;
  if (is_dir && links() >= RamFs::kMaxLinks) {
    grave.Add(entry);
    return kstd::Error::kTooManyLinks;
  }
  InsertLocked(entry);
  if (is_dir) {
    AsDir(node.get())->parent_ = this;
    AddLinks(+1);  // the child's ".."
  }
  TouchModified();
  return kstd::RefPtr<Vnode>(node);
}

kstd::Result<void> RamDir::Link(Name name, Vnode* target) {
  TRY(CheckNewName(name));
  if (target == nullptr) return kstd::Error::kInvalid;
  if (target->fs() != fs()) return kstd::Error::kCrossDevice;
  if (target->IsDirectory()) return kstd::Error::kPermission;
  RamNode* node = static_cast<RamNode*>(target);
  Entry* entry = NewEntry(name, kstd::RefPtr<RamNode>::FromRaw(node));
  if (entry == nullptr) return kstd::Error::kNoMemory;

  Graveyard grave;
  SpinLockGuard guard(ramfs()->lock_);
  kstd::Error error;
  if (dead_) {
    error = kstd::Error::kNotFound;
  } else if (FindLocked(name) != nullptr) {
    error = kstd::Error::kExists;
  } else if (node->links() == 0) {
    error = kstd::Error::kNotFound;  // linkat of an unlinked open file
  } else if (node->links() >= RamFs::kMaxLinks) {
    error = kstd::Error::kTooManyLinks;
  } else {
    InsertLocked(entry);
    node->AddLinks(+1);
    TouchModified();
    return kstd::Ok();
  }
  grave.Add(entry);
  return error;
}

kstd::Result<void> RamDir::Unlink(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDotOrDotDot()) return kstd::Error::kIsDirectory;
  Graveyard grave;
  SpinLockGuard guard(ramfs()->lock_);
  if (dead_) return kstd::Error::kNotFound;
  Entry* e = FindLocked(name);
  if (e == nullptr) return kstd::Error::kNotFound;
  if (e->child->IsDirectory()) return kstd::Error::kIsDirectory;
  if (e->child->is_mount_point()) return kstd::Error::kBusy;
  entries_.Remove(e);
  grave.Add(e);
  e->child->AddLinks(-1);
  TouchModified();
  return kstd::Ok();
}

kstd::Result<void> RamDir::Rmdir(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot()) return kstd::Error::kInvalid;
  if (name.IsDotDot()) return kstd::Error::kNotEmpty;
  Graveyard grave;
  SpinLockGuard guard(ramfs()->lock_);
  if (dead_) return kstd::Error::kNotFound;
  Entry* e = FindLocked(name);
  if (e == nullptr) return kstd::Error::kNotFound;
  if (!e->child->IsDirectory()) return kstd::Error::kNotDirectory;
  RamDir* child = AsDir(e->child.get());
  if (child->is_mount_point()) return kstd::Error::kBusy;
  if (!child->EmptyLocked()) return kstd::Error::kNotEmpty;
  entries_.Remove(e);
  grave.Add(e);
  child->dead_ = true;
  child->parent_ = nullptr;
  child->SetLinks(0);
  AddLinks(-1);
  TouchModified();
  return kstd::Ok();
}

kstd::Result<void> RamDir::Rename(Name old_name, Vnode* new_dir, Name new_name) {
  if (old_name.size() > kMaxNameLength || new_name.size() > kMaxNameLength) {
    return kstd::Error::kNameTooLong;
  }
  if (old_name.IsDotOrDotDot() || new_name.IsDotOrDotDot()) return kstd::Error::kBusy;
  if (!old_name.IsValidEntryName() || !new_name.IsValidEntryName()) return kstd::Error::kInvalid;
  if (new_dir == nullptr) return kstd::Error::kInvalid;
  if (new_dir->fs() != fs()) return kstd::Error::kCrossDevice;
  if (!new_dir->IsDirectory()) return kstd::Error::kNotDirectory;
  RamDir* dest = static_cast<RamDir*>(new_dir);
  // Allocated up front (used only if the target name is new).
  Entry* fresh = NewEntry(new_name, nullptr);
  if (fresh == nullptr) return kstd::Error::kNoMemory;

  Graveyard grave;
  grave.Add(fresh);              // taken back out if used
  kstd::RefPtr<RamNode> victim;  // dropped after the unlock
  SpinLockGuard guard(ramfs()->lock_);
  if (dead_ || dest->dead_) return kstd::Error::kNotFound;
  Entry* src = FindLocked(old_name);
  if (src == nullptr) return kstd::Error::kNotFound;
  RamNode* moving = src->child.get();
  Entry* dst = dest->FindLocked(new_name);
  bool moving_dir = moving->IsDirectory();
  // Checks in Linux's order (do_renameat2, then vfs_rename), so that when
  // several apply the same errno comes out.
  if (moving_dir && dest != this) {
    for (RamDir* d = dest; d != nullptr; d = d->parent_) {
      if (d == moving) return kstd::Error::kInvalid;  // into its own subtree
    }
  }
  if (dst != nullptr && dst->child->IsDirectory()) {
    for (RamDir* d = this; d != nullptr; d = d->parent_) {
      if (d == dst->child.get()) return kstd::Error::kNotEmpty;  // onto its own ancestor
    }
  }
  if (dst != nullptr && dst->child.get() == moving) return kstd::Ok();  // same file: no-op
  if (moving->is_mount_point()) return kstd::Error::kBusy;
  if (dst != nullptr) {
    RamNode* old = dst->child.get();
    if (old->is_mount_point()) return kstd::Error::kBusy;
    if (moving_dir) {
      if (!old->IsDirectory()) return kstd::Error::kNotDirectory;
      if (!AsDir(old)->EmptyLocked()) return kstd::Error::kNotEmpty;
    } else if (old->IsDirectory()) {
      return kstd::Error::kIsDirectory;
    }
  }
  if (moving_dir && dest != this && dst == nullptr && dest->links() >= RamFs::kMaxLinks) {
    return kstd::Error::kTooManyLinks;
  }

  // Decided: nothing below fails.
  kstd::RefPtr<RamNode> node = kstd::Move(src->child);
  entries_.Remove(src);
  grave.Add(src);
  if (dst != nullptr) {
    victim = kstd::Move(dst->child);
    dst->child = kstd::Move(node);
    if (victim->IsDirectory()) {
      AsDir(victim.get())->dead_ = true;
      AsDir(victim.get())->parent_ = nullptr;
      victim->SetLinks(0);
      dest->AddLinks(-1);
    } else {
      victim->AddLinks(-1);
    }
  } else {
    grave.list.Remove(fresh);
    fresh->child = kstd::Move(node);
    dest->InsertLocked(fresh);
  }
  if (moving_dir) {
    if (dest != this) {
      AddLinks(-1);
      dest->AddLinks(+1);
    }
    AsDir(moving)->parent_ = dest;
  }
  TouchModified();
  if (dest != this) dest->TouchModified();
  moving->TouchChanged();
  return kstd::Ok();
}

kstd::Result<void> RamDir::ReadDir(uint64_t* cursor, DirSink& sink) {
  SpinLockGuard guard(ramfs()->lock_);
  if (dead_) return kstd::Ok();
  if (*cursor < 1) {
    if (!sink.Emit(DirEntry{ino(), VnodeType::kDirectory, Name("."), 1})) return kstd::Ok();
    *cursor = 1;
  }
  if (*cursor < 2) {
    uint64_t parent_ino = parent_ != nullptr ? parent_->ino() : ino();
    if (!sink.Emit(DirEntry{parent_ino, VnodeType::kDirectory, Name(".."), 2})) {
      return kstd::Ok();
    }
    *cursor = 2;
  }
  entries_.FindIf([&](Entry* e) {
    if (e->cookie <= *cursor) return false;
    if (!sink.Emit(DirEntry{e->child->ino(), e->child->type(), e->view(), e->cookie})) {
      return true;  // full: stop
    }
    *cursor = e->cookie;
    return false;
  });
  TouchAccessed();
  return kstd::Ok();
}

void RamDir::DetachTreeLocked(Graveyard& grave) {
  EntryList work;
  dead_ = true;
  while (Entry* e = entries_.PopFront()) work.PushBack(e);
  while (Entry* e = work.PopFront()) {
    if (e->child->IsDirectory()) {
      RamDir* dir = AsDir(e->child.get());
      if (!dir->dead_) {  // a directory is in one place only, but be safe
        dir->dead_ = true;
        dir->parent_ = nullptr;
        while (Entry* sub = dir->entries_.PopFront()) work.PushBack(sub);
      }
    }
    grave.Add(e);
  }
}

}  // namespace core::vfs
