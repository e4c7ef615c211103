"""Members made through the command handlers, as the web makes them: sign up, then confirm the address."""
from __future__ import annotations

import uuid

from commands import messages as m
from commands.handlers import CommandHandlers
from domain.accounts import new_user_id

PASSWORD = "correct horse"


async def new_member(handlers: CommandHandlers, email: str = "ann@example.org", name: str = "Ann",
                     password: str = PASSWORD, verified: bool = True) -> str:
    """The user id of a new account for ``email``; its address confirmed unless ``verified`` is False."""
    command_id = uuid.uuid4().hex
    await handlers.handle(m.SignUp(command_id=command_id, email=email, password=password, display_name=name))
    user_id = new_user_id(command_id, email)
    if verified:
        await handlers.handle(m.VerifyEmail(command_id=uuid.uuid4().hex, user_id=user_id, email_version=1))
    return user_id
