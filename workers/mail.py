"""Rendering and sending the picks e-mail over real SMTP."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape

from mybigmovie.recommendations import Pick

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render(display_name: str, picks: list[Pick], occasion: str, site_url: str, sender: str, to: str) -> EmailMessage:
    context = {"name": display_name, "picks": picks, "welcome": occasion == "welcome", "site_url": site_url}
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = ("Welcome to MyBigMovie: 5 movies to start with" if occasion == "welcome"
                          else "Your 5 movies for this week")
    message.set_content(_templates.get_template("picks.txt").render(context))
    message.add_alternative(_templates.get_template("picks.html").render(context), subtype="html")
    return message


async def send(message: EmailMessage, host: str, port: int) -> None:
    await aiosmtplib.send(message, hostname=host, port=port, timeout=30)
