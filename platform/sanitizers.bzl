"""Sanitizers are for host code under test only.

`--config=asan` and `--config=ubsan` (.bazelrc) add `-fsanitize=...` to the C,
C++ and link options of every target. Two kinds of targets must not get them:
code for the q35 board (no sanitizer runtime there: the board transition in
//platform/qemu-q35:defs.bzl drops the flags with `without_sanitizer_flags`)
and host programs that are test inputs rather than code under test (static or
-nostdlib ELF fixtures: `unsanitized_cc_binary`). Without those configs the
flags hold no sanitizer and the transitions change nothing.
"""

load(":copy_binary.bzl", "copy_binary")

_SANITIZER_FLAG_PREFIXES = ("-fsanitize", "-fno-sanitize")

# The options a sanitizer config may add flags to.
SANITIZER_FLAG_OPTIONS = [
    "//command_line_option:copt",
    "//command_line_option:conlyopt",
    "//command_line_option:cxxopt",
    "//command_line_option:linkopt",
]

def without_sanitizer_flags(settings):
    """The SANITIZER_FLAG_OPTIONS of `settings` with every -f[no-]sanitize flag removed."""
    return {
        option: [f for f in settings[option] if not f.startswith(_SANITIZER_FLAG_PREFIXES)]
        for option in SANITIZER_FLAG_OPTIONS
    }

def _unsanitized_transition_impl(settings, attr):
    return without_sanitizer_flags(settings)

_unsanitized_transition = transition(
    implementation = _unsanitized_transition_impl,
    inputs = SANITIZER_FLAG_OPTIONS,
    outputs = SANITIZER_FLAG_OPTIONS,
)

def _unsanitized_file_impl(ctx):
    return [copy_binary(ctx, ctx.label.name, "UnsanitizedCopy")]

_unsanitized_file = rule(
    implementation = _unsanitized_file_impl,
    attrs = {
        "binary": attr.label(mandatory = True, cfg = _unsanitized_transition),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def unsanitized_cc_binary(name, visibility = None, **kwargs):
    """A host cc_binary built without sanitizer flags: `<name>_bin` plus the file `<name>`.

    For ELF fixtures that tests read or run as data: the same bytes under every
    config, and no sanitizer runtime in a static or -nostdlib program.
    """
    native.cc_binary(
        name = name + "_bin",
        # Built only through `name`: a wildcard under a sanitizer config must
        # not build the binary itself with the sanitizer's flags.
        tags = ["manual"],
        visibility = ["//visibility:private"],
        **kwargs
    )
    _unsanitized_file(name = name, binary = ":" + name + "_bin", visibility = visibility)
