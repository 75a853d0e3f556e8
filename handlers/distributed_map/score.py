"""The per-company scoring function of post 002#20 (CyberGRX): run the predictive model on a batch of companies.

The Distributed Map reads the uploaded CSV (one company per row, header in the first row) and starts one child
workflow per company, whose task invokes this function with the row and the input file's key (``ItemSelector``)::

    {"company": {"company_id": "c-000001", "industry": "finance", "employees": "1200",
                 "controls_implemented": "80", "controls_total": "100", "breaches_last_3y": "0"},
     "inputKey": "input/companies.csv"}

and it returns the company's prediction, which the Map's ``ResultWriter`` writes to S3 with the others::

    {"companyId": "c-000001", "probability": 0.9423, "tier": "low-risk", "modelVersion": "2023-03-demo",
     "inputKey": "input/companies.csv"}

Every company is independent of the others (the post: "every company calculation is independent"), so the model is
a pure function of one row. The post's model is CyberGRX's own and out of scope; this one is a logistic model whose
coefficients ship in the image as ``model.json`` (read once at start-up: no network at import). A row the model
cannot score raises ``InvalidCompanyRecord`` naming the company, the column, its value and what is allowed: the
child workflow fails (it is not retried: only Lambda's transient errors are) and counts towards the Map's tolerated
failures; the ResultWriter's FAILED results name the company.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from company_observability import instrumented, logger

MODEL_PATH = Path(__file__).with_name("model.json")
COLUMNS = ("company_id", "industry", "employees", "controls_implemented", "controls_total", "breaches_last_3y")


class InvalidCompanyRecord(ValueError):
    """A row of the input file that the model cannot score."""


@dataclass(frozen=True)
class Tier:
    below: float
    name: str


@dataclass(frozen=True)
class Model:
    """The logistic model: ``probability = sigmoid(intercept + sum(coefficient * feature) + industry offset)``."""

    version: str
    intercept: float
    coefficients: Mapping[str, float]
    industry_offsets: Mapping[str, float]
    tiers: Sequence[Tier]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        document = json.loads(path.read_text(encoding="utf-8"))
        return cls(version=document["version"], intercept=float(document["intercept"]),
                   coefficients={k: float(v) for k, v in document["coefficients"].items()},
                   industry_offsets={k: float(v) for k, v in document["industry_offsets"].items()},
                   tiers=tuple(Tier(float(t["below"]), t["tier"]) for t in document["tiers"]))

    def features(self, row: Mapping[str, Any]) -> dict[str, float]:
        """The model's features of one CSV row (all values arrive as strings); raises InvalidCompanyRecord."""
        company = row.get("company_id") or "(no company_id)"
        missing = [column for column in COLUMNS if row.get(column) in (None, "")]
        if missing:
            raise InvalidCompanyRecord(f"company {company!r}: missing column(s) {', '.join(missing)}; "
                                       f"every row needs {', '.join(COLUMNS)}")
        industry = row["industry"].strip().lower()
        if industry not in self.industry_offsets:
            raise InvalidCompanyRecord(f"company {company!r}: industry {row['industry']!r} is not one the model "
                                       f"knows; allowed: {', '.join(sorted(self.industry_offsets))}")
        employees = _count(company, row, "employees", minimum=1)
        implemented = _count(company, row, "controls_implemented", minimum=0)
        total = _count(company, row, "controls_total", minimum=1)
        if implemented > total:
            raise InvalidCompanyRecord(f"company {company!r}: controls_implemented {implemented} exceeds "
                                       f"controls_total {total}")
        return {"control_coverage": implemented / total, "log_employees": math.log10(employees),
                "breaches_last_3y": float(_count(company, row, "breaches_last_3y", minimum=0))}

    def score(self, row: Mapping[str, Any]) -> dict[str, Any]:
        features = self.features(row)
        industry = row["industry"].strip().lower()
        logit = self.intercept + self.industry_offsets[industry] + sum(
            self.coefficients[name] * value for name, value in features.items())
        probability = 1.0 / (1.0 + math.exp(-logit))
        tier = next(t.name for t in self.tiers if probability < t.below)
        return {"companyId": row["company_id"], "probability": round(probability, 4), "tier": tier}


def _count(company: str, row: Mapping[str, Any], column: str, minimum: int) -> int:
    raw = str(row[column]).strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise InvalidCompanyRecord(f"company {company!r}: {column} {row[column]!r} must be a whole number "
                                   f">= {minimum}")
    return int(raw)


MODEL = Model.load()  # a file in the image, read once per execution environment


def score_company(event: Mapping[str, Any], model: Model = MODEL) -> dict[str, Any]:
    """The prediction for one child workflow's company (see the module docstring)."""
    row = event.get("company")
    if not isinstance(row, Mapping):
        raise InvalidCompanyRecord(f"event['company'] = {row!r} must be one row of the input file, as an object "
                                   "of column -> value (the Distributed Map's ItemSelector)")
    return {**model.score(row), "modelVersion": model.version, "inputKey": event.get("inputKey")}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = score_company(event)
    logger.info("company scored", company_id=result["companyId"], tier=result["tier"],
                input_key=result["inputKey"], model_version=result["modelVersion"])
    return result
