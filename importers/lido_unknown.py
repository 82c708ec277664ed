"""Elements in the LIDO namespace that LIDO does not define: reported, never dropped in silence.

An in-house export that misspells ``lido:workID`` as ``lido:workId`` loses its
inventory numbers: the importer reads only the elements LIDO defines. As
records stream, :class:`UnknownElements` collects the names in the LIDO
namespace that neither LIDO 1.0 nor 1.1 defines (see
:mod:`importers.lido_elements`) and, at the end of the file, reports each name
once: in how many records it appears, and the first of them. The record's
source keeps the element either way.
"""

from __future__ import annotations

from operator import attrgetter

from lxml import etree

from glampub.errors import Problem
from importers.lido_elements import LIDO_ELEMENT_NAMES
from importers.lido_fields import LIDO_NS
from importers.problem_codes import ProblemCode

_ANY_LIDO = "{" + LIDO_NS + "}*"
_KNOWN_TAGS = frozenset("{" + LIDO_NS + "}" + name for name in LIDO_ELEMENT_NAMES)
_TAG = attrgetter("tag")
#: Distinct unknown names remembered; a file inventing more is reported up to here.
MAX_NAMES = 100


class UnknownElements:
    """Counts undefined LIDO element names across the records of one file."""

    def __init__(self) -> None:
        #: tag -> [records it is in, first record's number, first record's description]
        self.found: dict[str, list] = {}

    def check(self, record: etree._Element, number: int, where: str) -> None:
        """Note the undefined LIDO elements of one record (about 30 us a record)."""
        unknown = set(map(_TAG, record.iter(_ANY_LIDO))).difference(_KNOWN_TAGS)
        for tag in unknown:
            seen = self.found.get(tag)
            if seen is not None:
                seen[0] += 1
            elif len(self.found) < MAX_NAMES:
                self.found[tag] = [1, number, where]

    def problems(self) -> list[Problem]:
        """One warning per undefined name, in the order they were first met."""
        problems = []
        for tag, (count, number, where) in self.found.items():
            name = "lido:" + tag.rpartition("}")[2]
            records = "1 record" if count == 1 else f"{count} records"
            problems.append(
                Problem(
                    None,
                    number,
                    ProblemCode.UNKNOWN_ELEMENT,
                    f"{name} is not an element of LIDO 1.0 or 1.1, so what it holds was not "
                    f"read (it stays in the stored source); it is in {records}, first in {where}. "
                    "Check its spelling in the export.",
                    "warning",
                )
            )
        return problems
