#!/bin/bash
# Runs the Tessera-built static posixtest binary on the host's Linux kernel:
# the oracle every case must pass before it means anything on Tessera.
set -uo pipefail
"$1"
