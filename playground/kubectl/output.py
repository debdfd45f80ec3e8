"""Serialising objects as kubectl does for `-o yaml` and `-o json`.

kubectl converts objects to generic maps, so keys come out sorted; YAML goes through
sigs.k8s.io/yaml (go-yaml), which double-quotes strings that would otherwise read as another
type (`"1"`, `"true"`) and writes multi-line strings as literal blocks; JSON is indented four
spaces with Go's HTML-safe escaping of `<`, `>` and `&`.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

try:
    _BaseDumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper


class _KubectlDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    plain_tag = dumper.resolve(yaml.ScalarNode, value, (True, False))
    if value == "" or plain_tag != "tag:yaml.org,2002:str" or value != value.strip() \
            or value[0] in "!&*{}[],#|>@`\"'%-?:" and value not in ("-",):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_KubectlDumper.add_representer(str, _represent_str)


def to_yaml(obj: Any) -> str:
    """`kubectl get -o yaml` text for an object or a List."""
    return yaml.dump(obj, Dumper=_KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=80)


def to_json(obj: Any) -> str:
    """`kubectl get -o json` text for an object or a List."""
    text = json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The `List` kubectl wraps several objects in."""
    return {"apiVersion": "v1", "items": items, "kind": "List",
            "metadata": {"resourceVersion": ""}}
