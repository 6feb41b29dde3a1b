"""Structured logging to stderr: human text by default, one JSON object per line with --log-format json.

A log line can quote spec text (a `-v` note names the selector ServiceDown reads): it is escaped as the
console's lines are, so that a CI runner reads no command in it (render.ci_inert, render.json_inert).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from compiler.ui import render

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        return render.json_inert(json.dumps(entry, sort_keys=True, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        tail = " ".join(f"{k}={v}" for k, v in sorted(extra.items()))
        line = f"obsc: {record.levelname.lower()}: {record.getMessage()}" + (f" ({tail})" if tail else "")
        return render.terminal_line(line)  # one line, no runner command


def configure(verbosity: int, log_format: str) -> None:
    """verbosity: -1 quiet (errors only), 0 warnings, 1 info (stage timings), 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    if log_format == "json" and verbosity >= 0:
        level = min(level, logging.INFO)  # machines want the stage timings (unless -q: only errors)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger = logging.getLogger("obsc")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
