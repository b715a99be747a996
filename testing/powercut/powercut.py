#!/usr/bin/env python3
"""The power-cut harness (issue 14): is the ext3 root disk consistent, and
are fsync'd files intact, after QEMU is killed at a random moment?

For each cut: boot Tessera with a fresh copy of the root image, run a file
workload at busybox sh (creates, appends, renames, removes, mkdir/rmdir,
unsynced noise; each durable step ends with an fsync and a "PC ..." line
naming the file, its size and md5), SIGKILL QEMU at a seeded random point of
the workload, then check the image replayed two ways:
  A. boot Tessera on it again (the fs server replays the journal), check every
     fsync'd file in the guest (md5 of its durable prefix), power off cleanly;
     `e2fsck -fn` must exit 0 and debugfs must read the durable bytes;
  B. on a separate copy, `e2fsck -fy` (replays as Linux would, and must fix
     nothing else), then `e2fsck -fn` must exit 0 and debugfs must read the
     durable bytes.
A and B must give the same tree under /data. Exit status 0 only if every
cut is clean both ways and no fsync'd byte is lost. The write-log mode
(--write-log) is described in write_log_run and README.md.

  powercut.py --iso ISO --runner RUN_QEMU --image ROOT_IMG [--seed S]
              [--rounds N] [--workdir DIR] [--keep] [--tamper K]
              [--write-log [--log-step N] [--log-subsets K] [--log-boots M]]
              CUTS [SEED]
"""

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

BOOT_TIMEOUT = 300  # seconds for one boot to reach the disk's shell (TCG)
STEP_TIMEOUT = 300  # seconds for one typed command to print its end marker

# The guest's workload, typed one definition a line (short lines for the tty).
#   r MAX      next value of a 31-bit LCG seeded with $s; n = 1..MAX
#   d PATH     prints "PC D PATH SIZE MD5" (called after PATH's fsync)
#   i WHAT     prints "PC I WHAT" before a step (the step may be in flight)
#   o K        round K of the workload; w SEED ROUNDS runs them all
GUEST_HELPERS = [
    'm() { echo "@@$*@@"; }',
    'r() { s=$(( (s * 1103515245 + 12345) % 2147483648 )); n=$(( s / 65536 % $1 + 1 )); }',
    'd() { echo "PC D $1 $(wc -c < $1) $(md5sum < $1 | cut -c1-32)"; }',
    'i() { echo "PC I $*"; }',
    # Create an fsync'd file (data, then its directory), then unsynced noise.
    'oc() { r 160; i create $1; dd if=/dev/urandom of=$1 bs=1024 count=$n conv=fsync 2>/dev/null &&'
    ' sync ${1%/*} && d $1; r 60000; dd if=/dev/urandom of=$P/n$2 bs=$n count=12 2>/dev/null; }',
    # Append to an fsync'd file: its durable bytes must stay a prefix.
    'oa() { r 50000; i append $1; dd if=/dev/urandom bs=$n count=1 2>/dev/null |'
    ' dd of=$1 oflag=append conv=notrunc,fsync 2>/dev/null && d $1; }',
    # Rename (then fsync the directory): exactly one name may exist in flight.
    'om() { i rename $1 $2; mv $1 $2 && sync ${2%/*} && echo "PC R $1 $2"; }',
    # Remove (then fsync the directory).
    'ox() { i remove $1; rm $1 && sync ${1%/*} && echo "PC X $1"; }',
    'ok() { i mkdir $1; mkdir -p $1 && sync ${1%/*} && echo "PC M $1"; }',
    'oy() { i rmdir $1; rmdir $1 && sync ${1%/*} && echo "PC Y $1"; }',
    # Round K: a file in /data/pc and one in a new directory; appends to the
    # previous round's; renames round K-2's; removes K-3's renamed file and
    # directory; the noise file of round K-2 is removed (unsynced).
    'o() { k=$1; ok $P/d$k; oc $P/f$k $k; oc $P/d$k/g $k.d;'
    ' [ $k -gt 1 ] && oa $P/f$((k-1)) && oa $P/d$((k-1))/g;'
    ' [ $k -gt 2 ] && om $P/f$((k-2)) $P/h$((k-2)) && om $P/d$((k-2))/g $P/d$((k-2))/j;'
    ' [ $k -gt 3 ] && ox $P/h$((k-3)) && ox $P/d$((k-3))/j && oy $P/d$((k-3)); rm -f $P/n$((k-2)); true; }',
    'w() { s=$1; P=/data/pc; mkdir -p $P && sync /data && echo "PC S $P"; k=0;'
    ' while [ $k -lt $2 ]; do k=$((k+1)); o $k; done; sync; echo "PC E"; }',
]

PC_LINE = re.compile(r"^PC ([A-Z]) (.*)$")


class Guest:
    """One QEMU boot of the ISO with a disk, its console on a pipe and a log."""

    def __init__(self, args, disk, log_path, write_log=None):
        self.log_path = log_path
        self.pidfile = log_path + ".pid"
        if os.path.exists(self.pidfile):
            os.remove(self.pidfile)
        self.log = open(log_path, "wb")
        if write_log is None:
            disk_args, qemu_args = ["--disk", disk], []
        else:
            # The disk behind QEMU's blklogwrites filter (run_qemu.sh has no
            # flag for it, so the drive is given to QEMU here): every write
            # and flush the guest's disk gets is also appended to WRITE_LOG.
            disk_args = []
            qemu_args = [
                "-blockdev", "driver=file,filename=%s,node-name=pcdisk" % disk,
                "-blockdev", "driver=file,filename=%s,node-name=pclog" % write_log,
                "-blockdev", "driver=blklogwrites,file=pcdisk,log=pclog,log-sector-size=512,node-name=pcroot",
                "-device", "virtio-blk-pci,drive=pcroot,disable-legacy=on"]
        self.proc = subprocess.Popen(
            [args.runner, "--iso", args.iso] + disk_args + ["--net", "none",
             "--timeout", "900", "--", "-pidfile", self.pidfile] + qemu_args,
            stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")

    def lines(self):
        return self.text().split("\n")

    def alive(self):
        return self.proc.poll() is None

    def wait_for(self, regex, seconds):
        pattern = re.compile(regex, re.M)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if pattern.search(self.text()):
                return True
            if not self.alive():
                return pattern.search(self.text()) is not None
            time.sleep(0.2)
        return False

    def type(self, line):
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def booted(self):
        return (self.wait_for(r"^init: the root is now the ext2 disk$", BOOT_TIMEOUT) and
                self.wait_for(r"tessera:.*# ", 60))

    def run(self, name, command):
        """Types COMMAND between markers; returns the lines it printed."""
        self.type("m %s; %s; m end-%s" % (name, command, name))
        self.wait_for(r"^@@end-%s@@$" % re.escape(name), STEP_TIMEOUT)
        out, on = [], False
        for line in self.lines():
            if line == "@@end-%s@@" % name:
                break
            if on:
                out.append(line)
            if line == "@@%s@@" % name:
                on = True
        return out

    def qemu_pid(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.1)
        return None

    def sigkill_qemu(self):
        """SIGKILL QEMU itself (not the runner): no flush, no shutdown."""
        pid = self.qemu_pid()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill(self):
        self.sigkill_qemu()
        return self.finish(60)

    def finish(self, seconds):
        """Waits up to SECONDS for QEMU to end (then kills it); its status."""
        try:
            status = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.sigkill_qemu()
            status = self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.log.close()
        return status


def start_workload(guest, guest_seed, rounds):
    """Types the workload's functions at the shell and starts ROUNDS rounds."""
    for line in GUEST_HELPERS:
        guest.type(line)
    guest.run("ready", "true")
    guest.type("w %d %d" % (guest_seed, rounds))


class Expectations:
    """What the workload's printed lines promise about the disk.

    durable: path -> (size, md5): the file exists and its first SIZE bytes
    have MD5 (appends in flight may add bytes after them). gone: paths that
    must not exist. dirs: directories that must exist. in_flight: the last
    step begun ("PC I ...") and not confirmed when the cut came.
    """

    def __init__(self):
        self.durable, self.gone, self.dirs = {}, set(), set()
        self.in_flight = None
        self.steps = 0

    # Only whole lines count: Tessera's console writes each byte to the
    # UART before write(2) returns, so a line in the log was printed before
    # the cut, but the kill can cut the last one short (and the runner's
    # "Killed" may follow it on the same line).
    WHOLE = re.compile(r"^PC (D /\S+ \d+ [0-9a-f]{32}|R /\S+ /\S+|[XMSY] /\S+|"
                       r"I (create|append|remove|mkdir|rmdir) /\S+|I rename /\S+ /\S+)$")

    def feed(self, line):
        if not self.WHOLE.match(line):
            return
        kind, rest = line[3], line[5:].split()
        self.steps += 1
        if kind == "I":
            self.in_flight = rest
            return
        self.in_flight = None
        if kind == "D":
            self.durable[rest[0]] = (int(rest[1]), rest[2])
            self.gone.discard(rest[0])
        elif kind == "R":
            if rest[0] in self.durable:
                self.durable[rest[1]] = self.durable.pop(rest[0])
            self.gone.add(rest[0])
        elif kind == "X":
            self.durable.pop(rest[0], None)
            self.gone.add(rest[0])
        elif kind in "MS":
            self.dirs.add(rest[0])
            self.gone.discard(rest[0])
        elif kind == "Y":
            self.dirs.discard(rest[0])
            self.gone.add(rest[0])

    def checks(self):
        """(kind, paths, size, md5) to verify: kind is file (first existing of
        paths must hold the bytes; for a rename in flight either name, exactly
        one), maybe (a remove in flight: if present, it holds the bytes),
        absent or dir."""
        out = []
        flight = self.in_flight or []
        for path, (size, md5) in sorted(self.durable.items()):
            if flight[:1] == ["rename"] and flight[1] == path:
                out.append(("either", [path, flight[2]], size, md5))
            elif flight[:1] == ["remove"] and flight[1] == path:
                out.append(("maybe", [path], size, md5))
            else:
                out.append(("file", [path], size, md5))
        for path in sorted(self.gone):
            out.append(("absent", [path], 0, ""))
        for path in sorted(self.dirs):
            if flight[:1] == ["rmdir"] and flight[1] == path:
                continue
            out.append(("dir", [path], 0, ""))
        return out


def host_present(image, path, size):
    """What debugfs finds at PATH in IMAGE: None (nothing), "dir", or for a
    regular file the md5 of its first SIZE bytes ("short:N" if it has only N;
    "file" if SIZE < 0)."""
    stat = subprocess.run(["debugfs", "-R", "stat " + path, image],
                          capture_output=True, text=True).stdout
    m = re.search(r"Type: (\w+)", stat)
    if not m:
        return None
    if m.group(1) == "directory":
        return "dir"
    if size < 0:
        return m.group(1)
    data = subprocess.run(["debugfs", "-R", "cat " + path, image], capture_output=True).stdout
    if len(data) < size:
        return "short:%d" % len(data)
    return hashlib.md5(data[:size]).hexdigest()


def verify(checks, present, problems, where):
    """Applies CHECKS with PRESENT(path) -> None (absent) | "dir" | md5-of-
    prefix callable; returns (files checked, bytes lost)."""
    files, lost = 0, 0
    for kind, paths, size, md5 in checks:
        if kind in ("file", "either", "maybe"):
            files += 1
            found = [(p, present(p, size)) for p in paths]
            found = [(p, got) for p, got in found if got is not None]
            if kind == "maybe" and not found:
                continue
            if not found:
                problems.append("%s: fsync'd %s (%d bytes) is missing" % (where, " or ".join(paths), size))
                lost += size
            elif len(found) > 1:
                problems.append("%s: both names of a rename exist: %s" % (where, paths))
            elif found[0][1] != md5:
                problems.append("%s: %s: the first %d bytes are %s, fsync'd %s" %
                                (where, found[0][0], size, found[0][1], md5))
                lost += size
        elif kind == "absent":
            if present(paths[0], 0) is not None:
                problems.append("%s: %s was removed (and its directory fsync'd) but exists" % (where, paths[0]))
        elif kind == "dir":
            if present(paths[0], -1) != "dir":
                problems.append("%s: directory %s (fsync'd parent) is missing" % (where, paths[0]))
    return files, lost


def e2fsck(image, flags):
    p = subprocess.run(["e2fsck", flags, image], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def guest_check(guest, checks):
    """Checks in the second boot: md5 of each durable prefix by busybox."""
    results = {}
    guest.type('c() { if [ -d $1 ]; then echo "PC C $1 dir"; elif [ -e $1 ]; then'
               ' echo "PC C $1 $(head -c $2 $1 | md5sum | cut -c1-32) $(wc -c < $1)";'
               ' else echo "PC C $1 none"; fi; }')
    paths = {}
    for kind, ps, size, _ in checks:
        for p in ps:
            paths[p] = max(size, paths.get(p, 0))
    items = sorted(paths.items())
    for start in range(0, len(items), 8):
        chunk = items[start:start + 8]
        out = guest.run("chk%d" % start, "; ".join("c %s %d" % (p, s) for p, s in chunk))
        for line in out:
            m = re.match(r"^PC C (\S+) (\S+)(?: (\d+))?$", line)
            if m:
                results[m.group(1)] = (m.group(2), int(m.group(3) or 0))

    def present(path, size):
        got = results.get(path)
        if got is None or got[0] == "none":
            return None
        if got[0] == "dir" or size < 0:
            return got[0] if got[0] == "dir" else "file"
        if got[1] < size:
            return "short:%d" % got[1]
        return got[0]
    return present


def tamper_image(disk, exp):
    """The self-check (--tamper): damages the image after the cut the way a
    broken file system would, so the checks must fail: 16 bytes of the first
    block of an fsync'd file overwritten (data is not journalled in ordered
    mode, so no replay undoes it), and /data/pc's link count raised (e2fsck:
    "ref count is N, should be M"; a replay may undo it). With no fsync'd
    file yet, a lost fsync'd file is claimed instead."""
    victims = [p for p, (size, _) in sorted(exp.durable.items()) if size >= 16]
    if victims:
        out = subprocess.run(["debugfs", "-R", "bmap %s 0" % victims[0], disk],
                             capture_output=True, text=True).stdout.split()
        bsize = re.search(r"Block size: +(\d+)", subprocess.run(
            ["dumpe2fs", "-h", disk], capture_output=True, text=True).stdout)
        if out and out[0].isdigit() and int(out[0]) > 0 and bsize:
            with open(disk, "r+b") as f:
                f.seek(int(out[0]) * int(bsize.group(1)))
                f.write(b"\xa5" * 16)
            print("  tamper: 16 bytes of %s's first block (%s) overwritten" % (victims[0], out[0]))
    subprocess.run(["debugfs", "-w", "-R", "sif /data/pc links_count 9", disk], capture_output=True)
    print("  tamper: /data/pc's link count set to 9")
    if not victims:
        # A cut before any file was fsync'd leaves no data block to damage,
        # and replaying a journal that still holds /data/pc's inode block
        # puts its link count back: claim a file was fsync'd that never
        # was, which the checks must find missing.
        exp.durable["/data/pc/tamper-never-written"] = (16, hashlib.md5(b"x" * 16).hexdigest())
        print("  tamper: expecting /data/pc/tamper-never-written, which was never written")


LOG_MAGIC = 0x6a736677736872  # dm-log-writes' format, which blklogwrites writes
LOG_FLUSH, LOG_FUA, LOG_DISCARD = 1, 2, 4


def read_write_log(path):
    """The entries of a blklogwrites log: [(sector, nr_sectors, flags, data)].

    Sector 0 is the super (magic, version, nr_entries, sectorsize; updated
    at each flush); each entry is a header sector (sector, nr_sectors,
    flags, data_len) followed by its data sectors (none for a discard)."""
    with open(path, "rb") as f:
        log = f.read()
    magic, version, count, ssize = struct.unpack_from("<QQQI", log, 0)
    if magic != LOG_MAGIC or version != 1:
        raise ValueError("%s is not a write log (magic %x, version %d)" % (path, magic, version))
    entries, pos = [], ssize
    for _ in range(count):
        sector, nr, flags, _ = struct.unpack_from("<QQQQ", log, pos)
        pos += ssize
        data = b""
        if nr and not flags & LOG_DISCARD:
            data = log[pos:pos + nr * ssize]
            pos += nr * ssize
        entries.append((sector, nr, flags, data))
    return ssize, entries


def check_prefix(image, path, sample=None):
    """Writes IMAGE to PATH and checks it with replay_and_fsck; first, if
    its journal is not empty, offers it to SAMPLE(path)."""
    with open(path, "wb") as f:
        f.write(image)
    if sample is not None and journal_start(path):
        sample(path)
    return replay_and_fsck(path)


def replay_and_fsck(path):
    """e2fsck -fy on the image PATH must replay its journal and fix nothing
    else, then e2fsck -fn must exit 0; returns None or the problem."""
    rc_y, out_y = e2fsck(path, "-fy")
    fixes = [line for line in out_y.split("\n") if re.search(r"\? yes$|FIXED|Fix\?", line)]
    rc_n, out_n = e2fsck(path, "-fn")
    if rc_y in (0, 1) and not fixes and rc_n == 0:
        return None
    return "e2fsck -fy exit %d (%d fix(es)), then -fn exit %d:\n%s\n%s" % (rc_y, len(fixes), rc_n, out_y, out_n)


def replay_report(text):
    """What the fs server's serial log TEXT says it replayed at mount."""
    m = re.search(r"fs: ext3 journal in use \(ordered mode\): (\d+) transaction\(s\) replayed at mount(.*)", text)
    if not m:
        return "no journal line from the fs server"
    return "the fs server replayed %s transaction(s)%s" % (m.group(1), m.group(2))


def journal_start(path):
    """The image's "Journal start" (0: the log is empty, nothing to replay)."""
    out = subprocess.run(["dumpe2fs", "-h", path], capture_output=True, text=True).stdout
    m = re.search(r"^Journal start: +(\d+)$", out, re.M)
    return int(m.group(1)) if m else 0


def debugfs_tree(image, root):
    """{path: "dir" or md5} under ROOT in IMAGE, by debugfs (ls -p, cat)."""
    tree, todo = {}, [root]
    while todo:
        path = todo.pop()
        out = subprocess.run(["debugfs", "-R", "ls -p " + path, image],
                             capture_output=True, text=True).stdout
        for line in out.split("\n"):
            fields = line.split("/")
            if len(fields) < 7 or fields[5] in (".", ".."):
                continue
            child = path + "/" + fields[5]
            if fields[2].startswith("040"):
                tree[child] = "dir"
                todo.append(child)
            elif fields[2].startswith("100"):
                data = subprocess.run(["debugfs", "-R", "cat " + child, image], capture_output=True).stdout
                tree[child] = hashlib.md5(data).hexdigest()
    return tree


def tessera_replay(args, label, unreplayed, run_dir):
    """Boots Tessera on a copy of the crash image UNREPLAYED (its fs server
    replays the journal), lists /data/pc with md5s in the guest, powers
    off; then e2fsck -fn must pass, and the tree must equal, in the guest
    and by debugfs, the tree e2fsck -fy's replay of the image gives.
    Returns the problems."""
    problems = []
    disk = os.path.join(run_dir, "boot-%s.img" % label)
    theirs = os.path.join(run_dir, "e2fsck-%s.img" % label)
    for path in (disk, theirs):
        shutil.copy(unreplayed, path)
    replay_and_fsck(theirs)
    expected = debugfs_tree(theirs, "/data/pc")
    g = Guest(args, disk, os.path.join(run_dir, "boot-%s.log" % label))
    if not g.booted():
        g.kill()
        return ["%s: Tessera did not boot to the shell on the image (see %s)" % (label, g.log_path)]
    g.type(GUEST_HELPERS[0])
    out = g.run("tree", "find /data/pc -type d | sort | sed 's/^/PC T dir /'; find /data/pc -type f | sort |"
                " while read f; do echo \"PC T $f $(md5sum < $f | cut -c1-32)\"; done")
    guest = {}
    for line in out:
        m = re.match(r"^PC T (dir (\S+)|(\S+) ([0-9a-f]{32}))$", line)
        if m and m.group(2):
            if m.group(2) != "/data/pc":
                guest[m.group(2)] = "dir"
        elif m:
            guest[m.group(3)] = m.group(4)
    g.type("sync; poweroff")
    g.finish(300)
    text = g.text()
    if "fs: unmounted cleanly" not in text:
        problems.append("%s: Tessera did not unmount cleanly (see %s)" % (label, g.log_path))
    rc, out_n = e2fsck(disk, "-fn")
    if rc != 0:
        problems.append("%s: after Tessera's replay e2fsck -fn exits %d:\n%s" % (label, rc, out_n))
    mine = debugfs_tree(disk, "/data/pc")
    for name, tree in (("in the guest", guest), ("by debugfs", mine)):
        if tree != expected:
            diff = sorted(set(tree.items()) ^ set(expected.items()))
            problems.append("%s: the tree Tessera replayed differs %s from e2fsck's: %s" % (label, name, diff[:6]))
    print("  Tessera booted on %s: %s, %d entries under /data/pc, %s"
          % (label, replay_report(text), len(expected), "same as e2fsck's replay, e2fsck -fn clean" if not problems
             else "PROBLEM"), flush=True)
    if not problems:
        for path in (disk, theirs, g.log_path, g.pidfile):
            if os.path.exists(path):
                os.remove(path)
    return problems


def write_log_run(args, seed, workdir):
    """The write-log mode: boots once with the disk behind blklogwrites, runs
    the whole workload, SIGKILLs QEMU; then replays the log onto the
    original image and checks the image at every flush (every prefix of the
    writes that ends at a flush; with --log-step N also every N-th write;
    with --log-subsets K also K random subsets of the writes between two
    flushes): each must pass e2fsck after journal replay. --log-boots M:
    Tessera replays M of those images too (tessera_replay). The replay of
    the whole log must equal the disk QEMU wrote (a check of the log
    reader)."""
    rng = random.Random("%d:log" % seed)
    guest_seed = rng.randrange(1, 2 ** 31)
    run_dir = os.path.join(workdir, "writelog")
    os.makedirs(run_dir, exist_ok=True)
    disk, wlog = os.path.join(run_dir, "disk.img"), os.path.join(run_dir, "writes.log")
    subprocess.run(["cp", "--sparse=always", args.image, disk], check=True)
    os.chmod(disk, 0o644)
    open(wlog, "wb").close()
    print("write log: seed %d (guest workload seed %d), %d rounds" % (seed, guest_seed, args.rounds), flush=True)
    started = time.monotonic()
    g = Guest(args, disk, os.path.join(run_dir, "boot.log"), write_log=wlog)
    if not g.booted():
        g.kill()
        print("  PROBLEM: the boot did not reach the shell (see %s)" % g.log_path)
        return 1
    start_workload(g, guest_seed, args.rounds)
    ended = g.wait_for(r"^PC E$", STEP_TIMEOUT * 2)
    g.kill()
    if not ended:
        print("  PROBLEM: the workload did not finish (see %s)" % g.log_path, flush=True)
    ssize, entries = read_write_log(wlog)
    flushes = sum(1 for e in entries if e[2] & LOG_FLUSH)
    print("  %d log entries (%d flushes) in %.0f s; checking each prefix ending at a flush%s%s"
          % (len(entries), flushes, time.monotonic() - started,
             ", every %d-th write" % args.log_step if args.log_step else "",
             ", %d subsets of the writes between flushes" % args.log_subsets if args.log_subsets else ""),
          flush=True)
    with open(args.image, "rb") as f:
        image = bytearray(f.read())
    check_path = os.path.join(run_dir, "prefix.img")
    checked, bad, writes = 0, [], 0
    # A seeded reservoir of --log-boots images whose journal has something
    # to replay (kept unreplayed, for Tessera to boot on afterwards).
    kept, seen = [], [0]

    def sample(path):
        seen[0] += 1
        slot = len(kept) if len(kept) < args.log_boots else rng.randrange(seen[0])
        if slot < args.log_boots:
            name = os.path.join(run_dir, "journal-%d.img" % slot)
            shutil.copy(path, name)
            label = "image%d" % seen[0]
            if slot < len(kept):
                kept[slot] = (label, name)
            else:
                kept.append((label, name))
    sampler = sample if args.log_boots else None
    base, pending = bytes(image), []  # the image at the last flush; writes since
    for number, (sector, nr, flags, data) in enumerate(entries, 1):
        if flags & LOG_FLUSH and pending and args.log_subsets:
            # A disk may have made any subset of the unflushed writes durable.
            for k in range(args.log_subsets):
                subset = [w for w in pending if rng.random() < 0.5]
                torn = bytearray(base)
                for w_sector, w_data in subset:
                    torn[w_sector * ssize:w_sector * ssize + len(w_data)] = w_data
                checked += 1
                problem = check_prefix(torn, check_path, sampler)
                if problem:
                    bad.append(number)
                    print("  PROBLEM: before flush entry %d, %d of the %d unflushed writes (sectors %s) "
                          "are not clean after replay: %s" % (number, len(subset), len(pending),
                                                             [w[0] for w in subset], problem), flush=True)
                    shutil.copy(check_path, os.path.join(run_dir, "bad-subset-%d-%d.img" % (number, k)))
        if flags & LOG_DISCARD:
            image[sector * ssize:(sector + nr) * ssize] = bytes(nr * ssize)
        elif nr:
            image[sector * ssize:sector * ssize + len(data)] = data
            writes += 1
            pending.append((sector, data))
        if flags & LOG_FLUSH:
            base, pending = bytes(image), []
        due = flags & LOG_FLUSH or (args.log_step and nr and writes % args.log_step == 0)
        if due or number == len(entries):
            checked += 1
            problem = check_prefix(image, check_path, sampler)
            if problem:
                bad.append(number)
                print("  PROBLEM: the prefix of %d entries (%d writes) is not clean after replay: %s"
                      % (number, writes, problem), flush=True)
                shutil.copy(check_path, os.path.join(run_dir, "bad-prefix-%d.img" % number))
    print("  %d checked image(s) had a non-empty journal" % seen[0], flush=True)
    boot_problems = []
    for label, name in sorted(kept, key=lambda k: int(k[0][5:])):
        boot_problems += tessera_replay(args, label, name, run_dir)
    for p in boot_problems:
        print("  PROBLEM: " + p, flush=True)
    if kept:
        print("  Tessera replayed %d of them: %d clean and the same as e2fsck's replay"
              % (len(kept), len(kept) - len({p.split(":")[0] for p in boot_problems})), flush=True)
    with open(disk, "rb") as f:
        same = f.read() == bytes(image)
    print("  the whole log replayed equals the disk QEMU wrote: %s" % ("yes" if same else "NO"))
    print("write log: %d images checked, %d clean, %d not; %.0f s"
          % (checked, checked - len(bad), len(bad), time.monotonic() - started), flush=True)
    if ended and not bad and same and not boot_problems and not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if ended and not bad and same and not boot_problems else 1


def one_cut(args, index, seed, workdir, tamper):
    """Cut INDEX of the run with SEED (see the module's comment); TAMPER
    damages the image after the cut (tamper_image). Returns (problems,
    fsync'd files checked, bytes lost, clean both ways or None)."""
    rng = random.Random("%d:%d" % (seed, index))
    guest_seed = rng.randrange(1, 2 ** 31)
    steps_per_round = 16  # about the "PC" lines one round prints
    target = rng.randrange(0, args.rounds * steps_per_round)
    delay = rng.uniform(0.0, 0.25)
    cut_dir = os.path.join(workdir, "cut%02d" % index)
    os.makedirs(cut_dir, exist_ok=True)
    disk = os.path.join(cut_dir, "disk.img")
    subprocess.run(["cp", "--sparse=always", args.image, disk], check=True)
    os.chmod(disk, 0o644)
    print("cut %d: seed %d (guest workload seed %d): kill after %d workload lines + %.3f s"
          % (index, seed, guest_seed, target, delay), flush=True)
    problems = []
    started = time.monotonic()

    # ---- Boot 1: the workload and the cut.
    g = Guest(args, disk, os.path.join(cut_dir, "boot1.log"))
    if not g.booted():
        g.kill()
        problems.append("boot 1 did not reach the shell (see %s)" % g.log_path)
        return problems, 0, 0, None
    start_workload(g, guest_seed, args.rounds)
    deadline = time.monotonic() + STEP_TIMEOUT * 2
    while time.monotonic() < deadline and g.alive():
        n = sum(1 for line in g.lines() if PC_LINE.match(line))
        if n >= target or any(line == "PC E" for line in g.lines()):
            break
        time.sleep(0.05)
    time.sleep(delay)
    g.kill()
    exp = Expectations()
    for line in g.lines()[:-1]:  # the last is "" or a line without its newline
        exp.feed(line)
    ended = any(line == "PC E" for line in g.lines())
    print("  cut after %d workload lines%s; in flight: %s; %d fsync'd files"
          % (exp.steps, " (the workload had ended)" if ended else "",
             " ".join(exp.in_flight) if exp.in_flight else "nothing",
             len(exp.durable)), flush=True)
    if "KERNEL PANIC" in g.text():
        problems.append("boot 1: kernel panic")
    checks = exp.checks()
    if tamper:
        tamper_image(disk, exp)

    # ---- B: a separate copy replayed by e2fsck -fy, then e2fsck -fn.
    copy = os.path.join(cut_dir, "e2fsck-replayed.img")
    subprocess.run(["cp", "--sparse=always", disk, copy], check=True)
    problem = replay_and_fsck(copy)
    clean_b = problem is None
    if not clean_b:
        problems.append("B (e2fsck replay): " + problem)
    fb, lost_b = verify(checks, lambda p, s: host_present(copy, p, s), problems, "B debugfs")

    # ---- A: boot again (the fs server replays), check in the guest, power off.
    g2 = Guest(args, disk, os.path.join(cut_dir, "boot2.log"))
    clean_a = False
    lost_a = lost_g = 0
    same_tree = "not compared"
    if g2.booted():
        g2.type(GUEST_HELPERS[0])
        present = guest_check(g2, checks)
        _, lost_g = verify(checks, present, problems, "A guest")
        g2.type("sync; poweroff")
        status2 = g2.finish(300)
        text2 = g2.text()
        print("  boot 2: %s; QEMU exit %d" % (replay_report(text2), status2), flush=True)
        if "fs: unmounted cleanly" not in text2:
            problems.append("A: boot 2 did not unmount cleanly (see %s)" % g2.log_path)
        rc_an, out_an = e2fsck(disk, "-fn")
        clean_a = rc_an == 0
        if not clean_a:
            problems.append("A (Tessera replay): e2fsck -fn exit %d:\n%s" % (rc_an, out_an))
        _, lost_a = verify(checks, lambda p, s: host_present(disk, p, s), problems, "A debugfs")
        # Both replays of one crash must give the same files (fsync'd or not).
        tree_a, tree_b = debugfs_tree(disk, "/data"), debugfs_tree(copy, "/data")
        if tree_a != tree_b:
            diff = sorted(set(tree_a.items()) ^ set(tree_b.items()))
            problems.append("A and B: /data differs between Tessera's and e2fsck's replay: %s" % diff[:6])
        same_tree = "same" if tree_a == tree_b else "DIFFERENT"
    else:
        g2.kill()
        problems.append("boot 2 did not reach the shell (see %s)" % g2.log_path)
    lost = max(lost_a, lost_b, lost_g)
    print("  A (Tessera replay): e2fsck -fn %s; B (e2fsck -fy replay): %s; /data %s both ways; "
          "%d fsync'd files checked, %d bytes lost; %.0f s"
          % ("clean" if clean_a else "NOT CLEAN", "clean" if clean_b else "NOT CLEAN", same_tree,
             fb, lost, time.monotonic() - started), flush=True)
    return problems, fb, lost, (clean_a and clean_b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iso", required=True)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=8, help="workload rounds per boot")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the images and logs")
    parser.add_argument("--tamper", type=int, default=0, metavar="K",
                        help="self-check: K more cuts whose image is damaged after the cut; "
                        "each must be reported not clean and losing bytes")
    parser.add_argument("--write-log", action="store_true",
                        help="instead of cuts: one workload under QEMU's blklogwrites, every "
                        "flush-ended prefix of its writes checked with e2fsck (CUTS is ignored)")
    parser.add_argument("--log-step", type=int, default=0, metavar="N",
                        help="with --write-log: also check after every N-th write")
    parser.add_argument("--log-subsets", type=int, default=0, metavar="K",
                        help="with --write-log: also check K seeded random subsets of the "
                        "writes between each two flushes (a disk may persist any of them)")
    parser.add_argument("--log-boots", type=int, default=0, metavar="M",
                        help="with --write-log: boot Tessera on M seeded images whose journal "
                        "is not empty; its replay must pass e2fsck -fn and give e2fsck's tree")
    parser.add_argument("cuts", type=int)
    parser.add_argument("seed_pos", type=int, nargs="?", default=None, metavar="SEED")
    args = parser.parse_args()
    for tool in ("e2fsck", "debugfs", "qemu-system-x86_64"):
        if shutil.which(tool) is None and not os.path.exists("/sbin/" + tool):
            print("powercut: %s not found (run ci/bootstrap.sh)" % tool)
            return 2
    os.environ["PATH"] += ":/sbin:/usr/sbin"
    for name in ("iso", "runner", "image"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    seed = args.seed_pos if args.seed_pos is not None else args.seed
    if seed is None:
        seed = random.SystemRandom().randrange(1, 10 ** 6)
    workdir = args.workdir or os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp(prefix="powercut.")
    os.makedirs(workdir, exist_ok=True)
    if args.write_log:
        return write_log_run(args, seed, workdir)
    print("powercut: %d cut(s), seed %d, %d rounds per workload, work in %s"
          % (args.cuts, seed, args.rounds, workdir), flush=True)
    started = time.monotonic()
    clean = files = lost = 0
    failed, missed = [], []
    for index in range(args.cuts + 1, args.cuts + args.tamper + 1):
        print("tampered cut %d (must be caught):" % index, flush=True)
        problems, fb, lb, ok = one_cut(args, index, seed, workdir, True)
        caught = bool(problems) and lb > 0 and not ok
        print("  tampered cut %d: %s (%d problem(s), %d bytes lost)" %
              (index, "caught" if caught else "NOT CAUGHT", len(problems), lb), flush=True)
        if not caught:
            missed.append(index)
    for index in range(1, args.cuts + 1):
        problems, fb, lb, ok = one_cut(args, index, seed, workdir, False)
        files += fb
        lost += lb
        clean += 1 if ok else 0
        for p in problems:
            print("  PROBLEM: " + p, flush=True)
        if problems:
            failed.append(index)
        elif not args.keep:
            shutil.rmtree(os.path.join(workdir, "cut%02d" % index), ignore_errors=True)
    print("powercut: %d cut(s) (seed %d): %d clean after both replays, %d fsync'd files checked, "
          "%d bytes lost; %.0f s%s" % (args.cuts, seed, clean, files, lost, time.monotonic() - started,
                                      "; failed cuts: %s (logs and images in %s)" % (failed, workdir)
                                      if failed else ""), flush=True)
    if args.tamper:
        print("powercut: self-check: %d of %d tampered cut(s) caught" % (args.tamper - len(missed), args.tamper))
    return 0 if not failed and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
