"""Who may read what: an article's access labels, and the groups of whoever asks (a Viewer).

An article may carry the groups allowed to read it (front matter ``access: [hr, managers]``, a
JSONL field, ``<meta name="access">``, or the ``access`` setting for a published directory). No
label means readable by everyone, which is how every article was read before labels existed.

A :class:`Viewer` is the asker: the groups they belong to, proven by whatever adapter built it
(an API key mapped in settings, a signed embed token, a UI login, or the caller of the Python
API or CLI, who is trusted). :meth:`Viewer.may_read` is the one rule; the Chroma ``where``
clause (index/records.py) and the BM25 mask (index/lexical.py) are that rule written for each
index, so the filter applies inside every retriever, before ranking.

This module sits at the bottom layer, beside config and errors, because every layer uses it:
ingest reads labels, index filters by them, answer and web pass viewers through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import BadQuestion, ConfigError

ALL_GROUPS = "*"  # in groups from a trusted source (Python, CLI, settings): reads every article
_GROUP = re.compile(r"^[\w][\w.@-]*$")


def normalize_groups(value: object, where: str = "access") -> tuple[str, ...]:
    """Group names as stored: case-folded, each once, sorted; from a list or a comma-separated string.

    Raises ``ValueError`` naming ``where`` for anything else (a number, a name with spaces).

    Example: ``normalize_groups(["HR", " managers", "hr"])`` -> ``("hr", "managers")``;
    ``normalize_groups("hr, legal")`` -> ``("hr", "legal")``; ``normalize_groups(None)`` -> ``()``
    """
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise ValueError(f"{where}: expected a list of group names, not {type(value).__name__}")
    names = set()
    for item in items:
        if not isinstance(item, str) or isinstance(item, bool):
            raise ValueError(f"{where}: group names are text, not {type(item).__name__} ({item!r})")
        name = item.strip().casefold()
        if not name:
            continue
        if not _GROUP.match(name):
            raise ValueError(f"{where}: {item!r} is not a group name (letters, digits, '_', '-', '.', '@'; no spaces)")
        names.add(name)
    return tuple(sorted(names))


def combine(own: tuple[str, ...], folder: tuple[str, ...]) -> tuple[str, ...]:
    """An article's labels from its own and its folder's: a reader must be allowed by both.

    Raises ``ValueError`` when both are set and share no group: the file would be readable by
    nobody, which is surely a mistake, and widening it to everyone would be a leak.

    Example: ``combine(("hr", "managers"), ("hr",))`` -> ``("hr",)``
    """
    if not own or not folder:
        return own or folder
    both = tuple(sorted(set(own) & set(folder)))
    if not both:
        raise ValueError(f"its access labels ({', '.join(own)}) and its folder's ({', '.join(folder)}) "
                         "share no group, so nobody could read it; change one of them")
    return both


def parse_access_map(setting: str) -> tuple[tuple[Path, tuple[str, ...]], ...]:
    """The ``access`` setting as (directory, groups) pairs, the deepest directory first.

    Example: ``parse_access_map("/srv/wiki/hr=hr;/srv/wiki/legal=legal,managers")`` ->
    ``((Path('/srv/wiki/hr'), ('hr',)), (Path('/srv/wiki/legal'), ('legal', 'managers')))``
    """
    pairs = []
    for item in (p.strip() for p in setting.split(";")):
        if not item:
            continue
        directory, sep, groups = (part.strip() for part in item.partition("="))
        try:
            names = normalize_groups(groups, f"access: {item!r}")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if not sep or not directory or not names:
            raise ConfigError(f"access: {item!r} is not DIR=GROUP[,GROUP...]; expected e.g. /srv/wiki-export/hr=hr")
        pairs.append((Path(directory).expanduser().resolve(), names))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0].parts)))


def folder_groups(path: Path, access_map: Iterable[tuple[Path, tuple[str, ...]]]) -> tuple[str, ...]:
    """The groups of the deepest mapped directory holding ``path``; ``()`` when none holds it."""
    resolved = Path(path).resolve()
    for directory, groups in access_map:
        if resolved.is_relative_to(directory):
            return groups
    return ()


@dataclass(frozen=True)
class Viewer:
    """Whoever asks: the groups whose articles they may read, besides the unlabelled ones.

    ``Viewer()`` is anonymous (unlabelled articles only); ``Viewer(reads_all=True)`` reads every
    article (the administrator: the API key that may also upload and delete, a CLI operator who
    says ``--groups '*'``).

    Example: ``Viewer(frozenset({"hr"})).may_read(("hr", "managers"))`` -> ``True``;
    ``Viewer().may_read(("hr",))`` -> ``False``; ``Viewer().may_read(())`` -> ``True``
    """

    groups: frozenset[str] = frozenset()
    reads_all: bool = False

    def may_read(self, access: Iterable[str]) -> bool:
        """Whether an article (or chunk) labelled ``access`` may reach this viewer."""
        labels = tuple(access)
        return not labels or self.reads_all or not self.groups.isdisjoint(labels)

    def __str__(self) -> str:
        return "every group" if self.reads_all else (", ".join(sorted(self.groups)) or "anonymous")


ANONYMOUS = Viewer()
ADMIN = Viewer(reads_all=True)


def viewer_of(groups: Viewer | str | Iterable[str] | None) -> Viewer:
    """The viewer for groups given by a trusted caller: ``None`` is anonymous, ``"*"`` reads all.

    Example: ``viewer_of("hr, managers")`` -> ``Viewer(groups=frozenset({'hr', 'managers'}))``;
    ``viewer_of(None)`` -> ``ANONYMOUS``
    """
    if isinstance(groups, Viewer):
        return groups
    if groups is None:
        return ANONYMOUS
    items = [g.strip() for g in groups.split(",")] if isinstance(groups, str) else [str(g).strip() for g in groups]
    if ALL_GROUPS in items:
        return ADMIN
    try:
        return Viewer(frozenset(normalize_groups(items, "groups")))
    except ValueError as exc:
        raise BadQuestion(str(exc)) from None
