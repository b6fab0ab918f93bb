"""A small wiki export with pages only some groups may read, for the permission tests.

Laid out as docs/deployment.md's worked example lays out a wiki: ``<root>/hr`` and
``<root>/legal`` are folders the ``access`` setting maps to groups; other pages carry their own
labels (front matter, a JSONL field, an HTML meta tag) or none. ``SECRETS`` lists, per
restricted page, strings that appear in that page only (its facts, its title, its date), so
that a response holding one of them came from it.

| page | readable by | how labelled |
|---|---|---|
| news/canteen.md, news/merger.md | everyone | no label |
| legal/merger-terms.md (a near-duplicate of news/merger.md, plus the price) | legal | its folder |
| hr/pay-review.md | hr (its own labels say hr, managers; its folder says hr: both must allow) | folder and front matter |
| products.jsonl (60 Quetzal field reports; the newest page of all) | product | a JSONL field |
| launch.html | product, managers | ``<meta name="access">`` |
"""

from __future__ import annotations

import json
from pathlib import Path

MERGER = (
    "Harrow Mills and Ostrava Steel confirmed on Monday that they are in talks about a merger of the two "
    "companies. The combined group would employ about 14,000 people in six countries. Both boards will meet "
    "in May to discuss the terms of the deal and the name of the new company. Trade unions at both firms "
    "asked for guarantees that no plant would close before 2027. Analysts said the talks had been expected "
    "since the steel price fell last year. The two chief executives have known each other for twenty years."
)
SECRETS: dict[str, list[str]] = {  # page key -> strings only that page holds
    "legal/merger-terms.md": ["7.3 billion", "krona", "board only"],
    "hr/pay-review.md": ["4.5 percent", "Pay review 2024"],
    "products.jsonl": ["9-inch", "Quetzal field report", "2024-06-30"],
    "launch.html": ["12 September", "Falcon"],
}
READERS: dict[str, set[str]] = {  # page key -> the groups that may read it
    "legal/merger-terms.md": {"legal"},
    "hr/pay-review.md": {"hr"},
    "products.jsonl": {"product"},
    "launch.html": {"product", "managers"},
}
GROUPS = ("hr", "legal", "managers", "product")
# Questions that do not themselves hold a secret, each answered by one restricted page (its key)
# for those who may read it; the others get a public page's answer or an abstention.
QUESTIONS = {
    "What price was agreed for the merger of Harrow Mills and Ostrava Steel?": "legal/merger-terms.md",
    "By how much will salaries rise after the annual pay review?": "hr/pay-review.md",
    "How big is the screen of the new tablet?": "products.jsonl",
    "On what date does the new phone launch?": "launch.html",
}
LAST_WEEK = "What happened in the last week?"


def access_setting(root: Path) -> str:
    """The ``access`` setting of the example: the hr and legal folders mapped to their groups."""
    return f"{root / 'hr'}=hr;{root / 'legal'}=legal"


def write_wiki(root: Path, field_reports: int = 60) -> Path:
    """Write the wiki export under ``root`` and return it."""
    (root / "news").mkdir(parents=True, exist_ok=True)
    (root / "hr").mkdir(exist_ok=True)
    (root / "legal").mkdir(exist_ok=True)
    (root / "news" / "canteen.md").write_text(
        "---\ntitle: Canteen reopens\nsource: Staff News\npublished: 2024-03-04\n---\n"
        "The staff canteen on the third floor reopened on 4 March after a refit. It serves lunch from noon to "
        "two o'clock, and a salad bar opens at eleven.\n")
    (root / "news" / "merger.md").write_text(
        f"---\ntitle: Merger talks confirmed\nsource: Staff News\npublished: 2024-03-01\n---\n{MERGER}\n")
    (root / "legal" / "merger-terms.md").write_text(
        f"---\ntitle: Merger terms (board only)\nsource: Legal\npublished: 2024-03-01\n---\n{MERGER} "
        "The agreed price of the merger is 7.3 billion krona, paid in shares.\n")
    (root / "hr" / "pay-review.md").write_text(
        "---\ntitle: Pay review 2024\nsource: HR\npublished: 2024-03-03\naccess: [hr, managers]\n---\n"
        "After the annual pay review, salaries will rise by 4.5 percent from the first of April. Overtime "
        "rates stay as they are.\n")
    reports = [{"id": n, "title": f"Quetzal field report {n}", "access": ["product"],
                "published": "2024-06-30" if n == 0 else "2024-02-01",
                "text": f"Field report {n} on Project Quetzal. The Quetzal tablet has a 9-inch screen and weighs "
                        f"410 grams. Testers in region {n} liked the Quetzal keyboard."} for n in range(field_reports)]
    (root / "products.jsonl").write_text("\n".join(json.dumps(r) for r in reports) + "\n")
    (root / "launch.html").write_text(
        '<!doctype html><html><head><title>Phone launch plan</title><meta name="access" content="product, managers">'
        "</head><body><article><h1>Phone launch plan</h1><p>The unannounced Falcon phone launches on 12 September "
        "in four countries at once.</p><p>The launch event will be streamed to all offices.</p></article></body></html>")
    return root


def readable(key: str, groups: set[str] | None) -> bool:
    """Whether a viewer of ``groups`` (None: every article) may read the page ``key``."""
    readers = READERS.get(key)
    return readers is None or groups is None or bool(readers & groups)


def forbidden(groups: set[str] | None) -> list[str]:
    """The secrets of every page a viewer of ``groups`` may not read."""
    return [s for key, secrets in SECRETS.items() if not readable(key, groups) for s in secrets]
