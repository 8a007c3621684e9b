"""Access rules, checked in front of every route: who may use the proxy, and from where.

A web page the user happens to open must not be able to use AceTray through
the user's browser:

- DNS rebinding: a page on `evil.example` whose name is re-pointed at
  127.0.0.1 becomes same-origin with the proxy in the browser's eyes and can
  read `/api/streams` (every player's address and user agent). The browser
  still sends `Host: evil.example`, so only `Host` values that name this
  machine are accepted: IP literals, `localhost`, this machine's own names.
- Cross-site requests: any page can make the browser fetch
  `<video src="http://127.0.0.1:6880/ace/getstream?id=...">`, starting engine
  sessions. Browsers say where a request comes from (`Sec-Fetch-Site`,
  `Origin`, and in old browsers only `Referer`); anything but AceTray's own page
  is refused, a page on another port of this host included.

Players (VLC, mpv, Kodi, IPTV apps) send none of those headers, and name the
proxy by address or by this machine's name, so they pass. Each rule is a
small function of the request and the current `AccessPolicy` returning a
refusal or None; the middleware runs them in order. The LAN sharing token is
one more field of the policy and the last rule, which also keeps count of
wrong tokens per address (`token_guesses.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import ipaddress
import logging
import math
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from desktop.streaming.http.token_guesses import TokenGuesses
from desktop.streaming.http.tuner_access import TunerAccess, tuner_may_pass
from desktop.streaming.logs import RateLimitedLog

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class AccessPolicy:
    """What the access rules compare against; replaced whole when settings change."""

    host_names: frozenset[str] = frozenset({"localhost"})  # lower case, no trailing dot
    # Pages a browser may open from a link on another site: a top-level navigation cannot read
    # the answer (and the page forbids framing), so only AceTray's own page is such a path.
    navigable: frozenset[str] = frozenset({"/"})
    token: str | None = None  # LAN sharing: every request carries it (query `token=` or a Bearer header)
    tuner: TunerAccess | None = None  # while the network tuner is on: what TV apps may do without the token


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: `reason` for the log, `message` (one line) for the requester."""

    reason: str
    message: str
    status: type[web.HTTPException] = web.HTTPForbidden
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. Retry-After with a 429


def machine_names(*, resolve: bool = True) -> frozenset[str]:
    """The names this machine answers to. `resolve` asks the resolver for the FQDN: call it off the loop."""
    hostname = socket.gethostname()
    fqdn = hostname
    if resolve:
        try:
            fqdn = socket.getfqdn(hostname)
        except OSError:  # a broken resolver must not stop the proxy; the plain names still work
            pass
    return _names_of((hostname, fqdn))


async def resolve_machine_names(timeout: float) -> frozenset[str] | None:
    """`machine_names()` asked of the resolver on a thread of its own; None when it takes over `timeout` s.

    Not the loop's default executor: on the UI's qasync loop that is a pool of
    QThreads, and a resolver that hangs must neither hold the loop nor the exit
    (the thread is a daemon; its late answer is dropped).
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[frozenset[str]] = loop.create_future()

    def deliver(names: frozenset[str]) -> None:
        if not answer.done():
            answer.set_result(names)

    def work() -> None:
        names = machine_names()
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
            loop.call_soon_threadsafe(deliver, names)

    threading.Thread(target=work, name="machine-names", daemon=True).start()
    try:
        return await asyncio.wait_for(answer, timeout)
    except TimeoutError:
        return None


def _names_of(given: tuple[str, ...]) -> frozenset[str]:
    names = {"localhost"}
    for name in map(_normal, given):
        if not name or _is_ip_literal(name):
            continue
        names.add(name)
        short = name.split(".", 1)[0]
        names.add(short)
        names.add(f"{short}.local")  # its mDNS name (Avahi, Bonjour)
    return frozenset(names)


def policy_for(machine: frozenset[str], listen_host: str, token: str | None = None) -> AccessPolicy:
    """The policy for this machine's names plus the listen address, when that is a name."""
    return AccessPolicy(host_names=machine | _names_of((listen_host,)), token=token)


def _normal(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is still a literal
    except ValueError:
        return False
    return True


def split_host(value: str) -> tuple[str, str]:
    """`Host` header → (host lower case without brackets or trailing dot, port or "")."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            return value.lower(), ""
        host, rest = value[1:end], value[end + 1 :]
        return host.lower(), rest.removeprefix(":")
    if value.count(":") == 1:
        host, port = value.split(":")
        return _normal(host), port
    return _normal(value), ""


def host_names_this_machine(value: str, policy: AccessPolicy) -> bool:
    host, port = split_host(value)
    if port and not port.isdigit():
        return False
    if not host:
        return False
    return _is_ip_literal(host) or host in policy.host_names


# --- the rules, in the order they run ----------------------------------------------------
def check_host(request: web.Request, policy: AccessPolicy) -> Refusal | None:
    value = request.headers.get("Host")
    if value is None:
        return None  # HTTP/1.0 players may send none; browsers always do
    if host_names_this_machine(value, policy):
        return None
    shown = value[:60]
    return Refusal(
        f"Host {shown!r} does not name this computer",
        f"Refused: {shown!r} is not a name of this computer. Use its address or its own name.",
    )


def check_cross_site(request: web.Request, policy: AccessPolicy) -> Refusal | None:
    """Only AceTray's own page (same origin) or no browser at all may use the proxy.

    A `<video>` tag on any page makes the browser fetch a stream and so start an
    engine session. Modern browsers say who asks (`Sec-Fetch-Site`): `same-site`
    (a page on another port of this host) is as foreign as `cross-site`. Old
    browsers send none of that, but name the page in `Referer`. Players and TV apps
    send neither: they pass.
    """
    if request.path in policy.navigable and _is_top_level_navigation(request):
        return None
    return _foreign_fetch_site(request) or _foreign_origin(request) or _foreign_referer(request)


# `none`: the person typed the URL or opened a bookmark; `same-origin`: AceTray's own page.
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})


def _foreign_fetch_site(request: web.Request) -> Refusal | None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is None or site.strip().lower() in _OWN_FETCH_SITES:
        return None
    return _cross_site(f"Sec-Fetch-Site: {site.strip()[:20]}")


def _foreign_origin(request: web.Request) -> Refusal | None:
    origin = request.headers.get("Origin")
    if origin is None or _is_own_origin(origin, request.headers.get("Host")):
        return None
    return _cross_site(f"Origin {origin[:60]!r}")


def _foreign_referer(request: web.Request) -> Refusal | None:
    """An old browser's `<video>` on another site: no Sec-Fetch-*, no Origin, only the page in `Referer`."""
    referer = request.headers.get("Referer")
    if referer is None or _is_own_origin(referer, request.headers.get("Host")):
        return None
    return _cross_site(f"Referer from another site ({_origin_of(referer)})")


def _origin_of(url: str) -> str:
    """Scheme and host of a URL, for the log (a Referer's path and query may hold anything)."""
    try:
        parts = urlsplit(url.strip())
        return f"{parts.scheme}://{parts.netloc}"[:60]
    except ValueError:
        return "unreadable"


def _is_top_level_navigation(request: web.Request) -> bool:
    headers = request.headers
    return (
        request.method in ("GET", "HEAD")
        and headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
        and headers.get("Sec-Fetch-Dest", "document").lower() == "document"
    )


def _cross_site(reason: str) -> Refusal:
    return Refusal(
        f"cross-site request ({reason})",
        "Refused: AceTray does not answer requests made by other web sites. Open the stream in a player.",
    )


def _is_own_origin(origin: str, host: str | None) -> bool:
    """An Origin (or a Referer's URL) is this proxy's own: http://, naming the Host the request was sent to."""
    if host is None:
        return False
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
    except ValueError:  # "null", garbage, a port out of range
        return False
    if parts.scheme != "http" or not parts.hostname:
        return False
    host_name, host_port = split_host(host)
    return _normal(parts.hostname) == host_name and (origin_port or 80) == int(host_port or 80)


def given_token(request: web.Request) -> str | None:
    """The token a request carries: `?token=` (IPTV apps cannot set headers) or `Authorization: Bearer`."""
    given = request.query.get("token")
    if given is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        given = value.strip() if scheme.lower() == "bearer" else None
    return given


def check_token(request: web.Request, policy: AccessPolicy, guesses: TokenGuesses) -> Refusal | None:
    """With LAN sharing on, every request — from this computer too — carries the access token.

    A wrong token is a guess, and an address that keeps guessing waits before its
    next one is judged (`token_guesses.py`). Compared in constant time; the token
    itself is never logged.
    """
    expected = policy.token
    if expected is None or tuner_may_pass(request, policy.tuner):
        return None
    given = given_token(request)
    if given is None:
        return _key_refusal(request, policy.tuner) or _ASK_FOR_TOKEN
    address = request.remote or ""
    wait = guesses.wait(address, given)
    if wait > 0:
        seconds = math.ceil(wait)
        return Refusal(
            f"access token guesses from this address are slowed (next judged in {seconds} s)",
            f"Too many wrong access tokens from this device: try again in {seconds} s "
            "with a link from Share with devices.",
            web.HTTPTooManyRequests,
            headers={"Retry-After": str(seconds)},
        )
    right = hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))
    guesses.judged(address, given, right)
    return None if right else dataclasses.replace(_ASK_FOR_TOKEN, reason="wrong access token")


_ASK_FOR_TOKEN = Refusal(
    "missing access token",
    "AceTray asks for its access token: use the links from Share with devices (they end in ?token=…).",
    web.HTTPUnauthorized,
)


def _key_refusal(request: web.Request, tuner: TunerAccess | None) -> Refusal | None:
    """A TV app's lineup key that does not open this (another channel, another route; or an old key from
    before the token changed) is told as such, not as a missing token."""
    key = request.query.get("key")
    if tuner is None or key is None:
        return None
    if hmac.compare_digest(key.encode("utf-8", "replace"), tuner.key.encode("utf-8")):
        return _KEY_NOT_HERE
    return _KEY_NOT_OURS


_KEY_NOT_OURS = Refusal(
    "tuner playback key that is not (or no longer) this tuner's",
    "This link's key is not AceTray's current one (the access token changed?): scan for the tuner again in the TV app.",
    web.HTTPUnauthorized,
)
_KEY_NOT_HERE = Refusal(
    "tuner playback key outside the tuner's lineup",
    "This link's key plays only the channels of AceTray's tuner lineup (lineup.json); "
    "anything else needs the access token.",
    web.HTTPUnauthorized,
)

# A browser opening a link without the token gets a page that says where the right link is
# (players and tools keep the one line). Nothing in it comes from the request.
_TOKEN_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>AceTray: this link needs its access token</title>
<style>body { font: 20px/1.5 system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; }
code { white-space: nowrap; }</style>
</head>
<body>
<h1>This link needs AceTray's access token</h1>
<p>AceTray shares its channels only through links that carry its access token: they end in
<code>?token=…</code></p>
<p>On the computer running AceTray, choose <strong>Share with devices…</strong> (in AceTray's window or its
tray menu), then open the page's link from there on this device, or scan its QR code.</p>
</body>
</html>
"""
_TOKEN_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def _wants_a_page(request: web.Request) -> bool:
    """A person's browser opening a link (rather than a player, a tool or a page's script)."""
    if "Sec-Fetch-Mode" in request.headers:
        return _is_top_level_navigation(request)
    return "text/html" in request.headers.get("Accept", "")  # an older browser: what it asks for says it


def _refused(request: web.Request, refusal: Refusal) -> web.HTTPException:
    if refusal.status is web.HTTPUnauthorized and _wants_a_page(request):
        return refusal.status(
            text=_TOKEN_PAGE, content_type="text/html", headers={**refusal.headers, **_TOKEN_PAGE_HEADERS}
        )
    return refusal.status(text=refusal.message + "\n", headers=refusal.headers)


Rule = Callable[[web.Request, AccessPolicy], Refusal | None]
RULES: tuple[Rule, ...] = (check_host, check_cross_site)  # then the token, which needs the guesses too


def access_middleware(policy: Callable[[], AccessPolicy], guesses: TokenGuesses | None = None) -> Middleware:
    """A middleware that runs RULES, then the token check, against `policy()` (read per request) before any route."""
    refusals = RateLimitedLog(log)
    token_guesses = guesses if guesses is not None else TokenGuesses()

    def check_token_here(request: web.Request, current: AccessPolicy) -> Refusal | None:
        return check_token(request, current, token_guesses)

    rules: tuple[Rule, ...] = (*RULES, check_token_here)

    @web.middleware
    async def check_access(request: web.Request, handler: Handler) -> web.StreamResponse:
        current = policy()
        for rule in rules:
            refusal = rule(request, current)
            if refusal is not None:
                refusals.warning(rule.__name__, "refused a request from %s: %s", request.remote, refusal.reason)
                raise _refused(request, refusal)
        return await handler(request)

    return check_access
