"""The host clang 14 toolchain for libFuzzer targets.

Host code is built with the auto-configured gcc toolchain; libFuzzer needs
clang. This toolchain compiles everything of a fuzz target (the library under
test included) with clang 14, -fsanitize=fuzzer-no-link,address,undefined
(coverage feedback plus ASan and UBSan, UBSan fatal), and links with
-fsanitize=fuzzer,address,undefined, which brings libFuzzer's main() from
Debian's libclang-rt-14-dev. Toolchain resolution picks it only for the
//platform/host-fuzz:host_fuzz platform (see defs.bzl's fuzz_binary).
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)

_LLVM = "/usr/lib/llvm-14/bin/"

_COMPILE_ACTIONS = [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
]

_SANITIZERS = "address,undefined"

def _impl(ctx):
    tool_paths = [
        tool_path(name = "gcc", path = _LLVM + "clang"),
        tool_path(name = "ld", path = _LLVM + "ld.lld"),
        tool_path(name = "ar", path = _LLVM + "llvm-ar"),
        tool_path(name = "cpp", path = _LLVM + "clang-cpp"),
        tool_path(name = "nm", path = _LLVM + "llvm-nm"),
        tool_path(name = "objcopy", path = _LLVM + "llvm-objcopy"),
        tool_path(name = "objdump", path = _LLVM + "llvm-objdump"),
        tool_path(name = "strip", path = _LLVM + "llvm-strip"),
        tool_path(name = "gcov", path = "/bin/false"),
    ]
    compile_flags = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-fsanitize=fuzzer-no-link," + _SANITIZERS,
                    "-fno-sanitize-recover=all",
                    "-fno-omit-frame-pointer",
                    "-O1",
                    "-g",
                    "-Wall",
                    "-Wno-unused-parameter",
                    # Reproducible builds: Bazel replaces these macros' values.
                    "-Wno-builtin-macro-redefined",
                    "-D__DATE__=\"redacted\"",
                    "-D__TIMESTAMP__=\"redacted\"",
                    "-D__TIME__=\"redacted\"",
                ])],
            ),
            flag_set(
                actions = [ACTION_NAMES.cpp_compile],
                flag_groups = [flag_group(flags = ["-std=c++20"])],
            ),
        ],
    )
    link_flags = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = [ACTION_NAMES.cpp_link_executable],
                flag_groups = [flag_group(flags = [
                    "-fuse-ld=lld",
                    "-fsanitize=fuzzer," + _SANITIZERS,
                    # The driver is clang, not clang++: ask for the C++ parts
                    # of the UBSan runtime (function and vptr checks) too.
                    "-fsanitize-link-c++-runtime",
                    "-lstdc++",
                    "-lm",
                ])],
            ),
        ],
    )
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = [compile_flags, link_flags],
        cxx_builtin_include_directories = [
            "/usr/lib/llvm-14/lib/clang/14.0.6/include",
            # The sanitizers' ignore lists (asan_ignorelist.txt) count as inputs.
            "/usr/lib/llvm-14/lib/clang/14.0.6/share",
            "/usr/local/include",
            "/usr/include",
        ],
        toolchain_identifier = "tessera-host-fuzz-clang",
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-linux-gnu",
        target_cpu = "k8",
        target_libc = "glibc",
        compiler = "clang",
        abi_version = "local",
        abi_libc_version = "local",
        tool_paths = tool_paths,
    )

tessera_host_fuzz_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
