// coretest's tests of bad user pointers for every pointer parameter of both
// syscall tables.

#include <string.h>

#include "abi/linux/errno.h"
#include "abi/linux/termios.h"
#include "abi/linux/time.h"
#include "abi/linux/uio.h"
#include "abi/tessera/linux_syscalls.h"
#include "abi/tessera/native.h"
#include "abi/tessera/syscall_table.h"
#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 4. bad pointers
//
// The pointer parameters of every call come from the kernel's own tables
// (IN_PTR/OUT_PTR), so a call that gains a pointer parameter without a case
// here fails the test rather than being skipped.

struct PtrTag {};
template <typename A, typename B>
struct Same {
  static constexpr bool value = false;
};
template <typename A>
struct Same<A, A> {
  static constexpr bool value = true;
};
template <typename F>
struct PtrMask;
template <typename... A>
struct PtrMask<void(A...)> {
  static constexpr uint32_t Compute() {
    constexpr bool is_ptr[] = {Same<A, PtrTag>::value..., false};
    uint32_t mask = 0;
    for (size_t i = 0; i < sizeof...(A); ++i) {
      if (is_ptr[i]) mask |= 1u << i;
    }
    return mask;
  }
  static constexpr uint32_t value = Compute();
};

struct TableEntry {
  uint64_t number;
  const char* name;
  uint32_t ptr_mask;  // bit i: parameter i is a user pointer
};

#define IN_PTR(T) PtrTag
#define OUT_PTR(T) PtrTag
#define CORETEST_ENTRY(number, Name, params, args) {number, #Name, PtrMask<void params>::value},
constexpr TableEntry kNativeTable[] = {TESSERA_NATIVE_SYSCALLS(CORETEST_ENTRY)};
#define CORETEST_LINUX_ENTRY(number, Name, eintr, params, args) \
  CORETEST_ENTRY(number, Name, params, args)
constexpr TableEntry kLinuxTable[] = {TESSERA_LINUX_SYSCALLS(CORETEST_LINUX_ENTRY)};
#undef CORETEST_LINUX_ENTRY
#undef CORETEST_ENTRY
#undef IN_PTR
#undef OUT_PTR

// Kinds of bad pointer. The unmapped ones are set up at run time.
enum BadKind {
  kKernelHalf,      // 0xffff800000001000: the kernel's direct map
  kNonCanonical,    // 0x0000900000000000
  kNonCanonicalLo,  // 0x0000800000000000: the first non-canonical address
  kNonCanonicalHi,  // 0xffff7ffffffff000: the last non-canonical page
  kUnmapped,        // a user page that was mapped and then unmapped
  kStraddle,        // 2 bytes before an unmapped page: the object runs off the end
  kUserTop,         // 0x00007ffffffffffe: runs past the top of user space
  kNumBadKinds,
};
constexpr uint32_t kAllKinds = (1u << kNumBadKinds) - 1;
// A write of a buffer whose first bytes are readable may write those (Linux
// returns the partial count), so straddling buffers are not "bad" for write.
constexpr uint32_t kNoStraddle = kAllKinds & ~(1u << kStraddle);

const char* const kBadKindNames[kNumBadKinds] = {
    "kernel-half", "non-canonical", "non-canonical-low", "non-canonical-high",
    "unmapped",    "straddling",    "past-user-top",
};
uint64_t g_bad[kNumBadKinds];
uint8_t* g_straddle_page = nullptr;  // the mapped page before the unmapped one

// Every straddling call sees the same bytes: a faulting copy-out may have
// written the start of an object (as on Linux), e.g. a NUL.
void RefillStraddlePage() {
  if (g_straddle_page != nullptr) memset(g_straddle_page + 4096 - 64, 0x11, 64);
}

struct BadCase {
  uint64_t number;  // system call
  int param;        // the pointer parameter covered; -1 for a pointer inside a struct
  const char* what;
  int64_t (*run)(uint64_t bad);
  uint32_t kinds;
  int64_t expect;
};

// State the cases use (set up by the test).
struct BadPointerState {
  handle_t quiet_a, quiet_b;    // a channel nobody reads
  handle_t nested_a, nested_b;  // for reads into bad buffers
  handle_t notif;               // kept signalled with kNotifyBits
  handle_t nop_exe;
  handle_t transferable;  // a handle a bad spawn must not take
  handle_t pci_root;      // the PCI root init passes on ("pci")
};
BadPointerState g_bp;
constexpr uint64_t kNotifyBits = 0x5;

template <typename T>
T* P(uint64_t bad) {
  return reinterpret_cast<T*>(bad);
}

tessera::SpawnArgs NopSpawnArgs() {
  static const char* argv[] = {"nop"};
  tessera::SpawnArgs a{};
  a.executable = g_bp.nop_exe;
  a.argc = 1;
  a.argv = argv;
  a.name = "nop";
  return a;
}

// Reads (into a bad buffer) a message written just before.
int64_t ReadIntoBadBuffer(uint64_t bad, bool bad_handles) {
  handle_t carried = kInvalidHandle;
  if (bad_handles) {
    int64_t n = sys::NotificationCreate();
    if (n <= 0) return n;
    carried = static_cast<handle_t>(n);
  }
  int64_t w = sys::ChannelWrite(g_bp.nested_a, "12345678", 8, bad_handles ? &carried : nullptr,
                                bad_handles ? 1 : 0, 0);
  if (w != 0) return 1000 + w;  // setup failure, never -EFAULT
  char buf[16];
  handle_t handles[1];
  tessera::ChannelReadArgs args{};
  args.bytes = bad_handles ? static_cast<void*>(buf) : P<void>(bad);
  args.bytes_capacity = 16;
  args.handles = bad_handles ? P<handle_t>(bad) : handles;
  args.handles_capacity = 1;
  int64_t r = sys::ChannelRead(g_bp.nested_b, &args);
  // Drain whatever is left, so every case starts alike.
  tessera::ChannelReadArgs drain{};
  drain.bytes = buf;
  drain.bytes_capacity = sizeof buf;
  drain.handles = handles;
  drain.handles_capacity = 1;
  while (sys::ChannelRead(g_bp.nested_b, &drain) == 0) {
    if (drain.actual_handles > 0) sys::HandleClose(handles[0]);
  }
  return r;
}

const BadCase kNativeCases[] = {
    // The records are copied before the caller is checked as the network
    // server, so any channel end shows the copy's EFAULT.
    {0x1091, 1, "NetDeliver(records)",
     [](uint64_t bad) { return sys::NetDeliver(g_bp.quiet_a, P<netproto::Delivery>(bad), 1); },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1010, 0, "ChannelCreate(out0)",
     [](uint64_t bad) {
       handle_t h1 = 0;
       return sys::ChannelCreate(P<handle_t>(bad), &h1);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1010, 1, "ChannelCreate(out1)",
     [](uint64_t bad) {
       handle_t h0 = 0;
       return sys::ChannelCreate(&h0, P<handle_t>(bad));
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1011, 1, "ChannelWrite(bytes)",
     [](uint64_t bad) { return sys::ChannelWrite(g_bp.quiet_a, P<void>(bad), 16, nullptr, 0, 0); },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1011, 3, "ChannelWrite(handles)",
     [](uint64_t bad) {
       return sys::ChannelWrite(g_bp.quiet_a, "abcd", 4, P<handle_t>(bad), 2, 0);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1012, 1, "ChannelRead(args)",
     [](uint64_t bad) { return sys::ChannelRead(g_bp.quiet_b, P<tessera::ChannelReadArgs>(bad)); },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1012, -1, "ChannelRead(args.bytes)",
     [](uint64_t bad) { return ReadIntoBadBuffer(bad, false); }, kAllKinds, -linux_abi::kEFAULT},
    {0x1012, -1, "ChannelRead(args.handles)",
     [](uint64_t bad) { return ReadIntoBadBuffer(bad, true); }, kAllKinds, -linux_abi::kEFAULT},
    {0x1013, 1, "ChannelCall(args)",
     [](uint64_t bad) { return sys::ChannelCall(g_bp.quiet_a, P<tessera::ChannelCallArgs>(bad)); },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1013, -1, "ChannelCall(args.write_bytes)",
     [](uint64_t bad) {
       char in[64];
       tessera::ChannelCallArgs args{};
       args.write_bytes = P<void>(bad);
       args.write_num_bytes = 64;
       args.read_bytes = in;
       args.read_bytes_capacity = sizeof in;
       args.deadline = 0;  // nothing answers on the quiet channel
       return sys::ChannelCall(g_bp.quiet_a, &args);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1013, -1, "ChannelCall(args.read_bytes)",
     [](uint64_t bad) {
       uint8_t out[64];
       Pattern(out, sizeof out, 1);
       tessera::ChannelCallArgs args{};
       args.write_bytes = out;
       args.write_num_bytes = sizeof out;
       args.read_bytes = P<void>(bad);
       args.read_bytes_capacity = 64;
       args.deadline = guest::DeadlineIn(5 * kSec);
       return sys::ChannelCall(g_echo_ch, &args);  // the echo server answers
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1022, 1, "NotificationTake(bits)",
     [](uint64_t bad) { return sys::NotificationTake(g_bp.notif, P<uint64_t>(bad)); }, kAllKinds,
     -linux_abi::kEFAULT},
    {0x1030, 3, "ObjectWaitOne(observed)",
     [](uint64_t bad) {
       return sys::ObjectWaitOne(g_bp.notif, tessera::kSignalNotified, 0, P<uint32_t>(bad));
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1031, 0, "ObjectWaitMany(items)",
     [](uint64_t bad) { return sys::ObjectWaitMany(P<tessera::WaitItem>(bad), 2, 0); }, kAllKinds,
     -linux_abi::kEFAULT},
    {0x1080, 0, "FsMount(args)",
     [](uint64_t bad) { return sys::FsMount(P<tessera::FsMountArgs>(bad)); }, kAllKinds,
     -linux_abi::kEFAULT},
    {0x1040, 0, "ProcessSpawn(args)",
     [](uint64_t bad) { return sys::ProcessSpawn(P<tessera::SpawnArgs>(bad)); }, kAllKinds,
     -linux_abi::kEFAULT},
    {0x1040, -1, "ProcessSpawn(args.argv)",
     [](uint64_t bad) {
       tessera::SpawnArgs a = NopSpawnArgs();
       a.argv = P<const char* const>(bad);
       return sys::ProcessSpawn(&a);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1040, -1, "ProcessSpawn(args.argv[0])",
     [](uint64_t bad) {
       const char* argv[] = {P<const char>(bad)};
       tessera::SpawnArgs a = NopSpawnArgs();
       a.argv = argv;
       return sys::ProcessSpawn(&a);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1040, -1, "ProcessSpawn(args.name)",
     [](uint64_t bad) {
       tessera::SpawnArgs a = NopSpawnArgs();
       a.name = P<const char>(bad);
       return sys::ProcessSpawn(&a);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1040, -1, "ProcessSpawn(args.handles)",
     [](uint64_t bad) {
       tessera::SpawnArgs a = NopSpawnArgs();
       a.handles = P<const handle_t>(bad);
       a.num_handles = 1;
       return sys::ProcessSpawn(&a);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1040, -1, "ProcessSpawn(args.handle_names)",
     [](uint64_t bad) {
       tessera::SpawnArgs a = NopSpawnArgs();
       a.handles = &g_bp.transferable;
       a.handle_names = P<const char* const>(bad);
       a.num_handles = 1;
       return sys::ProcessSpawn(&a);
     },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1042, 1, "ProcessStats(stats)",
     [](uint64_t bad) { return sys::ProcessStats(kInvalidHandle, P<tessera::ProcessStats>(bad)); },
     kAllKinds, -linux_abi::kEFAULT},
    {0x1070, 2, "PciGetInfo(info)",
     [](uint64_t bad) {
       return sys::PciGetInfo(g_bp.pci_root, 0, P<tessera::PciFunctionInfo>(bad));
     },
     kAllKinds, -linux_abi::kEFAULT},
};

constexpr int32_t kArchGetFs = 0x1003;

const BadCase kLinuxCases[] = {
    {tessera::kNrLinuxWrite, 1, "write(buf)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxWrite, 1, bad, 16); }, kNoStraddle,
     -linux_abi::kEFAULT},
    {tessera::kNrLinuxWritev, 1, "writev(iov)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxWritev, 1, bad, 1); }, kAllKinds,
     -linux_abi::kEFAULT},
    {tessera::kNrLinuxWritev, -1, "writev(iov[0].iov_base)",
     [](uint64_t bad) {
       linux_abi::Iovec iov{bad, 16};
       return Syscall(tessera::kNrLinuxWritev, 1, Addr(&iov), 1);
     },
     kNoStraddle, -linux_abi::kEFAULT},
    {tessera::kNrLinuxNanosleep, 0, "nanosleep(req)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxNanosleep, bad, 0); }, kAllKinds,
     -linux_abi::kEFAULT},
    // Linux writes *rem only when the sleep is interrupted, so a bad rem does
    // not fail a sleep that completes.
    {tessera::kNrLinuxNanosleep, 1, "nanosleep(rem) of a completed sleep",
     [](uint64_t bad) {
       linux_abi::Timespec ts{0, 1000};
       return Syscall(tessera::kNrLinuxNanosleep, Addr(&ts), bad);
     },
     kAllKinds, 0},
    {tessera::kNrLinuxClockGettime, 1, "clock_gettime(CLOCK_MONOTONIC, tp)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxClockGettime, 1, bad); }, kAllKinds,
     -linux_abi::kEFAULT},
    {tessera::kNrLinuxArchPrctl, 1, "arch_prctl(ARCH_GET_FS, addr)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxArchPrctl, kArchGetFs, bad); }, kAllKinds,
     -linux_abi::kEFAULT},
    {tessera::kNrLinuxIoctl, 2, "ioctl(1, TIOCGWINSZ, arg)",
     [](uint64_t bad) { return Syscall(tessera::kNrLinuxIoctl, 1, linux_abi::kTiocgwinsz, bad); },
     kAllKinds, -linux_abi::kEFAULT},
    {63, 0, "uname(buf)", [](uint64_t bad) { return Syscall(63, bad); }, kAllKinds,
     -linux_abi::kEFAULT},
    // mount(2) copies every string before it looks at anything, so a bad one
    // is EFAULT and nothing is mounted on /tmp.
    {165, 0, "mount(source)",
     [](uint64_t bad) { return Syscall(165, bad, Addr("/tmp"), Addr("tmpfs"), 0, 0); }, kAllKinds,
     -linux_abi::kEFAULT},
    {165, 1, "mount(target)",
     [](uint64_t bad) { return Syscall(165, Addr("none"), bad, Addr("tmpfs"), 0, 0); }, kAllKinds,
     -linux_abi::kEFAULT},
    {165, 2, "mount(type)",
     [](uint64_t bad) { return Syscall(165, Addr("none"), Addr("/tmp"), bad, 0, 0); }, kAllKinds,
     -linux_abi::kEFAULT},
    // Linux copies what it can of `data` (up to a page), so only pointers
    // with no readable byte at all are EFAULT there.
    {165, 4, "mount(data)",
     [](uint64_t bad) { return Syscall(165, Addr("none"), Addr("/tmp"), Addr("tmpfs"), 0, bad); },
     kNoStraddle & ~(1u << kUserTop), -linux_abi::kEFAULT},
};

// The Linux calls the suite must cover whether or not the table marks their
// pointer (ioctl and arch_prctl take it as a plain integer).
constexpr uint64_t kRequiredLinux[] = {tessera::kNrLinuxWrite,     tessera::kNrLinuxWritev,
                                       tessera::kNrLinuxNanosleep, tessera::kNrLinuxClockGettime,
                                       tessera::kNrLinuxArchPrctl, tessera::kNrLinuxIoctl};

bool SetUpBadPointers() {
  g_bad[kKernelHalf] = 0xffff800000001000ULL;
  g_bad[kNonCanonical] = 0x0000900000000000ULL;
  g_bad[kNonCanonicalLo] = 0x0000800000000000ULL;
  g_bad[kNonCanonicalHi] = 0xffff7ffffffff000ULL;
  g_bad[kUserTop] = 0x00007ffffffffffeULL;
  // Two pages: the second is unmapped, the first keeps its last bytes.
  uint8_t* pages = static_cast<uint8_t*>(guest::MapAnon(2 * 4096));
  if (pages == nullptr) {
    Fail("mmap of 2 pages failed");
    return false;
  }
  memset(pages, 0x11, 4096);
  int64_t r = guest::Unmap(pages + 4096, 4096);
  if (r != 0) {
    Fail("munmap: %lld", LL(r));
    return false;
  }
  g_straddle_page = pages;
  g_bad[kUnmapped] = Addr(pages + 4096);
  g_bad[kStraddle] = Addr(pages + 4096 - 2);
  // The unmapped page must really be unmapped: a read through write(2) faults.
  ExpectEq(Syscall(tessera::kNrLinuxWrite, 1, g_bad[kUnmapped], 1), -linux_abi::kEFAULT,
           "write(1, <munmapped page>, 1)");
  return !Failed();
}

void RunBadCase(const BadCase& c, int* runs) {
  for (int k = 0; k < kNumBadKinds; ++k) {
    if ((c.kinds & (1u << k)) == 0) continue;
    RefillStraddlePage();
    int64_t r = c.run(g_bad[k]);
    ++*runs;
    if (r != c.expect) {
      Fail("%s with a %s pointer (%llx): got %lld, want %lld", c.what, kBadKindNames[k],
           ULL(g_bad[k]), LL(r), LL(c.expect));
      if (c.number == 0x1040 && r > 0) {  // a spawn that should not have happened
        sys::ProcessKill(static_cast<handle_t>(r), 0);
        sys::HandleClose(static_cast<handle_t>(r));
      }
      if (c.number == 0x1010 && r == 0) {
        // A ChannelCreate "succeeded": its handles are unknown; the handle
        // count check below reports the leak.
      }
    }
  }
}

void TestBadPointersNative() {
  if (!SetUpBadPointers()) return;
  tessera::ProcessStats before;
  if (!Stats(kInvalidHandle, &before)) return;

  // Coverage: every pointer parameter in the native table has a case.
  int ptr_params = 0, ptr_calls = 0;
  for (const TableEntry& e : kNativeTable) {
    if (e.ptr_mask == 0) continue;
    ++ptr_calls;
    for (int i = 0; i < 32; ++i) {
      if ((e.ptr_mask & (1u << i)) == 0) continue;
      ++ptr_params;
      bool covered = false;
      for (const BadCase& c : kNativeCases)
        covered = covered || (c.number == e.number && c.param == i);
      EXPECT(covered, "%s (%#llx) parameter %d is a user pointer without a bad-pointer case",
             e.name, ULL(e.number), i);
    }
  }
  for (const BadCase& c : kNativeCases) {
    bool listed = false;
    for (const TableEntry& e : kNativeTable) listed = listed || e.number == c.number;
    EXPECT(listed, "case %s names call %#llx, which is not in the native table", c.what,
           ULL(c.number));
  }
  // The derivation itself must see the pointers (11 parameters in 9 calls
  // when this was written; more is fine, the check above covers them).
  EXPECT(ptr_params >= 11 && ptr_calls >= 9,
         "only %d pointer parameters in %d calls found in TESSERA_NATIVE_SYSCALLS", ptr_params,
         ptr_calls);

  // State the cases need.
  if (!CreateChannel(&g_bp.quiet_a, &g_bp.quiet_b)) return;
  if (!CreateChannel(&g_bp.nested_a, &g_bp.nested_b)) return;
  g_bp.notif = CreateNotification();
  g_bp.nop_exe = g_boot.Find("nop");
  EXPECT(g_bp.nop_exe != kInvalidHandle, "no boot module named nop");
  g_bp.transferable = CreateNotification();
  g_bp.pci_root = g_boot.Find("pci");
  EXPECT(g_bp.pci_root != kInvalidHandle, "no PCI root handle named pci");
  ExpectEq(sys::NotificationSignal(g_bp.notif, kNotifyBits), 0, "NotificationSignal");
  // One message waits on quiet_b: reads with bad args must leave it queued.
  ExpectEq(sys::ChannelWrite(g_bp.quiet_b, "keep", 4, nullptr, 0, 0), 0, "ChannelWrite");
  ExpectEq(sys::ChannelWrite(g_bp.quiet_a, "keep", 4, nullptr, 0, 0), 0, "ChannelWrite");
  if (Failed()) return;

  int runs = 0;
  for (const BadCase& c : kNativeCases) RunBadCase(c, &runs);

  // Nothing happened on the way: no message was sent, none lost, no bits
  // lost, no handle leaked or taken, and IPC still works.
  char buf[16];
  tessera::ChannelReadArgs args{};
  args.bytes = buf;
  args.bytes_capacity = sizeof buf;
  ExpectEq(sys::ChannelRead(g_bp.quiet_b, &args), 0, "reading the message queued before");
  ExpectEq(sys::ChannelRead(g_bp.quiet_b, &args), -linux_abi::kEAGAIN,
           "a second message on the quiet channel (a faulting write or call sent one)");
  ExpectEq(sys::ChannelRead(g_bp.quiet_a, &args), 0, "the message queued on the other end");
  uint64_t bits = 0;
  ExpectEq(sys::NotificationTake(g_bp.notif, &bits), 0, "NotificationTake");
  ExpectEq(static_cast<int64_t>(bits), kNotifyBits, "notification bits after faulting takes");
  tessera::ProcessStats after;
  if (Stats(kInvalidHandle, &after)) {
    ExpectEq(static_cast<int64_t>(after.handles), static_cast<int64_t>(before.handles) + 6,
             "handles after the bad-pointer calls (4 channel ends, 2 notifications added)");
  }
  EchoCall(7000);
  Info("%d native calls, %d with pointers (%d pointer parameters); %d bad-pointer calls made",
       static_cast<int>(sizeof kNativeTable / sizeof kNativeTable[0]), ptr_calls, ptr_params, runs);
  CloseOwn(g_bp.transferable);
  CloseOwn(g_bp.notif);
  CloseOwn(g_bp.quiet_a);
  CloseOwn(g_bp.quiet_b);
  CloseOwn(g_bp.nested_a);
  CloseOwn(g_bp.nested_b);
}

void TestBadPointersLinux() {
  if (!SetUpBadPointers()) return;
  auto in_table = [](uint64_t number) {
    for (const TableEntry& e : kLinuxTable) {
      if (e.number == number) return true;
    }
    return false;
  };
  for (uint64_t n : kRequiredLinux) {
    EXPECT(in_table(n), "Linux call %llu is no longer in TESSERA_LINUX_SYSCALLS", ULL(n));
  }
  int ptr_params = 0, uncovered = 0;
  for (const TableEntry& e : kLinuxTable) {
    for (int i = 0; i < 32; ++i) {
      if ((e.ptr_mask & (1u << i)) == 0) continue;
      ++ptr_params;
      bool covered = false;
      for (const BadCase& c : kLinuxCases)
        covered = covered || (c.number == e.number && c.param == i);
      if (covered) continue;
      bool required = false;
      for (uint64_t n : kRequiredLinux) required = required || n == e.number;
      if (required) {
        Fail("%s (%llu) parameter %d is a user pointer without a bad-pointer case", e.name,
             ULL(e.number), i);
      } else {
        ++uncovered;
        Info("note: %s (%llu) parameter %d is a user pointer this suite does not test", e.name,
             ULL(e.number), i);
      }
    }
  }
  EXPECT(ptr_params >= 5, "only %d pointer parameters found in TESSERA_LINUX_SYSCALLS", ptr_params);
  int runs = 0;
  for (const BadCase& c : kLinuxCases) {
    if (in_table(c.number)) RunBadCase(c, &runs);
  }
  EchoCall(7100);
  Info(
      "%d Linux calls in the table, %d pointer parameters (%d without a case); %d bad-pointer "
      "calls made",
      static_cast<int>(sizeof kLinuxTable / sizeof kLinuxTable[0]), ptr_params, uncovered, runs);
}

}  // namespace coretest
