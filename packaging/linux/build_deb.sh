#!/usr/bin/env bash
# Build dist/acetray_<version>_<arch>.deb from the PyInstaller onedir bundle.
#
#   bash packaging/linux/build_deb.sh [BUNDLE_DIR=dist/acetray] [OUT_DIR=dist]
#
# Layout: /opt/acetray/ (the bundle), /usr/bin/acetray -> /opt/acetray/acetray,
# the .desktop entry (menu + acestream:// handler), hicolor icons, man page, docs.
# Depends are computed with dpkg-shlibdeps from the bundle's ELF files (the spec
# leaves OS libraries such as glib, X11/xcb, fontconfig and OpenSSL to the system).
# Env: DEB_MAINTAINER overrides the Maintainer field; LINTIAN=1 runs lintian after.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUNDLE="$(realpath "${1:-$ROOT/dist/acetray}")"
OUT="$(realpath -m "${2:-$ROOT/dist}")"
[ -x "$BUNDLE/acetray" ] || { echo "build_deb: no bundle at $BUNDLE (run pyinstaller first)" >&2; exit 1; }

VERSION="$(sed -n 's/^__version__ *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' "$ROOT/desktop/__init__.py")"
ARCH="$(dpkg --print-architecture)"
MAINTAINER="${DEB_MAINTAINER:-AceTray developers <acetray@example.invalid>}"
NAME="acetray_${VERSION}_${ARCH}"
WORK="$ROOT/build/deb"
STAGE="$WORK/$NAME"
ICONS="$ROOT/resources/icons"

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/doc/acetray" "$STAGE/usr/share/man/man1" "$STAGE/usr/share/lintian/overrides"

# The bundle, with Debian's permissions: dirs 755, files 644, executables 755 (.so files are not).
cp -a "$BUNDLE" "$STAGE/opt/acetray"
find "$STAGE/opt/acetray" -type d -exec chmod 755 {} +
find "$STAGE/opt/acetray" -type f -exec chmod 644 {} +
chmod 755 "$STAGE/opt/acetray/acetray"
ln -s /opt/acetray/acetray "$STAGE/usr/bin/acetray"

# Menu entry + acestream:// URL handler, icons in every hicolor size.
install -m 644 "$ROOT/resources/acetray.desktop" "$STAGE/usr/share/applications/acetray.desktop"
for png in "$ICONS"/acetray-*.png; do
    size="$(basename "$png" .png)"; size="${size#acetray-}"
    install -D -m 644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/acetray.png"
done
install -D -m 644 "$ICONS/acetray.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/acetray.svg"

# Docs: copyright, changelog, man page (compressed as policy wants), lintian overrides.
install -m 644 "$HERE/copyright" "$STAGE/usr/share/doc/acetray/copyright"
DATE="$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")"
printf 'acetray (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
    "$VERSION" "$VERSION" "$MAINTAINER" "$DATE" | gzip -9n > "$STAGE/usr/share/doc/acetray/changelog.gz"
sed "s/@VERSION@/$VERSION/g" "$HERE/acetray.1" | gzip -9n > "$STAGE/usr/share/man/man1/acetray.1.gz"
install -m 644 "$HERE/lintian-overrides" "$STAGE/usr/share/lintian/overrides/acetray"
chmod 644 "$STAGE/usr/share/doc/acetray/changelog.gz" "$STAGE/usr/share/man/man1/acetray.1.gz"

# Depends: dpkg-shlibdeps over every ELF file, bundled libraries resolved in the bundle.
# The GTK platform theme is optional (Qt skips it when GTK is missing), so it is not scanned.
SHLIB="$WORK/shlibdeps"
rm -rf "$SHLIB" && mkdir -p "$SHLIB/debian"
printf 'Source: acetray\n\nPackage: acetray\nArchitecture: any\n' > "$SHLIB/debian/control"
mapfile -t ELFS < <(find "$STAGE/opt/acetray" -type f \( -name '*.so*' -o -name acetray \) \
    ! -path '*/platformthemes/libqgtk3.so' -exec sh -c 'head -c4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
mapfile -t LIBDIRS < <(find "$STAGE/opt/acetray" -type f -name '*.so*' -printf '%h\n' | sort -u)
LARGS=(); for d in "${LIBDIRS[@]}"; do LARGS+=("-l$d"); done
DEPENDS="$(cd "$SHLIB" && dpkg-shlibdeps -O --ignore-missing-info "${LARGS[@]}" "${ELFS[@]}" 2>"$WORK/shlibdeps.log" \
    | sed -n 's/^shlibs:Depends=//p')"
[ -n "$DEPENDS" ] || { echo "build_deb: dpkg-shlibdeps found no dependencies:" >&2; cat "$WORK/shlibdeps.log" >&2; exit 1; }

install -m 755 "$HERE/postinst" "$STAGE/DEBIAN/postinst"
install -m 755 "$HERE/postrm" "$STAGE/DEBIAN/postrm"
INSTALLED_SIZE="$(du -sk --apparent-size "$STAGE" --exclude=DEBIAN | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
    -e "s|@MAINTAINER@|$MAINTAINER|" -e "s/@DEPENDS@/$DEPENDS/" "$HERE/control.in" > "$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT/$NAME.deb" >/dev/null
echo "build_deb: $OUT/$NAME.deb ($(du -h "$OUT/$NAME.deb" | cut -f1), installed $((INSTALLED_SIZE / 1024)) MiB)"
echo "build_deb: Depends: $DEPENDS"
if [ "${LINTIAN:-0}" = 1 ] && command -v lintian >/dev/null; then
    lintian --info --display-info "$OUT/$NAME.deb" || true
fi
