// Randomized operation sequences applied to three implementations of the same
// small syscall surface, whose every result (errno, bytes, listings, link
// counts) must agree:
//   - the VFS: path resolution + ramfs vnode operations, as the syscall layer
//     will combine them;
//   - a simple in-test model of POSIX semantics;
//   - the host kernel itself, on a scratch directory (the oracle for errno
//     precedence when several errors apply).

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "core/vfs/ops.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

struct Info {
  char type = '?';  // f d l
  uint64_t size = 0;
  uint32_t nlink = 0;
};

/// The syscall surface. Every call returns 0 or a Linux errno.
class Fs {
 public:
  virtual ~Fs() = default;
  virtual int Create(const std::string& p) = 0;  // open(O_CREAT|O_EXCL|O_WRONLY)
  virtual int Mkdir(const std::string& p) = 0;
  virtual int Symlink(const std::string& p, const std::string& target) = 0;
  virtual int Unlink(const std::string& p) = 0;
  virtual int Rmdir(const std::string& p) = 0;
  virtual int Rename(const std::string& a, const std::string& b) = 0;
  virtual int Link(const std::string& a, const std::string& b) = 0;
  virtual int Write(const std::string& p, uint64_t off, const std::string& data) = 0;
  virtual int Truncate(const std::string& p, uint64_t size) = 0;
  virtual int Read(const std::string& p, std::string* out) = 0;
  virtual int List(const std::string& p, std::vector<std::string>* out) = 0;  // sorted
  virtual int Lstat(const std::string& p, Info* out) = 0;
};

int Errno(kstd::Error e) { return static_cast<int>(e); }

// ---- The VFS under test, through the path operations of ops.h.

class VfsFs final : public Fs {
 public:
  int Create(const std::string& p) override {
    auto f =
        OpenPath(Ctx(), N(p), linux_abi::kOCreat | linux_abi::kOExcl | linux_abi::kOWrOnly, 0644);
    return f.ok() ? 0 : Errno(f.error());
  }
  int Mkdir(const std::string& p) override { return Status(MakeDirectory(Ctx(), N(p), 0755)); }
  int Symlink(const std::string& p, const std::string& target) override {
    return Status(MakeSymlink(Ctx(), N(target), N(p)));
  }
  int Unlink(const std::string& p) override { return Status(UnlinkPath(Ctx(), N(p))); }
  int Rmdir(const std::string& p) override { return Status(RemoveDirectory(Ctx(), N(p))); }
  int Rename(const std::string& a, const std::string& b) override {
    return Status(RenamePath(Ctx(), N(a), Ctx(), N(b)));
  }
  int Link(const std::string& a, const std::string& b) override {
    return Status(LinkPath(Ctx(), N(a), Ctx(), N(b)));
  }
  int Write(const std::string& p, uint64_t off, const std::string& data) override {
    auto f = OpenPath(Ctx(), N(p), linux_abi::kOWrOnly, 0);
    if (!f.ok()) return Errno(f.error());
    auto w = f.value()->Write(
        off, kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
    if (!w.ok()) return Errno(w.error());
    return w.value() == data.size() ? 0 : EIO;
  }
  int Truncate(const std::string& p, uint64_t size) override {
    auto v = LookupPath(Ctx(), N(p));
    if (!v.ok()) return Errno(v.error());
    return Status(v.value()->Truncate(size));
  }
  int Read(const std::string& p, std::string* out) override {
    auto f = OpenPath(Ctx(), N(p), linux_abi::kORdOnly, 0);
    if (!f.ok()) return Errno(f.error());
    out->clear();
    uint8_t buf[3000];
    uint64_t off = 0;
    while (true) {
      auto r = f.value()->Read(off, kstd::Span<uint8_t>(buf, sizeof(buf)));
      if (!r.ok()) return Errno(r.error());
      if (r.value() == 0) return 0;
      out->append(reinterpret_cast<const char*>(buf), r.value());
      off += r.value();
    }
  }
  int List(const std::string& p, std::vector<std::string>* out) override {
    auto f = OpenPath(Ctx(), N(p), linux_abi::kORdOnly | linux_abi::kODirectory, 0);
    if (!f.ok()) return Errno(f.error());
    out->clear();
    for (auto& n : testing::ListNames(f.value()->vnode(), 2)) {
      if (n != "." && n != "..") out->push_back(n);
    }
    std::sort(out->begin(), out->end());
    return 0;
  }
  int Lstat(const std::string& p, Info* out) override {
    auto v = LookupPath(Ctx(), N(p), /*follow_final_symlink=*/false);
    if (!v.ok()) return Errno(v.error());
    linux_abi::Stat st;
    v.value()->Stat(&st);
    out->type = (st.st_mode & linux_abi::kModeTypeMask) == linux_abi::kModeDirectory ? 'd'
                : (st.st_mode & linux_abi::kModeTypeMask) == linux_abi::kModeSymlink ? 'l'
                                                                                     : 'f';
    out->size = static_cast<uint64_t>(st.st_size);
    out->nlink = static_cast<uint32_t>(st.st_nlink);
    return 0;
  }

 private:
  static int Status(const kstd::Result<void>& r) { return r.ok() ? 0 : Errno(r.error()); }
  static Name N(const std::string& s) { return Name(s.data(), s.size()); }
  PathContext Ctx() { return PathContext{&ns_.mounts, ns_.root.get(), ns_.root.get()}; }
  testing::Namespace ns_;
};

// ---- The model.

class ModelFs final : public Fs {
 public:
  ModelFs() { nodes_.push_back(Node{'d', "", {}, 2}); }

  int Create(const std::string& p) override { return Make(p, 'f', ""); }
  int Mkdir(const std::string& p) override { return Make(p, 'd', ""); }
  int Symlink(const std::string& p, const std::string& target) override {
    return Make(p, 'l', target);
  }
  int Unlink(const std::string& p) override {
    Where w;
    if (int e = Locate(p, &w)) return e;
    if (w.node < 0) return ENOENT;
    if (nodes_[w.node].type == 'd') return EISDIR;
    nodes_[w.parent].kids.erase(w.name);
    --nodes_[w.node].nlink;
    return 0;
  }
  int Rmdir(const std::string& p) override {
    Where w;
    if (int e = Locate(p, &w)) return e;
    if (w.node < 0) return ENOENT;
    if (nodes_[w.node].type != 'd') return ENOTDIR;
    if (!nodes_[w.node].kids.empty()) return ENOTEMPTY;
    nodes_[w.parent].kids.erase(w.name);
    nodes_[w.node].nlink = 0;
    --nodes_[w.parent].nlink;
    return 0;
  }
  int Rename(const std::string& a, const std::string& b) override {
    Where from, to;
    if (int e = Locate(a, &from)) return e;
    if (int e = Locate(b, &to)) return e;
    if (from.node < 0) return ENOENT;
    Node& src = nodes_[from.node];
    if (src.type == 'd' && IsWithin(to.parent, from.node)) return EINVAL;
    if (to.node >= 0 && nodes_[to.node].type == 'd' && IsWithin(from.parent, to.node)) {
      return ENOTEMPTY;
    }
    if (to.node == from.node) return 0;
    if (to.node >= 0) {
      Node& dst = nodes_[to.node];
      if (src.type == 'd') {
        if (dst.type != 'd') return ENOTDIR;
        if (!dst.kids.empty()) return ENOTEMPTY;
      } else if (dst.type == 'd') {
        return EISDIR;
      }
      if (dst.type == 'd') {
        dst.nlink = 0;
        --nodes_[to.parent].nlink;
      } else {
        --dst.nlink;
      }
    }
    nodes_[from.parent].kids.erase(from.name);
    nodes_[to.parent].kids[to.name] = from.node;
    if (src.type == 'd') {
      --nodes_[from.parent].nlink;
      ++nodes_[to.parent].nlink;
      parents_[from.node] = to.parent;
    }
    return 0;
  }
  int Link(const std::string& a, const std::string& b) override {
    Where from, to;
    if (int e = Locate(a, &from)) return e;
    if (from.node < 0) return ENOENT;
    if (int e = Locate(b, &to)) return e;
    if (to.node >= 0) return EEXIST;
    if (nodes_[from.node].type == 'd') return EPERM;
    nodes_[to.parent].kids[to.name] = from.node;
    ++nodes_[from.node].nlink;
    return 0;
  }
  int Write(const std::string& p, uint64_t off, const std::string& data) override {
    int n;
    if (int e = Follow(p, &n)) return e;
    if (nodes_[n].type == 'd') return EISDIR;
    std::string& d = nodes_[n].data;
    if (d.size() < off + data.size()) d.resize(off + data.size(), '\0');
    d.replace(off, data.size(), data);
    return 0;
  }
  int Truncate(const std::string& p, uint64_t size) override {
    int n;
    if (int e = Follow(p, &n)) return e;
    if (nodes_[n].type == 'd') return EISDIR;
    nodes_[n].data.resize(size, '\0');
    return 0;
  }
  int Read(const std::string& p, std::string* out) override {
    int n;
    if (int e = Follow(p, &n)) return e;
    if (nodes_[n].type == 'd') return EISDIR;
    *out = nodes_[n].data;
    return 0;
  }
  int List(const std::string& p, std::vector<std::string>* out) override {
    int n;
    if (int e = Follow(p, &n)) return e;
    if (nodes_[n].type != 'd') return ENOTDIR;
    out->clear();
    for (auto& [name, _] : nodes_[n].kids) out->push_back(name);
    return 0;
  }
  int Lstat(const std::string& p, Info* out) override {
    Where w;
    if (int e = Locate(p, &w)) return e;
    if (w.node < 0) return ENOENT;
    const Node& n = nodes_[w.node];
    out->type = n.type;
    out->size = n.type == 'd' ? 4096 : n.data.size();
    out->nlink = static_cast<uint32_t>(n.nlink);
    return 0;
  }

 private:
  struct Node {
    char type;
    std::string data;  // file bytes or symlink target
    std::map<std::string, int> kids;
    int nlink;
  };
  struct Where {
    int parent = -1;
    std::string name;
    int node = -1;  // -1: missing
  };

  static std::vector<std::string> Split(const std::string& p) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string::npos) j = p.size();
      if (j > i) out.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  // Parent-mode lookup: every symlink target here dangles, so walking
  // through one is ENOENT.
  int Locate(const std::string& p, Where* w) {
    std::vector<std::string> comps = Split(p);
    int cur = 0;
    for (size_t i = 0; i + 1 < comps.size(); ++i) {
      auto it = nodes_[cur].kids.find(comps[i]);
      if (it == nodes_[cur].kids.end()) return ENOENT;
      char t = nodes_[it->second].type;
      if (t == 'l') return ENOENT;
      if (t != 'd') return ENOTDIR;
      cur = it->second;
    }
    w->parent = cur;
    w->name = comps.back();
    auto it = nodes_[cur].kids.find(w->name);
    w->node = it == nodes_[cur].kids.end() ? -1 : it->second;
    return 0;
  }
  int Follow(const std::string& p, int* node) {
    Where w;
    if (int e = Locate(p, &w)) return e;
    if (w.node < 0 || nodes_[w.node].type == 'l') return ENOENT;
    *node = w.node;
    return 0;
  }
  bool IsWithin(int dir, int ancestor) {
    for (int d = dir; d >= 0; d = d == 0 ? -1 : parents_.at(d)) {
      if (d == ancestor) return true;
    }
    return false;
  }
  int Make(const std::string& p, char type, const std::string& data) {
    Where w;
    if (int e = Locate(p, &w)) return e;
    if (w.node >= 0) return EEXIST;
    nodes_.push_back(Node{type, data, {}, type == 'd' ? 2 : 1});
    int id = static_cast<int>(nodes_.size()) - 1;
    nodes_[w.parent].kids[w.name] = id;
    if (type == 'd') {
      ++nodes_[w.parent].nlink;
      parents_[id] = w.parent;
    }
    return 0;
  }

  std::vector<Node> nodes_;
  std::map<int, int> parents_;  // directory -> its parent
};

// ---- The host kernel.

class HostFs final : public Fs {
 public:
  HostFs() {
    const char* tmp = getenv("TEST_TMPDIR");
    std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/vfsmodel.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    char* made = mkdtemp(buf.data());
    EXPECT_NE(made, nullptr);
    base_ = made != nullptr ? made : "/nonexistent";
  }
  ~HostFs() override { (void)!system(("rm -rf '" + base_ + "'").c_str()); }

  int Create(const std::string& p) override {
    int fd = open(P(p).c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) return errno;
    close(fd);
    return 0;
  }
  int Mkdir(const std::string& p) override { return Ret(mkdir(P(p).c_str(), 0755)); }
  int Symlink(const std::string& p, const std::string& t) override {
    return Ret(symlink(t.c_str(), P(p).c_str()));
  }
  int Unlink(const std::string& p) override { return Ret(unlink(P(p).c_str())); }
  int Rmdir(const std::string& p) override { return Ret(rmdir(P(p).c_str())); }
  int Rename(const std::string& a, const std::string& b) override {
    return Ret(rename(P(a).c_str(), P(b).c_str()));
  }
  int Link(const std::string& a, const std::string& b) override {
    return Ret(link(P(a).c_str(), P(b).c_str()));
  }
  int Write(const std::string& p, uint64_t off, const std::string& data) override {
    int fd = open(P(p).c_str(), O_WRONLY);
    if (fd < 0) return errno;
    ssize_t n = pwrite(fd, data.data(), data.size(), static_cast<off_t>(off));
    int e = n < 0 ? errno : (static_cast<size_t>(n) == data.size() ? 0 : EIO);
    close(fd);
    return e;
  }
  int Truncate(const std::string& p, uint64_t size) override {
    return Ret(truncate(P(p).c_str(), static_cast<off_t>(size)));
  }
  int Read(const std::string& p, std::string* out) override {
    int fd = open(P(p).c_str(), O_RDONLY);
    if (fd < 0) return errno;
    out->clear();
    char buf[4096];
    int e = 0;
    while (true) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0) {
        e = errno;
        break;
      }
      if (n == 0) break;
      out->append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return e;
  }
  int List(const std::string& p, std::vector<std::string>* out) override {
    DIR* d = opendir(P(p).c_str());
    if (d == nullptr) return errno;
    out->clear();
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out->push_back(n);
    }
    closedir(d);
    std::sort(out->begin(), out->end());
    return 0;
  }
  int Lstat(const std::string& p, Info* out) override {
    struct stat st;
    if (lstat(P(p).c_str(), &st) != 0) return errno;
    out->type = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f';
    out->size = static_cast<uint64_t>(st.st_size);
    out->nlink = static_cast<uint32_t>(st.st_nlink);
    return 0;
  }

 private:
  std::string P(const std::string& p) const { return base_ + "/" + p; }
  static int Ret(int rc) { return rc == 0 ? 0 : errno; }
  std::string base_;
};

// ---- The driver.

std::string ErrStr(int e) { return e == 0 ? "ok" : kstd::ErrorName(static_cast<kstd::Error>(e)); }

// Lexical normalization of a path that an operation accepted: "." dropped,
// ".." pops (every symlink here dangles, so a successful walk never went
// through one), trailing slashes dropped.
std::string Normalize(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string c = p.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    i = j + 1;
  }
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? "/" : "") + parts[k];
  return out;
}

// One random sequence; adds the successful operations per kind to successes.
// Plain paths ("a/b") are checked on all three; paths with ".", ".." or a
// trailing slash on the VFS against the host only, and when they succeed the
// model replays the operation on the normalized path (and must succeed too).
void RunSequence(uint32_t seed, int successes[12]) {
  std::mt19937 rng(seed);
  VfsFs vfs;
  ModelFs model;
  HostFs host;
  const char* names[] = {"a", "b", "c", ".", ".."};
  bool plain = true;
  auto path = [&] {
    int depth = 1 + static_cast<int>(rng() % 3);
    std::string p;
    int level = 0;  // lexical depth: ".." never climbs above the scratch root,
                    // which on the host is not a real root
    for (int i = 0; i < depth; ++i) {
      int pick = static_cast<int>(rng() % 40);
      int n = pick < 36 ? pick % 3 : (pick < 38 ? 3 : 4);
      if (n == 4 && level == 0) n = 3;
      level += n < 3 ? 1 : (n == 4 ? -1 : 0);
      if (n >= 3) plain = false;
      p += (i ? "/" : "") + std::string(names[n]);
    }
    if (rng() % 10 == 0) {
      p += "/";
      plain = false;
    }
    return p;
  };
  auto data = [&] {
    std::string d(1 + rng() % 5000, '\0');
    for (char& c : d) c = static_cast<char>('a' + rng() % 26);
    return d;
  };
  for (int step = 0; step < 2500; ++step) {
    int op = static_cast<int>(rng() % 12);
    plain = true;
    std::string p = path();
    std::string q = path();
    std::string what;
    // Runs one mutating operation everywhere and compares the results.
    auto run = [&](const std::string& name, auto fn) {
      what = name;
      int v = fn(static_cast<Fs&>(vfs), p, q);
      // MODEL_TRACE=1 (bazel test --test_env=MODEL_TRACE=1) prints every step.
      if (getenv("MODEL_TRACE")) fprintf(stderr, "%d %s -> %d\n", step, what.c_str(), v);
      int h = fn(static_cast<Fs&>(host), p, q);
      ASSERT_EQ(ErrStr(v), ErrStr(h)) << "step " << step << ": " << what << " (vfs vs host)";
      if (plain) {
        int m = fn(static_cast<Fs&>(model), p, q);
        ASSERT_EQ(ErrStr(v), ErrStr(m)) << "step " << step << ": " << what << " (vfs vs model)";
      } else if (v == 0) {
        int m = fn(static_cast<Fs&>(model), Normalize(p), Normalize(q));
        ASSERT_EQ(ErrStr(m), "ok") << "step " << step << ": model replay of " << what;
      }
      if (v == 0) ++successes[op];
    };
    switch (op) {
      case 0:
      case 1:
        run("create " + p,
            [](Fs& f, const std::string& a, const std::string&) { return f.Create(a); });
        break;
      case 2:
        run("mkdir " + p,
            [](Fs& f, const std::string& a, const std::string&) { return f.Mkdir(a); });
        break;
      case 3:
        run("symlink " + p, [](Fs& f, const std::string& a, const std::string&) {
          return f.Symlink(a, "/dangling");
        });
        break;
      case 4:
        run("unlink " + p,
            [](Fs& f, const std::string& a, const std::string&) { return f.Unlink(a); });
        break;
      case 5:
        run("rmdir " + p,
            [](Fs& f, const std::string& a, const std::string&) { return f.Rmdir(a); });
        break;
      case 6:
      case 7:
        run("rename " + p + " " + q,
            [](Fs& f, const std::string& a, const std::string& b) { return f.Rename(a, b); });
        break;
      case 8:
        run("link " + p + " " + q,
            [](Fs& f, const std::string& a, const std::string& b) { return f.Link(a, b); });
        break;
      case 9: {
        uint64_t off = rng() % 9000;
        std::string d = data();
        run("write " + p + " @" + std::to_string(off),
            [&](Fs& f, const std::string& a, const std::string&) { return f.Write(a, off, d); });
        break;
      }
      case 10: {
        uint64_t size = rng() % 12000;
        run("truncate " + p + " " + std::to_string(size),
            [&](Fs& f, const std::string& a, const std::string&) { return f.Truncate(a, size); });
        break;
      }
      case 11: {
        // Observations: checked on the VFS and the host, and on the model for
        // the normalized path when the VFS succeeds.
        std::string mp = plain ? p : Normalize(p);
        bool use_model = plain || !mp.empty();
        std::string out_v, out_h, out_m;
        int v = vfs.Read(p, &out_v), h = host.Read(p, &out_h);
        ASSERT_EQ(ErrStr(v), ErrStr(h)) << "read " << p;
        if (v == 0) {
          ASSERT_EQ(out_v, out_h) << "read " << p;
          if (use_model) {
            ASSERT_EQ(ErrStr(model.Read(mp, &out_m)), "ok") << "read " << p;
            ASSERT_EQ(out_v, out_m) << "read " << p;
          }
        }
        std::vector<std::string> lv, lh, lm;
        v = vfs.List(p, &lv);
        h = host.List(p, &lh);
        ASSERT_EQ(ErrStr(v), ErrStr(h)) << "list " << p;
        if (v == 0) {
          ASSERT_EQ(lv, lh) << "list " << p;
          if (use_model) {
            ASSERT_EQ(ErrStr(model.List(mp, &lm)), "ok") << "list " << p;
            ASSERT_EQ(lv, lm) << "list " << p;
          }
        }
        Info iv, ih, im;
        v = vfs.Lstat(p, &iv);
        h = host.Lstat(p, &ih);
        ASSERT_EQ(ErrStr(v), ErrStr(h)) << "lstat " << p;
        if (plain) {
          ASSERT_EQ(ErrStr(model.Lstat(p, &im)), ErrStr(v)) << "lstat " << p;
        }
        if (v == 0) {
          ASSERT_EQ(iv.type, ih.type) << p;
          if (iv.type != 'd') {
            ASSERT_EQ(iv.size, ih.size) << "size " << p;
            ASSERT_EQ(iv.nlink, ih.nlink) << "nlink " << p;
          }
          if (plain) {
            ASSERT_EQ(iv.type, im.type) << p;
            ASSERT_EQ(iv.nlink, im.nlink) << "nlink " << p;  // directories too
          }
        }
        if (v == 0) ++successes[op];
        break;
      }
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ModelTest, RandomOperationSequencesAgreeWithTheModelAndTheHost) {
  int successes[12] = {};
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RunSequence(seed, successes);
    if (HasFatalFailure()) return;
  }
  // The sequences did real work of every kind, not just errors.
  for (int op = 0; op < 12; ++op) EXPECT_GT(successes[op], 15) << "operation " << op;
}

}  // namespace
}  // namespace core::vfs
