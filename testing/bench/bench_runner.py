"""Boots Tessera and Debian's Linux in QEMU and collects benchsuite's figures.

Run through `bazel run //testing/bench:tessera` or `:compare` (bench.sh finds
the runfiles). Two commands:

  tessera   the suite on Tessera (tessera.test=suite), plus the Tessera-only
            figures: the native IPC 64-byte call/reply round trip (corebench's
            ipc_call_64B, from //testing/bench:core_iso) and the boot time from
            launching QEMU to the first shell prompt of the normal ISO.
  compare   Tessera and Linux in turn for --rounds rounds (the order alternates
            from round to round), then a table metric | Tessera | Linux | ratio
            and the same as JSON in the file it names.

Both systems run in the same QEMU configuration: q35, -accel tcg, -cpu max,
the same memory and CPU count, serial console to a file, and a fresh copy of
//testing/bench:bench_disk (ext2, the root file system's tree, 256 MiB) as a
modern virtio-blk disk. Tessera's init moves its root to that disk before the
suite runs. Linux is Debian's linux-image-amd64 (installed if missing) booted
directly (-kernel/-initrd) with //testing/bench:linux_initramfs (Tessera's
root file system plus an /init that mounts the disk as ext2 and runs the
same benchsuite binary in it with chroot) and, appended at run time, the
kernel's virtio_blk and ext4 modules from /lib/modules/<version>/ (Debian
builds them as modules; built-in ones are left out).

Network (issue 12): both guests get the same NIC, run_qemu.sh's default: a
modern virtio-net device in slot 2 on QEMU's user network (slirp), the
guest 10.0.2.15, the host 10.0.2.2, and one host port (on 127.0.0.1)
forwarded to the guest's HTTP port (net_bench.h). A HostPeer
(host_peer.py) on 127.0.0.1 serves the host ends of the TCP and HTTP
benchmarks; the suite gets it as --peer 10.0.2.2:PORT. Linux loads Debian's
virtio_net module and sets eth0 up statically (linux_init.sh, with the peer
from the kernel's command line: bench.peer=). Tessera's tessera.test=suite
boot starts no network server (init), so there the network metrics say
"no network" and come instead from a boot of the normal ISO (init starts
virtio_net and net_server, DHCP gives eth0 its address) where the runner
types `benchsuite --peer ... tcp_ http_ icmp_` at the shell.

Disk caches: before each read pass the suite drops the caches where the
system can (Linux: posix_fadvise and /proc/sys/vm/drop_caches); Tessera has
no way to, and its ext2 server's 4 MiB block cache is kept (the table says
which in the read rows' notes; see suite.cc).

Ratios are Tessera / Linux for times and Linux / Tessera for bandwidths, so
below 1.0 always means Tessera is better. Figures are medians over rounds of
the per-round medians; under TCG they are emulation costs, so only ratios
from one run on one machine mean anything.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import host_peer

# The guest port of the suite's HTTP server (net_bench.h: kHttpGuestPort).
HTTP_GUEST_PORT = 8080

# The goals of issue 6 (ratio Tessera/Linux, lower is better). Reported, not tuned for.
GOALS = {
    "null_syscall_getppid": 0.7,
    "pipe_roundtrip": 1.0,
    "context_switch_pipe": 1.0,
    "pipe_bw_64KiB": 1.5,
    "fork_exit_wait": 1.0,
    "fork_execve_wait": 1.5,
    "page_fault_anon": 1.0,
    "page_fault_cow": 1.0,
    "file_open_read_close": 2.0,
    "disk_seq_write": 1.5,
    "disk_seq_read": 1.5,
    "boot": 0.25,
    "native_ipc_vs_linux_pipe": 0.5,
    # Issue 11: sockets and event APIs.
    "unix_stream_roundtrip": 1.0,
    "unix_stream_bw_64KiB": 1.0,
    "unix_dgram_roundtrip": 1.0,
    "epoll_wait_1_of_1000": 1.0,
    "eventfd_pingpong": 1.0,
    # Issue 12: networking. Throughput at least 0.8 of Linux's (ratio
    # Linux/Tessera <= 1.25), latencies at most 1.25 times Linux's.
    "tcp_loopback_roundtrip": 1.25,
    "tcp_loopback_bw": 1.25,
    "tcp_host_roundtrip": 1.25,
    "tcp_bw_to_host": 1.25,
    "tcp_bw_from_host": 1.25,
    "http_get_1KiB": 1.25,
    "icmp_ping_host": 1.25,
}

BENCH_LINE = re.compile(
    r"^bench: (?P<metric>\S+) unit=(?P<unit>\S+) median=(?P<median>-?[\d.]+) "
    r"min=(?P<min>-?[\d.]+) max=(?P<max>-?[\d.]+) iterations=(?P<iterations>\d+)(?P<extra>.*)$")
SUMMARY = re.compile(r"^bench: summary .*seconds=(?P<seconds>[\d.]+)")
BENCH_OTHER = re.compile(r"^bench: (?P<metric>\S+) (?P<kind>skipped|error): (?P<reason>.*)$")
CORE_LINE = re.compile(
    r"^corebench: (?P<metric>\S+) median=(?P<median>\d+) min=(?P<min>\d+) max=(?P<max>\d+) "
    r"iterations=(?P<iterations>\d+)$")
TESSERA_PROMPT = "tessera:~# "
TESSERA_DHCP = re.compile(r"net: eth0 10\.0\.2\.15 netmask \S+ gateway 10\.0\.2\.2 \(DHCP\)")
# The guest's view of the host (QEMU's user network), and the benchmarks that
# need a network: those the suite runs again on Tessera with the network up.
HOST_FROM_GUEST = "10.0.2.2"
NET_SELECTION = ("tcp_", "http_", "icmp_")
LINUX_INIT = re.compile(r"linux-init: reached init uptime=(?P<uptime>[\d.]+) kernel=(?P<kernel>\S+)")
LINUX_CMDLINE = "console=ttyS0 quiet panic=-1"


def say(*parts):
    print(*parts, flush=True)


def load_metrics(path):
    metrics = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, kind = line.split()
                metrics.append((name, kind))
    return metrics


def parse_suite(text):
    """benchsuite's lines -> {metric: {...}}, plus whether it printed 'bench: done'."""
    figures = {}
    done = False
    for line in text.splitlines():
        line = line.rstrip("\r")
        m = BENCH_LINE.match(line)
        if m:
            extra = dict(kv.split("=", 1) for kv in m.group("extra").split() if "=" in kv)
            figures[m.group("metric")] = {
                "unit": m.group("unit"),
                "median": float(m.group("median")),
                "min": float(m.group("min")),
                "max": float(m.group("max")),
                "iterations": int(m.group("iterations")),
                "extra": extra,
            }
            continue
        m = BENCH_OTHER.match(line)
        if m:
            figures[m.group("metric")] = {m.group("kind"): m.group("reason")}
            continue
        m = SUMMARY.match(line)
        if m:
            figures["_guest_seconds"] = float(m.group("seconds"))
        if line == "bench: done":
            done = True
    return figures, done


class Boot:
    """One QEMU run with the serial console in a file, watched for markers."""

    def __init__(self, name, cmd, log_path):
        self.name, self.cmd, self.log_path = name, cmd, log_path

    def run(self, markers=(), stop_at=None, timeout=600.0, typing=None):
        """Runs until QEMU exits (or `stop_at`, a marker name, is seen, or the
        timeout). Returns (status, text, {marker: seconds since launch}).

        With `typing` ((names, text): once every marker of `names` has been
        seen, `text` is typed at the console), the console is QEMU's stdio
        (the command must not send it to a file): its output goes to the
        log, its input comes from us."""
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)
        seen = {}
        t0 = time.monotonic()
        # QEMU's own messages (e.g. "terminating on signal 15") go next to the log.
        with open(self.log_path + ".stderr", "wb") as err:
            if typing is None:
                proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                        start_new_session=True)
            else:
                with open(self.log_path, "wb") as out:
                    proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                            start_new_session=True)
        text = ""
        status = None
        typed = typing is None
        try:
            while True:
                status = proc.poll()
                text = self._read()
                now = time.monotonic() - t0
                for name, pattern in markers:
                    if name not in seen and _found(pattern, text):
                        seen[name] = now
                if not typed and status is None and all(n in seen for n in typing[0]):
                    proc.stdin.write(typing[1].encode())
                    proc.stdin.flush()
                    typed = True
                if stop_at is not None and stop_at in seen:
                    break
                if status is not None:
                    break
                if now > timeout:
                    say(f"  {self.name}: no end after {timeout:.0f} s; stopping QEMU")
                    status = 124
                    break
                time.sleep(0.005)
        finally:
            if proc.stdin is not None:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            if proc.poll() is None:
                # The launcher and QEMU run in their own process group (ours).
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        return status, self._read(), seen

    def _read(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""


def _found(pattern, text):
    if isinstance(pattern, str):
        return pattern in text
    return pattern.search(text) is not None


class Runner:
    def __init__(self, args):
        self.args = args
        rf = args.runfiles
        self.run_qemu = os.path.join(rf, "platform/qemu-q35/run_qemu.sh")
        self.shell_iso = os.path.join(rf, "platform/qemu-q35/iso.iso")
        self.suite_iso = os.path.join(rf, "testing/bench/suite_iso.iso")
        self.core_iso = os.path.join(rf, "testing/bench/core_iso.iso")
        self.linux_initramfs = os.path.join(rf, "testing/bench/linux_initramfs.cpio")
        self.bench_disk = os.path.join(rf, "testing/bench/bench_disk.img")
        self.metrics = load_metrics(os.path.join(rf, "testing/bench/metrics.txt"))
        self.out_dir = args.out_dir
        os.makedirs(self.out_dir, exist_ok=True)
        self.linux_kernel = None
        self.linux_initrd = None  # linux_initramfs plus the kernel's modules
        self.peer = None  # the HostPeer, from start_peer() on

    def start_peer(self):
        self.peer = host_peer.HostPeer().start()
        say(f"{self.args.command}: host peer on 127.0.0.1:{self.peer.port} (the guests' {HOST_FROM_GUEST}:{self.peer.port})")

    def forward_http(self):
        """A free host port on 127.0.0.1, forwarded to the guest's HTTP
        server by the next boot; the peer's GETs go there."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.peer.http_port = port
        return port

    def peer_arg(self):
        return f"{HOST_FROM_GUEST}:{self.peer.port}"

    def log(self, name):
        return os.path.join(self.out_dir, name + ".serial.log")

    def qemu_common(self):
        return ["--smp", str(self.args.smp), "--mem", str(self.args.mem)]

    # ---- Tessera -------------------------------------------------------------

    def tessera_round(self, rnd):
        result = {"system": "tessera"}
        # 1. The normal ISO, to the shell prompt: boot time as a person sees it.
        boot = Boot("tessera boot", [self.run_qemu, "--iso", self.shell_iso, "--serial-log",
                                     self.log(f"tessera-boot-{rnd}")] + self.qemu_common(),
                    self.log(f"tessera-boot-{rnd}"))
        _, text, seen = boot.run(markers=[("first_byte", re.compile(r"\S")),
                                          ("init", "init: Tessera init started"),
                                          ("prompt", TESSERA_PROMPT)],
                                 stop_at="prompt", timeout=120)
        if "prompt" in seen:
            result["boot_to_prompt_ms"] = round(seen["prompt"] * 1000)
            result["boot_to_init_ms"] = round(seen.get("init", 0) * 1000)
        else:
            result["boot_error"] = "no shell prompt within 120 s"
        # 2. The suite.
        t = time.monotonic()
        # run_qemu.sh attaches a fresh copy of the disk image (deleted at exit).
        boot = Boot("tessera suite", [self.run_qemu, "--iso", self.suite_iso, "--image", self.bench_disk,
                                      "--serial-log", self.log(f"tessera-suite-{rnd}")] + self.qemu_common(),
                    self.log(f"tessera-suite-{rnd}"))
        status, text, seen = boot.run(markers=SUITE_MARKERS, timeout=self.args.timeout)
        result["suite_seconds"] = round(time.monotonic() - t, 1)
        result["figures"], result["suite_done"] = parse_suite(text)
        check_clock(result, seen)
        # isa-debug-exit: QEMU's status is (guest status << 1) | 1.
        result["suite_exit_ok"] = status == 1
        result["qemu_status"] = status
        if "KERNEL PANIC" in text:
            result["panic"] = _tail(text, "KERNEL PANIC")
        if "init: the root is now the ext2 disk" not in text:
            result["disk_error"] = "the root did not move to the disk"
        # 2b. The network metrics, with the network up (see the module's doc).
        if not self.args.no_net:
            self.tessera_net(rnd, result)
        # 3. corebench, for the native IPC round trip.
        if not self.args.no_native:
            boot = Boot("tessera corebench", [self.run_qemu, "--iso", self.core_iso, "--serial-log",
                                              self.log(f"tessera-core-{rnd}")] + self.qemu_common(),
                        self.log(f"tessera-core-{rnd}"))
            _, text, _ = boot.run(timeout=self.args.timeout)
            for line in text.splitlines():
                m = CORE_LINE.match(line)
                if m and m.group("metric") == "ipc_call_64B":
                    result["native_ipc_64B"] = {k: int(m.group(k)) for k in ("median", "min", "max", "iterations")}
        return result

    def tessera_net(self, rnd, result):
        """Boots the normal ISO with a forwarded HTTP port, waits for the
        shell and eth0's DHCP lease, types the suite's network benchmarks and
        a power-off; their figures replace the suite boot's "no network"."""
        log = self.log(f"tessera-net-{rnd}")
        fwd = self.forward_http()
        cmd = [self.run_qemu, "--iso", self.shell_iso, "--net", "user",
               "--hostfwd", f"tcp:{fwd}-:{HTTP_GUEST_PORT}"] + self.qemu_common()
        line = (f"benchsuite --peer {self.peer_arg()} {' '.join(NET_SELECTION)}; "
                "echo bench-net-status=$?; kill -USR2 1\n")
        status, text, seen = Boot("tessera net", cmd, log).run(
            markers=[("prompt", TESSERA_PROMPT), ("dhcp", TESSERA_DHCP)] + SUITE_MARKERS,
            timeout=self.args.timeout, typing=(("prompt", "dhcp"), line))
        figures, done = parse_suite(text)
        clock = {"figures": figures}
        check_clock(clock, seen)
        result["net_qemu_status"] = status
        if "KERNEL PANIC" in text:
            result["panic"] = _tail(text, "KERNEL PANIC")
        if "dhcp" not in seen:
            result["net_error"] = "network boot: no DHCP lease for eth0 (net: eth0 10.0.2.15 ...)"
        elif not done:
            result["net_error"] = "network boot: the suite did not finish (no 'bench: done')"
        elif "bench-net-status=0" not in text:
            result["net_error"] = "network boot: the suite did not exit 0"
        if "clock_error" in clock:
            result["net_error"] = "network boot: " + clock["clock_error"]
            return
        for name, kind in self.metrics:
            if kind in ("net", "peer") and name in figures:
                result["figures"][name] = figures[name]

    # ---- Linux ---------------------------------------------------------------

    def find_linux_kernel(self):
        if self.args.linux_kernel:
            return self.args.linux_kernel
        kernels = sorted(glob.glob("/boot/vmlinuz-*"), key=_version_key)
        if not kernels:
            say("compare: no /boot/vmlinuz-*: installing Debian's linux-image-amd64")
            cmd = ["apt-get", "install", "-y", "linux-image-amd64"]
            if os.geteuid() != 0:
                if shutil.which("sudo") is None:
                    sys.exit("compare: need root or sudo to install linux-image-amd64")
                cmd = ["sudo", "-n"] + cmd
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            subprocess.run(cmd, check=True, env=env, stdout=sys.stderr)
            kernels = sorted(glob.glob("/boot/vmlinuz-*"), key=_version_key)
            if not kernels:
                sys.exit("compare: linux-image-amd64 installed no /boot/vmlinuz-*")
        kernel = kernels[-1]
        if not os.access(kernel, os.R_OK):
            # Debian's kernels may be root-only: read a copy through sudo.
            copy = os.path.join(self.out_dir, os.path.basename(kernel))
            with open(copy, "wb") as f:
                subprocess.run(["sudo", "-n", "cat", kernel], check=True, stdout=f)
            kernel = copy
        return kernel

    def make_linux_initrd(self):
        """linux_initramfs plus a cpio archive of the kernel modules the disk
        and the NIC need (virtio_blk, ext4, virtio_net and what they depend
        on) under
        /lib/modules/bench/, with "order" listing them in load order; the
        /init script insmods them. Made at run time from the host's
        /lib/modules/<version>/, so building needs no installed kernel."""
        version = os.path.basename(self.linux_kernel)
        version = version[len("vmlinuz-"):] if version.startswith("vmlinuz-") else version
        mod_dir = self.args.linux_modules or os.path.join("/lib/modules", version)
        modules = linux_module_order(mod_dir, LINUX_MODULES)
        path = os.path.join(self.out_dir, "linux-initrd.cpio")
        with tempfile.TemporaryDirectory() as stage:
            bench = os.path.join(stage, "lib", "modules", "bench")
            os.makedirs(bench)
            names = []
            for rel in modules:
                names.append(_copy_module(os.path.join(mod_dir, rel), bench))
            with open(os.path.join(bench, "order"), "w") as f:
                f.write("".join(n + "\n" for n in names))
            entries = ["lib", "lib/modules", "lib/modules/bench", "lib/modules/bench/order"]
            entries += ["lib/modules/bench/" + n for n in names]
            proc = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "--owner", "0:0"],
                                  input=("\n".join(entries) + "\n").encode(), cwd=stage,
                                  stdout=subprocess.PIPE, check=True)
            extra = proc.stdout
        with open(path, "wb") as out:
            with open(self.linux_initramfs, "rb") as base:
                shutil.copyfileobj(base, out)
            out.write(extra)
        say(f"compare: Linux modules from {mod_dir}: {' '.join(names) if names else '(all built in)'}")
        return path

    def linux_round(self, rnd):
        result = {"system": "linux"}
        log = self.log(f"linux-{rnd}")
        # A fresh copy of the disk, as run_qemu.sh makes for Tessera.
        disk = os.path.join(self.out_dir, f"linux-disk-{rnd}.img")
        subprocess.run(["cp", "--sparse=always", self.bench_disk, disk], check=True)
        os.chmod(disk, 0o644)
        # The same machine as run_qemu.sh gives Tessera, minus the CD: its
        # default NIC (slot 2, before the disk) with the HTTP port forwarded
        # from 127.0.0.1 only.
        fwd = f",hostfwd=tcp:127.0.0.1:{self.forward_http()}-:{HTTP_GUEST_PORT}" if self.peer else ""
        cmdline = LINUX_CMDLINE + (f" bench.peer={self.peer_arg()}" if self.peer else "")
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max",
               "-smp", str(self.args.smp), "-m", str(self.args.mem),
               "-display", "none", "-no-reboot",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", self.linux_kernel, "-initrd", self.linux_initrd,
               "-append", cmdline,
               "-netdev", f"user,id=n0{fwd}",
               "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,addr=2",
               "-drive", f"file={disk},if=none,format=raw,id=root",
               "-device", "virtio-blk-pci,drive=root,disable-legacy=on",
               "-serial", f"file:{log}", "-monitor", "none"]
        t = time.monotonic()
        try:
            status, text, seen = Boot("linux", cmd, log).run(
                markers=[("init", LINUX_INIT)] + SUITE_MARKERS, timeout=self.args.timeout)
        finally:
            os.unlink(disk)
        result["suite_seconds"] = round(time.monotonic() - t, 1)
        if "linux-init: the root is now the ext2 disk" not in text:
            result["disk_error"] = "the disk was not mounted as the root"
        if "init" in seen:
            result["boot_to_init_ms"] = round(seen["init"] * 1000)
            m = LINUX_INIT.search(text)
            result["guest_uptime_at_init_ms"] = round(float(m.group("uptime")) * 1000)
            result["kernel"] = m.group("kernel")
        else:
            result["boot_error"] = "init not reached"
        result["figures"], result["suite_done"] = parse_suite(text)
        check_clock(result, seen)
        m = re.search(r"linux-init: benchsuite exit status (\d+)", text)
        result["suite_exit_ok"] = m is not None and m.group(1) == "0"
        result["qemu_status"] = status
        return result

    # ---- commands ------------------------------------------------------------

    def check_round(self, r):
        """Problems of one round, as strings (an empty list when it is complete)."""
        problems = []
        figs = r.get("figures", {})
        for name, kind in self.metrics:
            f = figs.get(name)
            if f is None:
                problems.append(f"{name}: missing")
            elif "error" in f:
                problems.append(f"{name}: error: {f['error']}")
            elif "skipped" in f:  # both systems run with a disk: disk figures too
                problems.append(f"{name}: skipped: {f['skipped']}")
        if not r.get("suite_done"):
            problems.append("the suite did not finish (no 'bench: done')")
        if not r.get("suite_exit_ok"):
            problems.append(f"the suite did not end cleanly (QEMU status {r.get('qemu_status')})")
        if "boot_error" in r:
            problems.append(r["boot_error"])
        if "disk_error" in r:
            problems.append(r["disk_error"])
        if "net_error" in r:
            problems.append(r["net_error"])
        if "clock_error" in r:
            problems.append(r["clock_error"] + " (round left out of the figures)")
        if "panic" in r:
            problems.append("kernel panic: " + r["panic"])
        return problems

    def cmd_tessera_net(self):
        """tessera --net-only: only the boots with the network up (the smoke
        test's quick check that the network rows can be measured)."""
        self.start_peer()
        rounds = []
        for rnd in range(1, self.args.rounds + 1):
            r = {"system": "tessera", "figures": {}}
            self.tessera_net(rnd, r)
            rounds.append(r)
        agg = aggregate(rounds)
        problems = []
        for name, kind in self.metrics:
            if kind in ("net", "peer"):
                say(format_line(name, agg.get(name)))
                problems += [f"{name}: {f.get('error') or f.get('skipped') or 'missing'}"
                             for f in (r["figures"].get(name, {}) for r in rounds) if "median" not in f]
        problems += [r[k] for r in rounds for k in ("net_error", "panic") if k in r]
        path = self.write_json({"command": "tessera-net", "rounds": rounds, "tessera": agg})
        say(f"tessera: JSON in {path}; serial logs in {self.out_dir}")
        for p in problems:
            say(f"tessera: problem: {p}")
        return 0 if not problems else 1

    def cmd_tessera(self):
        if self.args.net_only:
            return self.cmd_tessera_net()
        if not self.args.no_net:
            self.start_peer()
        rounds = []
        for rnd in range(1, self.args.rounds + 1):
            r = self.tessera_round(rnd)
            rounds.append(r)
            say(f"tessera: round {rnd}/{self.args.rounds}: suite {r['suite_seconds']} s"
                + (f", boot to prompt {r['boot_to_prompt_ms']} ms" if "boot_to_prompt_ms" in r else ""))
        agg = aggregate(rounds)
        for name, _ in self.metrics:
            say(format_line(name, agg.get(name)))
        ipc = _median([r["native_ipc_64B"]["median"] for r in rounds if "native_ipc_64B" in r])
        if ipc is not None:
            say(f"bench: native_ipc_call_64B unit=ns median={ipc:.0f} (corebench ipc_call_64B)")
        else:
            say("bench: native_ipc_call_64B error: no corebench figure")
        boot = _median([r["boot_to_prompt_ms"] for r in rounds if "boot_to_prompt_ms" in r])
        if boot is not None:
            say(f"bench: boot_to_prompt unit=ms median={boot:.0f} (host wall time, QEMU launch to '{TESSERA_PROMPT.strip()}')")
        else:
            say("bench: boot_to_prompt error: no shell prompt")
        problems = [p for r in rounds for p in self.check_round(r)]
        path = self.write_json({"command": "tessera", "rounds": rounds, "tessera": agg})
        say(f"tessera: JSON in {path}; serial logs in {self.out_dir}")
        for p in problems:
            say(f"tessera: problem: {p}")
        return 0 if not problems else 1

    def cmd_compare(self):
        self.linux_kernel = self.find_linux_kernel()
        self.linux_initrd = self.make_linux_initrd()
        say(f"compare: Linux kernel {self.linux_kernel}, initramfs {self.linux_initrd}")
        if not self.args.no_net:
            self.start_peer()
        say(f"compare: QEMU q35 -accel tcg -cpu max -smp {self.args.smp} -m {self.args.mem}; "
            f"{self.args.rounds} round(s); logs in {self.out_dir}")
        tess, lin = [], []
        for rnd in range(1, self.args.rounds + 1):
            order = ["tessera", "linux"] if rnd % 2 == 1 else ["linux", "tessera"]
            t0 = time.monotonic()
            for system in order:
                if system == "tessera":
                    tess.append(self.tessera_round(rnd))
                else:
                    lin.append(self.linux_round(rnd))
            t, l = tess[-1], lin[-1]
            issues = [f"tessera {p}" for p in self.check_round(t)] + [f"linux {p}" for p in self.check_round(l)]
            say(f"compare: round {rnd}/{self.args.rounds} ({' then '.join(order)}) done in "
                f"{time.monotonic() - t0:.0f} s: Tessera suite {t['suite_seconds']} s, "
                f"boot to prompt {t.get('boot_to_prompt_ms', '?')} ms; Linux suite {l['suite_seconds']} s, "
                f"boot to init {l.get('boot_to_init_ms', '?')} ms"
                + (f"; {len(issues)} problem(s): " + "; ".join(issues) if issues else ""))
        t_agg, l_agg = aggregate(tess), aggregate(lin)
        rows = self.table_rows(t_agg, l_agg, tess, lin)
        print_table(rows)
        doc = {
            "command": "compare",
            "rounds": self.args.rounds,
            "table": rows,
            "tessera": t_agg,
            "linux": l_agg,
            "raw_rounds": {"tessera": tess, "linux": lin},
            "linux_kernel": self.linux_kernel,
            "disk_image": self.bench_disk,
            "linux_cmdline": LINUX_CMDLINE,
        }
        path = self.write_json(doc)
        say(f"compare: JSON written to {path}")
        problems = [p for r in tess + lin for p in self.check_round(r)]
        return 0 if not problems else 1

    def table_rows(self, t_agg, l_agg, tess, lin):
        rows = []
        for name, _ in self.metrics:
            t, l = t_agg.get(name), l_agg.get(name)
            row = {"metric": name, "unit": None, "tessera": None, "linux": None, "ratio": None,
                   "goal": GOALS.get(name), "note": ""}
            for key, f in (("tessera", t), ("linux", l)):
                if f is None:
                    row["note"] += f"{key}: missing; "
                elif "median" in f:
                    row[key] = f["median"]
                    row["unit"] = f["unit"]
                else:
                    row["note"] += f"{key}: {f.get('skipped') or f.get('error')}; "
            caches = [f"{key} cache={f['extra']['cache']}" for key, f in (("Tessera", t), ("Linux", l))
                      if f and "cache" in f.get("extra", {})]
            if caches:
                row["note"] += ", ".join(caches) + "; "
            if name in SHOW_MAX and t and l and "max" in t and "max" in l:
                row["note"] += f"max Tessera {_ms(t['max'])}, Linux {_ms(l['max'])}; "
            if row["tessera"] and row["linux"]:
                if row["unit"] == "MB/s":
                    row["ratio"] = row["linux"] / row["tessera"]
                else:
                    row["ratio"] = row["tessera"] / row["linux"] if row["linux"] > 0 else None
            rows.append(row)
        # Tessera-only figures against their Linux yardsticks.
        tb = _median([r["boot_to_prompt_ms"] for r in tess if "boot_to_prompt_ms" in r])
        lb = _median([r["boot_to_init_ms"] for r in lin if "boot_to_init_ms" in r])
        lu = _median([r["guest_uptime_at_init_ms"] for r in lin if "guest_uptime_at_init_ms" in r])
        rows.append({"metric": "boot", "unit": "ms", "tessera": tb, "linux": lb,
                     "ratio": tb / lb if tb and lb else None, "goal": GOALS["boot"],
                     "note": "host wall time from QEMU launch: Tessera to its shell prompt (via GRUB), "
                             f"Linux to /init (direct -kernel; guest uptime at init {lu} ms)"})
        ti = _median([r["native_ipc_64B"]["median"] for r in tess if "native_ipc_64B" in r])
        lp = l_agg.get("pipe_roundtrip", {}).get("median")
        rows.append({"metric": "native_ipc_vs_linux_pipe", "unit": "ns", "tessera": ti, "linux": lp,
                     "ratio": ti / lp if ti and lp else None, "goal": GOALS["native_ipc_vs_linux_pipe"],
                     "note": "Tessera ChannelCall 64 B round trip vs Linux pipe_roundtrip"})
        return rows

    def write_json(self, doc):
        doc["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        doc["host"] = host_info()
        doc["qemu"] = {"smp": self.args.smp, "mem_mib": self.args.mem, "accel": "tcg", "cpu": "max",
                       "machine": "q35", "version": _qemu_version()}
        path = self.args.json or os.path.join(self.out_dir, f"{doc['command']}.json")
        with open(path, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=False)
            f.write("\n")
        return path


# Rows whose worst sample the table shows too (a 200 ms delayed-ACK or Nagle
# stall would show there, not in the median).
SHOW_MAX = ("tcp_host_roundtrip", "tcp_loopback_roundtrip")


def _ms(ns):
    return f"{ns / 1e6:.1f} ms"


SUITE_MARKERS = [("suite_start", "bench: system "), ("suite_done", "bench: done")]


def check_clock(result, seen):
    """Compares how long the suite took by the guest's CLOCK_MONOTONIC with the
    host's view (serial output times). A guest clock that is off (e.g. a TSC
    miscalibrated at boot) makes every figure of the round wrong."""
    guest = result["figures"].pop("_guest_seconds", None)
    if guest is None or "suite_start" not in seen or "suite_done" not in seen:
        return
    host = seen["suite_done"] - seen["suite_start"]
    result["suite_guest_seconds"] = guest
    result["suite_host_seconds"] = round(host, 2)
    if host > 1.0:
        ratio = guest / host
        result["guest_clock_ratio"] = round(ratio, 3)
        if not 0.8 <= ratio <= 1.25:
            result["clock_error"] = (f"the guest clock disagrees with the host's: the suite took "
                                     f"{guest:.1f} s by the guest's clock, {host:.1f} s on the host")


def aggregate(rounds):
    """Per metric: the median of the per-round medians (min of mins, max of maxes)."""
    rounds = [r for r in rounds if "clock_error" not in r]
    out = {}
    names = []
    for r in rounds:
        for name in r.get("figures", {}):
            if name not in names:
                names.append(name)
    for name in names:
        got = [r["figures"][name] for r in rounds if name in r.get("figures", {})]
        measured = [g for g in got if "median" in g]
        if measured:
            out[name] = {
                "unit": measured[0]["unit"],
                "median": statistics.median(g["median"] for g in measured),
                "min": min(g["min"] for g in measured),
                "max": max(g["max"] for g in measured),
                "rounds": len(measured),
                "per_round_medians": [g["median"] for g in measured],
                "extra": measured[-1].get("extra", {}),
            }
        else:
            out[name] = got[-1]
    return out


def format_line(name, f):
    if f is None:
        return f"bench: {name} error: missing"
    if "median" not in f:
        return f"bench: {name} " + ("skipped: " + f["skipped"] if "skipped" in f else "error: " + f["error"])
    fmt = "{:.0f}" if f["unit"] == "ns" else "{:.1f}"
    return (f"bench: {name} unit={f['unit']} median={fmt.format(f['median'])} min={fmt.format(f['min'])} "
            f"max={fmt.format(f['max'])} rounds={f['rounds']}")


def print_table(rows):
    def num(v, unit):
        if v is None:
            return "-"
        return f"{v:.1f}" if unit == "MB/s" else f"{v:.0f}"

    header = ("metric", "unit", "Tessera", "Linux", "ratio", "goal", "")
    lines = [header]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        goal = f"<= {r['goal']}" if r["goal"] is not None else ""
        verdict = ""
        if r["ratio"] is not None and r["goal"] is not None:
            verdict = "met" if r["ratio"] <= r["goal"] else "not met"
        if r["note"] and r["ratio"] is None:
            verdict = r["note"].strip("; ")
        elif "cache=" in r["note"] or "max " in r["note"]:
            verdict += " (" + r["note"].strip("; ") + ")"
        lines.append((r["metric"], r["unit"] or "", num(r["tessera"], r["unit"]), num(r["linux"], r["unit"]),
                      ratio, goal, verdict))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(line, widths))]
        say(" | ".join(cells) + (" | " + line[-1] if line[-1] else ""))
    say("ratio = Tessera/Linux for times, Linux/Tessera for bandwidths: below 1.0 is better for Tessera")


def host_info():
    info = {"uname": " ".join(platform.uname()), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/loadavg") as f:
            info["loadavg_at_end"] = f.read().split()[:3]
    except OSError:
        pass
    return info


def _qemu_version():
    try:
        return subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True,
                              check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


# The modules the Linux reference needs for its disk (when not built in),
# relative to /lib/modules/<version>/; their dependencies come from modules.dep.
# crc32c_generic: ext4 and jbd2 name crypto-crc32c as a soft dependency.
LINUX_MODULES = [
    "kernel/drivers/virtio/virtio_pci.ko",
    "kernel/drivers/block/virtio_blk.ko",
    "kernel/drivers/net/virtio_net.ko",  # needs net_failover and failover
    "kernel/crypto/crc32c_generic.ko",
    "kernel/fs/ext4/ext4.ko",
]


def linux_module_order(mod_dir, wanted):
    """The modules of `wanted` that are not built into the kernel, with their
    dependencies, in load order (a module after everything it needs).
    Module files may be compressed (.ko.xz, .ko.zst, .ko.gz)."""
    builtin = set()
    try:
        with open(os.path.join(mod_dir, "modules.builtin")) as f:
            builtin = {_module_stem(line.strip()) for line in f if line.strip()}
    except FileNotFoundError:
        pass
    deps = {}
    try:
        with open(os.path.join(mod_dir, "modules.dep")) as f:
            for line in f:
                if ":" in line:
                    mod, rest = line.split(":", 1)
                    deps[_module_stem(mod)] = (mod.strip(), rest.split())
    except FileNotFoundError:
        if all(_module_stem(w) in builtin for w in wanted):
            return []
        sys.exit(f"compare: no {mod_dir}/modules.dep: the Linux kernel's modules (virtio_blk, virtio_net, ext4) "
                 "are needed for the disk (install the linux-image package of the kernel, or --linux-modules)")
    order = []

    def visit(stem):
        if stem in builtin or any(_module_stem(o) == stem for o in order):
            return
        if stem not in deps:
            sys.exit(f"compare: module {stem} is neither built in nor in {mod_dir}/modules.dep")
        path, needs = deps[stem]
        for need in reversed(needs):  # modprobe loads the last dependency first
            visit(_module_stem(need))
        order.append(path)

    for w in wanted:
        stem = _module_stem(w)
        if stem in builtin:
            continue
        if stem not in deps and "crc32c" in stem:
            continue  # an optional soft dependency
        visit(stem)
    return order


def _module_stem(path):
    """kernel/fs/ext4/ext4.ko.xz -> kernel/fs/ext4/ext4"""
    return re.sub(r"\.ko(\.(xz|zst|gz))?$", "", path.strip())


def _copy_module(src, dest_dir):
    """Copies one module into dest_dir uncompressed (busybox insmod takes
    plain .ko files); returns its file name there."""
    name = os.path.basename(src)
    plain = _module_stem(name) + ".ko"
    out = os.path.join(dest_dir, plain)
    if name.endswith(".ko.xz"):
        import lzma
        with lzma.open(src) as f, open(out, "wb") as o:
            shutil.copyfileobj(f, o)
    elif name.endswith(".ko.gz"):
        import gzip
        with gzip.open(src) as f, open(out, "wb") as o:
            shutil.copyfileobj(f, o)
    elif name.endswith(".ko.zst"):
        with open(out, "wb") as o:
            subprocess.run(["zstd", "-dc", src], stdout=o, check=True)
    else:
        shutil.copyfile(src, out)
    return plain


def _version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]


def _median(values):
    return statistics.median(values) if values else None


def _tail(text, marker):
    return text[text.index(marker):][:300].replace("\n", " | ")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runfiles", required=True, help=argparse.SUPPRESS)
    p.add_argument("command", choices=["tessera", "compare"])
    p.add_argument("--rounds", type=int, default=None, help="rounds (tessera: 1, compare: 3)")
    p.add_argument("--smp", type=int, default=1, help="CPUs of both guests (default 1)")
    p.add_argument("--mem", type=int, default=512, help="MiB of RAM of both guests (default 512)")
    p.add_argument("--timeout", type=float, default=600, help="seconds one boot may take (default 600)")
    p.add_argument("--json", help="where the JSON goes (default OUT_DIR/<command>.json)")
    p.add_argument("--out-dir", help="JSON and serial logs (default /tmp/tessera-bench/<time>)")
    p.add_argument("--linux-kernel", help="the Linux kernel to boot (default the newest /boot/vmlinuz-*)")
    p.add_argument("--linux-modules", help="the Linux kernel's module directory "
                   "(default /lib/modules/<version of the kernel>)")
    p.add_argument("--no-native", action="store_true", help="skip the corebench boot (native IPC)")
    p.add_argument("--no-net", action="store_true", help="no host peer and no Tessera network boot "
                   "(the network metrics are then missing or skipped)")
    p.add_argument("--net-only", action="store_true", help="tessera: only the network metrics "
                   "(one boot per round with the network up)")
    args = p.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.command == "tessera" else 3
    if args.out_dir is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        # Under `bazel test` (net_smoke_test) the test's own directory.
        base = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
        args.out_dir = os.path.join(base, "tessera-bench", f"{args.command}-{stamp}")
    runner = Runner(args)
    return runner.cmd_tessera() if args.command == "tessera" else runner.cmd_compare()


if __name__ == "__main__":
    sys.exit(main())
