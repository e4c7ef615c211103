"""Rendering the picks e-mail (sent over real SMTP by the composition root's mailer)."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mybigmovie.mailer import compose
from mybigmovie.recommendations import Pick

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render(display_name: str, picks: list[Pick], occasion: str, site_url: str, sender: str, to: str) -> EmailMessage:
    context = {"name": display_name, "picks": picks, "welcome": occasion == "welcome", "site_url": site_url}
    subject = ("Welcome to MyBigMovie: 5 movies to start with" if occasion == "welcome"
               else "Your 5 movies for this week")
    return compose(sender, to, subject, _templates.get_template("picks.txt").render(context), site_url,
                   html=_templates.get_template("picks.html").render(context))
