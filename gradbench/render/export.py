"""Rows written to CSV and JSON (with pandas), each beside its metadata: compare's measurements, train's
history and accuracy's points."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..io.files import STDOUT, meta_path, write_json, write_text
from ..measure.records import JSON_ONLY, Measurement, frame
from ..measure.stats import DESCRIPTION

if TYPE_CHECKING:
    from ..studies.accuracy import Point
    from ..studies.train import TrainResult


def write_rows(rows: list[Measurement], meta: dict[str, Any], csv: str | None, json_path: str | None) -> None:
    """The rows to --csv (with PATH.meta.json) and --json, where asked for, with what their intervals are."""
    meta = {**meta, "intervals": DESCRIPTION}
    if csv:
        write_rows_csv(rows, meta, csv)
    if json_path:
        write_rows_json(rows, meta, json_path)


def write_rows_csv(rows: list[Measurement], meta: dict[str, Any], path: str) -> None:
    """Rows as CSV; the metadata beside it in PATH.meta.json (stdout gets the rows only)."""
    write_text(path, frame(rows).to_csv(index=False, na_rep="nan"))
    if path != STDOUT:
        write_json(meta_path(path), meta)


def write_rows_json(rows: list[Measurement], meta: dict[str, Any], path: str) -> None:
    """{"metadata": {...}, "rows": [...]}: each row's summary, then its rounds (the CSV has the summary only)."""
    records = json.loads(frame(rows).to_json(orient="records", double_precision=15))
    for record, r in zip(records, rows):
        record.update({name: list(getattr(r, name)) for name in JSON_ONLY})
    write_json(path, {"metadata": meta, "rows": records})


def write_history(result: TrainResult, meta: dict[str, Any], csv: str | None, json_path: str | None) -> None:
    """The per-epoch curve as CSV (totals and metadata beside it) and everything as JSON."""
    import pandas as pd

    curve = pd.DataFrame([vars(e) for e in result.history])
    doc = {"metadata": meta, "spec": result.spec.as_dict(), "totals": result.totals()}
    if csv:
        write_text(csv, curve.to_csv(index=False))
        if csv != STDOUT:
            write_json(meta_path(csv), doc)
    if json_path:
        doc["history"] = json.loads(curve.to_json(orient="records", double_precision=15))
        write_json(json_path, doc)


def write_points(points: list[Point], path: str | None, meta: dict[str, Any]) -> None:
    """The V-curves' points as CSV ('-': stdout), the model and the run's conditions in PATH.meta.json."""
    import pandas as pd

    if path:
        write_text(path, pd.DataFrame([vars(p) for p in points]).to_csv(index=False, na_rep="nan"))
        if path != STDOUT:
            write_json(meta_path(path), meta)
