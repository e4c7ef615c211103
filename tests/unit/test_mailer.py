"""Every message goes to one strict mailbox, built as the mail library's Address, never pasted text."""
from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from mybigmovie.mailer import compose, mailbox


@pytest.mark.parametrize("crafted", ["Ann <ann@example.org>", "ann@example.org, eve@example.org",
                                     "ann@example.org;eve@example.org", "ann@example.org\r\nBcc: eve@example.org",
                                     '"eve@example.org" ann@example.org', "ann@example.org (comment)", "ann"])
def test_anything_but_one_plain_address_is_refused(crafted):
    with pytest.raises(InvalidInput):
        mailbox(crafted)


def test_the_to_header_holds_exactly_one_address():
    message = compose("MyBigMovie <hello@mybigmovie.local>", " Ann@Example.ORG ", "Hi", "text", "https://movies.example")
    [address] = message["To"].addresses
    assert (address.username, address.domain, address.display_name) == ("ann", "example.org", "")
    assert message["Message-ID"].endswith("@movies.example>") and message["Date"]
