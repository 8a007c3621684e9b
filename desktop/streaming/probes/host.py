"""The sources part of a running core: the health store, the link check, and the favourites' schedule.

`ProxyService` owns one for its whole life (the verdicts outlive a stop of
the proxy, like the playlists). Checks run while the proxy does; the
favourites are re-checked every `check_favourites_hours` (0: never, the
default), the first time when the oldest favourite's verdict is due. Every
change reaches the window as one `SourcesView`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from desktop.streaming.channels.scheduler import HOUR, RefreshScheduler
from desktop.streaming.config import ProxyConfig
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.probes.checker import LinkChecker
from desktop.streaming.runtime.clocks import Clock
from desktop.streaming.sources.health import HealthStore
from desktop.streaming.sources.health_file import HealthFile
from desktop.streaming.sources.view import SourcesView


class SourcesHost:
    def __init__(
        self,
        context: CoreContext,
        *,
        favourites: Callable[[], Iterable[ChannelKey]],
        on_view: Callable[[SourcesView], None] | None = None,
        file: HealthFile | None = None,
        clock: Clock | None = None,
    ) -> None:
        """`file=None`: health.json in the config folder."""
        self._context = context
        self._favourites = favourites
        self._on_view = on_view
        self.health = HealthStore(file if file is not None else HealthFile(), on_change=lambda _map: self._publish())
        self.checker = LinkChecker(context, self.health, clock=clock, on_progress=lambda _p: self._publish())
        self._schedule: RefreshScheduler | None = None
        self._hours = context.config.check_favourites_hours

    @property
    def view(self) -> SourcesView:
        return SourcesView(self.health.map, self.checker.progress)

    async def open(self) -> None:
        """Read the saved verdicts (once)."""
        await self.health.open()

    async def start(self, registry: StreamRegistry) -> None:
        await self.open()
        self.checker.attach(registry)
        self._schedule = RefreshScheduler(
            self.check_favourites, self._hours, first_delay=self._first_delay(), name="favourites check"
        )
        self._schedule.start()

    async def stop(self) -> None:
        schedule, self._schedule = self._schedule, None
        if schedule is not None:
            await schedule.stop()
        await self.checker.detach()
        await self.health.flush()

    async def close(self) -> None:
        await self.stop()
        await self.health.close()

    def check(self, keys: Iterable[ChannelKey]) -> int:
        """Queue these channels' sources (every one of a channel of several) for the link check;
        CheckUnavailable (a sentence) while the proxy is stopped."""
        lineup = self._context.lineup
        return self.checker.check(source for key in keys for source in lineup(key).sources)

    async def check_favourites(self) -> None:
        self.check(sorted(self._favourites()))

    def use(self, config: ProxyConfig) -> None:
        """New settings: the favourites' schedule follows its interval at once (the rest is read at each use)."""
        if config.check_favourites_hours != self._hours:
            self._hours = config.check_favourites_hours
            if self._schedule is not None:
                self._schedule.set_interval(self._hours)

    def _first_delay(self) -> float:
        """Seconds until the oldest favourite's verdict is one interval old (0: one has none)."""
        times = [self.health.get(key).checked_at for key in self._favourites()]
        if not times:
            return self._hours * HOUR
        if any(t is None for t in times):
            return 0.0
        oldest = min(t for t in times if t is not None)
        return max(0.0, oldest + self._hours * HOUR - self.health.now())

    def _publish(self) -> None:
        if self._on_view is not None:
            self._on_view(self.view)
