"""The JSON schema of the plan format, exported for editors (YAML language servers).

``python -m scoring.rules.schema`` rewrites ``plans/plan.schema.json``; a test checks that the
shipped file matches the models, so the two never drift apart.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.rules.spec import Plan


def plan_json_schema() -> dict[str, Any]:
    schema = Plan.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Incentive plan / 激励方案"
    return schema


def schema_text() -> str:
    return json.dumps(plan_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_path() -> Path:
    return Path(str(resources.files("scoring.rules") / "plans" / "plan.schema.json"))


def main() -> None:
    schema_path().write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
