"""The active configuration of a running server, and how it is replaced.

``ConfigManager.current`` is one reference to a frozen ``LoadedConfig``. A reload
(file change, SIGHUP or ``AdminService.ReloadConfig``) loads and validates a whole
new config off the event loop, then swaps that one reference: a call that read
``current`` at its start keeps its object and finishes on that version, new calls
see the new one, and nobody ever sees a half-applied change. An invalid config is
rejected, logged with every error and kept for ``status()``; the old one stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watchfiles import Change, awatch

from architect.config.errors import ConfigError, ConfigInvalid
from architect.config.loader import load_config
from architect.config.model import LoadedConfig

log = logging.getLogger(__name__)

#: Called with (new, old) after a new version became active.
Listener = Callable[[LoadedConfig, LoadedConfig], None]


@dataclass(frozen=True)
class Rejection:
    """A configuration that failed validation and was not loaded."""

    attempted_at: datetime
    reason: str
    errors: tuple[ConfigError, ...]


@dataclass(frozen=True)
class ReloadResult:
    """Outcome of one reload attempt."""

    accepted: bool
    changed: bool
    version: str
    errors: tuple[ConfigError, ...] = ()


@dataclass(frozen=True)
class ConfigStatus:
    """What ``AdminService.GetConfigStatus`` reports."""

    active: LoadedConfig
    last_rejected: Rejection | None
    reload_count: int


class ConfigManager:
    """Holds the active config; reloads it on demand, on file changes and on SIGHUP."""

    def __init__(self, config: LoadedConfig, *, debounce_ms: int = 200, step_ms: int = 20):
        self._current = config
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []
        self._last_rejected: Rejection | None = None
        self._reload_count = 0
        self._debounce_ms = debounce_ms
        self._step_ms = step_ms
        self._watch_task: asyncio.Task[None] | None = None
        self._stop_watching: asyncio.Event | None = None

    @classmethod
    def load(cls, config_dir: Path, env: str, **kwargs: int) -> ConfigManager:
        """Load the initial config (raises ``ConfigInvalid`` with every error)."""
        return cls(load_config(config_dir, env), **kwargs)

    @property
    def current(self) -> LoadedConfig:
        """The active config. Read it once per call and use that object throughout."""
        return self._current

    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(new, old)`` after each version change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def status(self) -> ConfigStatus:
        """The active config, the last rejected attempt and the number of version changes."""
        return ConfigStatus(self._current, self._last_rejected, self._reload_count)

    def validate(
        self, env: str | None = None, overrides: Mapping[str, str] | None = None
    ) -> LoadedConfig:
        """Load without activating (raises ``ConfigInvalid``); for ValidateConfig."""
        return load_config(self._current.config_dir, env or self._current.env, overrides)

    async def reload(self, reason: str) -> ReloadResult:
        """Load the tree from disk and, if valid and different, make it active.

        Concurrent reloads are serialised. The load runs in a worker thread so calls in
        flight keep being served while YAML is parsed and validated.
        """
        async with self._lock:
            old = self._current
            try:
                new = await asyncio.to_thread(load_config, old.config_dir, old.env)
            except ConfigInvalid as exc:
                self._last_rejected = Rejection(datetime.now(UTC), reason, exc.errors)
                log.error(
                    "config change rejected (%s); version %s stays active. %s",
                    reason,
                    old.version,
                    "\n".join(["", *map(str, exc.errors)]),
                )
                return ReloadResult(False, False, old.version, exc.errors)
            self._last_rejected = None
            if new.version == old.version:
                log.debug("config reload (%s): version %s unchanged", reason, old.version)
                return ReloadResult(True, False, old.version)
            self._current = new  # the swap: one reference assignment
            self._reload_count += 1
            log.info("config %s active (was %s; %s)", new.version, old.version, reason)
            for listener in list(self._listeners):
                try:
                    listener(new, old)
                except Exception:
                    log.exception("config listener %r failed for version %s", listener, new.version)
            return ReloadResult(True, True, new.version)

    async def start_watching(self) -> None:
        """Reload whenever a YAML file under the config directory changes."""
        if self._watch_task is None:
            self._stop_watching = asyncio.Event()
            self._watch_task = asyncio.create_task(self._watch(), name="config-watcher")

    async def stop(self) -> None:
        """Stop the file watcher."""
        task, self._watch_task = self._watch_task, None
        if task is None:
            return
        assert self._stop_watching is not None
        self._stop_watching.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    @staticmethod
    def _relevant(change: Change, path: str) -> bool:
        # Only config files count; editor swap files and the generated schemas do not.
        return path.endswith((".yaml", ".yml")) and "/schema/" not in path

    async def _watch(self) -> None:
        directory = self._current.config_dir
        assert self._stop_watching is not None
        caught_up = False
        prefix = f"{directory}{os.sep}"
        try:
            # yield_on_timeout: an empty batch every rust_timeout ms. The first one tells us
            # the OS watch is in place; one reload then picks up any change made between
            # the initial load and that moment, which the watch itself cannot have seen.
            async for changes in awatch(
                directory,
                watch_filter=self._relevant,
                debounce=self._debounce_ms,
                step=self._step_ms,
                stop_event=self._stop_watching,
                rust_timeout=1000,
                yield_on_timeout=True,
            ):
                if not changes and caught_up:
                    continue
                caught_up = True
                names = sorted({p.removeprefix(prefix) for _, p in changes})
                reason = "file change: " + ", ".join(names) if names else "watch started"
                try:
                    await self.reload(reason)
                except Exception:
                    log.exception("config reload after a file change failed")
        except Exception:
            log.exception("config file watcher stopped; reload with SIGHUP or ReloadConfig")
