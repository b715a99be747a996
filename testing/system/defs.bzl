"""qemu_system_test: a system test (boot an ISO in QEMU, check the console) in one call."""

load("//platform/qemu-q35:defs.bzl", "grub_iso")

_KERNEL = "//platform/qemu-q35:kernel"
_RUN_QEMU = "//platform/qemu-q35:run_qemu.sh"

def qemu_system_test(
        name,
        cmdline = None,
        modules = None,
        module_args = None,
        iso = None,
        script = None,
        leading_args = [],
        args = [],
        data = [],
        deps = [":checks"],
        timeout = "long"):
    """An sh_test `name` (size large, tagged qemu) that boots a GRUB ISO.

    The script gets `leading_args`, then the ISO's and run_qemu.sh's paths,
    then `args`.

    Args:
      name: the test, `<x>_test`.
      cmdline, modules, module_args: declare the ISO `<x>_iso` with the kernel
        (as grub_iso's attributes).
      iso: instead, the label of an ISO declared elsewhere (shared by tests).
      script: the test script (default `<name>.sh`).
      leading_args: arguments before the ISO's path.
      args, data: more arguments and the files they name.
      deps: sh_library deps of the script (default the check helpers).
      timeout: the sh_test's timeout (default long).
    """
    iso_attrs = {
        key: value
        for key, value in [("cmdline", cmdline), ("modules", modules), ("module_args", module_args)]
        if value != None
    }
    if iso == None:
        if not name.endswith("_test"):
            fail("a system test's name ends in _test: " + name)
        iso_name = name[:-len("_test")] + "_iso"
        grub_iso(name = iso_name, kernel = _KERNEL, **iso_attrs)
        iso = ":" + iso_name
    elif iso_attrs:
        fail("%s: give either iso or the ISO's cmdline/modules/module_args" % name)
    native.sh_test(
        name = name,
        size = "large",
        timeout = timeout,
        srcs = [script or name + ".sh"],
        deps = deps,
        args = leading_args + [
            "$(location %s)" % iso,
            "$(location %s)" % _RUN_QEMU,
        ] + args,
        data = [iso, _RUN_QEMU] + data,
        tags = ["qemu"],
    )
