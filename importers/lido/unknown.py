"""Elements in the LIDO namespace that LIDO does not define: reported, never dropped in silence.

An in-house export that misspells ``lido:workID`` as ``lido:workId`` loses its
inventory numbers: the importer reads only the elements LIDO defines. As
records stream, :class:`UnknownElements` collects the names in the LIDO
namespace that neither LIDO 1.0 nor 1.1 defines (see
:mod:`importers.lido.elements`) and, at the end of the file, reports each name
once: in how many records it appears, and the first of them. The record's
source keeps the element either way.

This runs on every record, so it is made cheap: the record's serialised text
(which the importer keeps anyway) is searched with one regular expression
that matches only start tags whose name is *not* defined, its defined names
compiled into a trie so each tag costs a few character comparisons. That is
about half the cost of walking the tree (which makes a Python object of every
element). A record with namespace declarations inside it (the streaming
parser reports them, so its text need not be searched for them), or whose LIDO
elements have no prefix, is walked instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

from lxml import etree

from glampub.errors import Problem
from importers.lido.elements import LIDO_ELEMENT_NAMES
from importers.lido.fields import LIDO_NS
from importers.problem_codes import ProblemCode

_ANY_LIDO = "{" + LIDO_NS + "}*"
_KNOWN_TAGS = frozenset("{" + LIDO_NS + "}" + name for name in LIDO_ELEMENT_NAMES)
_TAG = attrgetter("tag")
#: Distinct unknown names remembered; a file inventing more is reported up to here.
MAX_NAMES = 100


def _trie(words: frozenset[str]) -> str:
    """A regular expression matching exactly ``words`` and then a character that
    ends a tag name, as a trie of alternatives.

    Where a word ends inside the trie, the end of the name is one more
    alternative beside the longer words, not an optional group, which costs
    the regular expression engine more (a tenth of the check, by callgrind).
    """
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append(_NAME_END)
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root)


#: What may follow a tag name in serialised XML.
_NAME_END = r"[\s/>]"
_DEFINED = _trie(LIDO_ELEMENT_NAMES)


@lru_cache(maxsize=8)
def _undefined_start_tags(prefix: str) -> re.Pattern[str]:
    """Start tags ``<prefix:name`` whose name LIDO does not define."""
    return re.compile("<" + re.escape(prefix) + ":(?!" + _DEFINED + r")([^\s/>]+)")


class UnknownElements:
    """Counts undefined LIDO element names across the records of one file."""

    def __init__(self) -> None:
        #: local name -> [records it is in, first record's number, first record's description]
        self.found: dict[str, list] = {}

    def check(
        self,
        record: etree._Element,
        source: str,
        number: int,
        where: str,
        nested: bool | None = None,
    ) -> None:
        """Note the undefined LIDO elements of one record; ``source`` is its serialised text.

        ``nested`` says whether elements inside the record declare namespaces
        (the parser's events tell); None when unknown, and then the text is
        searched for declarations.
        """
        self._note(_undefined_names(record, source, nested), number, where)

    def _note(self, names: set[str], number: int, where: str) -> None:
        for name in names:
            seen = self.found.get(name)
            if seen is not None:
                seen[0] += 1
            elif len(self.found) < MAX_NAMES:
                self.found[name] = [1, number, where]

    def problems(self) -> list[Problem]:
        """One warning per undefined name, in the order they were first met."""
        problems = []
        for name, (count, number, where) in self.found.items():
            records = "1 record" if count == 1 else f"{count} records"
            problems.append(
                Problem(
                    None,
                    number,
                    ProblemCode.UNKNOWN_ELEMENT,
                    f"lido:{name} is not an element of LIDO 1.0 or 1.1, so what it holds was not "
                    f"read (it stays in the stored source); it is in {records}, first in {where}. "
                    "Check its spelling in the export.",
                    "warning",
                )
            )
        return problems


def _undefined_names(record: etree._Element, source: str, nested: bool | None) -> set[str]:
    prefixes = [prefix for prefix, uri in record.nsmap.items() if uri == LIDO_NS]
    # Declarations after the record's own start tag could rebind a prefix.
    if nested is None:
        nested = source.find("xmlns", source.find(">")) != -1
    if len(prefixes) == 1 and prefixes[0] is not None and not nested:
        return set(_undefined_start_tags(prefixes[0]).findall(source))
    unknown = set(map(_TAG, record.iter(_ANY_LIDO))).difference(_KNOWN_TAGS)
    return {tag.rpartition("}")[2] for tag in unknown}
