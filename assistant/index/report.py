"""What an ingest did, article by article: the report the CLI prints, the HTTP API returns and
the Python API hands back (assistant/index/ingester.py fills it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One line of an ingest report."""

    title: str
    key: str
    id: str = ""
    reason: str = ""
    twin_access: tuple[str, ...] = ()  # the access labels of the other article a line names (near-duplicates)


@dataclass
class IngestReport:
    """What an ingest did, article by article."""

    added: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    duplicates: list[Entry] = field(default_factory=list)
    failed: list[Entry] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def partly_failed(self) -> bool:
        return bool(self.failed)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One line, e.g. ``2 added, 0 updated, 5 unchanged, 0 removed, 1 duplicate, 1 failed``."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.duplicates)} duplicate, {len(self.failed)} failed "
            f"({self.chunks} chunks in {self.seconds:.1f} s)"
        )


def older_version(article: Any, winner: Any) -> Entry:
    """The line of an article not indexed because ``winner`` is a newer version (versions.py)."""
    reason = f"an older version of '{winner.title}' ({winner.key}); not indexed"
    return Entry(article.title, article.key, article.id, reason, article.access)


def republished_copy(article: Any, lead: Any) -> Entry:
    """The line of an article listed as a copy in ``lead``'s record instead of being indexed."""
    reason = f"republished: a copy of '{lead.title}' ({lead.key}), indexed once; its record lists this one"
    return Entry(article.title, article.key, article.id, reason, article.access)


def progress_bar(enabled: bool, files: int, total: int) -> Any:
    """A terminal bar over the corpus's bytes, with rate and ETA (tqdm; it hides itself when
    the output is not a terminal), for an ingest of 20 files or more or of a megabyte or more:
    a single JSONL archive moves it line by line. None when not wanted."""
    if not enabled or (files < 20 and total < 1_000_000):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="ingest", unit="B", unit_scale=True, disable=None)
