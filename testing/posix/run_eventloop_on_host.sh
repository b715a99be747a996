#!/bin/bash
# The event-loop load program on the host's Linux, the oracle: the same
# binary must pass there (Tessera runs it for a minute in console_test).
set -uo pipefail
"$1" --seconds 5 --clients 8
