"""Outgoing e-mail over real SMTP, and the one way every message of ours is addressed and dated.

Addresses go into headers only as ``email.headerregistry.Address`` built from a single checked
``local@domain`` (never a string pasted into a header), so a crafted address cannot add recipients
or headers. Every message gets ``Date`` and a ``Message-ID`` on our own domain.
"""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone
from urllib.parse import urlsplit

import aiosmtplib

from domain.accounts import normalize_email


def mailbox(email: str) -> Address:
    """One strict mailbox: no display name, no list, no comment."""
    local, _, domain = normalize_email(email).rpartition("@")
    return Address(username=local, domain=domain)


def compose(sender: str, to: str, subject: str, text: str, site_url: str, message_id: str | None = None,
            html: str | None = None) -> EmailMessage:
    """A message to one address. ``message_id``, when given, is used as is (a deterministic id lets a
    re-send be recognised as the same message); else a fresh one is made on the site's domain."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailbox(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain=urlsplit(site_url).hostname or "localhost")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


class SmtpMailer:
    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=self.timeout)
