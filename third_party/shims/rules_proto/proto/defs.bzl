"""Re-exports the native proto rules so @bazel_tools can load them offline."""

proto_library = native.proto_library
proto_lang_toolchain = native.proto_lang_toolchain
ProtoInfo = ProtoInfo
