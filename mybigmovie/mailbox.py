"""A local mail catcher for the embedded default: an SMTP server on loopback that files every
message it receives under var/mail/ as an .eml file (open it with any mail program).

``serve`` starts it when SMTP_HOST is not set, so the welcome and weekly e-mails of a site run
with ``make run`` land somewhere a person can read them. docker compose ships Mailpit instead.
"""
from __future__ import annotations

import contextlib
import itertools
import time
from pathlib import Path
from typing import Iterator

from aiosmtpd.controller import Controller


class _Filer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):04d}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def local_mailbox(directory: Path, port: int) -> Iterator[Path | None]:
    """Catch mail on 127.0.0.1:``port`` into ``directory``; yields None when the port is taken
    (another mail catcher may be listening there already)."""
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Filer(directory), hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except (OSError, RuntimeError):
        yield None
        return
    try:
        yield directory
    finally:
        controller.stop()
