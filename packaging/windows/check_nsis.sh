#!/usr/bin/env bash
# Compile packaging/windows/acetray.nsi with makensis against a placeholder payload
# (the Windows bundle cannot be built here). Warnings are errors.
#
#   bash packaging/windows/check_nsis.sh [OUT_DIR]     # prints the installer's path
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v makensis >/dev/null || { echo "check_nsis: makensis not found (apt-get install nsis)" >&2; exit 2; }
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
PAYLOAD="$OUT/payload"
rm -rf "$PAYLOAD"
mkdir -p "$PAYLOAD/_internal/resources/icons"
# Placeholders shaped like the PyInstaller onedir bundle.
printf 'MZ placeholder acetray.exe\n' > "$PAYLOAD/acetray.exe"
printf 'MZ placeholder acetray-cli.exe\n' > "$PAYLOAD/acetray-cli.exe"
printf 'placeholder\n' > "$PAYLOAD/_internal/python311.dll"
cp "$HERE/../../resources/icons/acetray.ico" "$PAYLOAD/_internal/resources/icons/"
makensis -V2 -WX -NOCD \
    "-DSOURCE_DIR=$PAYLOAD" "-DOUTFILE=$OUT/AceTray-Setup.exe" \
    "$HERE/acetray.nsi"
echo "$OUT/AceTray-Setup.exe"
