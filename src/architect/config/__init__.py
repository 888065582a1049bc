"""Configuration as data: layered YAML, typed and validated, hot-reloaded.

``load_config`` reads ``base/`` → ``environments/<env>/`` → ``local/`` into a
frozen ``LoadedConfig``; ``ConfigManager`` holds the active one, swaps it on a
reload and reports status. Problems are ``ConfigError`` values, raised together
as one ``ConfigInvalid``.
"""

from __future__ import annotations

from architect.config.errors import ConfigError, ConfigInvalid
from architect.config.loader import load_config
from architect.config.model import FILES, LoadedConfig, Origin

__all__ = ["FILES", "ConfigError", "ConfigInvalid", "LoadedConfig", "Origin", "load_config"]
