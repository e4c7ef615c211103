"""A local mail catcher for the embedded default: an SMTP server on loopback that files every
message it receives under var/mail/ as an .eml file (open it with any mail program).

``serve`` starts it when SMTP_HOST is not set, so the e-mails of a site run with ``make run`` land
somewhere a person can read them, and prints a line for each one with the links it carries: the
link that confirms a new account is one click away in the terminal. docker compose ships Mailpit
instead.
"""
from __future__ import annotations

import contextlib
import email
import email.policy
import itertools
import re
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
        path = self.directory / name
        path.write_bytes(envelope.original_content or envelope.content)
        print(_summary(envelope.content, path), flush=True)
        return "250 Message accepted for delivery"


def _summary(content: bytes, path: Path) -> str:
    """``mail to <address>: <subject>`` and the message's links, one per line, then where it is kept."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    body = message.get_body(("plain",))
    links = dict.fromkeys(re.findall(r"https?://\S+", body.get_content() if body else ""))
    lines = [f"mail to {message['To']}: {message['Subject']}", *(f"  {link}" for link in links), f"  ({path})"]
    return "\n".join(lines)


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
