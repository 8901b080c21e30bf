"""The placeholders an explanation template may use, per kind of rule.

Shared by the plan check (which names exist) and the evaluator (their values), so that the two
never disagree about what a template can say.
"""

from __future__ import annotations

from collections.abc import Mapping

from scoring.rules.scope import Scope, event_scope, installer_scope
from scoring.rules.types import Ty

KIND_TEXT = {
    "zh": {"bonus": "奖励", "deduction": "扣款", "allowance": "补贴", "cap": "封顶免扣"},
    "en": {"bonus": "bonus", "deduction": "deduction", "allowance": "allowance", "cap": "cap"},
}

#: Values of every line, whatever its rule.
LINE_VALUES = {
    "rule_id": "the rule's id",
    "rule": "the rule's title (or id)",
    "kind": "bonus / deduction / allowance, in the template's language",
    "installer_id": "the installer the line is for",
    "period": "the period, YYYY-MM",
    "amount": "the rule's amount for the event (yuan, 2 decimals)",
}
#: Values of per-event lines.
EVENT_VALUES = {
    **LINE_VALUES,
    "date": "local day of the event (10月12日 / 2025-10-12)",
    "share": "the installer's share of the job (60%, 1/3; 100% when charged alone)",
    "part": "the installer's part of the amount (yuan)",
    "source_id": "the id of the survey, revisit, complaint or job",
}
#: Values of cap lines.
CAP_VALUES = {
    **LINE_VALUES,
    "deductions": "the period's deductions before the cap (yuan)",
    "limit": "the cap (yuan)",
    "waived": "the part of the deductions waived (yuan)",
}


def event_placeholders(source: str) -> dict[str, str]:
    """Every placeholder of a per-event rule over ``source``."""
    scope = event_scope(source)
    names = dict(EVENT_VALUES)
    names.update({name: f"{source} field" for name in scope.fields})
    if scope.job is not None:
        names.update({f"job.{name}": "job field" for name in scope.job.fields})
    return names


def period_placeholders(
    measures: Mapping[str, Ty], grades: tuple[str, ...] | None
) -> dict[str, str]:
    scope: Scope = installer_scope(measures, grades)
    names = dict(LINE_VALUES)
    names.update({name: "installer value" for name in scope.fields})
    return names


def cap_placeholders(measures: Mapping[str, Ty], grades: tuple[str, ...] | None) -> dict[str, str]:
    names = period_placeholders(measures, grades)
    names.update(CAP_VALUES)
    return names
