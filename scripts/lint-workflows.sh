#!/usr/bin/env bash
# Lint the GitHub Actions workflows, the composite action and the Dockerfile.
# Installs nothing: the tools come from requirements/dev.txt and must be on PATH.
# Every tool runs offline (zizmor with --offline); any finding fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=(actionlint jactionlint zizmor check-jsonschema hadolint shellcheck)
missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "lint-workflows: not on PATH: ${missing[*]}" >&2
  echo "install them with: python -m pip install -r requirements/dev.txt" >&2
  exit 2
fi

workflows=(.github/workflows/*.yml)
failed=()
run() {
  echo "--- $*"
  if ! "$@"; then
    failed+=("$1")
  fi
}

run actionlint -shellcheck "$(command -v shellcheck)" "${workflows[@]}"
run jactionlint --shellcheck "$(command -v shellcheck)" action.yml "${workflows[@]}"
run zizmor --offline --no-progress --persona regular action.yml "${workflows[@]}"
run check-jsonschema --builtin-schema vendor.github-actions action.yml
run check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
run check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
run hadolint Dockerfile
run shellcheck scripts/lint-workflows.sh action/find-python.sh

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint-workflows: findings from: ${failed[*]}" >&2
  exit 1
fi
echo "lint-workflows: no findings ($(actionlint -version | head -1); jactionlint $(jactionlint --version | head -1); $(zizmor --version); check-jsonschema $(check-jsonschema --version | awk '{print $NF}'); $(hadolint --version); shellcheck $(shellcheck --version | awk '/^version/ {print $2}'))"
