"""QR codes for the share dialog, drawn from segno's module matrix into a QImage (no image library)."""

from __future__ import annotations

import segno
from PySide6.QtGui import QColor, QImage, QPainter

QUIET_ZONE = 4  # modules of white around the code, as the standard asks; phones read it far better


def qr_image(text: str, module_px: int = 4) -> QImage:
    """A black-on-white QR code of `text`, each module `module_px` pixels wide."""
    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix]
    size = (len(rows) + 2 * QUIET_ZONE) * module_px
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    black = QColor("black")
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(
                    (x + QUIET_ZONE) * module_px, (y + QUIET_ZONE) * module_px, module_px, module_px, black
                )
    painter.end()
    return image
