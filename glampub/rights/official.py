"""The official labels of the RightsStatements.org statements and the official
titles of the Creative Commons licences, CC0 and the Public Domain Mark, in
every language their publishers translated them into, read as data from
``data/official_labels.tsv`` (made by ``scripts/make_rights_labels.py``).

A label matches whatever its dashes, quotes, spacing and case: only its words
and numbers count, in order ("Namensnennung – Weitergabe unter gleichen
Bedingungen 4.0 International" = "namensnennung-weitergabe unter gleichen
bedingungen 4.0"). A licence title also matches without the words after its
version ("International", "Internationaal"), the Mark and CC0 also without
their version (they have only one), and a statement label also with "1.0".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from glampub.rights.findings import PRIORITY_NAME, Finding
from glampub.rights.normalize import clean_text
from glampub.rights.uris import lookup
from glampub.rights.vocabulary import RightsTerm

DATA_FILE = "official_labels.tsv"
#: Words and numbers: all that counts in a label. Marks (as in Devanagari) are
#: not word characters, so they separate tokens like punctuation does.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+")
_VERSION = re.compile(r"\d+[.,]\d+")
#: Between two words of a label: any punctuation or space, or none ("NichtKommerziell").
_GAP = r"[\W_]*"
_RULES = {"cc": "cc-name", "cc0": "cc0", "pdm": "pdm", "rs": "rs-label"}
#: Flickr Commons' "No known copyright restrictions" begins with the English NKC
#: label but is a phrase of its own (read by the phrase rules, to the same term).
_LONGER_PHRASE = re.compile(r"\s+restrictions?(?!\w)", re.IGNORECASE)

Span = tuple[int, int, Finding]


@dataclass(frozen=True, slots=True)
class OfficialLabel:
    uri: str
    language: str
    label: str
    source: str


def read_labels() -> tuple[OfficialLabel, ...]:
    """Every row of the shipped data file."""
    text = resources.files("glampub.rights").joinpath("data", DATA_FILE).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    assert header == ["uri", "language", "label", "source"], header
    return tuple(OfficialLabel(*line.split("\t")) for line in lines[1:])


#: Case folding loses the Turkish dotless and dotted i ("ATIF" is "Atıf"); the
#: pattern matches them either way, so the keys must not tell them apart.
_TURKISH_I = str.maketrans({"\u0131": "i", "\u0307": None})


def tokens(text: str) -> list[str]:
    """The words and numbers of ``text``, case-folded, decimal commas as points."""
    folded = clean_text(text).casefold()
    if "\u0131" in folded or "\u0307" in folded:  # translate() is slow, these rare
        folded = folded.translate(_TURKISH_I)
    return [t.replace(",", ".") for t in _TOKEN.findall(folded)]


def _variants(label: OfficialLabel, term: RightsTerm) -> Iterator[list[str]]:
    words = tokens(label.label)
    yield words
    versions = [i for i, word in enumerate(words) if _VERSION.fullmatch(word)]
    if term.kind == "rs":
        yield [*words, "1.0"]
    elif versions:
        last = versions[-1]
        if last + 1 < len(words):
            yield words[: last + 1]  # without "International" and the like
        if term.kind in ("cc0", "pdm") and last > 0:
            yield words[:last]  # one version only, so it may be left out


class _Table:
    """The labels as one trie of token sequences, searched branch by branch.

    The whole trie as one regular expression takes about 80 ms to compile,
    in every process that reads rights. So only a small expression of the
    labels' first words is compiled at once, to find where a label may start;
    the branch of each first word (the labels that begin with it) is compiled
    the first time a text has that word. Trying the branches at a position in
    the trie's order (longest word first) matches exactly as the single
    expression would.
    """

    def __init__(self, sequences: Iterable[list[str]], terms: dict[str, RightsTerm]) -> None:
        #: Joined tokens -> the term; ambiguous keys (two terms) are left out.
        self.terms = terms
        trie = _trie(sequences)
        #: The first words in the trie's order, each with the rest of its trie.
        self.words = sorted(((word, child) for word, child in trie.items() if word), key=_first)
        # One group a word: the group that matched tells which word was first.
        self.starts = re.compile(
            r"(?<!\w)(?:" + "|".join(f"({_word(word)})" for word, _ in self.words) + ")",
            re.IGNORECASE,
        )
        self._branches: dict[int, re.Pattern[str]] = {}
        self._words: dict[int, re.Pattern[str]] = {}

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every label in ``text``, as ``re.finditer`` with the whole trie would find them."""
        position = 0
        while (start := self.starts.search(text, position)) is not None:
            at = start.start()
            # The words before the one that matched here do not match here.
            first = start.lastindex - 1  # type: ignore[operator]
            found = self._branch(first).match(text, at)
            for index in range(first + 1, len(self.words)):
                if found is not None:
                    break
                if self._word(index).match(text, at):
                    found = self._branch(index).match(text, at)
            if found is None:
                position = at + 1
                continue
            yield found
            position = found.end()

    def _branch(self, index: int) -> re.Pattern[str]:
        pattern = self._branches.get(index)
        if pattern is None:
            source = _branch(*self.words[index])
            pattern = re.compile(rf"(?<!\w)(?:{source})(?!\w)", re.IGNORECASE)
            self._branches[index] = pattern
        return pattern

    def _word(self, index: int) -> re.Pattern[str]:
        pattern = self._words.get(index)
        if pattern is None:
            pattern = re.compile(_word(self.words[index][0]), re.IGNORECASE)
            self._words[index] = pattern
        return pattern


def _key(words: Iterable[str]) -> str:
    return "".join(words)


def _trie(sequences: Iterable[list[str]]) -> dict[str, dict]:
    trie: dict[str, dict] = {}
    for words in sequences:
        node = trie
        for word in words:
            node = node.setdefault(word, {})
        node[""] = {}
    return trie


def _first(item: tuple[str, dict[str, dict]]) -> tuple[int, str]:
    """Longest word first, so that a longer word is tried before its prefix."""
    return -len(item[0]), item[0]


def _branch(word: str, child: dict[str, dict]) -> str:
    """The regex of the labels that continue from ``word`` through ``child``, a trie."""
    if not [k for k in child if k]:
        return _word(word)
    rest = _alternatives(child)
    return _word(word) + (f"(?:{_GAP}{rest})?" if "" in child else f"{_GAP}{rest}")


def _alternatives(node: dict[str, dict]) -> str:
    branches = [_branch(word, child) for word, child in sorted(node.items(), key=_first) if word]
    assert branches or "" in node
    return "(?:" + "|".join(branches) + ")"


def _trie_pattern(sequences: Iterable[list[str]]) -> str:
    """One regex for many token sequences, as a trie, longest first (the
    expression :class:`_Table` searches in parts)."""
    return _alternatives(_trie(sequences))


def _word(word: str) -> str:
    if _VERSION.fullmatch(word):
        whole, part = word.split(".")
        return rf"{whole}[.,]{part}(?!\d)"
    return re.escape(word)


@cache
def _table() -> _Table:
    terms: dict[str, RightsTerm] = {}
    clashes: set[str] = set()
    sequences: dict[str, list[str]] = {}
    for label in read_labels():
        term = lookup(label.uri)
        if term is None:
            raise ValueError(f"{DATA_FILE}: {label.uri} is not a known rights URI")
        for words in _variants(label, term):
            key = _key(words)
            if terms.get(key, term) != term:
                clashes.add(key)  # one wording, two statements: never guess
            terms[key] = term
            sequences[key] = words
    for key in clashes:
        del terms[key], sequences[key]
    return _Table(sequences.values(), terms)


def official_labels(text: str) -> Iterator[Span]:
    """Every official label or title in ``text``, as (start, end, finding)."""
    table = _table()
    for match in table.finditer(text):
        term = table.terms.get(_key(tokens(match.group(0))))
        if term is None:
            continue  # the words of a label spelled so that they join differently
        if _LONGER_PHRASE.match(text, match.end()):
            continue
        finding = Finding(
            role="term",
            rule=_RULES[term.kind],
            term=term,
            text=match.group(0).strip(),
            priority=PRIORITY_NAME,
        )
        yield match.start(), match.end(), finding


@cache
def _by_uri_and_language() -> dict[tuple[str, str], str]:
    labels = {(row.uri, row.language): row.label for row in read_labels()}
    # A regional label serves its language where the language has none of its
    # own: RightsStatements.org's Swedish labels are Finland's ("sv-FI").
    for row in read_labels():
        base = row.language.split("-")[0]
        labels.setdefault((row.uri, base), row.label)
    return labels


def official_label(uri: str, language: str) -> str | None:
    """The label its publisher gives the statement or licence ``uri`` in
    ``language`` ("de", "nl", ...), or None where it has none in that language."""
    return _by_uri_and_language().get((uri, language))
