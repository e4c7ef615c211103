"""Printing for the recommender bench: mean ± std, tables, PASS/FAIL."""
from __future__ import annotations

import numpy as np


def pm(values, digits: int = 4) -> str:
    v = np.asarray(values, float)
    return f"{v.mean():.{digits}f} ± {v.std():.{digits}f}"


def table(title: str, header: list, rows: list) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths))
    return "\n".join([f"\n## {title}", line(header), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])


class Targets:
    """Collects PASS/FAIL lines."""

    def __init__(self):
        self.rows = []

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.rows.append([name, "PASS" if ok else "FAIL", detail])

    def render(self) -> str:
        return table("Targets", ["target", "result", "measured"], self.rows)
