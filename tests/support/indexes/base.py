"""What every index stand-in shares: the inspection API, options, the request log, hooks.

A stand-in is a plain object with ``origins`` (the public scheme/host/port it answers for) and
``handle(request) -> response``; :class:`~tests.support.indexes.network.FakeInternet` carries
the bytes. Nothing here touches a socket, so a stand-in can also be driven directly in a test.

Inspection API shared by all stand-ins (see :class:`StandIn`): ``files(project, repo=...)``,
``seed(filename, content, ...)``, ``set_option(name, value)``, ``requests`` (what it saw),
``add_hook`` / ``race`` (another job uploading at a precise moment) and ``reset()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from packaging.utils import canonicalize_name

from tests.support.indexes.forms import FilePart, Form, FormError, header_param
from tests.support.indexes.messages import Origin, Request, Response, www_authenticate
from tests.support.indexes.store import Store, StoredFile, make_file, project_version

__all__ = [
    "FilePart",
    "Form",
    "Origin",
    "RecordedRequest",
    "Request",
    "Response",
    "StandIn",
    "Store",
    "StoredFile",
    "header_param",
    "make_file",
    "project_version",
    "www_authenticate",
]

HookAction = Callable[[], None]
HOOK_POINTS = ("after_get", "before_upload")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    host: str
    path: str
    query: str
    status: int
    user: str | None
    fields: tuple[str, ...] = ()


@dataclass
class _Hook:
    when: str
    action: HookAction
    project: str | None
    once: bool
    fired: int = 0


class StandIn:
    """Base class. Subclasses set ``name``, ``origins``, an ``options`` dataclass, ``dispatch``."""

    name = "stand-in"
    default_repo = ""

    def __init__(self, origins: Iterable[Origin], options: Any) -> None:
        self.origins = tuple(origins)
        self.options = options
        self._initial_options = replace(options)
        self.lock = threading.RLock()
        self.stores: dict[str, Store] = {}
        self.requests: list[RecordedRequest] = []
        self._hooks: list[_Hook] = []
        self._local = threading.local()

    # -- inspection API ------------------------------------------------------------------------

    def store(self, repo: str | None = None) -> Store:
        with self.lock:
            return self.stores.setdefault(self.default_repo if repo is None else repo, Store())

    def files(self, project: str, repo: str | None = None) -> dict[str, str]:
        """{filename: real sha256} of what the repository holds (listed or not yet)."""
        project = canonicalize_name(project)
        with self.lock:
            return {
                f.filename: f.sha256
                for f in self.store(repo).files.values()
                if f.project == project
            }

    def content(self, filename: str, repo: str | None = None) -> bytes:
        with self.lock:
            return self.store(repo).files[filename].content

    def seed(
        self,
        filename: str,
        content: bytes,
        *,
        repo: str | None = None,
        age_days: float = 0.0,
        **extra: Any,
    ) -> StoredFile:
        """Put a file there without the upload path (``age_days`` back-dates its release)."""
        stored = make_file(filename, content, uploaded=time.time() - age_days * 86400, **extra)
        with self.lock:
            store = self.store(repo)
            store.put(stored)
            if age_days:
                store.release_created[(stored.project, stored.version)] = stored.uploaded
        return stored

    def set_option(self, name: str, value: object) -> None:
        if name not in {f.name for f in fields(self.options)}:
            raise AttributeError(f"{self.name} has no option {name!r}")
        with self.lock:
            setattr(self.options, name, value)

    def reset(self) -> None:
        """Forget files, requests, hooks and option changes (between tests)."""
        with self.lock:
            self.stores.clear()
            self.requests.clear()
            self._hooks.clear()
            self.options = replace(self._initial_options)

    # -- race hooks ------------------------------------------------------------------------

    def add_hook(
        self, when: str, action: HookAction, *, project: str | None = None, once: bool = True
    ) -> None:
        """Run ``action`` at a moment: ``after_get`` = once a GET of ``project``'s simple page
        was answered (the client gets the answer from before the action), ``before_upload`` =
        once an upload was parsed, before the index looks at its store. ``project=None``
        matches every project; ``once=False`` keeps the hook for every such moment."""
        if when not in HOOK_POINTS:
            raise ValueError(f"hook point must be one of {HOOK_POINTS}")
        with self.lock:
            self._hooks.append(
                _Hook(when, action, canonicalize_name(project) if project else None, once)
            )

    def race(
        self, when: str, filename: str, content: bytes, *, repo: str | None = None, **extra: Any
    ) -> None:
        """Another job stores ``filename`` with ``content`` at the moment ``when``."""
        project, _ = project_version(filename)
        self.add_hook(
            when, lambda: self._race_store(filename, content, repo, extra), project=project
        )

    def _race_store(
        self, filename: str, content: bytes, repo: str | None, extra: dict[str, Any]
    ) -> None:
        self.seed(filename, content, repo=repo, **extra)

    def fire(self, when: str, project: str | None) -> None:
        project = canonicalize_name(project) if project else None
        with self.lock:
            due = [
                h
                for h in self._hooks
                if h.when == when and h.project in (None, project) and not (h.once and h.fired)
            ]
            for hook in due:
                hook.fired += 1
        for hook in due:
            hook.action()

    # -- serving ------------------------------------------------------------------------------

    def reading(self, project: str) -> None:
        """Mark the request being served as a read of ``project``'s simple page: once it is
        answered (found or not, even a redirect), the ``after_get`` hooks for it run."""
        self._local.reading = project

    def handle(self, request: Request) -> Response:
        self._local.reading = None
        names: tuple[str, ...] = ()
        try:
            response = self.dispatch(request)
            if "multipart/form-data" in request.header("content-type"):
                names = request.form().names
        except FormError as exc:  # every index refuses a broken body; the wording is generic
            response = Response.text(400, f"malformed multipart/form-data body: {exc}")
        credentials = request.basic()
        with self.lock:
            self.requests.append(
                RecordedRequest(
                    request.method,
                    request.origin.host,
                    request.path,
                    request.query,
                    response.status,
                    credentials[0] if credentials else None,
                    names,
                )
            )
        if self._local.reading:
            self.fire("after_get", self._local.reading)
        return response

    def dispatch(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError
