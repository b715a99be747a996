// /proc/sysvipc: the System V IPC objects in Linux's formats (the
// sysvipc_*_proc_show functions of ipc/msg.c, shm.c and sem.c and their
// header lines): msg, shm, sem.

#include "core/procfs/sys_dirs.h"
#include "core/sysv/msg.h"
#include "core/sysv/sem.h"
#include "core/sysv/shm.h"
#include "kstd/new.h"

namespace core::procfs {
namespace {

using kstd::RefPtr;
using kstd::Result;
using vfs::TextBuffer;

// The mode as Linux's "%4o" prints it (the kernel's formatter has no %o).
struct Perms {
  char text[16];
  explicit Perms(uint32_t mode) {
    char digits[12];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + (mode & 7));
      mode >>= 3;
    } while (mode != 0 && n < 11);
    int at = 0;
    for (int pad = n; pad < 4; ++pad) text[at++] = ' ';
    while (n > 0) text[at++] = digits[--n];
    text[at] = 0;
  }
};

// The header, then a line per object that `list` gives, in batches.
template <typename Row>
void RenderRows(TextBuffer& out, const char* header, size_t (*list)(int*, Row*, size_t),
                void (*line)(TextBuffer&, const Row&)) {
  out.Printf("%s", header);
  constexpr size_t kBatch = 16;
  Row rows[kBatch];
  int from = 0;
  while (size_t n = list(&from, rows, kBatch)) {
    for (size_t i = 0; i < n; ++i) line(out, rows[i]);
  }
}

void RenderMsg(TextBuffer& out) {
  RenderRows<sysv::MsgRow>(
      out,
      "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
      "      stime      rtime      ctime\n",
      sysv::ListQueues, [](TextBuffer& text, const sysv::MsgRow& r) {
        text.Printf("%10d %10d  %s  %10lu %10lu %5d %5d %5u %5u %5u %5u %10ld %10ld %10ld\n",
                    r.perm.key, r.id, Perms(r.perm.mode).text, r.cbytes, r.qnum, r.lspid, r.lrpid,
                    r.perm.uid, r.perm.gid, r.perm.cuid, r.perm.cgid, r.stime, r.rtime, r.ctime);
      });
}

void RenderShm(TextBuffer& out) {
  RenderRows<sysv::ShmRow>(
      out,
      "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
      "      atime      dtime      ctime                   rss                  swap\n",
      sysv::ListSegments, [](TextBuffer& text, const sysv::ShmRow& r) {
        text.Printf(
            "%10d %10d  %s %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
            r.perm.key, r.id, Perms(r.perm.mode).text, r.size, r.cpid, r.lpid, r.nattch, r.perm.uid,
            r.perm.gid, r.perm.cuid, r.perm.cgid, r.atime, r.dtime, r.ctime, r.rss_bytes,
            uint64_t{0});  // nothing is swapped
      });
}

void RenderSem(TextBuffer& out) {
  RenderRows<sysv::SemRow>(
      out, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
      sysv::ListSets, [](TextBuffer& text, const sysv::SemRow& r) {
        text.Printf("%10d %10d  %s %10d %5u %5u %5u %5u %10ld %10ld\n", r.perm.key, r.id,
                    Perms(r.perm.mode).text, r.nsems, r.perm.uid, r.perm.gid, r.perm.cuid,
                    r.perm.cgid, r.otime, r.ctime);
      });
}

class SysvipcFile final : public vfs::SyntheticFile {
 public:
  SysvipcFile(RefPtr<vfs::FileSystem> fs, uint64_t ino, void (*render)(TextBuffer&))
      : SyntheticFile(kstd::Move(fs), ino, 0444), render_(render) {}
  Result<void> Render(TextBuffer& out) override {
    render_(out);
    return kstd::Ok();
  }

 private:
  void (*const render_)(TextBuffer&);
};

}  // namespace

Result<void> AddSysvipcDir(vfs::StaticDir* root, RefPtr<vfs::FileSystem> fs) {
  auto* dir = new (kstd::nothrow) vfs::StaticDir(fs, fs->NextIno(), 0555);
  RefPtr<vfs::Vnode> dir_ref = kstd::AdoptRef<vfs::Vnode>(dir);
  if (!dir_ref) return kstd::Error::kNoMemory;
  dir->set_parent(root);
  static const struct {
    const char* name;
    void (*render)(TextBuffer&);
  } kFiles[] = {{"msg", RenderMsg}, {"sem", RenderSem}, {"shm", RenderShm}};
  for (const auto& f : kFiles) {
    RefPtr<vfs::Vnode> file =
        kstd::AdoptRef<vfs::Vnode>(new (kstd::nothrow) SysvipcFile(fs, fs->NextIno(), f.render));
    if (!file) return kstd::Error::kNoMemory;
    TRY(dir->Add(vfs::Name(f.name, 3), kstd::Move(file)));
  }
  return root->Add(vfs::Name("sysvipc", 7), kstd::Move(dir_ref));
}

}  // namespace core::procfs
