#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Configures (once) and builds into BUILD_DIR (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
ninja -C "$dir"
