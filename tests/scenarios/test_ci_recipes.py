"""Issue 13, item 7: docs/usage.md's recipes for GitLab CI, Jenkins, Buildkite and CircleCI, run
as written.

Each recipe is read from docs/usage.md at collection time and the part that runs in the job is
run: GitLab's `script:`, Jenkins' `sh` steps, Buildkite's `command:`, CircleCI's `run:`, each
with the variables that CI sets (cited below) and the CI's own steps played by small stand-ins:

* the image (`ghcr.io/org/publish-action:1`) is the `image` fixture: a virtual environment from
  the same hash lock plus the entry point, as the Dockerfile builds it (no Docker here). Its
  `python` maps `/app/` to that copy; `docker run` is a stand-in that parses the recipe's
  arguments (`-e NAME`, `-v SRC:DST`, `--user`), mounts by mapping `/work` paths, passes only
  the named variables and records the `--user` it was given;
* `buildkite-agent artifact download` copies from a stand-in artifact store and
  `buildkite-agent secret get` prints the secret; GitLab's `needs:` artifacts, CircleCI's
  `attach_workspace` and Jenkins' checkout are the built files put where the CI puts them.

PyPI is the Warehouse stand-in at its real URL behind FakeInternet (the container's network is
the proxy and the test CA), because every recipe publishes to PyPI: no recipe is edited to
reach the index. What PyPI stores is read from the stand-in.

Trusted publishing is offered only where PyPI supports it (GitHub Actions, GitLab CI/CD, Google
Cloud, ActiveState: https://docs.pypi.org/trusted-publishers/); GitLab's `id_tokens:` path is
exercised in test_trusted_publishing_e2e.py, the token path here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.scenarios.conftest import Image, image_env
from tests.scenarios.test_action import posix_only, sha256
from tests.support.indexes.network import FakeInternet
from tests.support.indexes.warehouse import PYPI_TOKEN, Warehouse
from tests.support.samples import build_project

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "ghcr.io/org/publish-action:1"
TAG = "v1.0.0"
REPORT = "publish-report.json"
PROJECT_PREFIX = "ci-recipe"


def recipes() -> dict[str, list[tuple[str, str]]]:
    """heading → (language, code) of each block, for the four CI sections of docs/usage.md."""
    text = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    found = {}
    for heading in ("GitLab CI", "Jenkins", "Buildkite", "CircleCI"):
        marker = f"\n### {heading}\n"
        assert text.count(marker) == 1, heading
        section = text.split(marker, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        found[heading] = re.findall(r"^```(\w*)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    return found


RECIPES = recipes()


def test_every_recipe_block_is_run_here() -> None:
    assert {h: [lang for lang, _ in blocks] for h, blocks in RECIPES.items()} == {
        "GitLab CI": ["yaml"],
        "Jenkins": ["groovy", "groovy"],
        "Buildkite": ["yaml"],
        "CircleCI": ["yaml"],
    }


def test_trusted_publishing_is_suggested_only_where_pypi_supports_it() -> None:
    for heading in ("Jenkins", "Buildkite", "CircleCI"):
        for _, code in RECIPES[heading]:
            assert "oidc" not in code.lower() and "id_token" not in code.lower(), heading
            assert "mount-buildkite-agent" not in code
    for doc in ("README.md", "docs/usage.md"):
        text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
        assert "GitHub Actions, GitLab CI/CD, Google Cloud and ActiveState" in text, doc


# -- the stand-ins ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def internet() -> Iterator[tuple[FakeInternet, Warehouse]]:
    pypi = Warehouse()
    with FakeInternet(pypi) as net:
        yield net, pypi


@dataclass
class Job:
    """One CI job's machine: a workspace, the image, the tools on PATH, what the job recorded."""

    tmp: Path
    image: Image
    net: FakeInternet
    built: list[Path]

    def __post_init__(self) -> None:
        self.workspace = self.tmp / "workspace"
        self.bin = self.tmp / "bin"
        self.home = self.tmp / "home"
        self.artifacts = self.tmp / "artifact-store"
        self.docker_log = self.tmp / "docker-runs.jsonl"
        for folder in (self.workspace, self.bin, self.home, self.artifacts / "dist"):
            folder.mkdir(parents=True)
        for path in self.built:
            shutil.copy2(path, self.artifacts / "dist" / path.name)
        self._tool("docker", _DOCKER)
        self._tool("buildkite-agent", _BUILDKITE_AGENT)

    def _tool(self, name: str, source: str) -> None:
        path = self.bin / name
        path.write_text(f"#!{sys.executable}\n{source}", encoding="utf-8")
        path.chmod(0o755)

    def put_dist(self, folder: Path) -> None:
        (folder / "dist").mkdir(parents=True, exist_ok=True)
        for path in self.built:
            shutil.copy2(path, folder / "dist" / path.name)

    def network(self) -> dict[str, str]:
        return self.net.env()

    def host_env(self, ci: dict[str, str]) -> dict[str, str]:
        """An agent's shell: the machine's PATH (with docker and the CI's agent), the CI's
        variables, and what the stand-ins need to know."""
        env = {
            "PATH": os.pathsep.join([str(self.bin), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "FAKE_DOCKER": json.dumps(
                {
                    "image": IMAGE,
                    "python": str(self.image.python),
                    "app": str(self.image.app),
                    "env": image_env(self.home / "container"),
                    "network": self.network(),
                    "log": str(self.docker_log),
                }
            ),
            "FAKE_ARTIFACTS": str(self.artifacts),
            "FAKE_SECRETS": json.dumps({"pypi_token": PYPI_TOKEN}),
        }
        env.update(ci)
        return env

    def in_image_env(self, ci: dict[str, str]) -> dict[str, str]:
        """A job that runs inside the image (GitLab, CircleCI, a Jenkins docker agent): the
        image's ENV, its `python` first on PATH, the CI's variables, the network."""
        python = self.bin / "image-python" / "python"
        python.parent.mkdir(exist_ok=True)
        python.write_text(
            "#!/bin/bash\n"
            f'app="{self.image.app}"\n'
            'args=(); for a in "$@"; do args+=("${a/#\\/app\\//$app/}"); done\n'
            f'exec "{self.image.python}" "${{args[@]}}"\n',
            encoding="utf-8",
        )
        python.chmod(0o755)
        env = image_env(self.home)
        env["PATH"] = os.pathsep.join([str(python.parent), env["PATH"]])
        env.update(self.network())
        env.update(ci)
        return env

    def docker_runs(self) -> list[dict[str, Any]]:
        if not self.docker_log.exists():
            return []
        lines = self.docker_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def sh(script: str, cwd: Path, env: dict[str, str], *shell: str) -> str:
    proc = subprocess.run(
        [*(shell or ("bash", "-e", "-c")), script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return output


@pytest.fixture
def job(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    image: Image,
    internet: tuple[FakeInternet, Warehouse],
) -> Iterator[Job]:
    net, pypi = internet
    pypi.reset()
    net.clear_log()
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())
    project = f"{PROJECT_PREFIX}-{name}"[:60].strip("-")
    built = build_project(tmp_path / "build", project, "1.0.0")
    job = Job(tmp_path, image, net, built)
    yield job
    assert not net.errors, net.errors
    assert not net.unexpected, [e.host for e in net.unexpected]
    # What PyPI holds, read from the stand-in: the recipe really published there.
    assert pypi.files(project) == {p.name: sha256(p) for p in built}


def assert_report(path: Path) -> None:
    report = json.loads(path.read_text(encoding="utf-8"))
    assert {f["status"] for f in report["files"]} == {"uploaded"}


def assert_no_secret(output: str) -> None:
    assert PYPI_TOKEN not in output


# -- GitLab CI --------------------------------------------------------------------------------


@pytest.mark.slow
@posix_only
def test_gitlab(job: Job) -> None:
    ((_, code),) = RECIPES["GitLab CI"]
    publish = yaml.safe_load(code)["publish"]
    assert publish["image"] == {"name": IMAGE, "entrypoint": [""]}
    assert publish["rules"] == [{"if": "$CI_COMMIT_TAG"}]
    project_dir = job.workspace
    job.put_dist(project_dir)  # `needs: [build]`: its artifacts, in the project directory
    # GitLab's predefined variables (https://docs.gitlab.com/ci/variables/predefined_variables/)
    # for a tag pipeline, the ID tokens `id_tokens:` declares, and the masked CI/CD variable.
    ci = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(project_dir),
        "CI_COMMIT_TAG": TAG,
        "CI_JOB_ID": "4242",
        "CI_JOB_TOKEN": "glcbt-64_job-token",
        "CI_PROJECT_ID": "77",
        "CI_SERVER_URL": "https://gitlab.example.com",
        "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
        "INPUT_PASSWORD": PYPI_TOKEN,
    }
    for variable, spec in publish["id_tokens"].items():
        ci[variable] = f"eyJhbGciOiJSUzI1NiJ9.{spec['aud']}-id-token.c2ln"
    env = job.in_image_env(ci)
    output = "".join(sh(line, project_dir, env, "bash", "-e", "-c") for line in publish["script"])
    assert_no_secret(output)
    assert publish["artifacts"]["paths"] == [REPORT]
    assert_report(project_dir / REPORT)


# -- Jenkins ----------------------------------------------------------------------------------


def jenkins_env(workspace: Path, groovy: str) -> dict[str, str]:
    """Jenkins' variables for a build
    (https://www.jenkins.io/doc/book/pipeline/jenkins-pipeline/#using-environment-variables)
    and `withCredentials([string(...)])`'s variable holding the secret text."""
    (variable,) = re.findall(r"string\(credentialsId: '[^']+', variable: '([A-Z_]+)'\)", groovy)
    return {
        "JENKINS_URL": "https://jenkins.example.com/",
        "JENKINS_HOME": "/var/jenkins_home",
        "JOB_NAME": "release",
        "BUILD_ID": "12",
        "BUILD_NUMBER": "12",
        "BUILD_TAG": "jenkins-release-12",
        "BUILD_URL": "https://jenkins.example.com/job/release/12/",
        "EXECUTOR_NUMBER": "0",
        "NODE_NAME": "agent-1",
        "WORKSPACE": str(workspace),
        variable: PYPI_TOKEN,
    }


def sh_steps(groovy: str) -> list[str]:
    """The `sh` steps of a Declarative Pipeline: '''...''' blocks and '...' one-liners."""
    blocks = re.findall(r"sh '''\n(.*?)'''", groovy, re.DOTALL)
    return blocks or re.findall(r"sh '([^']*)'", groovy)


@pytest.mark.slow
@posix_only
def test_jenkins_with_docker_on_the_agent(job: Job) -> None:
    _, groovy = RECIPES["Jenkins"][0]
    assert "agent any" in groovy
    job.put_dist(job.workspace)  # the checkout and the build stage's dist/
    env = job.host_env(jenkins_env(job.workspace, groovy))
    # Jenkins runs `sh` steps as `sh -xe`; `-x` would echo commands, not secrets (single quotes).
    output = "".join(sh(step, job.workspace, env, "sh", "-e", "-c") for step in sh_steps(groovy))
    assert_no_secret(output)
    (run,) = job.docker_runs()
    assert run["user"] == f"{os.getuid()}:{os.getgid()}"  # the report is written as the agent
    assert "archiveArtifacts artifacts: 'publish-report.json'" in groovy
    assert_report(job.workspace / REPORT)


@pytest.mark.slow
@posix_only
def test_jenkins_with_the_agent_in_the_container(job: Job) -> None:
    _, groovy = RECIPES["Jenkins"][1]
    assert f"image '{IMAGE}'" in groovy and "args '--entrypoint=\"\"'" in groovy
    job.put_dist(job.workspace)
    # The Docker Pipeline plugin runs the image with the agent's uid, the workspace at its own
    # path as working directory, and gives `sh` steps the build's environment (docker exec).
    env = job.in_image_env(jenkins_env(job.workspace, groovy))
    output = "".join(sh(step, job.workspace, env, "sh", "-e", "-c") for step in sh_steps(groovy))
    assert_no_secret(output)
    assert_report(job.workspace / REPORT)


# -- Buildkite --------------------------------------------------------------------------------


@pytest.mark.slow
@posix_only
def test_buildkite(job: Job) -> None:
    ((_, code),) = RECIPES["Buildkite"]
    (step,) = yaml.safe_load(code)["steps"]
    assert step["if"] == "build.tag != null"
    checkout = job.workspace  # nothing of dist/ here: the build step uploaded it as artifacts
    # Buildkite's variables for a job of a tag build
    # (https://buildkite.com/docs/pipelines/configure/environment-variables).
    ci = {
        "CI": "true",
        "BUILDKITE": "true",
        "BUILDKITE_TAG": TAG,
        "BUILDKITE_BUILD_NUMBER": "31",
        "BUILDKITE_JOB_ID": "0190c1d4-0000-0000-0000-000000000000",
        "BUILDKITE_PIPELINE_SLUG": "release",
        "BUILDKITE_AGENT_NAME": "agent-1",
        "BUILDKITE_BUILD_CHECKOUT_PATH": str(checkout),
    }
    # The agent runs a command step's script with bash -e -c.
    output = sh(step["command"], checkout, job.host_env(ci), "bash", "-e", "-c")
    assert_no_secret(output)
    (run,) = job.docker_runs()
    assert run["user"] == f"{os.getuid()}:{os.getgid()}"
    assert step["artifact_paths"] == REPORT
    assert_report(checkout / REPORT)


# -- CircleCI ---------------------------------------------------------------------------------


@pytest.mark.slow
@posix_only
def test_circleci(job: Job) -> None:
    ((_, code),) = RECIPES["CircleCI"]
    config = yaml.safe_load(code)
    jobs, workflow = config["jobs"], config["workflows"]["release"]["jobs"]
    names = [next(iter(entry)) for entry in workflow]
    assert set(names) <= set(jobs), "a workflow job that is not defined"
    assert workflow[1]["publish"]["requires"] == ["build"]
    persisted = next(s for s in jobs["build"]["steps"] if "persist_to_workspace" in s)
    assert persisted["persist_to_workspace"] == {"root": ".", "paths": ["dist"]}
    publish = jobs["publish"]
    assert publish["docker"] == [{"image": IMAGE}]
    # working_directory: where the job runs; /tmp is writable by the image's user.
    assert publish["working_directory"].startswith("/tmp/")  # noqa: S108 - the recipe's
    working = job.tmp / "circleci-working-directory"
    working.mkdir()
    # CircleCI's built-in variables (https://circleci.com/docs/reference/variables/) for the
    # publish job of a tag build, and the `pypi` context's variable.
    ci = {
        "CI": "true",
        "CIRCLECI": "true",
        "CIRCLE_JOB": "publish",
        "CIRCLE_TAG": TAG,
        "CIRCLE_BUILD_NUM": "58",
        "CIRCLE_PROJECT_REPONAME": "project",
        "CIRCLE_WORKING_DIRECTORY": publish["working_directory"],
        "INPUT_PASSWORD": PYPI_TOKEN,
    }
    env = job.in_image_env(ci)
    output = ""
    for step in publish["steps"]:
        if "attach_workspace" in step:
            assert step["attach_workspace"] == {"at": "."}
            job.put_dist(working)  # build's persisted dist/, attached at the working directory
        elif "run" in step:
            output += sh(step["run"], working, env, "bash", "-e", "-c")
        elif "store_artifacts" in step:
            assert step["store_artifacts"] == {"path": REPORT}
        else:
            raise AssertionError(f"a step the test does not model: {step}")
    assert_no_secret(output)
    assert_report(working / REPORT)


# -- the stand-ins' sources (run with this interpreter) ---------------------------------------

_DOCKER = r'''
"""`docker run` for the image stand-in: -e, -v, --user, --rm; anything else is refused."""
import json, os, subprocess, sys

config = json.loads(os.environ["FAKE_DOCKER"])
args = sys.argv[1:]
assert args[0] == "run", args
args = args[1:]
env, mounts, user = dict(config["env"]), {}, None
while args and args[0].startswith("-"):
    flag = args.pop(0)
    if flag == "--rm":
        continue
    value = args.pop(0)
    if flag == "-e":
        name, _, given = value.partition("=")
        if _ or name in os.environ:
            env[name] = given if _ else os.environ[name]
    elif flag == "-v":
        source, target = value.split(":")[:2]
        mounts[target] = source
    elif flag == "--user":
        user = value
    else:
        sys.exit(f"docker stand-in: unsupported flag {flag}")
image, command = args[0], args[1:]
if image != config["image"]:
    sys.exit(f"docker stand-in: unknown image {image}")
def host(path):
    for target, source in mounts.items():
        if path == target or path.startswith(target + "/"):
            return source + path[len(target):]
    return path
env.update(config["network"])  # the container's network reaches the stand-in index
with open(config["log"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"user": user, "mounts": mounts, "command": command}) + "\n")
cwd = host("/work")  # the image's WORKDIR
entry = os.path.join(config["app"], "entrypoint.py")
proc = subprocess.run([config["python"], entry, *map(host, command)], cwd=cwd, env=env)
sys.exit(proc.returncode)
'''

_BUILDKITE_AGENT = r'''
"""`buildkite-agent artifact download GLOB DEST` and `buildkite-agent secret get KEY`."""
import glob, json, os, shutil, sys

args = sys.argv[1:]
if args[:2] == ["artifact", "download"]:
    pattern, dest = args[2], args[3]
    store = os.environ["FAKE_ARTIFACTS"]
    found = glob.glob(os.path.join(store, pattern))
    if not found:
        sys.exit(f"buildkite-agent stand-in: no artifacts match {pattern}")
    for path in found:
        target = os.path.join(dest, os.path.relpath(path, store))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(path, target)
elif args[:2] == ["secret", "get"]:
    print(json.loads(os.environ["FAKE_SECRETS"])[args[2]])
else:
    sys.exit(f"buildkite-agent stand-in: unsupported {args}")
'''
