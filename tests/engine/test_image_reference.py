"""Image reference parsing: normalisation like the kubelet and containerd, and their errors."""

from __future__ import annotations

import pytest

from playground.engine.images.reference import InvalidImageName, normalize_image, parse_reference

DIGEST = "sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee"


@pytest.mark.parametrize(("image", "expected"), [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.14.2", "docker.io/library/nginx:1.14.2"),
    ("library/nginx:1.25", "docker.io/library/nginx:1.25"),
    ("docker.io/nginx", "docker.io/library/nginx:latest"),
    ("index.docker.io/library/nginx:1.16.1", "docker.io/library/nginx:1.16.1"),
    ("hashicorp/http-echo", "docker.io/hashicorp/http-echo:latest"),
    ("registry.k8s.io/e2e-test-images/agnhost:2.39",
     "registry.k8s.io/e2e-test-images/agnhost:2.39"),
    ("gcr.io/google-samples/gb-frontend:v5", "gcr.io/google-samples/gb-frontend:v5"),
    ("us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5",
     "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5"),
    (f"registry.k8s.io/redis@{DIGEST}", f"registry.k8s.io/redis@{DIGEST}"),
    (f"nginx:1.25@{DIGEST}", f"docker.io/library/nginx:1.25@{DIGEST}"),
    ("localhost:5000/x", "localhost:5000/x:latest"),
    ("localhost/x:1", "localhost/x:1"),
    ("myregistry:5000/team/app:v1.2.3", "myregistry:5000/team/app:v1.2.3"),
    ("nginx:Latest_1", "docker.io/library/nginx:Latest_1"),
])
def test_normalises_like_the_kubelet(image: str, expected: str) -> None:
    assert normalize_image(image) == expected


def test_parts() -> None:
    ref = parse_reference("nginx:1.14.2")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (
        "docker.io", "library/nginx", "1.14.2", None)
    assert ref.repository == "docker.io/library/nginx"
    assert ref.familiar() == "nginx:1.14.2"
    assert parse_reference(f"registry.k8s.io/redis@{DIGEST}").tag is None


@pytest.mark.parametrize(("image", "detail"), [
    ("Nginx", "invalid reference format: repository name (library/Nginx) must be lowercase"),
    ("nginx:", "invalid reference format"),
    ("nginx:1.0:2", "invalid reference format"),
    ("nginx::1", "invalid reference format"),
    ("-nginx", "invalid reference format"),
    ("", "repository name must have at least one component"),
    ("nginx@sha256:abc", "invalid reference format"),
    ("nginx@sha256:" + "a" * 63, "invalid checksum digest length"),
    ("a" * 64, "invalid repository name (" + "a" * 64
     + "), cannot specify 64-byte hexadecimal strings"),
])
def test_invalid_references(image: str, detail: str) -> None:
    with pytest.raises(InvalidImageName) as caught:
        parse_reference(image)
    assert caught.value.detail == detail
    assert caught.value.reason == "InvalidImageName"


def test_invalid_image_name_message_is_the_kubelets() -> None:
    with pytest.raises(InvalidImageName) as caught:
        parse_reference("Nginx")
    assert str(caught.value) == (
        'Failed to apply default image tag "Nginx": couldn\'t parse image name "Nginx": '
        "invalid reference format: repository name (library/Nginx) must be lowercase")
