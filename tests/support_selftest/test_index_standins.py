"""Self-tests of the index stand-ins, driven with httpx through FakeInternet at real URLs.

One proxy and one of each stand-in serve the whole module; every test starts from empty stores.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.indexes import (
    Artifactory,
    AzureArtifacts,
    Cloudsmith,
    CodeArtifact,
    FakeInternet,
    Gemfury,
    Gitea,
    GitLab,
    GoogleArtifactRegistry,
    Nexus,
    StandIn,
    Warehouse,
)
from tests.support.indexes.dists import legacy_upload, sdist, wheel

S = TypeVar("S", bound=StandIn)
PEP691 = "application/vnd.pypi.simple.v1+json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blake2(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


class Net:
    """The module's FakeInternet, its client and the stand-ins by kind."""

    def __init__(self, internet: FakeInternet, client: httpx.Client) -> None:
        self.internet, self.client = internet, client
        self.standins: list[StandIn] = []

    def get(self, kind: type[S], name: str | None = None) -> S:
        return next(
            s for s in self.standins if isinstance(s, kind) and (name is None or s.name == name)
        )


@pytest.fixture(scope="module")
def shared() -> Iterator[Net]:
    standins: list[StandIn] = [
        Warehouse(),
        Warehouse(test=True),
        GitLab(),
        Nexus(),
        Nexus("http://repo.example.org:8081", context="nexus"),
        Artifactory(),
        GoogleArtifactRegistry(),
        CodeArtifact(),
        AzureArtifacts(),
        Cloudsmith(),
        Gitea(),
        Gitea("codeberg.org", flavour="forgejo"),
        Gemfury(),
    ]
    with FakeInternet(*standins) as internet, internet.client() as client:
        net = Net(internet, client)
        net.standins = standins
        yield net


@pytest.fixture
def net(shared: Net) -> Iterator[Net]:
    for standin in shared.standins:
        standin.reset()
    shared.internet.clear_log()
    yield shared
    assert not shared.internet.errors, shared.internet.errors[0]
    assert not shared.internet.unexpected


def upload(
    net: Net,
    standin: StandIn,
    dist: tuple[str, bytes],
    *,
    auth: Any = "default",
    url: str | None = None,
    **fields: Any,
) -> httpx.Response:
    credentials = getattr(standin, "auth") if auth == "default" else auth  # noqa: B009
    return legacy_upload(
        net.client,
        url or getattr(standin, "upload_url"),  # noqa: B009
        dist[0],
        dist[1],
        credentials,
        **fields,
    )


def page(net: Net, url: str, auth: Any = None, **headers: str) -> httpx.Response:
    return net.client.get(url, auth=auth, headers=headers)


# -- the fake internet itself ------------------------------------------------------------------


def test_proxy_routes_by_name_and_logs_without_secrets(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    assert net.client.get("https://pypi.org/simple/").status_code == 200
    with pytest.raises(httpx.ProxyError):
        net.client.get("https://unknown.example.com/simple/")
    assert net.client.get("http://plain.example.com/").status_code == 502
    bad = net.internet.unexpected
    assert [(e.method, e.host) for e in bad] == [
        ("CONNECT", "unknown.example.com"),
        ("GET", "plain.example.com"),
    ]
    net.internet.clear_log()
    upload(net, pypi, sdist())
    entry = net.internet.log[-1]
    assert (entry.host, entry.path, entry.user, entry.status) == (
        "upload.pypi.org",
        "/legacy/",
        "__token__",
        200,
    )
    assert entry.secret_fingerprint == sha256(pypi.token.encode())[:12]
    assert pypi.token not in repr(net.internet.log)
    env = net.internet.env()
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == net.internet.proxy_url
    assert Path(env["SSL_CERT_FILE"]).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_plain_http_origin_on_another_port(net: Net) -> None:
    nexus = net.get(Nexus, "Nexus")
    plain = next(s for s in net.standins if isinstance(s, Nexus) and s.context)
    assert plain.upload_url == "http://repo.example.org:8081/nexus/repository/pypi-hosted/"
    assert upload(net, plain, sdist()).status_code == 200
    listed = page(net, plain.simple_url + "demo/")
    assert listed.status_code == 200 and "../../packages/demo/1.0/demo-1.0.tar.gz" in listed.text
    assert nexus.files("demo") == {}


def test_https_on_another_port_and_the_products_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gitlab = GitLab("https://gitlab.internal:8443")
    with FakeInternet(gitlab) as internet:
        assert gitlab.upload_url == "https://gitlab.internal:8443/api/v4/projects/42/packages/pypi"
        for key, value in internet.env().items():
            monkeypatch.setenv(key, value)
        import os

        from publish_action.net import Net as ProductNet
        from publish_action.net import NetSettings

        # The product's own HTTP layer: HTTPS_PROXY and SSL_CERT_FILE from the environment.
        with ProductNet(NetSettings(timeout=5.0, pool=1), environ=os.environ) as product:
            client = product.client
            dist = sdist()
            assert legacy_upload(client, gitlab.upload_url, *dist, gitlab.auth).status_code == 201
            listed = client.get(gitlab.simple_url + "demo/", auth=gitlab.auth)
        assert f"{gitlab.upload_url}/files/{sha256(dist[1])}/" in listed.text
        assert [e.port for e in internet.log] == [8443, 8443]
        assert not internet.unexpected


def test_pip_downloads_through_the_proxy(net: Net, tmp_path: Path) -> None:
    pypi = net.get(Warehouse, "PyPI")
    name, data = wheel("demo", "1.0", payload="pip")
    pypi.seed(name, data)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PIP_CONFIG_FILE": "/dev/null",
        "PIP_NO_INPUT": "1",
        **net.internet.env(),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--isolated",
            "--index-url",
            "https://pypi.org/simple/",
            "--proxy",
            net.internet.proxy_url,
            "--cert",
            str(net.internet.ca_bundle),
            "-d",
            str(tmp_path / "out"),
            "demo==1.0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / name).read_bytes() == data
    assert net.internet.hosts() == {"pypi.org", "files.pythonhosted.org"}


# -- PyPI / TestPyPI ------------------------------------------------------------------------------


def test_pypi_upload_pages_and_duplicates(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    name, data = sdist(requires_python=">=3.8")
    assert upload(net, pypi, (name, data), requires_python=">=3.8").status_code == 200
    html = page(net, "https://pypi.org/simple/demo/")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert f'#sha256={sha256(data)}" data-requires-python="&gt;=3.8" >{name}' in html.text
    assert html.headers["x-pypi-last-serial"] == "1"
    root = net.client.head("https://pypi.org/simple/")  # the root page carries it too
    assert (root.status_code, root.headers["x-pypi-last-serial"]) == (200, "1")
    listed = page(net, "https://pypi.org/simple/demo/", accept=PEP691).json()
    entry = listed["files"][0]
    assert listed["meta"]["api-version"] == "1.4" and entry["hashes"] == {"sha256": sha256(data)}
    assert net.client.get(entry["url"]).content == data
    assert entry["url"].startswith("https://files.pythonhosted.org/packages/")
    assert upload(net, pypi, (name, data)).status_code == 200  # identical: a no-op
    other = sdist(payload="changed")[1]
    refused = upload(net, pypi, (name, other))
    assert refused.status_code == 400
    assert refused.reason_phrase == (
        f"File already exists ('{name}', with blake2_256 hash '{blake2(other)}'). See "
        "https://pypi.org/help/#file-name-reuse for more information."
    )
    as_json = upload(net, pypi, (name, other), headers={"Accept": "application/json"})
    body = as_json.json()
    assert body["code"].startswith("400 File already exists") and body["title"] == "Bad Request"
    assert pypi.files("demo") == {name: sha256(data)}
    whl = wheel()
    assert upload(net, pypi, whl).status_code == 200
    assert 'data-core-metadata="sha256=' in page(net, "https://pypi.org/simple/demo/").text


def test_pypi_authentication(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    dist = sdist()
    for auth, text in (
        (("alice", pypi.token), "Username/Password authentication is no longer"),
        (None, "Invalid or non-existent authentication information"),
        (("__token__", "pypi-wrong"), "Invalid or non-existent authentication"),
    ):
        answer = upload(net, pypi, dist, auth=auth, headers={"Accept": "application/json"})
        assert answer.status_code == 403 and answer.reason_phrase.startswith(text)
        assert "www-authenticate" not in answer.headers  # no Basic challenge
        assert answer.json()["code"] == f"403 {answer.reason_phrase}"
    pypi.set_option("notes_user_message", True)
    assert upload(net, pypi, dist, auth=("alice", pypi.token)).reason_phrase.startswith(
        "Invalid or non-existent"
    )
    pypi.add_token("pypi-scoped", ["other"])
    scoped = upload(net, pypi, dist, auth=("__token__", "pypi-scoped"))
    assert scoped.status_code == 403 and "not valid for project" in scoped.reason_phrase


def test_pypi_redirects_and_not_found(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    pypi.seed(*sdist("Demo.Pkg"))
    moved = upload(net, pypi, sdist(), url="https://upload.pypi.org/legacy")
    assert moved.status_code == 308
    assert moved.headers["location"] == "https://upload.pypi.org/legacy/"
    assert "trailing slash" in moved.reason_phrase
    assert net.client.get("https://upload.pypi.org/legacy/").status_code == 200
    assert page(net, "https://pypi.org/simple").headers["location"] == "https://pypi.org/simple/"
    assert page(net, "https://pypi.org/simple/Demo_Pkg/").headers["location"] == (
        "https://pypi.org/simple/demo-pkg/"
    )
    assert page(net, "https://pypi.org/simple/demo-pkg").status_code == 301
    missing = page(net, "https://pypi.org/simple/nothing-here/")
    assert (missing.status_code, missing.text) == (404, "404 Not Found")
    assert missing.headers["content-type"] == "text/plain"


def test_pypi_release_rules_and_limits(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    old = sdist("old", "1.0")
    pypi.seed(*old, age_days=20)
    assert upload(net, pypi, old).status_code == 200  # identical: checked before the age
    late = upload(net, pypi, wheel("old", "1.0"))
    assert (
        late.reason_phrase == "Uploading new files to releases older than 14 days is not allowed."
    )
    pypi.seed(*sdist("gone", "1.0"))
    pypi.delete("gone-1.0.tar.gz")
    reused = upload(net, pypi, sdist("gone", "1.0", payload="again"))
    assert reused.reason_phrase.startswith("This filename was previously used")
    pypi.seed(*sdist("two", "1.0"))
    zip_name = "two-1.0.zip"
    second = upload(net, pypi, (zip_name, b"PK\x03\x04 zip sdist"), filetype="sdist")
    assert second.reason_phrase == "Only one sdist may be uploaded per release."
    pypi.set_option("file_size_limit", 1024)
    big = upload(net, pypi, wheel("big", "1.0", payload="x" * 4096))
    assert big.status_code == 400 and big.reason_phrase.startswith(
        "File too large. Limit for project 'big' is 0 MB."
    )
    pypi.set_option("file_size_limit", 100 * 1024 * 1024)
    for version, status in (("1.2", 200), ("2.0", 400), ("2.5", 200), ("3.0", 400)):
        dist = wheel("meta", f"0.{version.replace('.', '')}")
        assert upload(net, pypi, dist, metadata_version=version).status_code == status, version
    attested = upload(net, pypi, wheel("att", "1.0"), attestations="[{}]")
    assert attested.reason_phrase == (
        "Invalid attestations supplied during upload: "
        "Attestations are only supported when using Trusted "
        "Publishing"
    )
    assert upload(net, pypi, wheel("bad", "1.0"), sha256_digest="0" * 64).status_code == 400


def test_testpypi_hosts(net: Net) -> None:
    test = net.get(Warehouse, "TestPyPI")
    dist = sdist()
    assert test.upload_url == "https://test.pypi.org/legacy/"
    assert upload(net, test, dist).status_code == 200
    listed = page(net, "https://test.pypi.org/simple/demo/", accept=PEP691).json()
    assert listed["files"][0]["url"].startswith("https://test-files.pythonhosted.org/packages/")
    assert upload(net, test, dist, auth=net.get(Warehouse, "PyPI").auth).status_code == 403


# -- GitLab ---------------------------------------------------------------------------------------


def test_gitlab_upload_page_and_duplicates(net: Net) -> None:
    gitlab = net.get(GitLab)
    name, data = sdist(requires_python=">=3.9")
    declared = "ab" * 32  # GitLab lists the client's sha256_digest, not the real one
    created = upload(
        net,
        gitlab,
        (name, data),
        sha256_digest=declared,
        requires_python=">=3.9",
        attestations="[]",
    )
    assert (created.status_code, created.json()) == (201, {"message": "201 Created"})
    listed = page(net, gitlab.simple_url + "demo/", auth=gitlab.auth)
    href = f"{gitlab.upload_url}/files/{declared}/{name}#sha256={declared}"
    assert f'<a href="{href}" data-requires-python="&gt;=3.9">{name}</a>' in listed.text
    assert listed.text.startswith("        <!DOCTYPE html>")
    assert "attestations" not in gitlab._packages[(42, "demo", "1.0")].files[name].fields
    for content in (data, sdist(payload="other")[1]):
        dup = upload(net, gitlab, (name, content))
        assert dup.status_code == 400
        assert dup.json() == {
            "message": "400 Bad request - Validation failed: File name has already been taken"
        }
    assert gitlab.files("demo") == {name: sha256(data)}
    gitlab.set_option("max_file_size", 10)
    assert upload(net, gitlab, wheel()).json() == {"message": "400 Bad request - File is too large"}
    gitlab.set_option("pep691", True)
    as_json = page(net, gitlab.simple_url + "demo/", auth=gitlab.auth, accept=PEP691).json()
    assert as_json["files"][0]["hashes"] == {"sha256": declared}


def test_gitlab_credentials_and_reads(net: Net) -> None:
    gitlab = net.get(GitLab)
    dist = sdist()
    anonymous = upload(net, gitlab, dist, auth=None)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="GitLab Packages Registry"'
    assert upload(net, gitlab, dist, auth=("someone", gitlab.job_token)).status_code == 401
    gitlab.add_credential("gldt-deploy", user="gitlab+deploy-token-1")
    gitlab.add_credential("glpat-personal", user=None)
    assert upload(net, gitlab, dist, auth=("wrong-name", "gldt-deploy")).status_code == 401
    assert (
        upload(net, gitlab, dist, auth=("gitlab+deploy-token-1", "gldt-deploy")).status_code == 201
    )
    assert upload(net, gitlab, wheel(), auth=("my-token-name", "glpat-personal")).status_code == 201
    assert page(net, gitlab.simple_url + "demo/").status_code == 401  # private, anonymous
    gitlab.set_option("anonymous_private_status", 404)
    assert page(net, gitlab.simple_url + "demo/").json() == {"message": "404 Project Not Found"}
    assert page(net, gitlab.simple_url + "demo/", auth=("x", "bad")).status_code == 401


def test_gitlab_forwarding_and_group_pages(net: Net) -> None:
    gitlab = net.get(GitLab)
    moved = page(net, gitlab.simple_url + "nothere/", auth=gitlab.auth)
    assert moved.status_code == 302
    assert moved.headers["location"] == "https://pypi.org/simple/nothere/"
    assert moved.headers["content-type"] == "text/plain"
    gitlab.set_option("forwarding", False)
    assert page(net, gitlab.simple_url + "nothere/", auth=gitlab.auth).json() == {
        "message": "404 Package Not Found"
    }
    gitlab.add_project(43, "acme/other", group=7)
    upload(net, gitlab, sdist())
    upload(net, gitlab, wheel(), url=gitlab.project_upload_url(43))
    group = page(net, gitlab.group_simple_url + "demo/", auth=gitlab.auth)
    assert group.text.count("<a href=") == 2
    assert "/api/v4/groups/7/-/packages/pypi/files/" in group.text
    root = page(net, gitlab.simple_url, auth=gitlab.auth)  # get 'simple': the project's index
    assert (root.status_code, root.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "<title>Links for demo</title>" in root.text
    assert f'<a href="{gitlab.simple_url}demo" data-requires-python="">demo</a>' in root.text
    gitlab.add_project(44, "acme/empty", group=7)
    empty = page(net, gitlab.project_upload_url(44) + "/simple", auth=gitlab.auth).text
    assert "<h1>Links for empty</h1>" in empty and "<a " not in empty
    assert (
        upload(
            net, gitlab, sdist(), url=gitlab.group_simple_url.removesuffix("/simple/")
        ).status_code
        == 405
    )


# -- Nexus ------------------------------------------------------------------------------------


def test_nexus_hosted_upload_and_duplicates(net: Net) -> None:
    nexus = net.get(Nexus, "Nexus")
    name, data = sdist()
    empty = page(net, nexus.simple_url)  # the root index exists before any upload
    assert empty.status_code == 200 and "<title>Simple index</title>" in empty.text
    assert "<a " not in empty.text
    assert upload(net, nexus, (name, data)).status_code == 200
    assert '<a href="demo/">demo</a><br/>' in page(net, nexus.simple_url).text
    listed = page(net, nexus.simple_url + "demo/")
    assert (
        f'<a href="../../packages/demo/1.0/{name}#sha256={sha256(data)}" rel="internal">'
        in listed.text
    )
    for content in (data, sdist(payload="other")[1]):
        dup = upload(net, nexus, (name, content))
        assert dup.status_code == 400
        assert dup.reason_phrase == f"pypi-hosted/packages/demo/1.0/{name} cannot be updated"
        assert '<div class="content-section">' in dup.text
    nexus.set_option("duplicate_message", "older")
    old = upload(net, nexus, (name, data))
    assert old.reason_phrase == "Bad Request"
    assert "Repository does not allow updating assets: pypi-hosted" in old.text
    nexus.set_option("allow_redeploy", True)
    other = sdist(payload="redeployed")[1]
    assert upload(net, nexus, (name, other)).status_code == 200
    assert nexus.files("demo") == {name: sha256(other)}
    bad = upload(net, nexus, (name, data), auth=("deployer", "nope"))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'BASIC realm="Sonatype Nexus Repository Manager"'


def test_nexus_md5_pages_stale_cache_and_group(net: Net) -> None:
    nexus = net.get(Nexus, "Nexus")
    name, data = sdist()
    nexus.set_option("hash_fragment", "md5")
    upload(net, nexus, (name, data))
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert f"#md5={md5}" in page(net, nexus.simple_url + "demo/").text
    nexus.set_option("hash_fragment", "sha256")  # upgraded: the cached page keeps md5
    assert f"#md5={md5}" in page(net, nexus.simple_url + "demo/").text
    upload(net, nexus, wheel())  # an upload drops the cached index
    assert f"#sha256={sha256(data)}" in page(net, nexus.simple_url + "demo/").text
    proxied, proxied_data = sdist("demo", "0.9", payload="from pypi")
    nexus.seed(proxied, proxied_data, repo="pypi-proxy")
    nexus.seed(name, b"pypi's own bytes", repo="pypi-proxy")
    group = page(net, nexus.group_simple_url + "demo/").text
    assert f"#sha256={sha256(proxied_data)}" in group and "../../packages/" in group
    assert group.count(f">{name}<") == 1 and f"#sha256={sha256(data)}" in group  # hosted wins
    assert upload(net, nexus, (name, data), url=nexus.base + "pypi-group/").status_code == 400
    nexus.set_option("anonymous_read", False)
    assert page(net, nexus.simple_url + "demo/").status_code == 401


# -- Artifactory ----------------------------------------------------------------------------------


def test_artifactory_upload_duplicates_and_users(net: Net) -> None:
    art = net.get(Artifactory)
    name, data = sdist()
    assert upload(net, art, (name, data), auth=("", art.token)).status_code == 200
    listed = page(net, art.simple_url + "demo/", auth=art.auth)
    assert (
        f'<a href="../../demo/1.0/{name}#sha256={sha256(data)}" rel="internal" >{name}</a>'
        in listed.text
    )
    for content in (data, sdist(payload="other")[1]):
        dup = upload(net, art, (name, content))
        assert dup.status_code == 403
        assert dup.json() == {
            "errors": [
                {
                    "status": 403,
                    "message": (
                        "Not enough permissions to delete/overwrite all artifacts under "
                        f"'pypi-local:demo/1.0/{name}' (user: 'ci-deployer' needs DELETE "
                        "permission)."
                    ),
                }
            ]
        }
    art.grant_delete("ci-deployer")
    other = sdist(payload="overwritten")[1]
    assert upload(net, art, (name, other)).status_code == 200
    assert art.files("demo") == {name: sha256(other)}
    assert upload(net, art, (name, data), auth=("__token__", art.token)).status_code == 401
    assert page(net, art.simple_url + "demo/").status_code == 401


def test_artifactory_virtual_aggregates_remote(net: Net) -> None:
    art = net.get(Artifactory)
    upload(net, art, sdist())
    remote_name, remote = wheel(payload="pypi")
    art.seed(remote_name, remote, repo=Artifactory.REMOTE)
    listed = page(net, art.virtual_simple_url + "demo/", auth=art.auth).text
    assert "../../demo/1.0/demo-1.0.tar.gz#sha256=" in listed
    assert f"../../packages/packages/{blake2(remote)[:2]}/" in listed
    assert art.files("demo") == {"demo-1.0.tar.gz": sha256(sdist()[1])}


# -- Google Artifact Registry ---------------------------------------------------------------------


def test_google_artifact_registry(net: Net) -> None:
    gar = net.get(GoogleArtifactRegistry)
    name, data = sdist()
    assert gar.upload_url == "https://us-central1-python.pkg.dev/acme-prod/python-internal/"
    assert upload(net, gar, (name, data)).status_code == 200
    assert upload(net, gar, wheel(), auth=("_json_key_base64", gar.key_base64)).status_code == 200
    assert upload(net, gar, wheel(), auth=("__token__", gar.access_token)).status_code == 401
    for content in (data, sdist(payload="other")[1]):
        dup = upload(net, gar, (name, content))
        assert (dup.status_code, dup.reason_phrase) == (400, "Bad Request")
        assert dup.text == "Requested entity already exists.\n"
    assert page(net, gar.simple_url + "demo/").status_code == 401
    listed = page(net, gar.simple_url + "demo/", auth=gar.auth).text
    assert f"#sha256={sha256(data)}" in listed


# -- AWS CodeArtifact -----------------------------------------------------------------------------


def test_codeartifact(net: Net) -> None:
    ca = net.get(CodeArtifact)
    name, data = sdist()
    assert upload(net, ca, (name, data)).status_code == 200
    assert upload(net, ca, (name, data)).status_code == 200  # identical checksum: success
    assert upload(net, ca, (name, sdist(payload="x")[1])).status_code == 409
    assert upload(net, ca, (name, data), auth=("admin", ca.token)).status_code == 401
    assert page(net, ca.simple_url + "demo/").status_code == 401
    listed = page(net, ca.simple_url + "demo/", auth=ca.auth)
    assert f'href="1.0/{name}#sha256={sha256(data)}"' in listed.text
    ca.set_option("max_assets_per_version", 2)
    assert upload(net, ca, wheel()).status_code == 200
    quota = upload(net, ca, ("demo-1.0-py2-none-any.whl", b"PK\x03\x04"))
    assert quota.status_code == 402
    assert quota.json()["__type"] == "ServiceQuotaExceededException"


# -- Azure Artifacts -------------------------------------------------------------------------------


def test_azure_artifacts(net: Net) -> None:
    azure = net.get(AzureArtifacts)
    name, data = sdist()
    assert azure.upload_url == (
        "https://pkgs.dev.azure.com/acme/platform/_packaging/python-internal/pypi/upload/"
    )
    assert upload(net, azure, (name, data), auth=("anything", azure.pat)).status_code == 200
    for content in (data, sdist(payload="other")[1]):
        dup = upload(net, azure, (name, content), url=azure.upload_url.rstrip("/"))
        assert dup.status_code == 409
        assert dup.reason_phrase.startswith(
            f"Conflict - The feed 'python-internal' already "
            f"contains file '{name}' in package 'demo 1.0'. "
            "(DevOps Activity ID: "
        )
        assert dup.json()["typeKey"] == "PackageExistsException"
    meta = upload(net, azure, wheel(), metadata_version="2.3")
    assert meta.status_code == 400
    assert meta.reason_phrase.startswith(
        "Bad Request - Metadata version '2.3' is unsupported. "
        "Supported versions are: 1.0,1.1,1.2,2.0,2.1. (DevOps"
    )
    assert meta.json()["typeKey"] == "InvalidPackageException"
    azure.set_option("supported_metadata_versions", ("2.1", "2.3", "2.4"))
    assert upload(net, azure, wheel(), metadata_version="2.3").status_code == 200
    assert page(net, azure.simple_url + "demo/").status_code == 401
    assert upload(net, azure, wheel(), auth=("build-agent", "wrong-pat")).status_code == 401
    legacy = page(net, azure.legacy_simple_url + "demo/", auth=azure.auth)
    assert f"#sha256={sha256(data)}" in legacy.text
    azure.delete(name)
    assert upload(net, azure, (name, data)).status_code == 409  # immutable even when deleted


# -- Cloudsmith -----------------------------------------------------------------------------------


def test_cloudsmith_asynchronous_processing(net: Net) -> None:
    smith = net.get(Cloudsmith)
    smith.set_option("sync_delay", 0.4)
    name, data = sdist()
    assert upload(net, smith, (name, data), auth=("__token__", smith.api_key)).status_code == 200
    assert page(net, smith.simple_url + "demo/", auth=smith.auth).status_code == 404
    assert smith.pending() == [name]
    time.sleep(0.45)
    listed = page(net, smith.simple_url + "demo/", auth=smith.auth)
    assert listed.status_code == 200 and f"#sha256={sha256(data)}" in listed.text
    other = sdist(payload="re-pushed")[1]
    assert upload(net, smith, (name, other)).status_code == 200  # accepted at first
    time.sleep(0.45)
    assert smith.files("demo") == {name: sha256(data)}
    assert smith.sync_failures and smith.sync_failures[0][0] == name
    smith.set_option("replace_packages", True)
    smith.set_option("sync_delay", 0)
    assert upload(net, smith, (name, other)).status_code == 200
    assert smith.files("demo") == {name: sha256(other)}


def test_cloudsmith_read_paths(net: Net) -> None:
    smith = net.get(Cloudsmith)
    smith.set_option("sync_delay", 0)
    upload(net, smith, sdist(), auth=("release-bot", smith.api_key))
    assert page(net, smith.simple_url + "demo/").status_code == 401
    assert page(net, smith.public_simple_url + "demo/").status_code == 404
    assert page(net, smith.entitled_simple_url + "demo/").status_code == 200
    smith.set_option("public", True)
    assert page(net, smith.public_simple_url + "demo/").status_code == 200
    assert upload(net, smith, wheel(), auth=("token", "wrong")).status_code == 401


# -- Gitea / Forgejo ------------------------------------------------------------------------------


def test_gitea_and_forgejo(net: Net) -> None:
    gitea = net.get(Gitea, "Gitea")
    forgejo = net.get(Gitea, "Forgejo")
    name, data = sdist(requires_python=">=3.8")
    missing = upload(net, gitea, (name, data), sha256_digest=None)
    assert (missing.status_code, missing.text) == (400, "hash mismatch")
    assert upload(net, gitea, (name, data), requires_python=">=3.8").status_code == 201
    listed = page(net, gitea.simple_url + "demo/").text
    assert (
        f'<a href="{gitea.upload_url}/files/demo/1.0/{name}#sha256={sha256(data)}" '
        f'data-requires-python="&gt;=3.8">' in listed
    )
    dup = upload(net, gitea, (name, data))
    assert (dup.status_code, dup.text) == (400, "package file already exists")
    assert upload(net, forgejo, (name, data)).status_code == 201
    assert forgejo.upload_url == "https://codeberg.org/api/packages/acme/pypi"
    assert upload(net, forgejo, (name, data)).status_code == 409
    gitea.set_option("flavour", "old")
    assert f"#sha256-{sha256(data)}" in page(net, gitea.simple_url + "demo/").text
    anonymous = upload(net, gitea, wheel(), auth=None)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="Gitea Package API"'
    assert upload(net, gitea, wheel(), auth=("releaser", "wrong")).status_code == 401
    token = gitea.auth[1]  # a token authenticates as its owner, whatever user name comes along
    assert upload(net, gitea, wheel(), auth=("__token__", token)).status_code == 201
    assert upload(net, forgejo, wheel(), auth=(token, "")).status_code == 201
    assert (
        upload(net, gitea, wheel("other"), auth=("__token__", "releaser-password")).status_code
        == 401
    )
    gitea.set_option("private_owner", True)
    assert page(net, gitea.simple_url + "demo/").status_code == 401


# -- Gemfury --------------------------------------------------------------------------------------


def test_gemfury(net: Net) -> None:
    fury = net.get(Gemfury)
    name, data = sdist()
    assert upload(net, fury, (name, data), auth=(fury.push_token, "")).status_code == 200
    assert upload(net, fury, (name, data)).status_code == 409
    assert upload(net, fury, (name, sdist(payload="other")[1])).status_code == 409
    assert page(net, fury.simple_url + "demo/").status_code == 401
    assert upload(net, fury, wheel(), auth=None).status_code == 401
    listed = page(net, fury.simple_url + "demo/", auth=(fury.read_token, ""))
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert f"#md5={md5}" in listed.text


# -- race hooks -----------------------------------------------------------------------------------


def test_race_after_the_check(net: Net) -> None:
    gitlab = net.get(GitLab)
    name, data = sdist()
    other = sdist(payload="another job")[1]
    gitlab.race("after_get", name, other)
    first = page(net, gitlab.simple_url + "demo/", auth=gitlab.auth)
    assert first.status_code == 302  # the check saw nothing (forwarded to PyPI) ...
    dup = upload(net, gitlab, (name, data))
    assert dup.status_code == 400  # ... and the upload collides with the other job's file
    listed = page(net, gitlab.simple_url + "demo/", auth=gitlab.auth).text
    assert f"#sha256={sha256(other)}" in listed


def test_race_on_a_cached_nexus_page(net: Net) -> None:
    nexus = net.get(Nexus, "Nexus")
    nexus.seed(*wheel())
    assert page(net, nexus.simple_url + "demo/").status_code == 200  # cached from now on
    name, other = sdist(payload="another job")
    nexus.race("after_get", name, other)
    assert name not in page(net, nexus.simple_url + "demo/").text
    assert f"#sha256={sha256(other)}" in page(net, nexus.simple_url + "demo/").text


def test_race_just_before_the_upload(net: Net) -> None:
    pypi = net.get(Warehouse, "PyPI")
    name, data = sdist()
    pypi.race("before_upload", name, data)
    assert upload(net, pypi, (name, data)).status_code == 200  # same bytes: PyPI's no-op
    calls: list[str] = []
    pypi.add_hook("before_upload", lambda: calls.append("fired"), project="demo")
    pypi.race("before_upload", "demo-2.0.tar.gz", sdist(version="2.0", payload="x")[1])
    raced = upload(net, pypi, sdist(version="2.0"))
    assert raced.status_code == 400 and raced.reason_phrase.startswith("File already exists")
    assert calls == ["fired"]
    assert json.loads(page(net, "https://pypi.org/simple/demo/", accept=PEP691).text)[
        "versions"
    ] == ["1.0", "2.0"]
