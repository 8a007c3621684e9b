"""LogoStore: a logo on its first request, from the disk cache, the web or a local file; checked; kept.

One fetch per logo however many ask (the page, the tray and a TV app may ask
at once); at most `parallel` web fetches at a time, each within its deadline,
while logos already on disk and local files never wait for a web slot. What
comes back must be an image (told from its bytes) within the size cap. A logo
that failed is answered with the same failure, at once, for a while
(`retry_after`): a dead or trickling logo server costs one deadline, not one
per row shown or per device. Memory stays bounded: fetches waiting, failures
remembered and bytes in flight all have caps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from pathlib import Path

from desktop.streaming.logos.disk_cache import LogoDiskCache
from desktop.streaming.logos.local import read_logo_file
from desktop.streaming.logos.model import (
    DEFAULT_LIMITS,
    Logo,
    LogoError,
    LogoLimits,
    LogoRef,
    LogosBusy,
    LogoTimeout,
)
from desktop.streaming.logos.sniff import image_type
from desktop.streaming.logos.threads import DaemonThreads
from desktop.streaming.logos.web import fetch_logo_url
from desktop.streaming.logs import RateLimitedLog

log = logging.getLogger(__name__)


class LogoStore:
    def __init__(
        self,
        cache: LogoDiskCache | None,
        *,
        limits: LogoLimits = DEFAULT_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`cache=None` keeps nothing on disk (tests, a throw-away run)."""
        self._cache = cache
        self._limits = limits
        self._clock = clock
        self._web_slots = asyncio.Semaphore(limits.parallel)
        self._disk = DaemonThreads(1, "acetray-logo-cache")
        self._files = DaemonThreads(limits.file_readers, "acetray-logo-file")
        self._pending: dict[str, asyncio.Task[Logo]] = {}
        self._failures: OrderedDict[str, tuple[float, type[LogoError], str]] = OrderedDict()
        self._problems = RateLimitedLog(log, every=30.0)

    @property
    def limits(self) -> LogoLimits:
        return self._limits

    async def get(self, logo_id: str, ref: LogoRef) -> Logo:
        """The logo `ref` points at, known by `logo_id`; LogoError (a sentence) when there is none."""
        failure = self._recent_failure(logo_id)
        if failure is not None:
            raise failure
        task = self._pending.get(logo_id)
        if task is None:
            if len(self._pending) >= self._limits.max_waiting:
                raise LogosBusy("AceTray is fetching many logos at once; this one comes when asked again.")
            task = asyncio.get_running_loop().create_task(self._load(logo_id, ref), name=f"logo {logo_id}")
            self._pending[logo_id] = task
            task.add_done_callback(partial(self._finished, logo_id, _shown(ref)))
        # shield: one asker giving up (a player closed, a row scrolled away) must not cancel it for the others.
        return await asyncio.shield(task)

    async def close(self) -> None:
        """Stop the fetches under way (a thread stuck on a file is a daemon: it does not hold the exit)."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- inside ------------------------------------------------------------------------------
    async def _load(self, logo_id: str, ref: LogoRef) -> Logo:
        if ref.path is not None:
            return _checked(await self._read_file(ref.path))
        assert ref.url is not None
        cached = await self._from_disk(logo_id)
        if cached is not None:
            return cached
        async with self._web_slots:
            data = await fetch_logo_url(ref.url, self._limits)
        logo = _checked(data)  # only images go to the disk
        if self._cache is not None:
            await self._disk.run(partial(self._cache.write, logo_id, data))
        return logo

    async def _read_file(self, path: Path) -> bytes:
        deadline = self._limits.deadline
        try:
            async with asyncio.timeout(deadline):  # a slot and the read, both: a dead mount answers too
                return await self._files.run(partial(read_logo_file, path, self._limits.max_bytes))
        except TimeoutError:
            raise LogoTimeout(f"Reading the logo file {path} took longer than {deadline:g} seconds.") from None

    async def _from_disk(self, logo_id: str) -> Logo | None:
        if self._cache is None:
            return None
        data = await self._disk.run(partial(self._cache.read, logo_id))
        if data is None:
            return None
        content_type = image_type(data)
        return Logo(data, content_type) if content_type is not None else None  # not an image: fetched again

    def _recent_failure(self, logo_id: str) -> LogoError | None:
        remembered = self._failures.get(logo_id)
        if remembered is None:
            return None
        when, kind, message = remembered
        if self._clock() - when >= self._limits.retry_after:
            del self._failures[logo_id]
            return None
        return kind(message)  # a new one each time: a raised exception keeps the frames it passed

    def _finished(self, logo_id: str, shown: str, task: asyncio.Task[Logo]) -> None:
        if self._pending.get(logo_id) is task:
            del self._pending[logo_id]
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if not isinstance(error, LogoError):  # a bug: logged with its traceback, told as a sentence
            log.error("logo %s: unexpected failure", shown, exc_info=error)
            error = LogoError(f"The logo could not be fetched ({type(error).__name__}).")
        # A playlist can name hundreds of dead logos: each one at DEBUG, a line now and then at INFO.
        log.debug("logo %s: %s", shown, error)
        self._problems.log(logging.INFO, "failed", "logo %s: %s", shown, error)
        self._failures[logo_id] = (self._clock(), type(error), str(error))
        self._failures.move_to_end(logo_id)
        while len(self._failures) > self._limits.remembered_failures:
            self._failures.popitem(last=False)


def _shown(ref: LogoRef) -> str:
    """A logo as logged: a file's path, or the address without its query (logo URLs may carry keys)."""
    if ref.path is not None:
        return str(ref.path)
    address = str(ref.url)
    return address.split("?", 1)[0] + ("?…" if "?" in address else "")


def _checked(data: bytes) -> Logo:
    content_type = image_type(data)
    if content_type is None:
        raise LogoError("The logo's address gave something that is not a picture.")
    return Logo(data, content_type)
