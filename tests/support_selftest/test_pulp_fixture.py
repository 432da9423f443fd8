"""The real Pulp fixture (tests/support/pulp.py) works, and Pulp behaves as the notes say.

The run's one Pulp (``pulp_server``, shared with the scenarios) serves this module; the domain
test starts its own. Every request below is a bare httpx call, so what is checked is Pulp
itself, not the product: the legacy upload is the multipart POST that twine and uv send.
Nothing is skipped: if Pulp cannot start (no .venv-pulp: run scripts/pulp-env), every test here
errors with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support import pulp
from tests.support.servers import RunningIndex

JSON = "application/vnd.pypi.simple.v1+json"


def make_wheel(
    directory: Path, name: str, version: str, *, payload: str = "", metadata_version: str = "2.1"
) -> Path:
    """A tiny valid pure-Python wheel (METADATA, WHEEL, RECORD), byte-identical for equal
    arguments; a different ``payload`` gives the same file name with other bytes."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f"VALUE = {payload!r}\n".encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\n"
            "Requires-Python: >=3.8\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: publish-action-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
    wheel.write_bytes(buffer.getvalue())
    return wheel


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload(
    index: RunningIndex, wheel: Path, *, drop: tuple[str, ...] = (), **fields: str
) -> httpx.Response:
    """The legacy API's multipart POST, field by field."""
    name, version = wheel.name.split("-")[:2]
    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": name,
        "version": version,
        "filetype": "bdist_wheel",
        "pyversion": "py3",
        "metadata_version": "2.1",
        "sha256_digest": sha256(wheel),
        **fields,
    }
    for key in drop:
        del data[key]
    return httpx.post(
        index.upload_url,
        data=data,
        files={"content": (wheel.name, wheel.read_bytes(), "application/octet-stream")},
        auth=(index.username, index.password),
        timeout=60.0,
        trust_env=False,
    )


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30.0, trust_env=False)


@pytest.fixture(scope="module")
def server(pulp_server: pulp.PulpServer) -> pulp.PulpServer:
    return pulp_server  # the run's one Pulp (tests/conftest.py): ~4 s saved


@pytest.fixture(scope="module")
def index(server: pulp.PulpServer) -> RunningIndex:
    return server.index("selftest")


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    return tmp_path / "wheels"


def test_server_runs_on_loopback_with_its_own_content_origin(server: pulp.PulpServer) -> None:
    assert server.api_url.startswith("http://127.0.0.1:")
    assert server.content_url.startswith("http://127.0.0.1:")
    assert server.api_url != server.content_url
    status = get(f"{server.api_url}pulp/api/v3/status/").json()
    assert len(status["online_workers"]) == 1
    assert status["database_connection"]["connected"] is True
    assert {"template", "postgres", "services", "start"} <= set(server.timings)


def test_index_urls(server: pulp.PulpServer, index: RunningIndex) -> None:
    assert index.kind == "pulp"
    assert index.upload_url == f"{server.api_url}pypi/selftest/legacy/"
    assert index.index_url == f"{server.api_url}pypi/selftest/simple/"
    assert index.root_url == server.api_url
    assert (index.username, index.password) == (pulp.ADMIN_USER, server.password)
    assert get(index.simple_url("never-uploaded")).status_code == 404


def test_fresh_upload_is_202_and_appears_after_its_task(
    server: pulp.PulpServer, index: RunningIndex, wheels: Path
) -> None:
    wheel = make_wheel(wheels, "fresh-pkg", "1.0")
    response = upload(index, wheel)
    assert response.status_code == 202, response.text
    task = response.json()["task"]
    assert task.startswith("/pulp/api/v3/tasks/")

    pulp.wait_for_tasks(index)
    page = get(index.simple_url("fresh-pkg"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"{wheel.name}#sha256={sha256(wheel)}" in page.text
    assert 'data-requires-python="&gt;=3.8"' in page.text
    assert pulp.list_files(index, "fresh-pkg") == {wheel.name: sha256(wheel)}
    assert wheel.name in pulp.list_files(index)

    # The file itself comes from the content app (another origin).
    link = page.text.split('href="', 1)[1].split("#", 1)[0]
    assert link == f"{server.content_url}pulp/content/selftest/{wheel.name}"
    assert hashlib.sha256(get(link).content).hexdigest() == sha256(wheel)


def test_pep691_json_when_asked_by_accept(index: RunningIndex, wheels: Path) -> None:
    wheel = make_wheel(wheels, "json-pkg", "1.0")
    assert upload(index, wheel).status_code == 202
    pulp.wait_for_tasks(index)

    response = get(index.simple_url("json-pkg"), Accept=JSON)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    data = response.json()
    assert data["meta"]["api-version"] == "1.1"
    assert [(f["filename"], f["hashes"]) for f in data["files"]] == [
        (wheel.name, {"sha256": sha256(wheel)})
    ]
    # Without that Accept: HTML. "?format=" is not how Pulp negotiates (404).
    assert get(index.simple_url("json-pkg")).headers["content-type"].startswith("text/html")
    assert get(index.simple_url("json-pkg") + f"?format={JSON}").status_code == 404


def test_duplicate_upload_is_400_with_the_reason_in_the_status_line(
    index: RunningIndex, wheels: Path
) -> None:
    wheel = make_wheel(wheels, "dup-pkg", "1.0", payload="first")
    assert upload(index, wheel).status_code == 202
    pulp.wait_for_tasks(index)
    reason = f"Package {wheel.name} already exists in index"

    same = upload(index, wheel)
    assert (same.status_code, same.reason_phrase, same.text) == (400, reason, "")

    other = make_wheel(wheels / "other", "dup-pkg", "1.0", payload="second")
    assert other.name == wheel.name
    assert sha256(other) != sha256(wheel)
    different = upload(index, other)
    assert (different.status_code, different.reason_phrase, different.text) == (400, reason, "")

    pulp.wait_for_tasks(index)
    assert pulp.list_files(index, "dup-pkg") == {wheel.name: sha256(wheel)}


def test_missing_sha256_digest_is_400(index: RunningIndex, wheels: Path) -> None:
    wheel = make_wheel(wheels, "nosha-pkg", "1.0")
    response = upload(index, wheel, drop=("sha256_digest",))
    assert response.status_code == 400
    assert response.json() == {"sha256_digest": ["This field is required."]}
    pulp.wait_for_tasks(index)
    assert pulp.list_files(index, "nosha-pkg") == {}


def test_upload_needs_credentials(index: RunningIndex, wheels: Path) -> None:
    wheel = make_wheel(wheels, "anon-pkg", "1.0")
    response = httpx.post(
        index.upload_url,
        data={":action": "file_upload", "sha256_digest": sha256(wheel)},
        files={"content": (wheel.name, wheel.read_bytes())},
        trust_env=False,
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="api"'


@pytest.mark.parametrize(
    ("metadata_version", "status"), [("1.0", 202), ("2.4", 202), ("2.5", 202), ("2.6", 400)]
)
def test_metadata_version_field(
    index: RunningIndex, wheels: Path, metadata_version: str, status: int
) -> None:
    version = "1.0." + metadata_version.replace(".", "")
    wheel = make_wheel(wheels, "mv-pkg", version)
    response = upload(index, wheel, metadata_version=metadata_version)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json() == {
            "metadata_version": [f'"{metadata_version}" is not a valid choice.']
        }


def test_publication_index_redirects_simple_pages_to_the_content_app(
    server: pulp.PulpServer, wheels: Path
) -> None:
    published = server.index("published", publication=True)
    wheel = make_wheel(wheels, "pub-pkg", "1.0")
    assert upload(published, wheel).status_code == 202
    pulp.wait_for_tasks(published)
    assert pulp.list_files(published) == {wheel.name: sha256(wheel)}

    for url in (published.index_url, published.simple_url("pub-pkg")):
        response = get(url)
        assert response.status_code == 302
        path = url.removeprefix(f"{server.api_url}pypi/")
        assert response.headers["location"] == f"{server.content_url}pulp/content/{path}"
        # pulpcore 3.123.1 / pulp-python 3.36.4: a distribution that points at a repository
        # does not serve that repository's publications, so the redirect target is a 404.
        assert get(response.headers["location"]).status_code == 404


def test_pinned_publication_is_served_by_the_content_app_and_read_only(
    server: pulp.PulpServer, index: RunningIndex, wheels: Path
) -> None:
    wheel = make_wheel(wheels, "pinned-pkg", "1.0")
    assert upload(index, wheel).status_code == 202
    pulp.wait_for_tasks(index)

    pinned = server.publish(index, "pinned")
    response = get(pinned.simple_url("pinned-pkg"), Accept=JSON)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location == f"{server.content_url}pulp/content/pinned/simple/pinned-pkg/"
    page = get(location, Accept=JSON)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")  # no JSON from a publication
    assert f'href="../../{wheel.name}#sha256={sha256(wheel)}"' in page.text
    assert pulp.list_files(pinned, "pinned-pkg") == {wheel.name: sha256(wheel)}

    refused = upload(pinned, make_wheel(wheels, "pinned-pkg", "2.0"))
    assert (refused.status_code, refused.reason_phrase) == (
        400,
        "Index is not pointing to a repository",
    )


def test_domains(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    with pulp.pulp(tmp_path_factory.mktemp("pulp-domains"), domains=True) as server:
        team = server.index("shared-name", domain="team-a")
        default = server.index("shared-name")
        assert team.upload_url == f"{server.api_url}pypi/team-a/shared-name/legacy/"
        assert default.index_url == f"{server.api_url}pypi/default/shared-name/simple/"

        wheel = make_wheel(tmp_path, "domain-pkg", "1.0")
        response = upload(team, wheel)
        assert response.status_code == 202
        assert response.json()["task"].startswith("/pulp/team-a/api/v3/tasks/")
        pulp.wait_for_tasks(team)
        assert pulp.list_files(team) == {wheel.name: sha256(wheel)}
        assert pulp.list_files(default) == {}
        assert f"#sha256={sha256(wheel)}" in get(team.simple_url("domain-pkg")).text
        assert get(default.simple_url("domain-pkg")).status_code == 404
