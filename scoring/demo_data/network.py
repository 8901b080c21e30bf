"""Dealers, their teams and installers: who they are (by seed) and who works this month.

The :class:`Network` depends on the seed only, so every month generated with one seed shares the
same dealers, teams, installers, wages and quality. The :class:`Roster` is the month's view of
it: who joins or leaves during the month, who works only occasionally, and which installers are
set up to hit the deduction caps of the reference plan.
网络(经销商、团队、师傅)只由种子决定;名册(本月入职、离职、临时工、触发扣款上限的师傅)随月份变化。
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from scoring.demo_data import vocab
from scoring.demo_data.clock import Month, day_number
from scoring.demo_data.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    categorical,
    quota,
    stream,
    uniform_int,
)
from scoring.demo_data.scale import Scale

IN_HOUSE, OUTSOURCED = 0, 1

#: quality tiers of installers (excellent, good, fair, poor) and their shares
TIER_SHARES = (0.22, 0.48, 0.22, 0.08)
NO_DATE = -1
NO_MONEY = -1

_NETWORK_STREAM = 1
_ROSTER_STREAM = 2
_HIRE_DATES_FROM = day_number(date(2014, 1, 1))


@dataclass(frozen=True)
class Network:
    dealer_names: list[str]
    team_dealer: IntArray
    team_kind: IntArray  # IN_HOUSE or OUTSOURCED
    team_names: list[str]
    team_regions: list[str | None]
    team_min_wage: IntArray  # fen, of the team's city
    installer_team: IntArray
    installer_names: list[str]
    employee: BoolArray
    base_wage: IntArray  # fen, NO_MONEY when not given
    min_wage: IntArray  # fen, NO_MONEY when not given
    low_wage: BoolArray  # employees paid just above the local minimum
    tier: IntArray  # 0 excellent … 3 poor
    productivity: FloatArray  # relative number of jobs per month
    hired: IntArray  # day number, NO_DATE when not known


@dataclass(frozen=True)
class Roster:
    active_from: IntArray  # day number or NO_DATE
    active_to: IntArray  # day number or NO_DATE
    weight: FloatArray  # share of the month's jobs (relative)
    full_month: BoolArray  # works the whole month (can share jobs, had jobs last month)
    helper: BoolArray  # may be the second or third installer of a shared job
    occasional: BoolArray  # only a job or two this month: unrated
    forced_complaints: IntArray  # complaints set up to exceed the installer's deduction cap


def build_network(scale: Scale, seed: int) -> Network:
    rng = stream(seed, _NETWORK_STREAM)
    dealer_city = rng.integers(len(vocab.CITIES), size=scale.dealers)
    dealer_names, dealer_trades = _dealer_names(rng, dealer_city)

    team_dealer_list: list[int] = []
    team_kind_list: list[int] = []
    team_names: list[str] = []
    team_city_list: list[int] = []
    low, high = scale.teams_per_dealer
    for dealer, count in enumerate(rng.integers(low, high + 1, size=scale.dealers)):
        kinds = [IN_HOUSE, OUTSOURCED][: int(count)]
        kinds += [IN_HOUSE if rng.random() < 0.35 else OUTSOURCED for _ in range(count - 2)]
        names = _team_names(rng, kinds, dealer_trades[dealer], int(dealer_city[dealer]))
        for kind, (name, city) in zip(kinds, names, strict=True):
            team_dealer_list.append(dealer)
            team_kind_list.append(kind)
            team_names.append(name)
            team_city_list.append(city)
    teams = len(team_names)
    team_dealer = np.asarray(team_dealer_list, dtype=np.int64)
    team_kind = np.asarray(team_kind_list, dtype=np.int64)
    team_city = np.asarray(team_city_list, dtype=np.int64)
    team_min_wage = np.asarray([vocab.CITIES[c][2] for c in team_city], dtype=np.int64)
    has_region = rng.random(teams) < 0.92
    team_regions = [
        vocab.CITIES[c][1] if keep else None for c, keep in zip(team_city, has_region, strict=True)
    ]

    # installers per team: at least two (or one on a tight scale), the rest by team size
    minimum = 2 if scale.installers >= 2 * teams else 1
    sizes = rng.gamma(3.0, 1.0, size=teams)
    counts = minimum + rng.multinomial(scale.installers - minimum * teams, sizes / sizes.sum())
    installer_team = np.repeat(np.arange(teams, dtype=np.int64), counts)
    n = scale.installers

    in_house = team_kind[installer_team] == IN_HOUSE
    employee = in_house & (rng.random(n) < 0.88)
    base_wage, min_wage, low_wage = _wages(rng, employee, team_min_wage[installer_team])

    # quality: a team effect plus the person; tiers in exact proportions by rank
    team_effect = rng.normal(0.0, 0.6, size=teams)
    latent = team_effect[installer_team] + rng.normal(0.0, 1.0, size=n)
    tier = np.empty(n, dtype=np.int64)
    tier[np.argsort(-latent, kind="stable")] = np.sort(quota(rng, n, TIER_SHARES))

    hired = np.where(
        rng.random(n) < 0.45,
        _HIRE_DATES_FROM + rng.integers(0, 11 * 365, size=n),
        NO_DATE,
    ).astype(np.int64)
    return Network(
        dealer_names=dealer_names,
        team_dealer=team_dealer,
        team_kind=team_kind,
        team_names=team_names,
        team_regions=team_regions,
        team_min_wage=team_min_wage,
        installer_team=installer_team,
        installer_names=_person_names(rng, n),
        employee=employee,
        base_wage=base_wage,
        min_wage=min_wage,
        low_wage=low_wage,
        tier=tier,
        productivity=rng.gamma(6.0, 1.0 / 6.0, size=n),
        hired=hired,
    )


def build_roster(network: Network, month: Month, seed: int) -> Roster:
    rng = stream(seed, _ROSTER_STREAM, month.index)
    n = len(network.installer_team)
    # a hire date shows only when well before the month (jobs of last month are drawn too)
    active_from = np.where(network.hired < month.start_day - 60, network.hired, NO_DATE)
    active_to = np.full(n, NO_DATE, dtype=np.int64)
    weight = network.productivity * rng.uniform(0.85, 1.15, size=n)
    forced = np.zeros(n, dtype=np.int64)

    # month roles, from disjoint groups of installers (the low-paid are kept for the caps)
    order = rng.permutation(np.flatnonzero(~network.low_wage))
    sizes = [round(0.01 * n), round(0.03 * n), round(0.02 * n), max(2, round(0.04 * n))]
    former, joiners, leavers, occasional_ids, rest = np.split(order, np.cumsum(sizes))

    active_to[former] = month.start_day - rng.integers(5, 60, size=len(former))
    active_from[former] = np.minimum(
        np.where(active_from[former] == NO_DATE, month.start_day - 400, active_from[former]),
        active_to[former] - 30,
    )
    weight[former] = 0.0
    active_from[joiners] = month.start_day + rng.integers(3, 21, size=len(joiners))
    active_to[leavers] = month.start_day + uniform_int(
        rng, np.full(len(leavers), 8), month.days - 4
    )
    for group in (joiners, leavers):
        first = np.maximum(active_from[group], month.start_day)
        last = np.where(active_to[group] == NO_DATE, month.end_day - 1, active_to[group])
        weight[group] *= (last - first + 1) / month.days
    occasional = np.zeros(n, dtype=np.bool_)
    occasional[occasional_ids] = True
    weight[occasional_ids] = 0.0  # their one or two jobs are given out by build_jobs

    full_month = np.ones(n, dtype=np.bool_)
    full_month[np.concatenate([former, joiners, leavers])] = False

    # set up to exceed a cap: a few contractors (contract cap), employees on a mid wage (20% of
    # the wage) and half of the low-paid employees (what must remain above the minimum wage)
    contractors = rest[~network.employee[rest]]
    mid_wage = rest[
        network.employee[rest]
        & (network.base_wage[rest] >= 400_000)
        & (network.base_wage[rest] <= 600_000)
    ]
    for group, share, low, high in ((contractors, 0.02, 7, 8), (mid_wage, 0.015, 8, 8)):
        if len(group):
            chosen = rng.choice(group, size=max(1, round(share * len(group))), replace=False)
            forced[chosen] = rng.integers(low, high + 1, size=len(chosen))
    low_paid = np.flatnonzero(network.low_wage)
    if len(low_paid):
        half = max(min(2, len(low_paid)), len(low_paid) // 2)
        forced[rng.choice(low_paid, size=half, replace=False)] = 3
    return Roster(
        active_from=active_from.astype(np.int64),
        active_to=active_to,
        weight=weight,
        full_month=full_month,
        helper=full_month & ~occasional,
        occasional=occasional,
        forced_complaints=forced,
    )


def _dealer_names(rng: np.random.Generator, city: IntArray) -> tuple[list[str], list[str]]:
    trades = len(vocab.TRADE_NAMES) * len(vocab.DEALER_TRADES)
    combos = rng.choice(len(vocab.CITIES) * trades, size=len(city), replace=len(city) > trades)
    names: list[str] = []
    short: list[str] = []
    seen: set[str] = set()
    for dealer, (c, combo) in enumerate(zip(city, combos, strict=True)):
        trade = vocab.TRADE_NAMES[combo % len(vocab.TRADE_NAMES)]
        line = vocab.DEALER_TRADES[(combo // len(vocab.TRADE_NAMES)) % len(vocab.DEALER_TRADES)]
        form = vocab.DEALER_FORMS[int(rng.integers(len(vocab.DEALER_FORMS)))]
        name = f"{vocab.CITIES[c][0]}{trade}{line}{form}"
        if name in seen:
            name = f"{vocab.CITIES[c][0]}{trade}{line}第{dealer + 1}{form}"
        seen.add(name)
        names.append(name)
        short.append(trade)
    return names, short


def _team_names(
    rng: np.random.Generator, kinds: list[int], dealer_trade: str, dealer_city: int
) -> list[tuple[str, int]]:
    """(name, city) of each team of one dealer, unique within the dealer."""
    region = vocab.CITIES[dealer_city][1]
    same_region = [i for i, c in enumerate(vocab.CITIES) if c[1] == region]
    in_house = rng.permutation(len(vocab.IN_HOUSE_AREAS) * len(vocab.IN_HOUSE_FORMS))
    outsourced = rng.permutation(len(vocab.TRADE_NAMES) * len(vocab.OUTSOURCED_FORMS))
    result: list[tuple[str, int]] = []
    for i, kind in enumerate(kinds):
        city = dealer_city if rng.random() < 0.75 else int(rng.choice(same_region))
        city_name = vocab.CITIES[city][0]
        if kind == IN_HOUSE:
            combo = int(in_house[i % len(in_house)])
            area = vocab.IN_HOUSE_AREAS[combo % len(vocab.IN_HOUSE_AREAS)]
            form = vocab.IN_HOUSE_FORMS[combo // len(vocab.IN_HOUSE_AREAS)]
            name = f"{dealer_trade}{city_name}{area}{form}"
        else:
            combo = int(outsourced[i % len(outsourced)])
            trade = vocab.TRADE_NAMES[combo % len(vocab.TRADE_NAMES)]
            form = vocab.OUTSOURCED_FORMS[combo // len(vocab.TRADE_NAMES)]
            name = f"{city_name}{trade}{form}"
        if i >= len(in_house) or i >= len(outsourced):
            name = f"{name}{i + 1}"
        result.append((name, city))
    return result


def _wages(
    rng: np.random.Generator, employee: BoolArray, local_min: IntArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """Base monthly wage and local minimum wage in fen; contractors have neither."""
    n = len(employee)
    yuan = np.clip(rng.normal(5200.0, 1100.0, size=n), 3000.0, 8000.0)
    style = categorical(rng, (0.70, 0.18, 0.12), n)  # whole hundreds, whole tens, any fen
    base = np.select(
        [style == 0, style == 1],
        [np.round(yuan / 100.0) * 10_000, np.round(yuan / 10.0) * 1_000],
        np.round(yuan * 20.0) * 5,
    ).astype(np.int64)
    employees = np.flatnonzero(employee)
    low_count = max(min(2, len(employees)), round(0.06 * len(employees)))
    low_ids = rng.choice(employees, size=low_count, replace=False) if low_count else employees
    low_wage = np.zeros(n, dtype=np.bool_)
    low_wage[low_ids] = True
    base[low_ids] = local_min[low_ids] + rng.integers(15, 41, size=len(low_ids)) * 1_000
    others = np.flatnonzero(employee & ~low_wage)
    no_base = np.zeros(n, dtype=np.bool_)
    if len(others) >= 3:
        no_base[rng.choice(others, size=max(1, round(0.03 * len(others))), replace=False)] = True
    no_min = employee & ~low_wage & (rng.random(n) < 0.05)
    base = np.where(employee & ~no_base, base, NO_MONEY).astype(np.int64)
    minimum = np.where(employee & ~no_min, local_min, NO_MONEY).astype(np.int64)
    return base, minimum, low_wage


def _person_names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = np.asarray(vocab.SURNAMES)[rng.integers(len(vocab.SURNAMES), size=n)]
    chars = np.asarray(vocab.GIVEN_CHARS)
    first = chars[rng.integers(len(chars), size=n)]
    second = np.where(rng.random(n) < 0.7, chars[rng.integers(len(chars), size=n)], "")
    names: list[str] = np.char.add(np.char.add(surnames, first), second).tolist()
    return names
