"""Image references (`nginx`, `nginx:1.14.2`, `registry.k8s.io/pause:3.8`, `x@sha256:…`).

The kubelet normalises every `image:` field before it pulls: a bare name lives on Docker Hub
(`docker.io`), a one-part Docker Hub path gets `library/`, and a missing tag becomes `latest`.
A malformed reference never reaches the registry: the container waits with reason
`InvalidImageName` and the message the kubelet builds from the reference parser's error. This
module owns that grammar and those messages, so the catalog, the kubelet and the printers agree
on what `nginx` means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")


class InvalidImageName(ValueError):
    """A reference the kubelet cannot parse; `message` is the container's waiting message."""

    def __init__(self, image: str, detail: str) -> None:
        self.image = image
        self.detail = detail
        self.message = (
            f"Failed to apply default image tag {_go_quote(image)}: "
            f"couldn't parse image name {_go_quote(image)}: {detail}"
        )
        super().__init__(self.message)

    reason = "InvalidImageName"


@dataclass(frozen=True)
class ImageReference:
    """A normalised reference: `domain/path[:tag][@digest]`."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository(self) -> str:
        """The fully qualified repository name, e.g. `docker.io/library/nginx`."""
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def familiar(self) -> str:
        """The short form people type (`nginx:1.14.2`), as docker prints it."""
        path = self.path
        if self.domain == DEFAULT_DOMAIN:
            if path.startswith(OFFICIAL_REPO_PREFIX) and path.count("/") == 1:
                path = path[len(OFFICIAL_REPO_PREFIX):]
            text = path
        else:
            text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def by_digest(self, digest: str) -> str:
        """`repository@digest`, the form of a container status' `imageID`."""
        return f"{self.repository}@{digest}"


def _go_quote(text: str) -> str:
    """Go's `%q` for the printable strings image names are."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split_domain(name: str) -> tuple[str, str]:
    slash = name.find("/")
    first = name[:slash] if slash >= 0 else ""
    if slash < 0 or (
        not any(c in first for c in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, name[slash + 1:]
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def _check_digest(digest: str) -> str | None:
    algorithm, _, hex_part = digest.partition(":")
    sizes = {"sha256": 64, "sha384": 96, "sha512": 128}
    if algorithm not in sizes:
        return "unsupported digest algorithm"
    if len(hex_part) != sizes[algorithm]:
        return "invalid checksum digest length"
    if not re.fullmatch(r"[a-f0-9]+", hex_part):
        return "invalid checksum digest format"
    return None


def parse_reference(image: str) -> ImageReference:
    """Parse and normalise `image` as the kubelet does; `latest` is added when neither a tag
    nor a digest is given. Raises `InvalidImageName` with the kubelet's message."""
    if _IDENTIFIER.match(image):
        raise InvalidImageName(
            image, f"invalid repository name ({image}), cannot specify 64-byte hexadecimal strings")
    at = image.find("@")
    name_part = image if at < 0 else image[:at]
    colon = name_part.rfind(":")
    bare = name_part[:colon] if colon > name_part.rfind("/") else name_part
    domain, remainder = _split_domain(bare)
    if remainder.lower() != remainder:
        raise InvalidImageName(
            image, f"invalid reference format: repository name ({remainder}) must be lowercase")
    candidate = f"{domain}/{remainder}{image[len(bare):]}"
    match = _REFERENCE.match(candidate)
    if match is None:
        if not image:
            raise InvalidImageName(image, "repository name must have at least one component")
        if _REFERENCE.match(candidate.lower()):
            raise InvalidImageName(image, "repository name must be lowercase")
        raise InvalidImageName(image, "invalid reference format")
    name, tag, digest = match.group(1), match.group(2), match.group(3)
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidImageName(
            image, f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters")
    if digest is not None:
        problem = _check_digest(digest)
        if problem is not None:
            raise InvalidImageName(image, problem)
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return ImageReference(domain=domain, path=remainder, tag=tag, digest=digest)


def normalize_image(image: str) -> str:
    """The fully qualified form of `image` (`nginx` → `docker.io/library/nginx:latest`)."""
    return str(parse_reference(image))
