"""Plan × period data → lines: pure functions over polars LazyFrames, by purpose.

- ``inputs``: the entity frames a run reads, and the sources of events;
- ``ids``: ids as one Categorical while the engine runs (text again on the way out);
- ``counting``: which surveys count, and the events of a period;
- ``prepare``: the events with every column their rules read (job fields, extras, per-job facts);
- ``amounts``: a rule's amount and kind per row, and the sign of each kind;
- ``event_rules``: per-event rules → event lines → installer lines (the split);
- ``explanations``: the texts of the lines, from the plan's templates;
- ``measures``: per-installer counts over the period's events;
- ``period_rules``: ratings, the per-installer row of a period, per-period rules.

Rules come compiled (:class:`scoring.rules.compiled.CompiledPlan`); no rule is named here. A
rule's result is a column over its source's events (the amount when it hits, null otherwise),
so every amount comes from one row that can be shown; lines are those columns, unpivoted.

Sources and their period (REFERENCE_PLAN.md): a survey by ``surveyed_at`` (counted surveys only),
a revisit by ``revisited_at``, a complaint by ``resolved_at``, a job by ``completed_at`` — the
timestamps come from the plan's ``sources`` section, months in the local zone.
"""
