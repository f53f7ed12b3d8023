"""What the usage page shows: credits per day per member, totals per model, caps.

Every number is a SQL aggregate over the ledger (`TruncDate`, `Sum`); Python only lays the
few aggregated rows (days × members) out as an SVG bar chart. Days are UTC dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone

from studio.credits import budgets, ledger
from studio.credits.models import Kind
from studio.generation.models import Model
from studio.generation.titles import lab_title
from studio.teams.access import Workspace
from studio.teams.models import Membership

DAYS = 30
# Okabe–Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000")

# Chart geometry, in SVG user units (the SVG scales to the page width).
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26


@dataclass
class Series:
    """One member's bars: `user_id` None for a deleted account."""

    user_id: int | None
    label: str
    color: str
    total: int = 0


@dataclass
class Segment:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass
class Chart:
    days: list[date]
    series: list[Series]
    # rows[i][j]: credits of series j on days[i] (net of refunds; may be negative)
    rows: list[list[int]]
    segments: list[Segment] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, credits)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, "21 Nov")
    baseline: float = 0.0
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def total(self) -> int:
        return sum(series.total for series in self.series)

    @property
    def table(self) -> list[tuple[date, list[int], int]]:
        """(day, credits per series, day total) for the table under the chart."""
        return [(day, row, sum(row)) for day, row in zip(self.days, self.rows, strict=True)]


@dataclass
class ModelTotal:
    model: str
    label: str
    month: int = 0
    month_jobs: int = 0
    recent: int = 0  # the last DAYS days
    recent_jobs: int = 0


def period(today: date | None = None) -> tuple[list[date], datetime]:
    """The last DAYS UTC dates ending today, and the instant the first one starts."""
    today = today or timezone.now().astimezone(UTC).date()
    days = [today - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]
    return days, datetime(days[0].year, days[0].month, days[0].day, tzinfo=UTC)


def _entries(workspace: Workspace, user):
    if workspace.team is None:
        return ledger.entries(None, user)
    return ledger.entries(workspace.team)


def daily_chart(workspace: Workspace, user, today: date | None = None) -> Chart:
    """Credits per day per member over the last DAYS days, laid out as stacked bars.

    One query: `TruncDate` + `Sum` grouped by day and user. Members with no spending still
    get a legend entry in a team (every current member), so the legend is the roster.
    """
    days, start = period(today)
    grouped = (
        _entries(workspace, user)
        .filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "user_id", "user__username")
        .annotate(credits=Sum("credits"))
        .order_by()
    )
    names: dict[int | None, str] = {}
    if workspace.team is not None:
        members = Membership.objects.filter(team=workspace.team).values_list(
            "user_id", "user__username"
        )
        names.update(members)
    else:
        names[user.pk] = user.get_username()
    amounts: dict[tuple[date, int | None], int] = {}
    for row in grouped:
        amounts[(row["day"], row["user_id"])] = row["credits"] or 0
        if row["user_id"] not in names:
            names[row["user_id"]] = row["user__username"] or "deleted account"
    ordered = sorted(names.items(), key=lambda item: (item[0] is None, item[1].lower()))
    series = [
        Series(user_id=user_id, label=label, color=PALETTE[n % len(PALETTE)])
        for n, (user_id, label) in enumerate(ordered)
    ]
    rows = [[amounts.get((day, s.user_id), 0) for s in series] for day in days]
    for j, s in enumerate(series):
        s.total = sum(row[j] for row in rows)
    chart = Chart(days=days, series=series, rows=rows)
    _lay_out(chart)
    return chart


def _lay_out(chart: Chart) -> None:
    """Stack each day's positive amounts up from the baseline and its negative ones (a
    refund booked on a later day than its charge) down from it."""
    highest = max((sum(v for v in row if v > 0) for row in chart.rows), default=0)
    lowest = max((-sum(v for v in row if v < 0) for row in chart.rows), default=0)
    span = max(1, highest + lowest)
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / span
    chart.baseline = TOP + highest * scale
    step = (WIDTH - LEFT - RIGHT) / len(chart.days)
    bar = step * 0.72
    for i, (day, row) in enumerate(zip(chart.days, chart.rows, strict=True)):
        x = LEFT + i * step + (step - bar) / 2
        up, down = chart.baseline, chart.baseline
        for series, credits in zip(chart.series, row, strict=True):
            if credits == 0:
                continue
            height = abs(credits) * scale
            if credits > 0:
                up -= height
                y = up
            else:
                y = down
                down += height
            title = f"{series.label}, {day.day} {day:%b}: {credits} credits"
            chart.segments.append(Segment(x, y, bar, height, series.color, title))
        if i % 5 == 0 or i == len(chart.days) - 1:
            chart.labels.append((LEFT + i * step + step / 2, f"{day.day} {day:%b}"))
    for value in sorted({0, highest, -lowest}):
        chart.ticks.append((chart.baseline - value * scale, value))


def _by_model(rows):
    """Ledger rows grouped by model; ImagineLab's by its generation type and model name
    too (an entry whose generation was deleted keeps only the provider)."""
    lab = Q(model=Model.IMAGINELAB)
    return rows.annotate(
        lab_action=Case(When(lab, then=F("generation__action")), default=Value("")),
        lab_model=Case(
            When(lab, then=KeyTextTransform("model_name", "generation__request_body")),
            default=Value(""),
            output_field=CharField(),
        ),
    ).values("model", "lab_action", "lab_model")


def _row_key(row: dict) -> tuple[str, str]:
    """(the table's key, its label): "midjourney" / "Midjourney", or for ImagineLab
    "imaginelab:video:kinetic-2" / "ImagineLab · Video · kinetic-2"."""
    model = row["model"]
    label = Model(model).label if model in Model.values else model
    if model != Model.IMAGINELAB or not row["lab_action"]:
        return model, label
    name = row["lab_model"] or ""
    return (
        f"{model}:{row['lab_action']}:{name}",
        f"{label} · {lab_title(row['lab_action'], name)}",
    )


def model_totals(workspace: Workspace, user, today: date | None = None) -> list[ModelTotal]:
    """Net credits and jobs per model (ImagineLab per generation type and model) this
    calendar month and over the last DAYS days, most spent first. Two grouped queries."""
    _days, start = period(today)
    month = ledger.month_start()
    jobs = Count("pk", filter=Q(kind=Kind.CHARGE))
    totals: dict[str, ModelTotal] = {}

    def total_for(row: dict) -> ModelTotal:
        key, label = _row_key(row)
        if key not in totals:
            totals[key] = ModelTotal(model=key, label=label)
        return totals[key]

    rows = _entries(workspace, user)
    for row in (
        _by_model(rows.filter(created_at__gte=month))
        .annotate(credits=Sum("credits"), jobs=jobs)
        .order_by()
    ):
        found = total_for(row)
        found.month += row["credits"] or 0
        found.month_jobs += row["jobs"]
    for row in (
        _by_model(rows.filter(created_at__gte=start))
        .annotate(credits=Sum("credits"), jobs=jobs)
        .order_by()
    ):
        found = total_for(row)
        found.recent += row["credits"] or 0
        found.recent_jobs += row["jobs"]
    return sorted(totals.values(), key=lambda t: (-t.month, -t.recent, t.label))


@dataclass
class Caps:
    """The caps that apply in a workspace and this month's spend against them."""

    personal_spent: int | None = None  # personal workspace: no cap, only the spend
    team: budgets.Budget | None = None
    member: budgets.Budget | None = None


def caps(workspace: Workspace, user) -> Caps:
    if workspace.team is None:
        return Caps(personal_spent=ledger.spent(None, user))
    membership = Membership.objects.select_related("team").get(team=workspace.team, user=user)
    return Caps(team=budgets.team_budget(membership.team), member=budgets.member_budget(membership))
