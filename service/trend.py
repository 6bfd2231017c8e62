"""The trend report: a scored file (the output of `escalation score`) aggregated into an escalation index over time.

Per period, and per group with --by (an actor, a source or any column):

    period  [group]  documents  risk_mean  risk_p90  high_share  <one count per signal>

`risk_p90` is the 90th percentile of document risk, `high_share` the share of documents at high or critical level,
and each signal column counts the documents that flag it. Periods with no document appear with zero counts, so gaps
show in the plot. Rows with an error or without a usable date are left out and counted in the report.

Everything is polars expressions over `scan_*` of the scored file; only the aggregate (periods x groups) is
collected, so a scored file of any size fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from service.aggregate import LEVELS
from service.batch import DECIMALS
from service.errors import EscalationError
from service.formatnames import LIST_SEPARATOR, SEPARATORS, format_of
from service.signals import SIGNAL_NAMES, SIGNALS_BY_NAME
from service.trend_options import ACTOR, frequency, period_days

HIGH_LEVELS = ("high", "critical")
RISK_QUANTILE = 0.9  # "high-percentile risk": one document in ten is at least this risky in the period
PERIOD = "period"
GROUP = "group"
TOP_GROUPS_PLOTTED = 8  # more lines than this make the top panel unreadable


@dataclass(frozen=True)
class TrendReport:
    frame: pl.DataFrame  # the table written: per period, or per period and group with --by
    overall: pl.DataFrame  # per period over all documents (the same as `frame` without --by)
    rows: int  # rows in the scored file
    errors: int  # rows with an error, left out
    undated: int  # scored rows without a usable date, left out
    by: str | None
    freq: str

    def summary(self) -> str:
        periods = self.overall.height
        used = self.rows - self.errors - self.undated
        return (
            f"trend: {used} documents in {periods} periods of {self.freq}"
            f" ({self.errors} with an error, {self.undated} without a date left out)"
        )


def scan_scored(path: Path) -> pl.LazyFrame:
    try:
        kind = format_of(str(path))
    except ValueError as exc:
        raise EscalationError(str(exc)) from None
    if not path.is_file():
        raise EscalationError(f"{path}: no such file")
    if kind == "parquet":
        return pl.scan_parquet(path)
    if kind == "jsonl":
        return pl.scan_ndjson(path, infer_schema_length=None)
    return pl.scan_csv(path, separator=SEPARATORS[kind], infer_schema=False)


def _as_list(name: str, dtype: pl.DataType) -> pl.Expr:
    """A list column as read back: native in Parquet/JSONL, LIST_SEPARATOR-joined text in CSV/TSV."""
    column = pl.col(name)
    if isinstance(dtype, pl.List):
        return column.cast(pl.List(pl.String))
    text = column.cast(pl.String)
    return pl.when(text.is_null() | (text == "")).then(pl.lit([], pl.List(pl.String))).otherwise(
        text.str.split(LIST_SEPARATOR)
    )


def _as_datetime(name: str, dtype: pl.DataType) -> pl.Expr:
    """Dates and datetimes as naive datetimes; text parsed as ISO dates or datetimes (UTC when zoned)."""
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return column.dt.replace_time_zone(None) if dtype.time_zone is None else column.dt.convert_time_zone(
            "UTC"
        ).dt.replace_time_zone(None)
    if isinstance(dtype, pl.Date):
        return column.cast(pl.Datetime("us"))
    text = column.cast(pl.String).str.strip_chars()
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", strict=False, time_unit="us", time_zone="UTC")
        .dt.replace_time_zone(None),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%#z", strict=False, time_unit="us", time_zone="UTC")
        .dt.replace_time_zone(None),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us"),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
        text.str.to_datetime("%Y-%m-%dT%H:%M", strict=False, time_unit="us"),
        text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def trend(path: Path, date_col: str, by: str | None = None, freq: str = "1d") -> TrendReport:
    """Aggregate a scored file into the escalation index per period (and per `by` group)."""
    frequency(freq)
    scored = scan_scored(path)
    try:
        schema = scored.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise EscalationError(f"{path}: cannot read: {exc}") from None
    group_column = "actors" if by == ACTOR else by
    if by in (PERIOD, GROUP, "documents", "risk_mean", "risk_p90", "high_share", *SIGNAL_NAMES):
        raise EscalationError(f"--by {by}: the trend table already has a column of that name")
    required = {date_col: "--date-col", "risk": "a scored file", "level": "a scored file", "signals": "a scored file"}
    if group_column is not None:
        required[group_column] = "--by"
    for name, why in required.items():
        if name not in schema:
            names = ", ".join(schema.names()) or "(none)"
            raise EscalationError(f"{path}: no column {name!r} (needed by {why}); the columns are: {names}")

    failed = pl.col("error").is_not_null() if "error" in schema else pl.lit(False)
    rows = scored.select(
        failed.alias("failed"),
        _as_datetime(date_col, schema[date_col]).alias("when"),
        pl.col("risk").cast(pl.Float64, strict=False).alias("risk"),
        pl.col("level").cast(pl.String).alias("level"),
        _as_list("signals", schema["signals"]).alias("signals"),
        *([] if group_column is None else [_group(group_column, schema[group_column], by)]),
    )
    counts = rows.select(
        pl.len().alias("rows"),
        pl.col("failed").sum().alias("errors"),
        (~pl.col("failed") & pl.col("when").is_null()).sum().alias("undated"),
    )
    usable = rows.filter(~pl.col("failed") & pl.col("when").is_not_null()).with_columns(
        pl.col("when").dt.truncate(freq).alias(PERIOD)
    )
    plans = [_aggregate(usable, [PERIOD]), counts]
    if group_column is not None:
        members = usable.explode(GROUP) if by == ACTOR else usable
        members = members.filter(pl.col(GROUP).is_not_null() & (pl.col(GROUP) != ""))
        plans.append(_aggregate(members, [PERIOD, GROUP]))
    try:
        overall, totals, *grouped = pl.collect_all(plans)
    except pl.exceptions.PolarsError as exc:
        raise EscalationError(f"{path}: cannot aggregate: {exc}") from None
    overall = _fill_periods(overall, freq, grouped=False)
    frame = _fill_periods(grouped[0], freq, grouped=True).rename({GROUP: str(by)}) if grouped else overall
    return TrendReport(
        frame=frame,
        overall=overall,
        rows=int(totals["rows"][0]),
        errors=int(totals["errors"][0]),
        undated=int(totals["undated"][0]),
        by=by,
        freq=freq,
    )


def _aggregate(rows: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    return rows.group_by(keys).agg(
        pl.len().alias("documents"),
        pl.col("risk").mean().alias("risk_mean"),
        pl.col("risk").quantile(RISK_QUANTILE, "linear").alias("risk_p90"),
        pl.col("level").is_in(HIGH_LEVELS).mean().alias("high_share"),
        *(pl.col("signals").list.contains(name).sum().alias(name) for name in SIGNAL_NAMES),
    )


def _group(column: str, dtype: pl.DataType, by: str | None) -> pl.Expr:
    if by == ACTOR:
        return _as_list(column, dtype).alias(GROUP)
    return pl.col(column).cast(pl.String).fill_null("(none)").alias(GROUP)


def _fill_periods(frame: pl.DataFrame, freq: str, grouped: bool) -> pl.DataFrame:
    """Every period from the first to the last (for every group), empty ones with zero counts; sorted."""
    counts = ["documents", *SIGNAL_NAMES]
    if frame.height:
        first, last = frame[PERIOD].min(), frame[PERIOD].max()
        assert isinstance(first, datetime) and isinstance(last, datetime)
        periods = pl.DataFrame({PERIOD: pl.datetime_range(first, last, freq, eager=True, time_unit="us")})
        periods = periods.with_columns(pl.col(PERIOD).dt.truncate(freq)).unique(PERIOD)
        grid = periods.join(frame.select(GROUP).unique(), how="cross") if grouped else periods
        frame = grid.join(frame, on=[PERIOD, GROUP] if grouped else [PERIOD], how="left")
        frame = frame.with_columns(pl.col(counts).fill_null(0))
    keys = [PERIOD, GROUP] if grouped else [PERIOD]
    columns = [*keys, "documents", "risk_mean", "risk_p90", "high_share", *SIGNAL_NAMES]
    frame = frame.select(columns).with_columns(
        pl.col(counts).cast(pl.Int64), pl.col("risk_mean", "risk_p90", "high_share").round(DECIMALS)
    ).sort(keys[::-1])
    if period_days(freq) >= 1:  # whole days: a date reads better than a midnight timestamp
        frame = frame.with_columns(pl.col(PERIOD).dt.date())
    return frame


# Plot -------------------------------------------------------------------------------------------------------------

_LEVEL_COLOURS = {"elevated": "#fff8e1", "high": "#ffecd6", "critical": "#fde4e4"}
_ESCALATORY_COLOURS = ("#7f0000", "#c62828", "#ef5350", "#ff8a65", "#ffb74d", "#ffe082")
_CALMING_COLOURS = ("#0d47a1", "#42a5f5", "#80cbc4")


def plot_trend(report: TrendReport, path: Path, title: str) -> None:
    """Two panels over time: the index (risk and the high/critical share) and the signal counts per period.

    With --by, the index panel has one mean-risk line per group (the largest groups) over the overall mean; the
    signal panel always counts documents once, over all groups.
    """
    from matplotlib.figure import Figure  # imported here: only --plot pays for matplotlib

    overall = report.overall
    figure = Figure(figsize=(12, 7.5), layout="constrained")
    index_axes, signal_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    figure.suptitle(title, fontsize=13, fontweight="bold")
    width = period_days(report.freq) * 0.8
    when = _dates(overall)

    upper = 1.0
    for cut, name in LEVELS:  # highest first
        if name in _LEVEL_COLOURS:
            index_axes.axhspan(cut, upper, color=_LEVEL_COLOURS[name], zorder=0, linewidth=0)
            index_axes.text(0.005, upper - 0.01, name, transform=index_axes.get_yaxis_transform(), va="top",
                            fontsize=8, color="#8d6e63")
        upper = cut
    index_axes.bar(when, _values(overall["high_share"]), width, color="#78909c", alpha=0.35,
                   label="share of documents high or critical", zorder=1)
    if report.by is None:
        index_axes.plot(when, _values(overall["risk_mean"]), color="#b71c1c", linewidth=2.2, marker="o",
                        markersize=3.5, label="mean risk", zorder=3)
        index_axes.plot(when, _values(overall["risk_p90"]), color="#e57373", linewidth=1.4, linestyle="--",
                        label=f"p{round(RISK_QUANTILE * 100)} risk", zorder=3)
    else:
        index_axes.plot(when, _values(overall["risk_mean"]), color="#212121", linewidth=2.6, label="all documents",
                        zorder=4)
        frame, column = report.frame, report.by
        ranked = frame.group_by(column).agg(pl.col("documents").sum()).sort(
            ["documents", column], descending=[True, False]
        )
        for name in ranked[column].head(TOP_GROUPS_PLOTTED).to_list():
            part = frame.filter(pl.col(column) == name)
            index_axes.plot(_dates(part), _values(part["risk_mean"]), linewidth=1.3, marker="o", markersize=2.5,
                            alpha=0.9, label=str(name), zorder=3)
        if ranked.height > TOP_GROUPS_PLOTTED:
            index_axes.plot([], [], " ", label=f"(top {TOP_GROUPS_PLOTTED} of {ranked.height} by documents)")
    index_axes.set_ylim(0, 1.03)  # a little headroom, so a p90 at 1.0 stays visible
    index_axes.set_ylabel("risk (0-1)  /  share")
    index_axes.grid(axis="y", alpha=0.3)
    index_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
                      title=f"mean risk by {report.by}" if report.by else None, title_fontsize=8)

    escalatory = [s for s in SIGNAL_NAMES if SIGNALS_BY_NAME[s].polarity == "escalatory"]
    calming = [s for s in SIGNAL_NAMES if SIGNALS_BY_NAME[s].polarity == "deescalatory"]
    for names, colours, sign in ((escalatory, _ESCALATORY_COLOURS, 1.0), (calming, _CALMING_COLOURS, -1.0)):
        base = [0.0] * overall.height
        for name, colour in zip(names, colours, strict=False):
            values = [sign * value for value in _values(overall[name])]
            signal_axes.bar(when, values, width, bottom=base, color=colour, label=name.replace("_", " "))
            base = [b + v for b, v in zip(base, values, strict=True)]
    signal_axes.axhline(0, color="#333333", linewidth=0.8)
    signal_axes.set_ylabel("documents flagging\n(escalatory up, de-escalatory down)", fontsize=9)
    signal_axes.yaxis.set_major_formatter(lambda value, _: f"{abs(value):g}")
    signal_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    signal_axes.grid(axis="y", alpha=0.3)
    _date_axis(signal_axes)
    figure.savefig(path, dpi=130)


def _date_axis(axes: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=12)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _dates(frame: pl.DataFrame) -> list[datetime | date]:
    return frame[PERIOD].to_list()


def _values(column: pl.Series) -> list[float]:
    """Plot values: a period without documents has no risk; draw it as a gap (NaN), counts as zero."""
    return [float("nan") if value is None else float(value) for value in column.to_list()]
