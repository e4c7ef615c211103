"""Every word a person reads is in the French catalogue, translated: the messages Babel extracts
from the templates and the Python (babel.cfg) are all there, none empty or fuzzy, with the same
%(placeholders)s; and no template shows text outside {% trans %} / _() but for a short list of
proper names."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

from mybigmovie import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "mybigmovie" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
TEMPLATE_DIRS = [ROOT / "web" / "templates", ROOT / "workers" / "templates"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HOLE = "\x01"  # where a template prints something: a value or a translated message
_PATH = re.compile(r"(?:\x01|https?:)?/[\w/.#?=&-]*")

# Text a template may show as it is: names, not words (and the paper the about page asks to cite, by its title).
ALLOWED = {
    "*": ["MyBigMovie", "UTC"],
    "pages/about.html": ["F. Maxwell Harper and Joseph A. Konstan. 2015.", "The MovieLens Datasets: History and Context",
                         "ACM Transactions on Interactive Intelligent Systems (TiiS)", "https://doi.org/10.1145/2827872"],
}
# Attributes a person reads (or hears from a screen reader).
SPOKEN = {"title", "alt", "placeholder", "aria-label"}


@pytest.fixture(scope="module")
def catalogue():
    with open(PO, "rb") as po:
        return read_po(po, locale="fr")


def extracted() -> dict[tuple[str | None, str], tuple[str, int]]:
    """Every message of the source, as ``pybabel extract -F babel.cfg`` finds it: (context, msgid) -> where."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords={**dict.fromkeys(("_", "gettext", "N_")), "ngettext": (1, 2),
                                                     "pgettext": ((1, "c"), 2)}):
        msgid = message[0] if isinstance(message, tuple) else message
        found[(context, msgid)] = (filename, line)
    return found


def test_every_message_of_the_source_is_translated_in_french(catalogue):
    # given every message Babel extracts from the templates and the Python
    messages = extracted()
    assert len(messages) > 300  # the extraction itself works (a broken babel.cfg finds nothing)
    # then each is in the French catalogue, translated (every plural form), and not fuzzy
    problems = []
    for (context, msgid), (filename, line) in sorted(messages.items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid, context=context)
        forms = entry.string if entry is not None and isinstance(entry.string, tuple) else (entry and entry.string,)
        if entry is None:
            problems.append(f"{filename}:{line}: not in the catalogue: {msgid!r}")
        elif not all(forms) or entry.fuzzy:
            problems.append(f"{filename}:{line}: not translated (or fuzzy): {msgid!r}")
    assert not problems, "run `pybabel update` and translate (docs/I18N.md):\n" + "\n".join(problems)


def test_every_translation_fills_in_the_same_places(catalogue):
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # a singular may leave its number out ("Votre film de la semaine"), never add one
            assert set(PLACEHOLDER.findall(string)) <= wanted, (entry.id, string)
        assert set(PLACEHOLDER.findall(strings[-1])) == wanted, (entry.id, strings[-1])
        # a stray "%" would break the % formatting of the translation at run time
        assert all("%" not in PLACEHOLDER.sub("", s).replace("%%", "") for s in strings), (entry.id, strings)


def test_the_french_catalogue_is_the_one_the_site_loads():
    with i18n.use("fr"):
        assert i18n.gettext("Log in") == "Se connecter" and i18n.ngettext("%(count)s episode", "%(count)s episodes",
                                                                          3) == "%(count)s épisodes"
    assert i18n.gettext("Log in") == "Log in"


def _template_text(env: Environment, source: str) -> str:
    """The template's literal text in document order, with a HOLE wherever it prints anything else."""
    out = []
    for output in env.parse(source).find_all(nodes.Output):
        out.extend(node.data if isinstance(node, nodes.TemplateData) else HOLE for node in output.nodes)
    return "".join(out)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        named = dict(attrs)
        self.texts += [value or "" for name, value in attrs if name in SPOKEN]
        if tag == "meta" and named.get("name") == "description":
            self.texts.append(named.get("content") or "")


def untranslated(name: str, text: str) -> list[str]:
    """The pieces of ``text`` (a template's literal text) with letters that no allowance covers."""
    if name.endswith(".html"):
        parser = _Visible()
        parser.feed(text)
        pieces = parser.texts
    else:
        pieces = text.split("\n")
    left = []
    for piece in pieces:
        piece = " ".join(piece.split())
        for allowed in ALLOWED["*"] + ALLOWED.get(name, []):
            piece = piece.replace(allowed, "")
        piece = _PATH.sub("", piece)  # an address on the site: "{{ site_url }}/login"
        if re.search(r"[^\W\d_]", piece.replace(HOLE, " ")):
            left.append(" ".join(piece.replace(HOLE, "…").split()))
    return left


def templates() -> list[tuple[Path, str]]:
    return [(path, path.relative_to(directory).as_posix()) for directory in TEMPLATE_DIRS
            for path in sorted(directory.rglob("*")) if path.suffix in (".html", ".txt")]


@pytest.mark.parametrize("path, name", templates(), ids=lambda value: value if isinstance(value, str) else "")
def test_no_template_shows_words_outside_the_catalogue(path, name):
    env = Environment(extensions=["jinja2.ext.i18n"])
    text = _template_text(env, path.read_text())
    assert untranslated(name, text) == [], f"{name}: wrap these in {{% trans %}} (docs/I18N.md)"


def test_the_template_check_sees_text_outside_trans_and_in_spoken_attributes():
    env = Environment(extensions=["jinja2.ext.i18n"])
    assert untranslated("x.html", _template_text(env, '<p>{% trans %}Hello{% endtrans %} {{ name }}</p>')) == []
    assert untranslated("x.html", _template_text(env, "<p>{{ n }} ratings</p>")) == ["… ratings"]
    assert untranslated("x.html", _template_text(env, '<a aria-label="Close">×</a>')) == ["Close"]
    assert untranslated("x.html", _template_text(env, '{% if a %}<b title="{{ t }}">MyBigMovie</b>{% endif %}')) == []
    assert untranslated("x.txt", _template_text(env, "Hello {{ name }},\n{% trans %}Bye{% endtrans %}")) == ["Hello …,"]
