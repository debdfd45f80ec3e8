"""Tables of ConfigMaps, Secrets and ServiceAccounts.

DATA counts keys: a ConfigMap's `data` plus `binaryData`, a Secret's `data` (the API server
has already folded `stringData` into it).
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.printers.common import AGE, NAME, Obj, Printer, age, name
from playground.kubectl.table import Cell, Column


def _config_map_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}),
            age(obj, now)]


def _secret_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), str(obj.get("type", "")), len(obj.get("data") or {}), age(obj, now)]


def _service_account_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), age(obj, now)]


PRINTERS: dict[str, Printer] = {
    "configmaps": Printer((NAME, Column("DATA"), AGE), _config_map_row),
    "secrets": Printer((NAME, Column("TYPE"), Column("DATA"), AGE), _secret_row),
    # kubectl 1.37 no longer prints the SECRETS column (token Secrets are not auto-created).
    "serviceaccounts": Printer((NAME, AGE), _service_account_row),
}
