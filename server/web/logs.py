"""What aiohttp logs about requests its parser refused.

aiohttp logs a malformed request (a request line or header past its limits,
bytes that are no HTTP) at ERROR, with its traceback, as if the server had
failed. It is the client's doing, and anyone can repeat it at will to fill
the log with tracebacks: such a record goes out as one WARNING line.
"""
from __future__ import annotations

import logging

from aiohttp.http_exceptions import BadHttpMessage

SERVER_LOGGER = "aiohttp.server"


class ClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, BadHttpMessage):
            # Only the kind of error: its message quotes the request line, whose
            # path may hold a secret (a confirmation link's token).
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}", ()
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_client_errors() -> None:
    """Installs the filter on aiohttp's server logger, once per process."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, ClientErrors) for f in logger.filters):
        logger.addFilter(ClientErrors())
