#!/usr/bin/env bash
# Wrap dist/AceTray.app in a compressed, drag-to-Applications disk image (macOS only).
#
#   bash packaging/macos/make_dmg.sh [APP=dist/AceTray.app] [OUT=dist/AceTray-<version>-macos-<arch>.dmg]
# Env: CODESIGN_IDENTITY="Developer ID Application: ..." signs the app (hardened runtime)
# and the image; without it PyInstaller's ad-hoc signature is kept (users then open it the
# first time with right click > Open). Notarization (xcrun notarytool) is a separate step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' "$ROOT/desktop/__init__.py")"
APP="${1:-$ROOT/dist/AceTray.app}"
OUT="${2:-$ROOT/dist/AceTray-$VERSION-macos-$(uname -m).dmg}"
command -v hdiutil >/dev/null || { echo "make_dmg: hdiutil not found (macOS only)" >&2; exit 2; }
[ -d "$APP/Contents/MacOS" ] || { echo "make_dmg: no app bundle at $APP" >&2; exit 1; }

plutil -lint "$APP/Contents/Info.plist"
/usr/libexec/PlistBuddy -c 'Print :CFBundleURLTypes:0:CFBundleURLSchemes:0' "$APP/Contents/Info.plist" | grep -qx acestream

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
fi

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$OUT"
hdiutil create -volname "AceTray $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$OUT"
hdiutil verify "$OUT"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$OUT"
fi
echo "make_dmg: $OUT ($(du -h "$OUT" | cut -f1))"
