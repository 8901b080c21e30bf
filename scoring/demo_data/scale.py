"""How big a generated network and month is: presets from a one-second demo to a national run."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    """Sizes of one generated month. Every table but ``teams`` has exactly the number of rows
    given here; the number of teams is drawn per dealer from ``teams_per_dealer`` (inclusive).

    生成数据的规模:经销商、每个经销商的团队数(闭区间)、师傅、工单、问卷、回访与投诉的行数。
    """

    dealers: int
    teams_per_dealer: tuple[int, int]
    installers: int
    jobs: int
    surveys: int
    revisits: int
    complaints: int

    def __post_init__(self) -> None:
        low, high = self.teams_per_dealer
        problems = []
        if self.dealers < 1:
            problems.append("dealers must be at least 1")
        if not 1 <= low <= high:
            problems.append("teams_per_dealer must be (low, high) with 1 <= low <= high")
        if self.installers < self.dealers * high:
            problems.append("installers must be at least dealers * teams_per_dealer[1]")
        if self.jobs < 1:
            problems.append("jobs must be at least 1")
        if min(self.surveys, self.revisits, self.complaints) < 0:
            problems.append("surveys, revisits and complaints must not be negative")
        if self.complaints > self.jobs:
            problems.append("complaints must not exceed jobs (at most one complaint per job)")
        if self.surveys > 2 * self.jobs:
            problems.append("surveys must not exceed twice the jobs")
        if problems:
            raise ValueError("规模无效 / invalid scale: " + "; ".join(problems))

    def scaled(self, factor: float) -> Scale:
        """The same shape with every count multiplied by ``factor`` (at least a tiny network)."""
        low, high = self.teams_per_dealer
        dealers = max(1, round(self.dealers * factor))
        return replace(
            self,
            dealers=dealers,
            installers=max(dealers * high, round(self.installers * factor)),
            jobs=max(1, round(self.jobs * factor)),
            surveys=round(self.surveys * factor),
            revisits=round(self.revisits * factor),
            complaints=round(self.complaints * factor),
        )


#: 3 dealers, about 12 teams, 80 installers, 3,000 jobs: generates in well under a second.
DEMO = Scale(
    dealers=3,
    teams_per_dealer=(3, 5),
    installers=80,
    jobs=3_000,
    surveys=2_400,
    revisits=1_500,
    complaints=150,
)

#: A province-sized network: 2,500 installers, 150,000 jobs.
REGIONAL = Scale(
    dealers=30,
    teams_per_dealer=(4, 12),
    installers=2_500,
    jobs=150_000,
    surveys=125_000,
    revisits=75_000,
    complaints=7_500,
)

#: A national brand: 600 dealers, about 4,800 teams, 50,000 installers, 3,000,000 jobs.
NATIONAL = Scale(
    dealers=600,
    teams_per_dealer=(4, 12),
    installers=50_000,
    jobs=3_000_000,
    surveys=2_500_000,
    revisits=1_500_000,
    complaints=150_000,
)

SCALES: dict[str, Scale] = {"demo": DEMO, "regional": REGIONAL, "national": NATIONAL}
