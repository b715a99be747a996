#!/bin/bash
# Runs the Tessera-built static posixtest binary on the host's Linux kernel:
# the oracle every case must pass before it means anything on Tessera.
#   run_on_host.sh POSIXTEST POSIXHELPER [FILTER]
# The helper's path is made absolute: the execve cases use it as a #!
# interpreter too.
set -uo pipefail
helper="$2"
case "$helper" in /*) ;; *) helper="$PWD/$helper" ;; esac
"$1" --helper "$helper" "${@:3}"
