"""jobs.installer_ids: who did a job and with which exact share.

A cell names one installer, or several separated by ``;`` (also ``；``, spaces around ignored),
each optionally with a share: ``I001:0.6;I002:0.4`` (also ``：``). Shares are given for all or
none; without shares they are equal. Given shares are decimals > 0 that add up to exactly 1.

The result is exact: one row per (job, installer) with ``share_num / share_den`` and one common
denominator per job — ``1/n`` each for equal shares, ``10^k`` for decimal shares with at most
``k`` decimals (trailing zeros do not count, so ``0.50`` and ``0.5`` give the same fraction).

Everything is a per-row expression over the list of pieces of the cell, so it runs inside the
one validation pass. A share is first scaled to millionths (``MAX_DECIMALS``), which needs no
knowledge of the other shares of the job, so that "adds up to exactly 1" is an integer
comparison; the common denominator ``10^k`` is applied when the rows are exploded. Most jobs
have one installer and no share: their pieces are never built (the list expressions see null).
"""

from __future__ import annotations

import polars as pl

from scoring.entities import JOB_INSTALLERS_SCHEMA
from scoring.ingest.columns import work_column
from scoring.ingest.conversion import Check, Conversion

#: Share decimals beyond this are refused (the scaled shares must stay exact Int64).
MAX_DECIMALS = 6
_SCALE = 10**MAX_DECIMALS

EMPTY_ID = "师傅工号为空 / an installer id is empty"
BAD_SHARE = (
    f"份额须为大于0、最多{MAX_DECIMALS}位小数的数,如 I001:0.6;I002:0.4 / "
    f"a share must be a decimal > 0 with at most {MAX_DECIMALS} decimals, "
    "e.g. I001:0.6;I002:0.4"
)
MIXED = "份额须全部给出或全部省略 / give a share for every installer of the job or for none"
NOT_ONE = "份额合计须恰好为1 / the shares must add up to exactly 1"
DUPLICATE = "同一工单中师傅工号重复 / an installer appears twice in the job: "

_PART = pl.Schema(
    [
        ("job_id", pl.String()),
        ("installer_id", pl.String()),
        ("share_num", pl.Int64()),
        ("share_den", pl.Int64()),
        ("_row", pl.Int64()),
    ]
)
_SHARE = r"^(?:[0-9]{1,3}(?:\.[0-9]*)?|\.[0-9]+)$"

#: A cell that is its own canonical text: trimmed pieces, no empty one, shares without a
#: leading or trailing zero (what ``_canonical_piece`` would rewrite).
_CANONICAL_PIECE = r"[^;:\s]+(?::(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?)?"
_CANONICAL = rf"^{_CANONICAL_PIECE}(?:;{_CANONICAL_PIECE})*$"

_ELEMENT = pl.element()
_ID_OF_PIECE = _ELEMENT.str.replace(r":.*$", "").str.strip_chars()
_SHARE_OF_PIECE = (
    pl.when(_ELEMENT.str.contains(":", literal=True))
    .then(_ELEMENT.str.replace(r"^[^:]*:", "").str.strip_chars())
    .otherwise(None)
)


def _whole(share: pl.Expr) -> pl.Expr:
    return share.str.extract(r"^([0-9]*)", 1).str.strip_chars_start("0")


def _fraction(share: pl.Expr) -> pl.Expr:
    """The decimals of a share without trailing zeros ("" when none)."""
    return share.str.extract(r"\.([0-9]*)$", 1).fill_null("").str.strip_chars_end("0")


def _scaled(share: pl.Expr) -> pl.Expr:
    """A valid share in millionths, exactly (null without a share)."""
    whole = _whole(share).str.to_integer(strict=False).fill_null(0)
    millionths = _fraction(share).str.pad_end(MAX_DECIMALS, "0").str.to_integer(strict=False)
    return pl.when(share.is_not_null()).then(whole * _SCALE + millionths.fill_null(0))


def _canonical_piece(piece: pl.Expr) -> pl.Expr:
    """``I001:0.6`` or ``I001`` from a valid piece such as ``I001 : 00.60``.

    Plain string rewrites (fast inside ``list.eval``); they touch only the text after the
    colon, so an id is never changed.
    """
    return (
        piece.str.replace(r"\s*:\s*", ":")
        .str.replace(r":0+([0-9])", ":${1}")
        .str.replace(r":\.", ":0.")
        .str.replace(r"(:[0-9]*\.[0-9]*?)0+$", "${1}")
        .str.replace(r"(:[0-9]*)\.$", "${1}")
    )


def shares_conversion(field: str, text: pl.Expr, output: str) -> Conversion:
    """Checks and working columns of the installer_ids cell; ``output`` gets the canonical text.

    Working columns kept for :func:`job_installers`: ``simple`` (one id, no share: the text is
    the id), the ids (list) of the other cells, the shares in millionths (list, null for a cell
    without any ``:``) and the number of decimals ``k``.

    Only the cells with several installers (about one in six) are split, and only those with
    a ``:`` (fewer still) go through the share expressions; the others are null for them.
    """
    normal = work_column(field, "normal")
    simple = work_column(field, "simple")
    pieces = work_column(field, "pieces")
    shared = work_column(field, "shared")
    ids = work_column(field, "ids")
    shares = work_column(field, "shares")
    scaled = work_column(field, "scaled")
    k = work_column(field, "k")
    n_shares = work_column(field, "n_shares")
    bad_share = work_column(field, "bad_share")
    non_positive = work_column(field, "non_positive")
    total = work_column(field, "total")
    n = pl.col(ids).list.len()

    bad_share_piece = _ELEMENT.is_not_null() & (
        ~_ELEMENT.str.contains(_SHARE) | (_fraction(_ELEMENT).str.len_chars() > MAX_DECIMALS)
    )
    all_shares = (pl.col(n_shares) == n) & (n > 0)
    # The list of repeated ids is only built for the reason, on the rows that have one.
    repeated = pl.col(ids).list.n_unique() < n
    duplicates = pl.col(ids).list.eval(
        _ELEMENT.filter(_ELEMENT.is_duplicated() & (_ELEMENT != "")).unique(maintain_order=True)
    )
    # A cell already in canonical form is its own canonical text; a piece without ":" is too
    # (every rewrite needs a ":"). Only the other cells with shares are rewritten.
    rewrite = pl.col(output).is_null()
    canonical = pl.col(output).fill_null(
        pl.coalesce(
            pl.when(rewrite).then(pl.col(shared)).list.eval(_canonical_piece(_ELEMENT)),
            pl.when(rewrite).then(pl.col(pieces)),
        ).list.join(";")
    )
    not_simple = ~pl.col(simple)
    return Conversion(
        steps=(
            {simple: ~text.str.contains(r"[;:；：]")},
            # Null for the simple cells: nothing below is computed for them.
            {normal: pl.when(not_simple).then(text).str.replace_many(["；", "："], [";", ":"])},
            {
                pieces: pl.col(normal)
                .str.split(";")
                .list.eval(_ELEMENT.str.strip_chars())
                .list.filter(_ELEMENT.str.len_bytes() > 0)
            },
            {
                shared: pl.when(pl.col(normal).str.contains(":", literal=True)).then(
                    pl.col(pieces)
                ),
                output: pl.when(pl.col(simple))
                .then(text)
                .when(pl.col(normal).str.contains(_CANONICAL))
                .then(pl.col(normal)),
            },
            {
                # Without ":" a piece is its id (pieces are trimmed already).
                ids: pl.coalesce(pl.col(shared).list.eval(_ID_OF_PIECE), pl.col(pieces)),
                shares: pl.col(shared).list.eval(_SHARE_OF_PIECE),
            },
            {
                scaled: pl.col(shares).list.eval(_scaled(_ELEMENT)),
                k: pl.col(shares).list.eval(_fraction(_ELEMENT).str.len_chars()).list.max(),
                n_shares: pl.col(shares)
                .list.eval(_ELEMENT.is_not_null().sum())
                .list.first()
                .fill_null(0),
                bad_share: pl.col(shares).list.eval(bad_share_piece).list.any().fill_null(False),
                output: canonical,
            },
            {
                non_positive: all_shares
                & ~pl.col(bad_share)
                & pl.col(scaled).list.eval(_ELEMENT <= 0).list.any(),
                total: pl.col(scaled).list.eval(_ELEMENT.sum()).list.first(),
            },
        ),
        checks=(
            Check(
                field,
                not_simple & ((n == 0) | pl.col(ids).list.eval(_ELEMENT == "").list.any()),
                EMPTY_ID,
            ),
            Check(field, not_simple & (pl.col(bad_share) | pl.col(non_positive)), BAD_SHARE),
            Check(field, not_simple & (pl.col(n_shares) > 0) & (pl.col(n_shares) < n), MIXED),
            Check(
                field,
                not_simple
                & all_shares
                & ~pl.col(bad_share)
                & ~pl.col(non_positive)
                & (pl.col(total) != _SCALE),
                NOT_ONE,
            ),
            Check(
                field,
                not_simple & repeated,
                pl.lit(DUPLICATE) + duplicates.list.join(", "),
            ),
        ),
        keep=(simple, ids, scaled, k),
    )


def job_installers(valid: pl.LazyFrame, *, field: str, output: str, job_id: str) -> pl.DataFrame:
    """One row per (job, installer) of the valid rows, with an exact common-denominator share.

    ``output``: the typed column of the field (the canonical text; the id of a simple cell).
    """
    simple = work_column(field, "simple")
    ids = work_column(field, "ids")
    scaled = work_column(field, "scaled")
    k = work_column(field, "k")
    one = valid.filter(pl.col(simple)).select(
        pl.col(job_id).alias("job_id"),
        pl.col(output).alias("installer_id"),
        pl.lit(1, pl.Int64).alias("share_num"),
        pl.lit(1, pl.Int64).alias("share_den"),
        pl.col("_row").cast(pl.Int64),
    )
    several = valid.filter(~pl.col(simple))
    # Equal shares: no ":" in the cell (a valid cell has a share for all or for none).
    equal = (
        several.filter(pl.col(scaled).is_null())
        .select(
            pl.col(job_id).alias("job_id"),
            pl.col(ids).alias("installer_id"),
            pl.lit(1, pl.Int64).alias("share_num"),
            pl.col(ids).list.len().cast(pl.Int64).alias("share_den"),
            pl.col("_row").cast(pl.Int64),
        )
        .explode("installer_id")
    )
    given = (
        several.filter(pl.col(scaled).is_not_null())
        .select(
            pl.col(job_id).alias("job_id"),
            pl.col(ids).alias("installer_id"),
            pl.col(scaled).alias("scaled"),
            pl.col(k).cast(pl.Int64).alias("k"),
            pl.col("_row").cast(pl.Int64),
        )
        .explode("installer_id", "scaled")
        .select(
            "job_id",
            "installer_id",
            (pl.col("scaled") // pl.lit(10, pl.Int64).pow(MAX_DECIMALS - pl.col("k"))).alias(
                "share_num"
            ),
            pl.lit(10, pl.Int64).pow(pl.col("k")).alias("share_den"),
            "_row",
        )
    )
    together = pl.concat([one, equal.cast(_PART), given.cast(_PART)])
    return (
        together.sort("_row", maintain_order=True)
        .select(*(pl.col(name).cast(dtype) for name, dtype in JOB_INSTALLERS_SCHEMA.items()))
        .collect()
    )
