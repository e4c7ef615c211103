"""Fixtures for a module whose tests share one site (``shared_target`` in conftest.py): import them
into the module, and ``target``, ``web_services`` and ``smtp_inbox`` are that site's, fresh for each
test (no cookies, no throttle counts). Each test must change only accounts of its own."""
from __future__ import annotations

import pytest


@pytest.fixture
def target(fresh):
    return fresh[0]


@pytest.fixture
def web_services(fresh):
    return fresh[1]


@pytest.fixture
def smtp_inbox(fresh):
    return fresh[0].inbox
