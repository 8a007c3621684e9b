"""Is it an image? Told from the bytes themselves, as browsers do, never from what a server says.

The raster signatures are the image type patterns of the WHATWG MIME Sniffing
standard (§ 6.1); SVG, which that table leaves out because it is XML, is
recognised by its root element near the start. What the server called the
file does not count: a logo host that says `text/html` for a PNG still gives
a PNG, and one that says `image/png` for a web page gives no logo.
"""

from __future__ import annotations

import re

# (signature, mask or None, content type), in the standard's order.
_PATTERNS: tuple[tuple[bytes, bytes | None, str], ...] = (
    (b"\x00\x00\x01\x00", None, "image/x-icon"),
    (b"\x00\x00\x02\x00", None, "image/x-icon"),  # a cursor file: an icon all the same
    (b"BM", None, "image/bmp"),
    (b"GIF87a", None, "image/gif"),
    (b"GIF89a", None, "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP", b"\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff", "image/webp"),
    (b"\x89PNG\r\n\x1a\n", None, "image/png"),
    (b"\xff\xd8\xff", None, "image/jpeg"),
)
_AVIF_BRANDS = (b"avif", b"avis")
_SVG_HEAD = 4096  # an SVG names its root element before this (after the XML declaration, comments, a DOCTYPE)
_SVG_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.DOTALL)


def image_type(data: bytes) -> str | None:
    """The image's content type, or None when the bytes are not an image AceTray serves."""
    for signature, mask, content_type in _PATTERNS:
        if _matches(data, signature, mask):
            return content_type
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _AVIF_BRANDS:
        return "image/avif"
    head = data[:_SVG_HEAD].removeprefix(b"\xef\xbb\xbf")
    if _SVG_ROOT.match(head):
        return "image/svg+xml"
    return None


def _matches(data: bytes, signature: bytes, mask: bytes | None) -> bool:
    if len(data) < len(signature):
        return False
    if mask is None:
        return data.startswith(signature)
    return all(d & m == s for d, m, s in zip(data, mask, signature, strict=False))
