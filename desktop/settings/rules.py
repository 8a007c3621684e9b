"""The rules a typed setting must follow beyond its range: the engine URL, the access token, the image name.

Plain functions of a value returning a sentence (or None), referred to by the
settings' declarations in `schema.py` (`check=`, `normalize=`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def engine_url_problem(url: str) -> str | None:
    """Why `url` cannot be the engine's address, or None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return "Engine URL must start with http:// or https://."
    if not parts.hostname:
        return "Engine URL needs a host, e.g. http://127.0.0.1:6878."
    try:
        _ = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        return "Engine URL has an invalid port."
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "Engine URL must be just scheme, host and port."
    return None


TOKEN_CHARACTERS = re.compile(r"\A[A-Za-z0-9_-]{16,128}\Z")


def token_problem(token: str) -> str | None:
    """Empty is fine (one is made on first use); anything else must be safe to put in a URL."""
    if token and not TOKEN_CHARACTERS.match(token):
        return "The access token must be 16 to 128 letters, digits, '-' or '_'."
    return None


TOKEN_BYTES = 18  # what AceTray makes: secrets.token_urlsafe(18), 24 characters, 144 bits
TOKEN_LENGTH = 24


def token_weakness(token: str) -> str | None:
    """A warning for a chosen token weaker than the one AceTray makes; None when it is as strong.

    Allowed (a person may have typed it into a TV), but each character missing
    makes it 64 times easier to guess.
    """
    if token and len(token) < TOKEN_LENGTH:
        return (
            f"This access token has {len(token)} characters; the ones AceTray makes have {TOKEN_LENGTH}. "
            "A shorter token is easier to guess."
        )
    return None


def normalize_engine_url(url: str) -> str:
    return url.strip().rstrip("/")


def docker_image_problem(image: str) -> str | None:
    if any(c.isspace() for c in image):
        return "A Docker image name has no spaces."
    if image.startswith("-"):  # `docker run` would take it for one of its options
        return "A Docker image name cannot start with '-'."
    return None
