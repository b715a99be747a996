// Proves the loader and the entry stack against real C libraries: a forked
// child of this test loads a static program with LoadElf into its own memory
// (a LoadTarget made of mmap calls), builds the stack with BuildInitialStack,
// points rsp at it and jumps to the entry point, exactly as Tessera's exec
// will return to user mode. The host Linux kernel then serves the program's
// system calls. The probe programs (testdata/probe.c) print what glibc's and
// musl's start-up code read from the stack; the parent computes the same
// image with a FakeLoadTarget and compares every line. Debian's busybox
// (glibc, static) runs a few applets the same way.

#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "abi/linux/auxv.h"
#include "core/exec/elf_loader.h"
#include "core/exec/initial_stack.h"
#include "core/exec/test_support.h"

namespace core::exec {
namespace {

using testing::Bytes;

// Fixed addresses far from this test's own mappings, so the parent can
// predict every address the child will use.
constexpr uint64_t kStackTop = 0x7e0000000000;
constexpr uint64_t kStackSize = 1 << 20;
constexpr uint64_t kPieBias = 0x7d0000000000;

// Maps with mmap(MAP_FIXED_NOREPLACE), writable while loading; Seal() then
// applies the requested protections, as the kernel's page tables would.
class HostMemoryTarget final : public LoadTarget {
 public:
  kstd::Result<void> MapZeroed(uint64_t vaddr, uint64_t size, uint32_t prot) override {
    void* want = reinterpret_cast<void*>(vaddr);
    void* got = mmap(want, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED) return errno == EEXIST ? kstd::Error::kExists : kstd::Error::kNoMemory;
    if (got != want) {  // a kernel older than 4.17 took the address as a hint
      munmap(got, size);
      return kstd::Error::kExists;
    }
    ranges_.push_back({vaddr, size, prot});
    return kstd::Ok();
  }
  kstd::Result<void> Write(uint64_t vaddr, kstd::ByteSpan bytes) override {
    memcpy(reinterpret_cast<void*>(vaddr), bytes.data(), bytes.size());
    return kstd::Ok();
  }
  bool Seal() {
    for (const Range& r : ranges_) {
      // PROT_* values are the kProt* values.
      if (mprotect(reinterpret_cast<void*>(r.start), r.size, static_cast<int>(r.prot)) != 0) {
        return false;
      }
    }
    return true;
  }

 private:
  struct Range {
    uint64_t start, size;
    uint32_t prot;
  };
  std::vector<Range> ranges_;
};

struct Program {
  Bytes file;
  std::vector<std::string> argv, envp;
  std::string execfn;
};

std::vector<const char*> Pointers(const std::vector<std::string>& strings) {
  std::vector<const char*> out;
  for (const auto& s : strings) out.push_back(s.c_str());
  return out;
}

AuxInputs MakeAux(const LoadedImage& image, const std::string& execfn) {
  AuxInputs aux;
  aux.phdr = image.phdr;
  aux.phent = image.phent;
  aux.phnum = image.phnum;
  aux.entry = image.entry;
  unsigned eax, ebx, ecx, edx = 0;
  __get_cpuid(1, &eax, &ebx, &ecx, &edx);
  aux.hwcap = edx;  // what Linux passes on x86
  aux.hwcap2 = getauxval(AT_HWCAP2);
  for (size_t i = 0; i < kRandomBytes; ++i) aux.random[i] = static_cast<uint8_t>(0x5a ^ (i * 37));
  aux.execfn = execfn.c_str();
  return aux;
}

[[noreturn]] void JumpToUser(uint64_t sp, uint64_t entry) {
  // The psABI leaves the other registers unspecified except rdx: a function
  // for atexit, or 0. Linux zeroes them; rbp 0 ends backtraces.
  asm volatile(
      "mov %0, %%rsp\n\t"
      "xor %%edx, %%edx\n\t"
      "xor %%ebp, %%ebp\n\t"
      "jmp *%1\n\t"
      :
      : "D"(sp), "S"(entry)
      : "memory");
  __builtin_unreachable();
}

// The child: never returns; exit codes 120+ report a failure before the jump.
[[noreturn]] void ChildExec(const Program& p, int out_fd, std::vector<uint8_t>& scratch) {
  dup2(out_fd, 1);
  close(out_fd);
  alarm(20);  // a program that hangs dies of SIGALRM
  HostMemoryTarget target;
  const char* why = nullptr;
  auto loaded = LoadElf(kstd::ByteSpan(p.file.data(), p.file.size()), target, kPieBias, &why);
  if (loaded.is_error()) {
    dprintf(2, "child: LoadElf: %s\n", why != nullptr ? why : "?");
    _exit(120);
  }
  if (!target.Seal()) _exit(121);
  void* stack =
      mmap(reinterpret_cast<void*>(kStackTop - kStackSize), kStackSize, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (stack != reinterpret_cast<void*>(kStackTop - kStackSize)) _exit(122);
  const auto argv = Pointers(p.argv), envp = Pointers(p.envp);
  const AuxInputs aux = MakeAux(loaded.value(), p.execfn);
  auto built = BuildInitialStack(kStackTop, kstd::Span<const char* const>(argv.data(), argv.size()),
                                 kstd::Span<const char* const>(envp.data(), envp.size()), aux,
                                 kstd::Span<uint8_t>(scratch.data(), scratch.size()));
  if (built.is_error()) _exit(123);
  const StackImage& image = built.value();
  memcpy(reinterpret_cast<void*>(image.sp), image.bytes.data(), image.bytes.size());
  JumpToUser(image.sp, loaded.value().entry);
}

struct Outcome {
  int status = -1;
  std::string out;
};

Outcome RunInChild(const Program& p) {
  std::vector<uint8_t> scratch(kMaxStackImageBytes);
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    ChildExec(p, fds[1], scratch);
  }
  close(fds[1]);
  Outcome o;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) o.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  EXPECT_EQ(waitpid(pid, &o.status, 0), pid);
  return o;
}

std::string Hex(uint64_t v) {  // printf's "%#lx"
  if (v == 0) return "0";
  char buf[32];
  snprintf(buf, sizeof(buf), "%#lx", static_cast<unsigned long>(v));
  return buf;
}

enum class Libc { kGlibc, kMusl };

// What probe.c must print, computed from the same loader and stack builder
// run against a FakeLoadTarget.
std::string ExpectedProbeOutput(const Program& p, Libc libc) {
  testing::FakeLoadTarget fake;
  const char* why = nullptr;
  auto loaded = LoadElf(testing::AsSpan(p.file), fake, kPieBias, &why);
  EXPECT_TRUE(loaded.ok()) << why;
  if (!loaded.ok()) return "";
  const LoadedImage& image = loaded.value();
  const AuxInputs aux = MakeAux(image, p.execfn);
  std::vector<uint8_t> scratch(kMaxStackImageBytes);
  const auto argv = Pointers(p.argv), envp = Pointers(p.envp);
  auto built = BuildInitialStack(kStackTop, kstd::Span<const char* const>(argv.data(), argv.size()),
                                 kstd::Span<const char* const>(envp.data(), envp.size()), aux,
                                 kstd::Span<uint8_t>(scratch.data(), scratch.size()));
  EXPECT_TRUE(built.ok());
  if (!built.ok()) return "";
  const StackImage& stack = built.value();

  std::string s = "argc=" + std::to_string(p.argv.size()) + "\n";
  s += "argv_addr=" + Hex(stack.sp + 8) + "\n";
  for (const auto& a : p.argv) s += "argv=" + a + "\n";
  s += "argv_null=1\n";
  for (const auto& e : p.envp) s += "envp=" + e + "\n";
  const std::vector<std::pair<uint64_t, uint64_t>> auxv = {
      {linux_abi::kAtHwcap, aux.hwcap},
      {linux_abi::kAtPagesz, 4096},
      {linux_abi::kAtClktck, 100},
      {linux_abi::kAtPhdr, image.phdr},
      {linux_abi::kAtPhent, 56},
      {linux_abi::kAtPhnum, image.phnum},
      {linux_abi::kAtBase, 0},
      {linux_abi::kAtFlags, 0},
      {linux_abi::kAtEntry, image.entry},
      {linux_abi::kAtUid, 0},
      {linux_abi::kAtEuid, 0},
      {linux_abi::kAtGid, 0},
      {linux_abi::kAtEgid, 0},
      {linux_abi::kAtSecure, 0},
      {linux_abi::kAtRandom, stack.random},
      {linux_abi::kAtHwcap2, aux.hwcap2},
      {linux_abi::kAtExecfn, stack.execfn},
      {linux_abi::kAtPlatform, stack.platform},
  };
  for (const auto& [type, value] : auxv)
    s += "auxv=" + std::to_string(type) + ":" + Hex(value) + "\n";
  auto value_of = [&](uint64_t type) {
    // glibc's getauxval(AT_HWCAP) on x86-64 answers HWCAP_X86_64 (2), its own
    // value, instead of the vector's; every other type comes from the vector.
    if (type == linux_abi::kAtHwcap && libc == Libc::kGlibc) return uint64_t{2};
    for (const auto& [t, v] : auxv) {
      if (t == type) return v;
    }
    return uint64_t{0};
  };
  for (uint64_t type :
       {linux_abi::kAtPhdr, linux_abi::kAtPhent, linux_abi::kAtPhnum, linux_abi::kAtPagesz,
        linux_abi::kAtBase, linux_abi::kAtFlags, linux_abi::kAtEntry, linux_abi::kAtUid,
        linux_abi::kAtEuid, linux_abi::kAtGid, linux_abi::kAtEgid, linux_abi::kAtHwcap,
        linux_abi::kAtClktck, linux_abi::kAtSecure, linux_abi::kAtHwcap2, linux_abi::kAtRandom}) {
    s += "getauxval=" + std::to_string(type) + ":" + Hex(value_of(type)) + "\n";
  }
  s += "platform=x86_64\n";
  s += "execfn=" + p.execfn + "\n";
  s += "random=";
  for (size_t i = 0; i < kRandomBytes; ++i) {
    char hex[3];
    snprintf(hex, sizeof(hex), "%02x", aux.random[i]);
    s += hex;
  }
  s += "\n";
  s += "tls=42 tls_zero=0 data=7 bss_zero=1\n";  // TLS found through AT_PHDR; data, bss loaded
  return s;
}

void ExpectExitedZero(const Outcome& o) {
  EXPECT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0)
      << "status " << std::hex << o.status << " (signal " << std::dec
      << (WIFSIGNALED(o.status) ? WTERMSIG(o.status) : 0) << ", exit "
      << (WIFEXITED(o.status) ? WEXITSTATUS(o.status) : -1) << ")";
}

Program Probe(const std::string& fixture) {
  Program p;
  p.file = testing::ReadFixture(fixture);
  p.argv = {"/bin/" + fixture, "one", "two words", "", "--flag=x"};
  p.envp = {"HOME=/", "TERM=vt100", "EMPTY="};
  p.execfn = "/bin/" + fixture;
  return p;
}

TEST(HostRun, GlibcStatic) {
  const Program p = Probe("glibc_static_probe");
  const Outcome o = RunInChild(p);
  ExpectExitedZero(o);
  EXPECT_EQ(o.out, ExpectedProbeOutput(p, Libc::kGlibc));
}

TEST(HostRun, GlibcStaticPie) {
  const Program p = Probe("glibc_static_pie_probe");
  const Outcome o = RunInChild(p);
  ExpectExitedZero(o);
  EXPECT_EQ(o.out, ExpectedProbeOutput(p, Libc::kGlibc));
  // The entry and the program headers are above the bias.
  EXPECT_NE(o.out.find("auxv=9:0x7d0000"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("auxv=3:0x7d0000"), std::string::npos) << o.out;
}

TEST(HostRun, MuslStatic) {
  const Program p = Probe("musl_probe.elf");
  const Outcome o = RunInChild(p);
  ExpectExitedZero(o);
  EXPECT_EQ(o.out, ExpectedProbeOutput(p, Libc::kMusl));
}

TEST(HostRun, EmptyArgvAndEnvironment) {
  Program p = Probe("musl_probe.elf");
  p.argv = {};
  p.envp = {};
  const Outcome o = RunInChild(p);
  ExpectExitedZero(o);
  EXPECT_EQ(o.out.rfind("argc=1\n", 0), 0u) << o.out;
  EXPECT_NE(o.out.find("argv=\nargv_null=1\n"), std::string::npos) << o.out;
}

Program Busybox(std::vector<std::string> argv, std::vector<std::string> envp) {
  Program p;
  p.file = testing::ReadFile("/bin/busybox");
  p.argv = std::move(argv);
  p.envp = std::move(envp);
  p.execfn = "/bin/busybox";
  return p;
}

TEST(HostRun, DebianBusybox) {
  if (testing::ReadFile("/bin/busybox").empty()) {
    GTEST_SKIP() << "/bin/busybox (busybox-static) is not installed";
  }
  {
    const Outcome o = RunInChild(Busybox({"busybox", "echo", "hello", "from tessera"}, {}));
    ExpectExitedZero(o);
    EXPECT_EQ(o.out, "hello from tessera\n");
  }
  {
    const Outcome o = RunInChild(Busybox({"env"}, {"HOME=/root", "PATH=/bin:/usr/bin", "X=a b"}));
    ExpectExitedZero(o);
    EXPECT_EQ(o.out, "HOME=/root\nPATH=/bin:/usr/bin\nX=a b\n");
  }
  {
    const Outcome o = RunInChild(
        Busybox({"sh", "-c", "x=$((6 * 7)); echo \"$x $FOO $0 $1\"; exit 3", "zero", "one"},
                {"FOO=bar", "PATH=/nonexistent"}));
    ASSERT_TRUE(WIFEXITED(o.status)) << std::hex << o.status;
    EXPECT_EQ(WEXITSTATUS(o.status), 3);
    EXPECT_EQ(o.out, "42 bar zero one\n");
  }
}

}  // namespace
}  // namespace core::exec
