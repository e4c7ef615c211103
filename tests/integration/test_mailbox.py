"""The local mail catcher of ``make run``: each message is filed and announced with its links."""
from __future__ import annotations

import socket

from mybigmovie.mailbox import local_mailbox
from mybigmovie.mailer import SmtpMailer, compose


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_message_is_filed_and_its_links_printed(tmp_path, capsys):
    port = free_port()
    with local_mailbox(tmp_path, port) as directory:
        text = "Confirm it here:\nhttp://127.0.0.1:8000/account/verify?token=abc-123\n\nThanks"
        await SmtpMailer("127.0.0.1", port).send(compose("MyBigMovie <hello@mybigmovie.local>", "ann@example.org",
                                                         "Confirm your e-mail address", text,
                                                         "http://127.0.0.1:8000"))
    [filed] = list(directory.glob("*.eml"))
    assert b"Confirm your e-mail address" in filed.read_bytes()
    printed = capsys.readouterr().out
    assert "mail to ann@example.org: Confirm your e-mail address" in printed
    assert "  http://127.0.0.1:8000/account/verify?token=abc-123\n" in printed and str(filed) in printed


def test_a_taken_port_is_said_not_fatal(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with local_mailbox(tmp_path, taken.getsockname()[1]) as directory:
            assert directory is None
