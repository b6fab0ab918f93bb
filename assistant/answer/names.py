"""Names a question asks about that the retrieved passages never mention.

A question that names something ("Which port does MySQL listen on?", "Who won the 2018 FIFA World
Cup?") is answered by a passage only if the passage mentions it. On a manual or a news archive
the closest passages to such a question are often about something else with the same shape
(PostgreSQL's port, another cup), and both the sentence scorer and the reader can rate them
highly. So the extractive answerer abstains when a name of the question appears in none of the
retrieved passages.

A name is a word of the question written as one: a capital letter after the first word
("Australia", "Oracle's"), an inner capital or digit anywhere ("MySQL", "NVL2", "2018"), or an
underscore ("work_mem"). Matching is lenient, because a question's writer often spells a name
their own way: accents and case are ignored, "U.S." matches "US", a name matches the words it
begins ("Sept" ~ "September", "Protestant" ~ "Protestants"), a word with the same stem ("Marry" ~
"married"), a word one letter off when the name has four letters or more ("Bismark" ~
"Bismarck"), and a short all-capital name matches the initials of capitalised words in a row
("SP" ~ "Scottish Parliament"), and a dotted name matches when each of its parts does
("asyncio.Queue.get" in a page that documents ``get()`` of ``class asyncio.Queue``). A title
before a name ("Mr.", "President") need not match. In a question written in title case or in
capitals, capitals mark nothing; digits and underscores do. A name the corpus itself is about
("PostgreSQL" in its manual: a quarter of the chunks) need not be in the passages: the answerer
says which names are that common (``common``: ``LexicalIndex.is_common``, from the BM25 counts).
Measured in docs/evaluation.md ("Then: names no passage mentions, and the reader's threshold
recalibrated").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from .terms import stemmer

_TOKEN = re.compile(r"\w[\w.'\-]*\w|[^\W_]")  # "__main__.py" whole: underscores are part of a name
_WORD = re.compile(r"\w+")
_CAPITALISED_RUN = re.compile(r"(?:\b[A-Z][\w'\-]*(?:\s+(?:of|the|and|for|de|du|von)\b)?\s*)+")
_QUESTION_WORDS = frozenset(
    "a an are can could did do does for how i if in is of on should the what when where which who "
    "whom whose why will would".split()
)
# Words only a title-case question capitalises ("What Is The Timeline Of The Plan?").
_SMALL_WORDS = _QUESTION_WORDS | frozenset("and at be by from has have into or than that this to was were with".split())
# Titles a question puts before a name that the article may leave out ("Mr. Kishida" for "Prime
# Minister Fumio Kishida"): the name itself must match, the title need not.
_TITLES = frozenset(
    "mr mrs ms miss dr prof professor sir dame lord lady st saint rev president vice prime minister "
    "chancellor premier king queen prince princess pope general gen admiral colonel col captain capt "
    "senator sen governor gov mayor judge justice chief secretary ambassador".split()
)
_NOT_NAMES = _QUESTION_WORDS | _TITLES | frozenset({"ok", "okay"})  # "Is it OK to ...?"


def unmatched_names(question: str, passages: Iterable[str], common: Callable[[str], bool] | None = None) -> list[str]:
    """The names of ``question`` (see the module's docstring) that none of ``passages`` mentions.

    ``common`` says which names the whole corpus mentions so often that a passage about them need
    not repeat them ("PostgreSQL" in its own manual, "Python" in Python's); those are never unmatched.
    """
    names = [name for name in question_names(question) if common is None or not common(name)]
    if not names:
        return []
    text = _plain(" ".join(passages))
    lower = text.lower()
    words = set(_WORD.findall(lower.replace(".", ""))) | set(_WORD.findall(lower))  # "U.S." -> "us"; "asyncio", "queue"
    stems = set(stemmer().stemWords(sorted(words)))
    initials = {"".join(w[0] for w in run.split() if w[0].isupper()).lower()
                for run in (m.group() for m in _CAPITALISED_RUN.finditer(text))}
    return [name for name in names if not _mentioned(name, words, stems, initials)]


def question_names(question: str) -> list[str]:
    """The words of the question that name something: ``question_names("Which port does MySQL listen on?")``
    -> ``["MySQL"]``."""
    words = [re.sub(r"'s?$", "", m.group()).strip(".") for m in _TOKEN.finditer(_plain(question))]
    alphabetic = [w for w in words[1:] if w.isalpha() and len(w) > 1]
    # In a question written in capitals or in title case ("What Is The Timeline?") capitals do not
    # mark names; digits and underscores still do.
    shouted = any(w.isupper() for w in alphabetic) and sum(w.isupper() for w in alphabetic) > len(alphabetic) / 2
    small = [w for w in alphabetic if w.lower() in _SMALL_WORDS]
    titled = sum(w[0].isupper() for w in small) > len(small) / 2
    names = []
    for i, word in enumerate(words):
        if _never_a_name(word):
            continue
        coded = "_" in word or any(ch.isdigit() for ch in word)
        inner = any(ch.isupper() for ch in word[1:])
        if coded or (not shouted and (inner or (i > 0 and word[0].isupper() and not titled))):
            names.append(word)
    return names


def _never_a_name(word: str) -> bool:
    """One letter, a question word or title (also "I'm", "I've": the asker), a number under 100, or
    no letter or digit at all."""
    return (len(word) < 2 or word.split("'")[0].lower() in _NOT_NAMES or (word.isdigit() and len(word) < 3)
            or not any(ch.isalnum() for ch in word))


def _mentioned(name: str, words: set[str], stems: set[str], initials: set[str]) -> bool:
    if _mentioned_whole(name, words, stems, initials):
        return True
    # "asyncio.Queue.get" is written apart ("class asyncio.Queue", "get()"); "U.S." is not two names
    parts = name.split(".")
    return len(parts) > 1 and all(len(part) > 1 and _mentioned_whole(part, words, stems, initials) for part in parts)


def _mentioned_whole(name: str, words: set[str], stems: set[str], initials: set[str]) -> bool:
    key = name.lower().replace(".", "")
    if key.isalpha() and key.upper() == name.replace(".", "") and len(key) <= 5 and \
            any(key in run for run in initials):
        return True
    return all(_word_mentioned(part, words, stems) for part in _WORD.findall(key))


def _word_mentioned(part: str, words: set[str], stems: set[str]) -> bool:
    if part in words or stemmer().stemWord(part) in stems:
        return True
    if len(part) >= 3 and any(w.startswith(part) for w in words):
        return True
    return len(part) >= 4 and not part.isdigit() and any(_one_letter_off(part, w) for w in words)


def _one_letter_off(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _plain(text: str) -> str:
    """``text`` without accents ("Hervé" -> "Herve")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
