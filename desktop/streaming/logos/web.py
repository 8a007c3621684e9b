"""Fetching a logo from the web: one deadline for the whole fetch, a size cap, web addresses only.

The deadline covers everything — connecting, redirects, every byte of the
body — so a server that trickles a byte a second is cut when it is due, not
kept alive by each byte the way a silence timeout would be. Redirects are
aiohttp's, which follows only http and https, and only so many times.
"""

from __future__ import annotations

import asyncio

import aiohttp

from desktop import __version__
from desktop.streaming.logos.model import LogoError, LogoLimits, LogoTimeout

_CHUNK = 16 * 1024
_HEADERS = {"User-Agent": f"AceTray/{__version__}", "Accept": "image/*;q=0.9, */*;q=0.1"}


async def fetch_logo_url(url: str, limits: LogoLimits) -> bytes:
    """The body at `url`; LogoError (LogoTimeout past the deadline) with a sentence otherwise."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=limits.connect_timeout)
    try:
        # Logo hosts are not the engine: no proxy variables, no cookies kept.
        async with (
            asyncio.timeout(limits.deadline),
            aiohttp.ClientSession(trust_env=False, cookie_jar=aiohttp.DummyCookieJar()) as session,
            session.get(url, headers=_HEADERS, timeout=timeout, max_redirects=limits.max_redirects) as response,
        ):
            return await _body(response, limits.max_bytes)
    except aiohttp.ServerTimeoutError:  # before TimeoutError: it is one
        raise LogoError(f"The logo's server did not answer within {limits.connect_timeout:g} seconds.") from None
    except TimeoutError:
        raise LogoTimeout(f"The logo took longer than {limits.deadline:g} seconds and was stopped.") from None
    except aiohttp.TooManyRedirects:
        raise LogoError(f"The logo's address redirected more than {limits.max_redirects} times.") from None
    except aiohttp.NonHttpUrlRedirectClientError:
        raise LogoError("The logo's address redirected to something other than a web address.") from None
    except (aiohttp.InvalidURL, ValueError):
        raise LogoError("The logo's address is not valid.") from None
    except aiohttp.ClientConnectorError as exc:
        raise LogoError(f"Could not connect to the logo's server {exc.host}:{exc.port}.") from None
    except aiohttp.ClientError as exc:
        raise LogoError(f"The logo could not be downloaded ({exc or type(exc).__name__}).") from None


async def _body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if response.status != 200:
        reason = f"{response.status} {response.reason}" if response.reason else str(response.status)
        raise LogoError(f"The logo's server answered {reason}.")
    if response.content_length is not None and response.content_length > max_bytes:
        raise LogoError(_too_large(max_bytes))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise LogoError(_too_large(max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> str:
    return f"The logo is larger than {max_bytes // 1024} KB; a logo that big is not kept."
