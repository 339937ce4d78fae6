#!/usr/bin/env bash
# One entry point for people and CI:
#   tools/dev.sh run  [codex-admin options]  install what is missing, build, open the app
#   tools/dev.sh test                        install what is missing, build, run every test
#   tools/dev.sh bench                       build and run the benchmarks (figures on stdout)
set -euo pipefail
start="$PWD"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-run}"
shift || true
cd "$here"

bash tools/install-deps.sh
build="${CODEX_ADMIN_BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j"$(nproc)"

case "$cmd" in
  run)
    # Opens on the default workspace: the current folder (if it holds .codex/), else the last one used.
    cd "${CODEX_ADMIN_WORKSPACE:-$start}"
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "no display found: starting under Xvfb (xvfb-run)" >&2
      exec xvfb-run -a "$build/src/ui/codex-admin" "$@"
    fi
    exec "$build/src/ui/codex-admin" "$@"
    ;;
  test)
    cd "$build"
    export QT_QPA_PLATFORM=offscreen
    exec ctest --output-on-failure -j2 --timeout 600
    ;;
  bench)
    for b in "$build"/bench/bench_*; do
      [ -x "$b" ] || continue
      echo "== $(basename "$b")"
      "$b"
    done
    ;;
  *)
    echo "usage: tools/dev.sh run|test|bench" >&2
    exit 2
    ;;
esac
