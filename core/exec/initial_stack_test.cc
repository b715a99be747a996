#include "core/exec/initial_stack.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "abi/linux/auxv.h"

// The built stack is read back the way a C library's _start does: argc at sp,
// argv pointers, NULL, envp pointers, NULL, then auxv pairs up to AT_NULL;
// every pointer is followed into the image.

namespace core::exec {
namespace {

constexpr uint64_t kTop = 0x00007ffffffde000;  // page-aligned, like a real stack top

struct Built {
  bool ok = false;
  kstd::Error error = kstd::Error::kInvalid;
  StackImage image;
  std::vector<uint8_t> scratch;
};

Built Build(const std::vector<std::string>& argv, const std::vector<std::string>& envp,
            const AuxInputs& aux, uint64_t top = kTop, size_t scratch_size = kMaxStackImageBytes) {
  std::vector<const char*> a, e;
  for (const auto& s : argv) a.push_back(s.c_str());
  for (const auto& s : envp) e.push_back(s.c_str());
  Built b;
  b.scratch.assign(scratch_size, 0xAA);  // garbage: every byte of the image must be written
  kstd::Result<StackImage> r =
      BuildInitialStack(top, kstd::Span<const char* const>(a.data(), a.size()),
                        kstd::Span<const char* const>(e.data(), e.size()), aux,
                        kstd::Span<uint8_t>(b.scratch.data(), b.scratch.size()));
  b.ok = r.ok();
  if (b.ok) {
    b.image = r.value();
  } else {
    b.error = r.error();
  }
  return b;
}

// Reads the image as user memory [sp, top).
class StackReader {
 public:
  StackReader(const StackImage& image, uint64_t top) : image_(image), top_(top) {}

  uint64_t Word(uint64_t addr) const {
    EXPECT_EQ(addr % 8, 0u);
    if (!Inside(addr, 8)) {
      ADD_FAILURE() << "word outside the stack at " << std::hex << addr;
      return 0;
    }
    uint64_t v;
    memcpy(&v, image_.bytes.data() + (addr - image_.sp), 8);
    return v;
  }
  std::string String(uint64_t addr) const {
    std::string s;
    for (;; ++addr) {
      if (!Inside(addr, 1)) {
        ADD_FAILURE() << "string runs outside the stack";
        return s;
      }
      const char c = static_cast<char>(image_.bytes[addr - image_.sp]);
      if (c == '\0') return s;
      s.push_back(c);
    }
  }
  std::vector<uint8_t> Bytes(uint64_t addr, size_t n) const {
    if (!Inside(addr, n)) {
      ADD_FAILURE() << "bytes outside the stack";
      return {};
    }
    const uint8_t* p = image_.bytes.data() + (addr - image_.sp);
    return std::vector<uint8_t>(p, p + n);
  }
  bool Inside(uint64_t addr, uint64_t n) const {
    return addr >= image_.sp && addr <= top_ && n <= top_ - addr;
  }

 private:
  const StackImage& image_;
  uint64_t top_;
};

struct Parsed {
  uint64_t argc = 0;
  std::vector<std::string> argv, envp;
  std::vector<std::pair<uint64_t, uint64_t>> auxv;  // without AT_NULL
  uint64_t vectors_end = 0;                         // just past AT_NULL
  uint64_t lowest_string = UINT64_MAX;
};

Parsed ParseLikeLibc(const StackImage& image, uint64_t top) {
  StackReader r(image, top);
  Parsed p;
  uint64_t at = image.sp;
  p.argc = r.Word(at);
  at += 8;
  for (uint64_t i = 0; i < p.argc; ++i, at += 8) {
    p.lowest_string = std::min(p.lowest_string, r.Word(at));
    p.argv.push_back(r.String(r.Word(at)));
  }
  EXPECT_EQ(r.Word(at), 0u) << "argv is not NULL-terminated";
  at += 8;
  for (; r.Inside(at, 8) && r.Word(at) != 0; at += 8) {
    p.lowest_string = std::min(p.lowest_string, r.Word(at));
    p.envp.push_back(r.String(r.Word(at)));
  }
  at += 8;
  for (; r.Inside(at, 16); at += 16) {
    const uint64_t type = r.Word(at), value = r.Word(at + 8);
    if (type == linux_abi::kAtNull) {
      EXPECT_EQ(value, 0u);
      p.vectors_end = at + 16;
      return p;
    }
    p.auxv.push_back({type, value});
  }
  ADD_FAILURE() << "no AT_NULL";
  return p;
}

uint64_t Aux(const Parsed& p, uint64_t type) {
  for (const auto& [t, v] : p.auxv) {
    if (t == type) return v;
  }
  ADD_FAILURE() << "auxv lacks type " << type;
  return 0;
}
bool HasAux(const Parsed& p, uint64_t type) {
  for (const auto& [t, v] : p.auxv) {
    if (t == type) return true;
  }
  return false;
}

AuxInputs SampleAux() {
  AuxInputs aux;
  aux.phdr = 0x400040;
  aux.phent = 56;
  aux.phnum = 10;
  aux.entry = 0x40ebf0;
  aux.hwcap = 0x178bfbff;
  aux.hwcap2 = 0x2;
  aux.uid = 1000;
  aux.euid = 1001;
  aux.gid = 100;
  aux.egid = 101;
  aux.secure = true;
  for (size_t i = 0; i < kRandomBytes; ++i) aux.random[i] = static_cast<uint8_t>(0xa0 + i);
  aux.execfn = "/bin/busybox";
  return aux;
}

TEST(InitialStack, ReadsBackLikeLibc) {
  const std::vector<std::string> argv = {"/bin/busybox", "sh", "-c", "echo hi there", ""};
  const std::vector<std::string> envp = {"HOME=/", "PATH=/bin:/sbin", "TERM=vt100"};
  const AuxInputs aux = SampleAux();
  Built b = Build(argv, envp, aux);
  ASSERT_TRUE(b.ok);
  const StackImage& image = b.image;

  EXPECT_EQ(image.sp % 16, 0u);
  EXPECT_EQ(image.bytes.size(), kTop - image.sp);
  EXPECT_EQ(image.bytes.data(), b.scratch.data());
  EXPECT_EQ(image.argc, argv.size());

  Parsed p = ParseLikeLibc(image, kTop);
  EXPECT_EQ(p.argc, argv.size());
  EXPECT_EQ(p.argv, argv);
  EXPECT_EQ(p.envp, envp);

  // Every documented entry, in the documented order, and nothing else.
  const std::vector<std::pair<uint64_t, uint64_t>> expected = {
      {linux_abi::kAtHwcap, aux.hwcap},
      {linux_abi::kAtPagesz, 4096},
      {linux_abi::kAtClktck, 100},
      {linux_abi::kAtPhdr, aux.phdr},
      {linux_abi::kAtPhent, 56},
      {linux_abi::kAtPhnum, aux.phnum},
      {linux_abi::kAtBase, 0},
      {linux_abi::kAtFlags, 0},
      {linux_abi::kAtEntry, aux.entry},
      {linux_abi::kAtUid, 1000},
      {linux_abi::kAtEuid, 1001},
      {linux_abi::kAtGid, 100},
      {linux_abi::kAtEgid, 101},
      {linux_abi::kAtSecure, 1},
      {linux_abi::kAtRandom, image.random},
      {linux_abi::kAtHwcap2, aux.hwcap2},
      {linux_abi::kAtExecfn, image.execfn},
      {linux_abi::kAtPlatform, image.platform},
  };
  EXPECT_EQ(p.auxv, expected);
  EXPECT_FALSE(HasAux(p, linux_abi::kAtSysinfoEhdr));

  StackReader r(image, kTop);
  EXPECT_EQ(Aux(p, linux_abi::kAtRandom) % 16, 0u);
  EXPECT_EQ(Aux(p, linux_abi::kAtRandom), kTop - 16);
  EXPECT_EQ(r.Bytes(Aux(p, linux_abi::kAtRandom), 16),
            std::vector<uint8_t>(aux.random, aux.random + 16));
  EXPECT_EQ(r.String(Aux(p, linux_abi::kAtPlatform)), "x86_64");
  EXPECT_EQ(r.String(Aux(p, linux_abi::kAtExecfn)), "/bin/busybox");
  EXPECT_NE(Aux(p, linux_abi::kAtExecfn), r.Word(image.sp + 8)) << "AT_EXECFN has its own copy";

  // The strings lie above the vectors; argv's then envp's are contiguous
  // (what /proc/<pid>/cmdline and environ show).
  EXPECT_GE(p.lowest_string, p.vectors_end);
  std::string cmdline, environ;
  for (const auto& s : argv) cmdline += s + '\0';
  for (const auto& s : envp) environ += s + '\0';
  EXPECT_EQ(image.arg_end - image.arg_start, cmdline.size());
  EXPECT_EQ(image.env_start, image.arg_end);
  EXPECT_EQ(image.env_end, image.platform);
  const auto args = r.Bytes(image.arg_start, cmdline.size());
  const auto envs = r.Bytes(image.env_start, environ.size());
  EXPECT_EQ(std::string(args.begin(), args.end()), cmdline);
  EXPECT_EQ(std::string(envs.begin(), envs.end()), environ);
  EXPECT_EQ(r.Word(image.sp + 8), image.arg_start);  // argv[0] is the first string

  // The only bytes between the vectors and AT_EXECFN are zero padding (< 16).
  ASSERT_LE(p.vectors_end, image.execfn);
  EXPECT_LT(image.execfn - p.vectors_end, 16u);
  for (uint64_t a = p.vectors_end; a < image.execfn; ++a) EXPECT_EQ(r.Bytes(a, 1)[0], 0);
}

TEST(InitialStack, AlignedForEveryShape) {
  int cases = 0;
  for (size_t argc = 1; argc <= 4; ++argc) {
    for (size_t envc = 0; envc <= 3; ++envc) {
      for (size_t len = 0; len <= 17; ++len) {
        for (int variant = 0; variant < 3; ++variant) {
          std::vector<std::string> argv(argc, std::string(len, 'a'));
          std::vector<std::string> envp(envc, "K=" + std::string(len / 2, 'v'));
          AuxInputs aux = SampleAux();
          if (variant == 1) aux.execfn = nullptr;
          if (variant == 2) aux.minsigstksz = 0xd30;
          Built b = Build(argv, envp, aux);
          ASSERT_TRUE(b.ok);
          ASSERT_EQ(b.image.sp % 16, 0u);
          ASSERT_EQ(b.image.random % 16, 0u);
          Parsed p = ParseLikeLibc(b.image, kTop);
          ASSERT_EQ(p.argv, argv);
          ASSERT_EQ(p.envp, envp);
          ASSERT_EQ(HasAux(p, linux_abi::kAtExecfn), variant != 1);
          ASSERT_EQ(HasAux(p, linux_abi::kAtMinsigstksz), variant == 2);
          if (variant == 2) {
            ASSERT_EQ(Aux(p, linux_abi::kAtMinsigstksz), 0xd30u);
          }
          if (variant == 1) {
            ASSERT_EQ(b.image.execfn, 0u);
          }
          // sp + the image is exactly the top: nothing below sp is needed.
          ASSERT_EQ(b.image.sp + b.image.bytes.size(), kTop);
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 4 * 4 * 18 * 3);
}

TEST(InitialStack, EmptyArgvBecomesOneEmptyString) {
  Built b = Build({}, {"A=1"}, SampleAux());
  ASSERT_TRUE(b.ok);
  Parsed p = ParseLikeLibc(b.image, kTop);
  EXPECT_EQ(p.argc, 1u);
  EXPECT_EQ(p.argv, std::vector<std::string>{""});
  EXPECT_EQ(p.envp, std::vector<std::string>{"A=1"});
}

TEST(InitialStack, ExtraEntryComesLastBeforeNull) {
  AuxInputs aux = SampleAux();
  aux.extra_type = 0x54450001;  // tessera::kAuxBootstrapHandle
  aux.extra_value = 0x1234;
  Built b = Build({"init"}, {}, aux);
  ASSERT_TRUE(b.ok);
  Parsed p = ParseLikeLibc(b.image, kTop);
  ASSERT_FALSE(p.auxv.empty());
  EXPECT_EQ(p.auxv.back().first, 0x54450001u);
  EXPECT_EQ(p.auxv.back().second, 0x1234u);
  EXPECT_EQ(b.image.sp % 16, 0u);
  // Without it, no such entry.
  Built plain = Build({"init"}, {}, SampleAux());
  EXPECT_FALSE(HasAux(ParseLikeLibc(plain.image, kTop), 0x54450001));
}

TEST(InitialStack, ArgumentBytesLimit) {
  // One string: its bytes + NUL + its pointer are counted.
  const size_t fits = kMaxArgBytes - 8 - 1;
  AuxInputs aux = SampleAux();
  EXPECT_TRUE(Build({std::string(fits, 'x')}, {}, aux).ok);
  Built over = Build({std::string(fits + 1, 'x')}, {}, aux);
  ASSERT_FALSE(over.ok);
  EXPECT_EQ(over.error, kstd::Error::kTooBig);
  EXPECT_EQ(static_cast<int>(over.error), 7);  // E2BIG

  // argv and envp share the budget.
  const std::string half(kMaxArgBytes / 2 - 9, 'y');
  EXPECT_TRUE(Build({half}, {half}, aux).ok);
  EXPECT_EQ(Build({half}, {half, ""}, aux).error, kstd::Error::kTooBig);

  // The worst case fits in kMaxStackImageBytes of scratch.
  aux.execfn = nullptr;
  const std::string longest_execfn(kMaxExecfnBytes - 1, 'p');
  aux.execfn = longest_execfn.c_str();
  aux.minsigstksz = 1;
  Built worst = Build({std::string(fits, 'x')}, {}, aux);
  ASSERT_TRUE(worst.ok);
  EXPECT_LE(worst.image.bytes.size(), kMaxStackImageBytes);
  Built many_small = Build(std::vector<std::string>(kMaxArgBytes / 9, ""), {}, aux);
  ASSERT_TRUE(many_small.ok);
  EXPECT_LE(many_small.image.bytes.size(), kMaxStackImageBytes);
  Parsed p = ParseLikeLibc(many_small.image, kTop);
  EXPECT_EQ(p.argc, kMaxArgBytes / 9);
}

TEST(InitialStack, ArgumentCountLimit) {
  Built b = Build(std::vector<std::string>(kMaxArgStrings + 1, ""), {}, SampleAux());
  EXPECT_FALSE(b.ok);
  EXPECT_EQ(b.error, kstd::Error::kTooBig);
  Built e = Build({"a"}, std::vector<std::string>(kMaxArgStrings, ""), SampleAux());
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.error, kstd::Error::kTooBig);
}

TEST(InitialStack, ExecfnLimit) {
  AuxInputs aux = SampleAux();
  const std::string ok(kMaxExecfnBytes - 1, 'f'), too_long(kMaxExecfnBytes, 'f');
  aux.execfn = ok.c_str();
  Built b = Build({"a"}, {}, aux);
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(StackReader(b.image, kTop).String(b.image.execfn), ok);
  aux.execfn = too_long.c_str();
  EXPECT_EQ(Build({"a"}, {}, aux).error, kstd::Error::kNameTooLong);
}

TEST(InitialStack, BadArguments) {
  const AuxInputs aux = SampleAux();
  EXPECT_EQ(Build({"a"}, {}, aux, kTop + 8).error, kstd::Error::kInvalid);  // unaligned top
  EXPECT_EQ(Build({"a"}, {}, aux, 64).error, kstd::Error::kInvalid);        // no room below
  EXPECT_EQ(Build({"a"}, {}, aux, 0).error, kstd::Error::kInvalid);

  Built fits = Build({"a"}, {"B=2"}, aux);
  ASSERT_TRUE(fits.ok);
  const size_t size = fits.image.bytes.size();
  EXPECT_TRUE(Build({"a"}, {"B=2"}, aux, kTop, size).ok);
  EXPECT_EQ(Build({"a"}, {"B=2"}, aux, kTop, size - 1).error, kstd::Error::kNoSpace);
  EXPECT_EQ(Build({"a"}, {"B=2"}, aux, kTop, 0).error, kstd::Error::kNoSpace);

  const char* with_null[] = {"a", nullptr};
  std::vector<uint8_t> scratch(kMaxStackImageBytes);
  EXPECT_EQ(BuildInitialStack(kTop, kstd::Span<const char* const>(with_null, 2), {}, aux,
                              kstd::Span<uint8_t>(scratch.data(), scratch.size()))
                .error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(BuildInitialStack(kTop, kstd::Span<const char* const>(with_null, 1),
                              kstd::Span<const char* const>(with_null + 1, 1), aux,
                              kstd::Span<uint8_t>(scratch.data(), scratch.size()))
                .error(),
            kstd::Error::kInvalid);
}

}  // namespace
}  // namespace core::exec
