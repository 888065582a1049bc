"""Logging set-up for the ``architect`` command: human-readable or JSON lines.

Every line logged while an RPC is handled carries its request id and method: the gateway sets
:data:`call_context` for the call (each gRPC call runs in its own asyncio task, so the
contextvar is per call), and :class:`CallContextFilter` copies it onto each record.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

#: ``(request_id, method)`` of the RPC being handled in this task, if any.
call_context: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "architect_call_context", default=None
)


class CallContextFilter(logging.Filter):
    """Adds ``request_id`` and ``method`` of the current RPC to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = call_context.get()
        if ctx is not None and getattr(record, "request_id", None) is None:
            record.request_id, record.method = ctx
        return True


class TextFormatter(logging.Formatter):
    """Human-readable lines; inside a call, the request id and method follow the logger name."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s%(call)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.call = (
            "" if request_id is None else f" [{request_id} {getattr(record, 'method', '')}]"
        )
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "method"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "info", fmt: str = "text") -> None:
    """Configure the root logger once, writing to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(CallContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
