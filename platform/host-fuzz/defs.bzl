"""fuzz_binary: a libFuzzer program built with the host clang toolchain.

`fuzz_binary(name, srcs, deps)` makes the cc_binary `<name>_bin`, compatible
only with the //platform/host-fuzz:host_fuzz platform (so host wildcards and
the gcc toolchain skip it), and `<name>`, the same program built on that
platform by a transition (no command-line flags: `bazel build //pkg:<name>`).
The transition also drops --config=asan/ubsan's flags: the fuzz toolchain
chooses its own sanitizers.
"""

load("//platform:copy_binary.bzl", "copy_binary")
load("//platform:sanitizers.bzl", "SANITIZER_FLAG_OPTIONS", "without_sanitizer_flags")

def _fuzz_transition_impl(settings, attr):
    out = without_sanitizer_flags(settings)
    out["//command_line_option:platforms"] = "//platform/host-fuzz:host_fuzz"
    return out

_fuzz_transition = transition(
    implementation = _fuzz_transition_impl,
    inputs = SANITIZER_FLAG_OPTIONS,
    outputs = SANITIZER_FLAG_OPTIONS + ["//command_line_option:platforms"],
)

def _fuzz_program_impl(ctx):
    info = copy_binary(ctx, ctx.label.name, "FuzzBinary")
    out = info.files.to_list()[0]
    return [DefaultInfo(files = info.files, runfiles = info.default_runfiles, executable = out)]

_fuzz_program = rule(
    implementation = _fuzz_program_impl,
    executable = True,
    attrs = {
        "binary": attr.label(mandatory = True, cfg = _fuzz_transition),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def fuzz_binary(name, visibility = None, **kwargs):
    """A libFuzzer program: cc_binary `<name>_bin` on the fuzz platform, copied to `<name>`."""
    native.cc_binary(
        name = name + "_bin",
        target_compatible_with = ["//platform/host-fuzz:fuzzing"],
        visibility = ["//visibility:private"],
        **kwargs
    )
    _fuzz_program(name = name, binary = ":" + name + "_bin", visibility = visibility)
