"""An institution's own rights rules, consulted before the built-in ones.

Staff teach glampub what their house phrasings mean: an exact statement
("Foto: Museum, alle Rechte vorbehalten" → InC), or a pattern over the
normalised statement ("^bildrecht:" → needs-review). A review decision is an
exact rule; the decision on records that state nothing at all is the one rule
of kind "unstated" (no match), never applied to a record with a statement.
:class:`InstitutionRules` is the ``overrides`` mapping that
:func:`glampub.rights.map_rights` takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from glampub.patterns import InvalidPattern, Pattern, compile_pattern
from glampub.rights.decision import NEEDS_REVIEW
from glampub.rights.engine import canonical_uri
from glampub.rights.normalize import NO_STATEMENT, STATEMENT_SEPARATOR, statement_key

RuleKind = Literal["exact", "pattern", "unstated"]
#: Patterns are matched against statements of at most this many characters, so
#: one badly written pattern cannot stall an import on a huge free-text value.
PATTERN_INPUT_LIMIT = 2000


class InvalidRule(ValueError):
    """A rule that cannot be used: a bad pattern, or a target that is no URI."""


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    match: str
    #: A canonical URI, or "needs-review" to keep a statement out of any rule.
    target: str


def rule_target(text: str) -> str:
    """The canonical target for what staff typed: a URI, name or code of a CC
    licence, CC0, PDM or RightsStatements.org statement, or "needs-review"."""
    if text.strip().casefold() == NEEDS_REVIEW:
        return NEEDS_REVIEW
    uri = canonical_uri(text)
    if uri is None:
        raise InvalidRule(
            f"{text!r} names no Creative Commons licence, CC0, Public Domain Mark or "
            "RightsStatements.org statement; give its URI (e.g. "
            "http://rightsstatements.org/vocab/InC/1.0/) or 'needs-review'"
        )
    return uri


def compile_rule_pattern(pattern: str) -> Pattern:
    """A rule's pattern for RE2 (linear time: staff write it), case-insensitive."""
    try:
        return compile_pattern(pattern, ignore_case=True)
    except InvalidPattern as exc:
        raise InvalidRule(f"pattern {exc}") from None


class InstitutionRules(Mapping[str, str]):
    """Normalised statement → target: exact rules first, then patterns in order."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._exact: dict[str, str] = {}
        self._patterns: list[tuple[Pattern, str]] = []
        self._unstated: str | None = None
        for rule in rules:
            if rule.kind == "unstated":
                self._unstated = rule.target
            elif rule.kind == "exact":
                # A review decision on several statements is stored joined, as
                # they are displayed; its key is the key of the whole set.
                self._exact[statement_key(rule.match.split(STATEMENT_SEPARATOR))] = rule.target
            else:
                self._patterns.append((compile_rule_pattern(rule.match), rule.target))

    def __getitem__(self, key: str) -> str:
        if key == NO_STATEMENT:
            # Only the rule on records without a statement; no pattern judges them.
            if self._unstated is None:
                raise KeyError(key)
            return self._unstated
        target = self._exact.get(key)
        if target is not None:
            return target
        # Patterns judge one statement at a time, never a set: a pattern matching
        # one statement of several must not override what the others say.
        if len(key) <= PATTERN_INPUT_LIMIT and STATEMENT_SEPARATOR not in key:
            for pattern, pattern_target in self._patterns:
                if pattern.search(key):
                    return pattern_target
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._exact
        if self._unstated is not None:
            yield NO_STATEMENT

    def __len__(self) -> int:
        return len(self._exact) + (self._unstated is not None)

    def __bool__(self) -> bool:
        return bool(self._exact or self._patterns or self._unstated is not None)
