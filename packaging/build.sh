#!/usr/bin/env bash
# `make package`: the PyInstaller onedir bundle in dist/acetray/ and, on Linux, the .deb.
#
#   bash packaging/build.sh            # bundle + dist/acetray_<version>_<arch>.deb
#   NO_DEB=1 bash packaging/build.sh   # bundle only
# Env: PYTHON (default .venv/bin/python), LINTIAN=1 to run lintian on the .deb.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

start=$(date +%s)
"$PYTHON" packaging/make_icons.py --check >/dev/null || {
    echo "build: icons missing; run: $PYTHON packaging/make_icons.py" >&2; exit 1; }
rm -rf dist/acetray
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/acetray.spec
[ -x dist/acetray/acetray ] || [ -x dist/acetray/acetray.exe ] || { echo "build: no bundle produced" >&2; exit 1; }
dist/acetray/acetray --version 2>/dev/null || true
echo "build: bundle dist/acetray $(du -sh dist/acetray | cut -f1)"

case "$(uname -s)" in
    Linux)
        if [ "${NO_DEB:-0}" != 1 ]; then
            bash packaging/linux/build_deb.sh dist/acetray dist
        fi
        ;;
    *) echo "build: not Linux, no .deb (see packaging/windows, packaging/macos)" ;;
esac
echo "build: done in $(( $(date +%s) - start )) s"
