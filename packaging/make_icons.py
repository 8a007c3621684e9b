"""Render AceTray's icons from the SVG sources in resources/icons/.

    .venv/bin/python packaging/make_icons.py        # rewrite the PNG/ICO/ICNS files
    .venv/bin/python packaging/make_icons.py --check  # exit 1 if any output is missing

The outputs are committed, so building the app never needs this script. It uses
only Qt (QtSvg renders, QtGui encodes PNG) and writes the multi-size .ico and the
.icns containers itself, so no ImageMagick/icnsutils is needed to regenerate.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
APP_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
TRAY_STATES = ("stopped", "idle", "streaming", "error")
TRAY_SIZES = (32, 64)
# ICNS element types holding PNG data, by pixel size (macOS 10.7+).
ICNS_TYPES = (
    (b"icp4", 16), (b"ic11", 32), (b"icp5", 32), (b"ic12", 64), (b"icp6", 64),
    (b"ic07", 128), (b"ic13", 256), (b"ic08", 256), (b"ic14", 512), (b"ic09", 512), (b"ic10", 1024),
)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit BGRA DIB (bottom-up) with its 1-bit AND mask, as classic ICO entries hold."""
    size = image.width()
    image = image.convertToFormat(QImage.Format.Format_ARGB32)  # little-endian memory order: B G R A
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in range(size - 1, -1, -1):
        rows.append(bytes(image.constScanLine(y))[: size * 4])
    mask_stride = ((size + 31) // 32) * 4
    mask = b"\x00" * (mask_stride * size)  # alpha channel carries transparency
    return header + b"".join(rows) + mask


def write_ico(svg: Path, out: Path) -> None:
    entries = []
    for size in ICO_SIZES:
        image = render(svg, size)
        entries.append((size, png_bytes(image) if size >= 256 else dib_bytes(image)))
    offset = 6 + 16 * len(entries)
    head = struct.pack("<HHH", 0, 1, len(entries))
    directory = b""
    for size, data in entries:
        dim = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    out.write_bytes(head + directory + b"".join(data for _, data in entries))


def write_icns(svg: Path, out: Path) -> None:
    body = b""
    cache: dict[int, bytes] = {}
    for kind, size in ICNS_TYPES:
        if size not in cache:
            cache[size] = png_bytes(render(svg, size))
        body += kind + struct.pack(">I", 8 + len(cache[size])) + cache[size]
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def outputs() -> list[Path]:
    files = [ICONS / f"acetray-{s}.png" for s in APP_SIZES] + [ICONS / "acetray.ico", ICONS / "acetray.icns"]
    files += [ICONS / f"tray-{state}-{s}.png" for state in TRAY_STATES for s in TRAY_SIZES]
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that every output exists")
    args = parser.parse_args()
    if args.check:
        missing = [str(p) for p in outputs() if not p.is_file()]
        print("\n".join(missing) or "all icons present")
        return 1 if missing else 0
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    app_svg = ICONS / "acetray.svg"
    for size in APP_SIZES:
        render(app_svg, size).save(str(ICONS / f"acetray-{size}.png"), "PNG")
    write_ico(app_svg, ICONS / "acetray.ico")
    write_icns(app_svg, ICONS / "acetray.icns")
    for state in TRAY_STATES:
        for size in TRAY_SIZES:
            render(ICONS / f"tray-{state}.svg", size).save(str(ICONS / f"tray-{state}-{size}.png"), "PNG")
    for path in outputs():
        print(f"{path.stat().st_size:>8}  {path.relative_to(ICONS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
