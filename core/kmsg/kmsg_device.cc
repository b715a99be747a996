#include "core/kmsg/kmsg_device.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "core/kmsg/log_cursor.h"
#include "core/kmsg/record_format.h"
#include "core/kmsg/syslog.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/vfs/devfs.h"
#include "core/vfs/device.h"
#include "hal/console.h"
#include "klog/format.h"
#include "klog/log_buffer.h"
#include "kstd/new.h"

namespace core::kmsg {
namespace {

using kstd::RefPtr;
using kstd::Result;

kstd::Span<char> AsChars(kstd::Span<uint8_t> out) {
  return kstd::Span<char>(reinterpret_cast<char*>(out.data()), out.size());
}

// Should this attempt find nothing: wait for a record, and look again after
// kRecheckNanos anyway.
void WaitOnCursor(vfs::StreamRead* read) {
  read->wake_on = kSignalReadable;
  read->deadline = sched::DeadlineAfterNanos(kRecheckNanos);
}

// A message written to /dev/kmsg: a record, and a console line tagged with
// the writer's name.
Result<size_t> WriteMessage(kstd::Span<const uint8_t> in) {
  if (in.size() > klog::RecordRing::kMaxText) return kstd::Error::kInvalid;
  const char* bytes = reinterpret_cast<const char*>(in.data());
  KmsgMessage m = ParseKmsgWrite(kstd::Span<const char>(bytes, in.size()));
  const char* text = bytes + m.text_offset;
  klog::StoreRecord(m.facility, m.level, text, m.text_length);
  if (klog::ShouldPrint(m.level)) {
    sched::Thread* thread = sched::Current();
    Process* process = thread != nullptr ? thread->process() : nullptr;
    char line[klog::RecordRing::kMaxText + 48];
    size_t n =
        klog::Format(line, sizeof line - 1, "[%s] ", process != nullptr ? process->name() : "kmsg");
    __builtin_memcpy(line + n, text, m.text_length);
    n += m.text_length;
    line[n++] = '\n';
    hal::ConsoleWrite(line, n);
  }
  return in.size();
}

// One open of /dev/kmsg; `cursor_` is null for a write-only open.
class KmsgOpenFile final : public vfs::OpenFile {
 public:
  KmsgOpenFile(RefPtr<vfs::Vnode> vnode, uint32_t flags, RefPtr<LogCursor> cursor)
      : OpenFile(kstd::Move(vnode), flags), cursor_(kstd::Move(cursor)) {}

  bool seekable() const override { return false; }

  Result<size_t> Read(uint64_t, kstd::Span<uint8_t> out) override {
    if (!cursor_) return kstd::Error::kBadHandle;
    return cursor_->ReadKmsg(AsChars(out));
  }
  Result<size_t> ReadStream(kstd::Span<uint8_t> out, vfs::StreamRead* read) override {
    WaitOnCursor(read);
    return Read(0, out);
  }
  Result<size_t> Write(uint64_t, kstd::Span<const uint8_t> in) override { return WriteMessage(in); }
  Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override {
    *end = 0;
    return WriteMessage(in);
  }
  Result<int64_t> SeekStream(int64_t offset, int whence) override {
    if (!cursor_) return kstd::Error::kBadHandle;
    if (offset != 0) return kstd::Error::kIllegalSeek;
    switch (whence) {
      case linux_abi::kSeekSet: cursor_->SeekTo(klog::FirstSeq()); break;
      case linux_abi::kSeekData: cursor_->SeekTo(klog::ClearSeq()); break;
      case linux_abi::kSeekEnd: cursor_->SeekTo(klog::NextSeq()); break;
      default: return kstd::Error::kInvalid;
    }
    return int64_t{0};
  }
  uint32_t Poll() override {
    if (!cursor_) return 0;
    cursor_->Refresh();
    return (cursor_->signals() & kSignalReadable) != 0 ? linux_abi::kPollIn | linux_abi::kPollRdNorm
                                                       : 0;
  }
  KernelObject* WaitObject() override { return cursor_.get(); }

 private:
  const RefPtr<LogCursor> cursor_;
};

class KmsgDevice final : public vfs::CharDevice {
 public:
  Result<RefPtr<vfs::OpenFile>> MakeOpenFile(RefPtr<vfs::Vnode> vnode, uint32_t flags) override {
    RefPtr<LogCursor> cursor;
    if ((flags & linux_abi::kOAccMode) != linux_abi::kOWrOnly) {
      cursor = TRY(LogCursor::Create(klog::FirstSeq()));
    }
    RefPtr<vfs::OpenFile> file = kstd::AdoptRef<vfs::OpenFile>(
        new (kstd::nothrow) KmsgOpenFile(kstd::Move(vnode), flags, kstd::Move(cursor)));
    if (!file) return kstd::Error::kNoMemory;
    return file;
  }
};

// An open of /proc/kmsg: the syslog cursor, consumed.
class ProcKmsgOpenFile final : public vfs::OpenFile {
 public:
  using OpenFile::OpenFile;

  bool seekable() const override { return false; }
  Result<size_t> Read(uint64_t, kstd::Span<uint8_t> out) override {
    if (out.empty()) return size_t{0};
    return SyslogCursor().ReadSyslog(AsChars(out));
  }
  Result<size_t> ReadStream(kstd::Span<uint8_t> out, vfs::StreamRead* read) override {
    WaitOnCursor(read);
    return Read(0, out);
  }
  Result<size_t> Write(uint64_t, kstd::Span<const uint8_t>) override {
    return kstd::Error::kInvalid;
  }
  uint32_t Poll() override {
    return SyslogCursor().UnreadRecords() != 0 ? linux_abi::kPollIn | linux_abi::kPollRdNorm : 0;
  }
  KernelObject* WaitObject() override { return &SyslogCursor(); }
};

class ProcKmsgNode final : public vfs::Vnode {
 public:
  ProcKmsgNode(RefPtr<vfs::FileSystem> fs, uint64_t ino)
      : Vnode(kstd::Move(fs), vfs::VnodeType::kRegular, ino, 0400, 0, 0, 0) {}

  Result<RefPtr<vfs::OpenFile>> Open(uint32_t flags) override {
    RefPtr<vfs::OpenFile> file = kstd::AdoptRef<vfs::OpenFile>(
        new (kstd::nothrow) ProcKmsgOpenFile(RefPtr<vfs::Vnode>::FromRaw(this), flags));
    if (!file) return kstd::Error::kNoMemory;
    return file;
  }
};

}  // namespace

Result<void> AddKmsgDevice(vfs::Vnode* dir) {
  RefPtr<vfs::CharDevice> device =
      kstd::AdoptRef<vfs::CharDevice>(new (kstd::nothrow) KmsgDevice());
  if (!device) return kstd::Error::kNoMemory;
  return vfs::DevFs::AddDevice(dir, vfs::Name("kmsg", 4), kDevKmsg, 0644, kstd::Move(device));
}

RefPtr<vfs::Vnode> MakeProcKmsgNode(RefPtr<vfs::FileSystem> fs, uint64_t ino) {
  return kstd::AdoptRef<vfs::Vnode>(new (kstd::nothrow) ProcKmsgNode(kstd::Move(fs), ino));
}

}  // namespace core::kmsg
