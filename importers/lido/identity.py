"""Which element identifies each LIDO record, and whether it really does.

Real exports get identity wrong in one recurring way: a placeholder in every
``lidoRecID`` (``/Museu:000000``) while ``recordID`` or the inventory number
(``workID``) is unique. :class:`RecordIdentity` picks each record's
identifier by the profile (see :mod:`importers.lido.profile`) and, as records
stream, measures every candidate element: how many records have it and how
many repeat an earlier value. A repeated identifier is rejected with the
alternatives' measure; when more than half the records repeat one, the whole
file is refused (an :class:`UnreadableInput`, so nothing is published), naming
the element that is unique. The check runs once :data:`EARLY_RECORDS` records
have been read (so a file of placeholders stops at once) and again at the end
of the file.

Memory stays bounded: at most :data:`VALUES_REMEMBERED` distinct values per
element are remembered; beyond that, later values are measured no more (the
import's own staging table still refuses every repeated identifier).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from glampub.errors import Problem, UnreadableInput
from importers.base import SourceRecord
from importers.lido.draft import Draft
from importers.lido.fields import clean, lido, text_of
from importers.lido.profile import (
    CONSTANT_STATEMENTS,
    IDENTIFIER_ELEMENTS,
    IdentifierRule,
    LidoProfileConfig,
)
from importers.problem_codes import ProblemCode

_CLI_ADVICE = re.compile(r"use --identifier (\w+)")
#: Records read before the first verdict on the identifier.
EARLY_RECORDS = 100
#: Distinct values remembered per candidate element.
VALUES_REMEMBERED = 50_000

_TYPE = lido("type")
_SOURCE = lido("source")
_DESCRIPTIVE = lido("descriptiveMetadata")
_ADMINISTRATIVE = lido("administrativeMetadata")
#: Where each element sits below lido:lido.
_PATHS: dict[str, tuple[str, ...]] = {
    "lidoRecID": (lido("lidoRecID"),),
    "objectPublishedID": (lido("objectPublishedID"),),
    "recordID": (_ADMINISTRATIVE, lido("recordWrap"), lido("recordID")),
    "workID": (
        _DESCRIPTIVE,
        lido("objectIdentificationWrap"),
        lido("repositoryWrap"),
        lido("repositorySet"),
        lido("workID"),
    ),
}
#: The built-in order when no profile names an identifier.
_DEFAULT_RULES = (
    IdentifierRule("lidoRecID"),
    IdentifierRule("objectPublishedID"),
    IdentifierRule("workID"),
)
#: The order alternatives are recommended in: stable system numbers first.
_RECOMMENDED = ("recordID", "workID", "objectPublishedID", "lidoRecID")


def element_value(record: etree._Element, draft: Draft, rule: IdentifierRule) -> str | None:
    """The text of the first element ``rule`` accepts in ``record``, or None."""
    if rule.type is None and rule.source is None:
        return plain_values(draft)[rule.element]
    for node in _elements(record, _PATHS[rule.element]):
        if rule.type is not None and clean(node.get(_TYPE)).casefold() != rule.type.casefold():
            continue
        if rule.source is not None and clean(node.get(_SOURCE)) != rule.source:
            continue
        value = text_of(node)
        if value:
            return value
    return None


def plain_values(draft: Draft) -> dict[str, str | None]:
    """The first text of each identifying element, as the mapping collected it.

    Read from the draft, not the tree again: this runs for every record. The
    workID is the inventory number the record shows (current repository first).
    """
    return {
        "lidoRecID": draft.record_ids[0] if draft.record_ids else None,
        "recordID": draft.extra.get("record_id"),
        "workID": draft.inventory_number(),
        "objectPublishedID": draft.published_ids[0] if draft.published_ids else None,
    }


def _elements(parent: etree._Element, path: tuple[str, ...]) -> list[etree._Element]:
    found = [parent]
    for tag in path:
        found = [child for node in found for child in node.iterchildren(tag)]
    return found


@dataclass
class _Measure:
    """How one candidate element fares across the records read so far."""

    present: int = 0
    repeats: int = 0
    values: Counter[str] = field(default_factory=Counter)

    def add(self, value: str | None) -> bool:
        """Count a value; True when an earlier record had it."""
        if value is None:
            return False
        self.present += 1
        if value in self.values:
            self.values[value] += 1
            self.repeats += 1
            return True
        if len(self.values) < VALUES_REMEMBERED:
            self.values[value] = 1
        return False


class RecordIdentity:
    """Chooses identifiers, rejects repeats, refuses a file that repeats one throughout."""

    def __init__(self, config: LidoProfileConfig) -> None:
        self.config = config
        self.rules = config.identifier or _DEFAULT_RULES
        self.records = 0
        self.chosen = _Measure()
        self.first_record: dict[str, int] = {}
        self.alternatives = {name: _Measure() for name in IDENTIFIER_ELEMENTS}
        self.checked_early = False
        #: How many identifiers each rule supplied.
        self.sources: Counter[str] = Counter()
        self._described = [(rule, rule.describe()) for rule in self.rules]
        self._plain: dict[str, str | None] = {}

    def describe(self) -> str:
        """The elements tried, for a message: "lidoRecID, objectPublishedID or workID"."""
        names = [rule.describe() for rule in self.rules]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

    def identifier(self, record: etree._Element, draft: Draft) -> str | None:
        """The record's identifier: the first element the profile's rules find."""
        plain = self._plain = plain_values(draft)
        for rule, shown in self._described:
            if rule.type is None and rule.source is None:
                value = plain[rule.element]
            else:
                value = element_value(record, draft, rule)
            if value:
                self.sources[shown] += 1
                return value
        return None

    def repeated(
        self, record: etree._Element, draft: Draft, identifier: str, number: int, where: str
    ) -> Problem | None:
        """Measure this record; a rejection when its identifier was used before.

        Raises UnreadableInput when, after the first records, more than half
        repeat an identifier.
        """
        self.records += 1
        plain = self._plain  # set by identifier() for this record
        for name, measure in self.alternatives.items():
            measure.add(plain[name])
        again = self.chosen.add(identifier)
        if not again and len(self.first_record) < VALUES_REMEMBERED:
            self.first_record[identifier] = number
        if not self.checked_early and self.records >= EARLY_RECORDS:
            self.checked_early = True
            self._refuse_if_mostly_repeated(f"the first {self.records} read")
        if not again:
            return None
        first = self.first_record.get(identifier)
        earlier = f"record {first}" if first is not None else "an earlier record"
        return Problem(
            identifier,
            number,
            ProblemCode.DUPLICATE_IDENTIFIER,
            f"{where}: its identifier {identifier!r} was already used by "
            f"{earlier}; this record was rejected. "
            f"{self._advice(f'Of the {self.records} records read so far')}",
        )

    def finish(self) -> None:
        """At the end of the file: refuse it when most records repeated an identifier."""
        self._refuse_if_mostly_repeated("the file")

    def complete(self, record: SourceRecord) -> SourceRecord:
        """The profile's constants, where the record has no value of its own."""
        for key, value in self.config.constants:
            if key in CONSTANT_STATEMENTS:
                if not getattr(record, key):
                    setattr(record, key, [value])
            elif not getattr(record, key):
                setattr(record, key, value)
        return record

    def _refuse_if_mostly_repeated(self, scope: str) -> None:
        if self.chosen.repeats * 2 <= self.chosen.present:
            return
        message = (
            f"{self._measure(scope)}. {self._advice('Of these records')} "
            "Nothing was imported and nothing published was changed."
        )
        # The pages have no --identifier: a LIDO profile says the same there.
        web = _CLI_ADVICE.sub(
            r'choose a LIDO profile with identifier = "\1" (Column profiles)', message
        )
        raise UnreadableInput(message, web=web)

    def _measure(self, scope: str) -> str:
        """What the chosen identifier did, e.g. "lidoRecID is '/M:0' in every record"."""
        value, times = self.chosen.values.most_common(1)[0]
        chosen = self.describe() if len(self.sources) != 1 else next(iter(self.sources))
        if times == self.chosen.present == self.records:
            return f"{chosen} is {value!r} in every record of {scope}"
        return (
            f"{self.chosen.repeats} of the {self.records} records of {scope} repeat the "
            f"identifier ({chosen}) of an earlier record; {value!r} alone is in {times}"
        )

    def _advice(self, among: str) -> str:
        """Each alternative element measured, and the one to use if one is unique."""
        chosen_elements = {rule.element for rule in self.rules if rule.type is None}
        facts, unique = [], None
        for name in _RECOMMENDED:
            measure = self.alternatives[name]
            if set(self.sources) == {name} and name in chosen_elements:
                continue  # the element measured already
            if measure.present == 0:
                facts.append(f"{name} is in none of them")
            elif measure.repeats == 0 and measure.present == self.records:
                facts.append(f"{name} is unique in all of them")
                unique = unique or name
            elif measure.repeats == 0:
                facts.append(f"{name} is unique but missing from {self.records - measure.present}")
            else:
                facts.append(f"{name} repeats in {measure.repeats}")
        measured = "; ".join(facts)
        if unique is not None:
            return f"{among}, {measured}: use --identifier {unique}."
        return (
            f"{among}, {measured}. No element identifies every record on its own: "
            "write a LIDO profile that names the identifier (docs/lido-format.md)."
        )
