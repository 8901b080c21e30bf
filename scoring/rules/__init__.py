"""The plan language: a YAML plan validated by pydantic, conditions compiled to polars.

- ``spec``: the plan format (pydantic models); ``yamlloc``: YAML with line and column;
- ``lexer``/``parser``/``ast``: the condition language; ``typecheck``: names and types;
- ``functions``: the closed table of operations; ``compile``: AST → polars expressions;
- ``templates``/``vocab``: explanation templates; ``amounts``: fixed, table, derived amounts;
- ``check``: every problem of a plan; ``compiled``: a valid plan ready for the engine;
- ``load``: ``check_plan``, ``load_plan``, ``standard_plan_path``; ``schema``: JSON schema.
"""

from scoring.rules.load import check_plan, load_plan, load_plan_text, standard_plan_path
from scoring.rules.spec import Plan

__all__ = ["Plan", "check_plan", "load_plan", "load_plan_text", "standard_plan_path"]
