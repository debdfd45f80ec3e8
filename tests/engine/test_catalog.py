"""The image catalog: every conformance image resolves (or fails as SOURCES.md says), tags
are explicit, digests are stable, entries are validated with readable errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from playground.engine.images.catalog import (
    Catalog,
    CatalogError,
    ImagePullError,
    default_catalog,
    root_filesystem,
)
from playground.engine.images.reference import InvalidImageName

CONFORMANCE = (Path(__file__).resolve().parents[2].parent / "shared/conformance")
MUST_FAIL = {"k8s.gcr.io/fluentd-elasticsearch:1.20"}


def _images(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_images(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_images(item))
    return found


def _conformance_images() -> list[str]:
    images: set[str] = set()
    for folder in ("k8s-examples", "k8s-examples-variants"):
        for path in sorted((CONFORMANCE / folder).rglob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                images.update(_images(doc))
    return sorted(images)


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="conformance data not present")
def test_every_conformance_image_resolves_or_fails_as_documented() -> None:
    images = _conformance_images()
    assert "nginx:1.14.2" in images and "perl:5.34.0" in images
    catalog = default_catalog()
    for image in images:
        if image in MUST_FAIL:
            with pytest.raises(ImagePullError):
                catalog.pull(image)
        else:
            assert catalog.lookup(image) is not None, image


def test_helm_chart_and_compose_images_resolve() -> None:
    catalog = default_catalog()
    for image in ("nginx:1.16.0", "busybox", "redis:alpine", "postgres:15-alpine",
                  "mariadb:10-focal", "redislabs/redismod", "dockersamples/examplevotingapp_vote"):
        assert catalog.lookup(image) is not None, image


def test_pull_resolves_to_fully_qualified_image() -> None:
    image = default_catalog().pull("nginx:1.14.2")
    assert image.reference == "docker.io/library/nginx:1.14.2"
    assert image.image_id == f"docker.io/library/nginx@{image.digest}"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image.digest)
    assert image.cmd == ("nginx", "-g", "daemon off;")
    assert image.entrypoint == ()
    assert image.exposed_ports == ("80/tcp",)
    assert "bash" in image.commands and "curl" in image.commands
    assert "ps" not in image.commands


def test_unknown_tag_fails_with_containerd_not_found() -> None:
    with pytest.raises(ImagePullError) as caught:
        default_catalog().pull("nginx:1.99")
    assert caught.value.message == (
        'Failed to pull image "nginx:1.99": rpc error: code = NotFound desc = failed to pull and '
        'unpack image "docker.io/library/nginx:1.99": failed to resolve reference '
        '"docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found')
    assert caught.value.reason == "ErrImagePull"


def test_unknown_docker_hub_repository_is_access_denied() -> None:
    with pytest.raises(ImagePullError) as caught:
        default_catalog().pull("nosuchimage")
    assert "pull access denied, repository does not exist or may require authorization" in (
        caught.value.message)


def test_unknown_registry_host_does_not_resolve() -> None:
    with pytest.raises(ImagePullError) as caught:
        default_catalog().pull("registry.example.invalid/app:1")
    assert caught.value.message.endswith("lookup registry.example.invalid: no such host")


def test_invalid_name_raises_invalid_image_name() -> None:
    with pytest.raises(InvalidImageName):
        default_catalog().pull("Nginx")
    assert default_catalog().lookup("Nginx") is None


def test_digest_pins() -> None:
    digest = "sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee"
    image = default_catalog().pull(f"registry.k8s.io/redis@{digest}")
    assert image.digest == digest
    by_tag = default_catalog().pull("nginx:1.25.5")
    assert default_catalog().pull(f"nginx@{by_tag.digest}").tag == "1.25.5"
    with pytest.raises(ImagePullError):
        default_catalog().pull("nginx@sha256:" + "0" * 64)


def test_aliases_share_a_digest_and_digests_are_stable() -> None:
    catalog = default_catalog()
    assert catalog.pull("nginx").digest == catalog.pull("nginx:1.31.4").digest
    assert catalog.pull("nginx:1.16.0").digest != catalog.pull("nginx:1.16.1").digest
    assert Catalog.builtin().pull("nginx:1.16.0").digest == catalog.pull("nginx:1.16.0").digest


@pytest.mark.parametrize(("tag", "size"), [("1.14.2", 612), ("1.20.2", 612), ("1.21.6", 615),
                                           ("1.27.3", 615), ("1.29.5", 615), ("1.29.6", 896)])
def test_nginx_welcome_page_follows_the_version(tag: str, size: int) -> None:
    catalog = Catalog.builtin()
    catalog.add({"repository": "docker.io/library/nginx-check", "defaults": {
        "files": {"/index.html": "@nginx-welcome"}}, "tags": [tag]})
    page = catalog.pull(f"nginx-check:{tag}").files["/index.html"]
    assert len(page.encode()) == size


def test_busybox_tags_carry_their_applet_version() -> None:
    catalog = default_catalog()
    assert catalog.pull("busybox:1.28").param("busybox") == "1.28"
    assert catalog.pull("busybox").cmd == ("sh",)
    assert catalog.pull("busybox").has_shell


def test_add_validates_with_readable_errors() -> None:
    catalog = Catalog.builtin()
    with pytest.raises(CatalogError, match="repository is required"):
        catalog.add({"tags": ["1"]})
    with pytest.raises(CatalogError, match="must be fully qualified"):
        catalog.add({"repository": "myapp", "tags": ["1"]})
    with pytest.raises(CatalogError, match="tags must list"):
        catalog.add({"repository": "docker.io/team/app"})
    with pytest.raises(CatalogError, match="unknown program"):
        catalog.add({"repository": "docker.io/team/app", "defaults": {"programs": ["nope"]},
                     "tags": ["1"]})
    with pytest.raises(CatalogError, match="digest must be sha256"):
        catalog.add({"repository": "docker.io/team/app", "tags": {"1": {"digest": "md5:1"}}})
    with pytest.raises(CatalogError, match="unknown key"):
        catalog.add({"repository": "docker.io/team/app", "tags": {"1": {"colour": "red"}}})
    with pytest.raises(CatalogError, match="sameAs names tag"):
        catalog.add({"repository": "docker.io/team/app", "tags": {"latest": {"sameAs": "9"}}})


def test_scenario_images_are_added_per_catalog() -> None:
    catalog = Catalog.builtin()
    catalog.add({"repository": "docker.io/acme/shop", "defaults": {
        "cmd": ["echo-server"], "programs": ["playground-echo"], "usage": {"memory": "20Mi"},
        "env": {"PORT": "9090"}}, "tags": {"1.0": None, "latest": {"sameAs": "1.0"}}})
    image = catalog.pull("acme/shop")
    assert image.tag == "latest" and image.memory_bytes == 20 * 1024 * 1024
    assert dict(image.env)["PORT"] == "9090"
    with pytest.raises(ImagePullError):
        catalog.pull("acme/shop:2.0")
    assert default_catalog().lookup("acme/shop") is None


def test_root_filesystem_holds_the_image_files() -> None:
    image = default_catalog().pull("nginx:1.27.3")
    fs = root_filesystem(image, "web", "10.244.1.5")
    assert len(fs.read("/usr/share/nginx/html/index.html").encode()) == 615
    assert "web" in fs.read("/etc/hosts")
