#!/usr/bin/env bash
# The whole test suite on a fresh machine: install dependencies, then run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-test-deps.sh
exec python3 -m pytest -q -p no:cacheprovider "$@"
