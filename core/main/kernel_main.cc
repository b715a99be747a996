#include "hal/kernel_entry.h"

#include "core/console/console.h"
#include "core/fd/fifo.h"
#include "core/fs/block_file.h"
#include "core/fs/remote_mounts.h"
#include "core/fs/root.h"
#include "core/ipc/wait.h"
#include "core/kernel/log.h"
#include "core/kernel/memory.h"
#include "core/kernel/wall_clock.h"
#include "core/kmsg/syslog.h"
#include "core/main/boot_report.h"
#include "core/main/preemption_check.h"
#include "core/pci/pci_bus.h"
#include "core/pci/pci_device.h"
#include "core/proc/core_dump_hook.h"
#include "core/proc/cpu_time.h"
#include "core/proc/init_process.h"
#include "core/proc/interval_timers.h"
#include "core/sched/scheduler.h"
#include "core/syscall/core_dump.h"
#include "core/syscall/dispatch.h"
#include "core/syscall/entry.h"
#include "core/syscall/mount_agent.h"
#include "core/syscall/sys_common.h"
#include "hal/boot/cmdline.h"
#include "hal/cpu.h"
#include "hal/machine.h"
#include "hal/platform.h"
#include "hal/timer.h"
#include "klog/log_buffer.h"
#include "kstd/string.h"

namespace core {
namespace {

constexpr uint32_t kTimerHz = sched::kTickHz;
constexpr const char* kVersion = "0.1.0";

// `tessera.test=boot`: the boot system test. After this many ticks the kernel
// reports and ends the machine with status 0.
constexpr uint64_t kBootTestTicks = 200;

// `tessera.test=fault`: the fault system test reads this unmapped user-half
// address from kernel mode to check the exception report.
constexpr uintptr_t kFaultTestAddress = 0x0000700000000000;

void RunRequestedSelfTest(const char* cmdline) {
  char test[16];
  if (!hal::CmdlineValue(cmdline, "tessera.test", test, sizeof test)) return;
  if (kstd::StringEqual(test, "fault")) {
    Log("test", "fault test: reading unmapped address %p",
        reinterpret_cast<void*>(kFaultTestAddress));
    auto* p = reinterpret_cast<volatile uint64_t*>(kFaultTestAddress);
    (void)*p;
    Panic("fault test: the read of an unmapped address did not fault");
  }
}

[[noreturn]] void RunKernel(const hal::BootInfo& boot_info) {
  klog::SetClock(hal::MonotonicNanos);  // the log's timestamps (0 until the TSC is calibrated)
  Log("boot", "Tessera %s (x86-64) booting; loader: %s", kVersion,
      boot_info.loader_name[0] ? boot_info.loader_name : "unknown");
  Log("boot", "command line: \"%s\"", boot_info.cmdline);
  char panic_action[8];
  if (hal::CmdlineValue(boot_info.cmdline, "panic", panic_action, sizeof panic_action)) {
    SetPanicHalts(kstd::StringEqual(panic_action, "halt"));
  }

  ReportMemoryMap(boot_info);
  InitMemory(boot_info);
  ReportModules(boot_info);

  auto interrupts = hal::InitInterrupts(boot_info, kTimerHz);
  if (interrupts.is_error()) {
    Panic("interrupt controllers or timer unavailable: %s", kstd::ErrorName(interrupts.error()));
  }
  hal::StackRange boot_stack = hal::BootStack();
  sched::InitScheduler(boot_stack.base, boot_stack.size);
  hal::SetTickCallback(sched::OnTick);
  hal::SetInterruptExitCallback(sched::PreemptIfNeeded);
  hal::EnableInterrupts();
  InitWallClock();
  CheckPreemption();

  pci::InitDeviceInterrupts();
  auto pci = pci::Enumerate();
  if (pci.is_error()) Log("pci", "enumeration failed: %s", kstd::ErrorName(pci.error()));
  RunRequestedSelfTest(boot_info.cmdline);
  while (hal::TimerTicks() < kBootTestTicks) sched::SleepTicks(10);
  Log("timer", "%lu ticks at %u Hz since the timer started", hal::TimerTicks(), hal::TimerHz());

  syscall::InitTraps();
  fd::InitFifos();
  fs::InitBlockFiles(syscall::BlockClientThroughAgent);
  SetCoreDumper(syscall::DumpCore);
  if (StartIntervalTimers().is_error()) Panic("no memory for the interval-timer thread");
  InitCpuTimers();
  if (hal::CmdlineHas(boot_info.cmdline, "tessera.strace")) syscall::SetTrace(true);
  console::InitConsole();
  if (kmsg::InitSyslog().is_error()) Panic("no memory for the kernel log's syslog reader");
  auto filesystems = fs::InitFileSystems(boot_info);
  if (filesystems.is_error()) Panic("file systems: %s", kstd::ErrorName(filesystems.error()));
  // PID 1's stdin, stdout and stderr: the console.
  auto stdio = console::OpenConsole();
  kstd::Result<kstd::RefPtr<Process>> init =
      stdio.is_error() ? kstd::Result<kstd::RefPtr<Process>>(stdio.error())
                       : StartInit(boot_info, stdio.release_value());
  if (init.is_error()) {
    if (hal::CmdlineHas(boot_info.cmdline, "tessera.test")) hal::ExitMachine(kPanicExitCode);
    Panic("no init process: %s", kstd::ErrorName(init.error()));
  }
  // PID 1 must never end; in test modes its exit status ends the machine.
  kstd::RefPtr<KernelObject> object = init.value();
  Signals wanted = kSignalTerminated;
  while (ipc::WaitForSignals(&object, &wanted, 1, sched::kNoDeadline, nullptr).is_error()) {
  }
  int status = init.value()->wait_status();
  Log("init", "init (pid 1) exited with wait status 0x%x", status);
  if (hal::CmdlineHas(boot_info.cmdline, "tessera.test")) {
    fs::UnmountRemoteFileSystems();  // the disk is left clean for the host's checks
    Log("test", "%s test: %s", "init", status == 0 ? "PASS" : "FAIL");
    hal::ExitMachine(
        status == 0 ? 0 : ((status >> 8) != 0 ? (status >> 8) & 0x7F : 64 + (status & 0x7F)));
  }
  Panic("init (pid 1) exited with wait status 0x%x", status);
}

}  // namespace
}  // namespace core

// The kernel's side of the contract in hal/kernel_entry.h.
void hal::KernelMain(const hal::BootInfo& boot_info) { core::RunKernel(boot_info); }
