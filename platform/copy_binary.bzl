"""The copy step shared by the rules that build a binary in another configuration."""

def copy_binary(ctx, out_name, mnemonic):
    """Copies the executable of ctx.attr.binary (an attribute with a transition) to `out_name`.

    Returns the DefaultInfo of the copy (its file and runfiles).
    """
    binary = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(out_name)
    ctx.actions.run_shell(
        inputs = [binary],
        outputs = [out],
        command = 'cp "$1" "$2"',
        arguments = [binary.path, out.path],
        mnemonic = mnemonic,
    )
    return DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))
