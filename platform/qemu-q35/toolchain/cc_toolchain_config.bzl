"""A freestanding clang/lld C/C++ toolchain for the q35 bare-metal platform.

It compiles for --target=x86_64-unknown-elf with no host headers or libraries.
The same rule makes two toolchains, chosen by the platform's privilege
constraint (//platform:kernel_mode or //platform:user_mode):
- kernel: freestanding, no red zone, no SSE/MMX/x87 registers, -mcmodel=kernel,
  no exceptions/RTTI, warnings as errors; links with the target's linker script.
- user:   static Linux x86-64 programs against Debian's musl (crt1.o, libc.a),
  SSE allowed, no exceptions/RTTI, no libstdc++.
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

_CXX_ACTIONS = [ACTION_NAMES.cpp_compile]

_LINK_ACTIONS = [
    ACTION_NAMES.cpp_link_executable,
]

_MUSL = "/usr/lib/x86_64-linux-musl/"
_CLANG_RT = "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/"

_KERNEL_COMPILE_FLAGS = [
    "-ffreestanding",
    "-mno-red-zone",
    "-mgeneral-regs-only",
    "-mcmodel=kernel",
    "-fno-builtin",
]

_USER_COMPILE_FLAGS = [
    # As g++/clang++ do for Linux targets: the full musl/glibc API in C++.
    "-D_GNU_SOURCE",
    "-isystem",
    "/usr/include/x86_64-linux-musl",
    "-isystem",
    "/usr/lib/llvm-14/lib/clang/14.0.6/include",
]

_USER_LINK_FLAGS = [
    "-Wl,-z,noexecstack",
    _MUSL + "crt1.o",
    _MUSL + "crti.o",
    _CLANG_RT + "clang_rt.crtbegin-x86_64.o",
]

# Bazel 4's legacy link features put the objects and libraries first and this
# toolchain's flags after them, so the C runtime follows in its required order:
# crt1 crti crtbegin <libc> <builtins> crtend crtn (crti before crtn brackets .init).
_USER_LINK_LIBS = [
    _MUSL + "libc.a",
    _CLANG_RT + "libclang_rt.builtins-x86_64.a",
    _CLANG_RT + "clang_rt.crtend-x86_64.o",
    _MUSL + "crtn.o",
]

def _impl(ctx):
    if ctx.attr.mode == "kernel":
        mode_compile_flags = _KERNEL_COMPILE_FLAGS
        mode_link_flags = []
    else:
        mode_compile_flags = _USER_COMPILE_FLAGS
        mode_link_flags = _USER_LINK_FLAGS + _USER_LINK_LIBS
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
                    "--target=x86_64-unknown-elf",
                    "-nostdlibinc",
                    "-fno-stack-protector",
                    "-fno-pic",
                    "-fno-omit-frame-pointer",
                    "-O2",
                    "-g",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-Wthread-safety",
                    "-Wno-unused-parameter",
                    # Reproducible builds: Bazel replaces these macros' values.
                    "-Wno-builtin-macro-redefined",
                    "-D__DATE__=\"redacted\"",
                    "-D__TIMESTAMP__=\"redacted\"",
                    "-D__TIME__=\"redacted\"",
                ])],
            ),
            flag_set(
                actions = _COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = mode_compile_flags + ["-D__tessera__"])],
            ),
            flag_set(
                actions = _CXX_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-std=c++20",
                    "-fno-exceptions",
                    "-fno-rtti",
                    "-fno-threadsafe-statics",
                    "-fno-use-cxa-atexit",
                ])],
            ),
        ],
    )

    link_flags = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _LINK_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "--target=x86_64-unknown-elf",
                    "-fuse-ld=lld",
                    "-nostdlib",
                    "-static",
                    "-Wl,--build-id=none",
                    "-Wl,-z,max-page-size=4096",
                ] + mode_link_flags)],
            ),

        ],
    )

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = [compile_flags, link_flags],
        cxx_builtin_include_directories = [
            "/usr/lib/llvm-14/lib/clang/14.0.6/include",
            "/usr/include/x86_64-linux-musl",
        ],
        toolchain_identifier = "tessera-q35-clang-" + ctx.attr.mode,
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-unknown-elf",
        target_cpu = "x86_64",
        target_libc = "none",
        compiler = "clang",
        abi_version = "none",
        abi_libc_version = "none",
        tool_paths = tool_paths,
    )

tessera_q35_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "mode": attr.string(mandatory = True, values = ["kernel", "user"]),
    },
    provides = [CcToolchainConfigInfo],
)
