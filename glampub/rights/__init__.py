"""Rights statements in, a canonical rights URI (or "needs review") out.

Pure: no Flask, no database, no network. See :func:`map_rights`.
"""

from glampub.rights.decision import NEEDS_REVIEW, RightsContext, RightsDecision
from glampub.rights.engine import canonical_uri, map_rights
from glampub.rights.institution_rules import InstitutionRules, InvalidRule, Rule, rule_target
from glampub.rights.normalize import NO_STATEMENT, normalize_statement, statement_key
from glampub.rights.public_domain import LIKELY_PUBLIC_DOMAIN, MAY_BE_IN_COPYRIGHT
from glampub.rights.uris import lookup
from glampub.rights.vocabulary import RightsTerm, all_terms

__all__ = [
    "LIKELY_PUBLIC_DOMAIN",
    "MAY_BE_IN_COPYRIGHT",
    "NEEDS_REVIEW",
    "NO_STATEMENT",
    "RightsContext",
    "RightsDecision",
    "RightsTerm",
    "InstitutionRules",
    "InvalidRule",
    "Rule",
    "all_terms",
    "canonical_uri",
    "lookup",
    "map_rights",
    "normalize_statement",
    "rule_target",
    "statement_key",
]
