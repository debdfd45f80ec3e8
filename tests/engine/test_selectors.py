"""Label and field selectors: both spellings, matching, printing and refusals."""

from __future__ import annotations

import pytest

from playground.engine.selectors import (
    NOTHING,
    SelectorError,
    field_value,
    fields_match,
    from_label_selector,
    parse_field_selector,
    parse_label_selector,
    selector_string,
)

LABELS = {"app": "web", "tier": "front", "version": "3"}


@pytest.mark.parametrize(("text", "expected"), [
    ("", True),
    ("app=web", True),
    ("app==web", True),
    ("app=db", False),
    ("app!=db", True),
    ("missing!=x", True),
    ("app=web,tier=front", True),
    ("app=web,tier=back", False),
    ("app in (web, db)", True),
    ("app in (db)", False),
    ("app notin (db)", True),
    ("missing notin (db)", True),
    ("tier", True),
    ("missing", False),
    ("!missing", True),
    ("!tier", False),
    (" app = web , !missing ", True),
])
def test_string_selectors_match_as_kubernetes_does(text: str, expected: bool) -> None:
    assert parse_label_selector(text).matches(LABELS) is expected


@pytest.mark.parametrize("text", ["app=", "app in (web", "=web", "app in web", "a b",
                                  "app=we b", "!"])
def test_bad_string_selectors_are_refused(text: str) -> None:
    if text == "app=":
        # an empty value is legal: it selects objects whose label is empty
        assert parse_label_selector(text).matches({"app": ""})
        return
    with pytest.raises(SelectorError, match="unable to parse requirement"):
        parse_label_selector(text)


def test_label_selector_object_with_match_expressions() -> None:
    selector = from_label_selector({
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]},
                             {"key": "legacy", "operator": "DoesNotExist"},
                             {"key": "version", "operator": "Gt", "values": ["2"]}]})
    assert selector.matches(LABELS)
    assert not selector.matches({**LABELS, "legacy": "yes"})
    assert not selector.matches({**LABELS, "version": "1"})
    assert selector_string({"matchLabels": {"app": "web"},
                            "matchExpressions": [{"key": "tier", "operator": "NotIn",
                                                  "values": ["b", "a"]}]}) == \
        "app=web,tier notin (a,b)"
    with pytest.raises(SelectorError, match='"Near" is not a valid label selector operator'):
        from_label_selector({"matchExpressions": [{"key": "a", "operator": "Near"}]})


def test_nil_selects_nothing_and_empty_selects_everything() -> None:
    assert from_label_selector(None) == NOTHING
    assert not from_label_selector(None).matches(LABELS)
    assert from_label_selector({}).matches({})
    assert from_label_selector({}).empty()


def test_field_selectors() -> None:
    pod = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"nodeName": "worker-1", "hostNetwork": False},
           "status": {"phase": "Running"}}
    assert fields_match(pod, parse_field_selector("metadata.name=web,status.phase=Running",
                                                  "Pod"))
    assert not fields_match(pod, parse_field_selector("spec.nodeName!=worker-1", "Pod"))
    assert fields_match(pod, parse_field_selector("spec.hostNetwork=false", "Pod"))
    assert field_value({"source": {"component": "kubelet"}}, "source") == "kubelet"
    with pytest.raises(SelectorError, match="^field label not supported: spec.replicas$"):
        parse_field_selector("spec.replicas=3", "Deployment")
    with pytest.raises(SelectorError, match="can't understand 'bogus'"):
        parse_field_selector("bogus", "Pod")
