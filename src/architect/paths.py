"""Where Architect finds its shipped config and keeps its data by default."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import architect

_PACKAGE_DIR = Path(architect.__file__).resolve().parent


def default_config_dir() -> Path:
    """The config tree shipped with Architect.

    An installed package carries it as ``architect/_bundled_config`` (copied by
    setup.py); an editable install or source checkout uses the repository's
    ``config/`` directly, so edits there take effect without reinstalling.
    """
    checkout = _PACKAGE_DIR.parent.parent / "config"
    if (checkout / "base").is_dir():
        return checkout
    return _PACKAGE_DIR / "_bundled_config"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """The default data directory.

    ``$ARCHITECT_DATA_DIR``, else ``$XDG_DATA_HOME/architect``, else ``~/.local/share/architect``.
    """
    if environ.get("ARCHITECT_DATA_DIR"):
        return Path(environ["ARCHITECT_DATA_DIR"]).expanduser()
    xdg = environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "architect"


def default_database_url(environ: Mapping[str, str]) -> str:
    """The embedded SQLite database in the default data directory."""
    return f"sqlite:///{default_data_dir(environ) / 'architect.db'}"
