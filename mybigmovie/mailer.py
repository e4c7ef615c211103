"""Outgoing e-mail over real SMTP, and the one way every message of ours is addressed and dated.

Addresses go into headers only as ``email.headerregistry.Address`` built from a single checked
``local@domain`` (never a string pasted into a header), so a crafted address cannot add recipients
or headers. Every message gets ``Date`` and a ``Message-ID`` on our own domain. The unsubscribe
headers of RFC 2369/8058 hold a long URL and are written on one line as given (see ``_Verbatim``).
"""
from __future__ import annotations

import email.policy
import time
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone
from urllib.parse import urlsplit

import aiosmtplib

from domain.accounts import normalize_email
from mybigmovie import i18n


class _Verbatim(UnstructuredHeader):
    """A header written on one line exactly as given. Folded at 78 characters like any other, a
    ``List-Unsubscribe: <https://…/unsubscribe/TOKEN>`` longer than that turns into RFC 2047 encoded
    words, which no mail client reads as a URL; a line may hold 998 (RFC 5322 2.1.1)."""

    max_count = 1

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_registry = HeaderRegistry()
for _name in ("List-Unsubscribe", "List-Unsubscribe-Post"):
    _registry.map_to_type(_name, _Verbatim)
POLICY = email.policy.default.clone(header_factory=_registry)
MAX_VERBATIM = 900  # characters of a verbatim header's value: its line stays within 998


def mailbox(email: str) -> Address:
    """One strict mailbox: no display name, no list, no comment."""
    local, _, domain = normalize_email(email).rpartition("@")
    return Address(username=local, domain=domain)


def compose(sender: str, to: str, subject: str, text: str, site_url: str, message_id: str | None = None,
            html: str | None = None, unsubscribe: str | None = None) -> EmailMessage:
    """A message to one address. ``message_id``, when given, is used as is (a deterministic id lets a
    re-send be recognised as the same message); else a fresh one is made on the site's domain.
    ``unsubscribe``: the URL a mail client's "unsubscribe" button posts to (RFC 8058 one-click)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = mailbox(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain=urlsplit(site_url).hostname or "localhost")
    if unsubscribe:
        if len(unsubscribe) > MAX_VERBATIM or not unsubscribe.isascii() or any(c in unsubscribe for c in "<>\r\n \t"):
            raise ValueError("an unsubscribe URL is one line of ASCII without spaces or angle brackets")
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # after the content: setting it clears every Content-* header
    message["Content-Language"] = i18n.current().value  # the language it was written in
    return message


class SmtpMailer:
    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def send(self, message: EmailMessage) -> float:
        """Hand ``message`` to the SMTP server; returns when (``time.monotonic()``) the server accepted it."""
        async with aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=self.timeout) as client:
            await client.send_message(message)
            return time.monotonic()
