"""Genre names as a person reads them. The data's own names stay the canonical value (filters,
URLs, search); only what is shown is translated (``genre``, the Jinja filter of the same name)."""
from __future__ import annotations

from mybigmovie.i18n import N_, gettext

# MovieLens's genres and TVmaze's: each name as the data writes it, marked for the catalogues.
KNOWN = frozenset({
    N_("Action"), N_("Adult"), N_("Adventure"), N_("Animation"), N_("Anime"), N_("Children"), N_("Comedy"),
    N_("Crime"), N_("DIY"), N_("Documentary"), N_("Drama"), N_("Espionage"), N_("Family"), N_("Fantasy"),
    N_("Film-Noir"), N_("Food"), N_("History"), N_("Horror"), N_("IMAX"), N_("Legal"), N_("Medical"),
    N_("Music"), N_("Musical"), N_("Mystery"), N_("Nature"), N_("Romance"), N_("Sci-Fi"), N_("Science-Fiction"),
    N_("Sports"), N_("Supernatural"), N_("Thriller"), N_("Travel"), N_("War"), N_("Western"),
    N_("(no genres listed)"),
    # the labels search shows for what it understood (projections/query_words.py)
    N_("Family"), N_("Film noir"), N_("Science fiction"),
    N_("French"), N_("Japanese"), N_("Korean"), N_("German"), N_("Italian"), N_("Spanish"), N_("Hindi"),
})


def genre(name: str) -> str:
    """``name`` in the current language when it is a genre we know; as the data has it otherwise."""
    return gettext(name) if name in KNOWN else name


def label(text: str) -> str:
    """What search understood, as its chips say it: a genre or a language (``genre``), or a decade
    ("1980s" / "Années 1980"); years and ranges as they are."""
    if len(text) == 5 and text.endswith("s") and text[:4].isdigit():
        return gettext("%(decade)ss") % {"decade": text[:4]}
    return genre(text)
