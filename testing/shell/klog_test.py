#!/usr/bin/env python3
"""The kernel log system test: busybox dmesg, /dev/kmsg and /proc/kmsg.

Boots the shell ISO (with console_test.py's session and console driver), types
the commands a person would use to read the kernel log and checks what comes
back: `dmesg` shows the boot lines with Linux's timestamps, `dmesg -r` the
raw priority prefixes, `dmesg -c` clears, `dmesg -s` bounds the size,
`dmesg -n` sets the console level, a line written to /dev/kmsg appears in
the log (and on the console as the writer's line), /dev/kmsg reads one
record per line in Linux's format and /proc/kmsg consumes in the syslog
format.

    klog_test.py --iso ISO --runner run_qemu.sh [--timeout S] [--log FILE]
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_test import session, show  # noqa: E402

STAMP = r"\[\s*\d+\.\d{6}\] "


def run_checks(con, report):
    def cmd(name, line, ok, timeout=60):
        lines, _ = con.command(line, timeout)
        report.check(name, lines is not None and ok(lines), show(lines))
        return lines

    cmd("/dev/kmsg is the character device 1:11", "ls -l /dev/kmsg",
        lambda l: len(l) == 1 and l[0].startswith("crw") and re.search(r"\b1,\s+11\b", l[0]))
    cmd("dmesg shows the boot lines with timestamps", "dmesg | grep 'Tessera 0.1.0'",
        lambda l: len(l) == 1 and re.match(STAMP + r"\[boot\] Tessera 0\.1\.0 \(x86-64\) booting", l[0]))
    cmd("dmesg -r keeps the priority", "dmesg -r | grep 'Tessera 0.1.0'",
        lambda l: len(l) == 1 and re.match(r"<6>" + STAMP + r"\[boot\] Tessera", l[0]))
    cmd("timestamps grow", "dmesg | head -n 1; dmesg | tail -n 1",
        lambda l: len(l) == 2 and all(re.match(STAMP, x) for x in l)
        and float(l[0][1:13]) <= float(l[1][1:13]))
    # The kernel also prints the message on the console, tagged with the writer.
    cmd("echo to /dev/kmsg reaches the console", "echo hi-from-the-shell > /dev/kmsg",
                lambda l: any(x.endswith("[sh] hi-from-the-shell") for x in l))
    cmd("and dmesg", "dmesg | grep hi-from-the",
        lambda l: len(l) == 1 and re.match(STAMP + "hi-from-the-shell$", l[0]))
    cmd("as LOG_USER, KERN_WARNING", "dmesg -r | grep hi-from-the",
        lambda l: len(l) == 1 and l[0].startswith("<12>["))
    cmd("a <N> prefix sets the level", "echo '<3>an-error-line' > /dev/kmsg; dmesg -r | grep an-error",
        lambda l: any(re.match(r"<11>" + STAMP + "an-error-line$", x) for x in l))
    cmd("dmesg -n 1: a warning stays off the console", "dmesg -n 1; echo quiet-line > /dev/kmsg",
        lambda l: not any("quiet-line" in x for x in l))
    filler = "x" * 60
    cmd("300 more lines, quietly", "i=0; while [ $i -lt 300 ]; do echo filler-$i-%s > /dev/kmsg; "
        "i=$((i+1)); done; echo done" % filler, lambda l: l[-1:] == ["done"], timeout=120)
    cmd("but they are in the log", "dmesg -n 7; dmesg | grep -c -e quiet-line -e filler-",
        lambda l: l == ["301"])
    # busybox reads at least 16 KiB: the log now holds more than that.
    cmd("dmesg -s bounds what is read, newest last",
        "dmesg | wc -c; dmesg -s 16384 | wc -c; dmesg -s 16384 | tail -n 1",
        lambda l: len(l) == 3 and int(l[0]) > 16384 and 0 < int(l[1]) <= 16384
        and l[2].endswith("filler-299-" + filler))
    cmd("/dev/kmsg reads one record per line", "head -n 2 /dev/kmsg",
        lambda l: len(l) == 2 and re.match(r"6,0,\d+,-;\[boot\] Tessera 0\.1\.0", l[0])
        and re.match(r"\d+,1,\d+,-;", l[1]))
    cmd("/dev/kmsg has the written line", "grep -m 1 hi-from-the /dev/kmsg",
        lambda l: len(l) == 1 and re.match(r"12,\d+,\d+,-;hi-from-the-shell$", l[0]))
    cmd("/proc/kmsg consumes in the syslog format", "head -n 1 /proc/kmsg",
        lambda l: len(l) == 1 and re.match(r"<6>" + STAMP + r"\[boot\] Tessera 0\.1\.0", l[0]))
    cmd("dmesg -c prints and clears", "dmesg -c | grep -c quiet-line", lambda l: l == ["1"])
    cmd("then dmesg is (nearly) empty", "dmesg | wc -l", lambda l: len(l) == 1 and int(l[0]) <= 2)
    cmd("new lines show after a clear", "echo after-clear > /dev/kmsg; dmesg | grep -c after-clear",
        lambda l: l[-1:] == ["1"])


def main():
    return session(run_checks, "klog_console.log")


if __name__ == "__main__":
    sys.exit(main())
