#!/usr/bin/env bash
# Prepare this checkout to run Tandem (or, with --test, to run its tests).
#
# Idempotent and non-interactive; a second run only checks and takes a few seconds.
#   1. Debian packages, installed only when missing: gettext (compilemessages),
#      fonts-wqy-microhei (Chinese in PDFs), with --test also chromium (browser tests)
#      and poppler-utils (pdftotext: the document tests read the text of generated PDFs).
#      postgresql-client (pg_dump for backups) with --test or a postgres:// DATABASE_URL.
#   2. uv: the one on PATH, else a private copy in .tools/.
#   3. .venv from uv.lock (uv sync --frozen; --test adds the dev extra), compiled to bytecode,
#      and the project's own modules too: Python images often set PYTHONDONTWRITEBYTECODE=1 (this
#      machine's does), and then every process — each test worker, each server or worker a test
#      starts — compiles Django and Tandem from source again: 11 s of CPU for `manage.py check`
#      against 4 s from bytecode.
#   4. Compiled translations.
set -euo pipefail

UV_VERSION=0.13.8
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never

with_tests=false
for argument in "$@"; do
    case "$argument" in
        --test) with_tests=true ;;
        -h | --help)
            echo "usage: scripts/setup.sh [--test]"
            exit 0
            ;;
        *)
            echo "setup.sh: unknown option $argument (usage: scripts/setup.sh [--test])" >&2
            exit 2
            ;;
    esac
done

say() { printf 'setup: %s\n' "$*"; }

python_for_tools() {
    command -v python3.11 || command -v python3
}

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -n "$@"
    else
        echo "setup.sh: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

install_debian_packages() {
    local wanted=(gettext fonts-wqy-microhei)
    $with_tests && wanted+=(chromium poppler-utils)
    # pg_dump/pg_restore: `tandem backup` on PostgreSQL, and the backup tests (a local server).
    if { $with_tests || [[ "${DATABASE_URL:-}" == postgres* ]]; } && ! command -v pg_dump >/dev/null; then
        wanted+=(postgresql-client)
    fi
    # A venv for .tools needs ensurepip, which Debian ships separately.
    if ! find_uv >/dev/null && ! "$(python_for_tools)" -c "import ensurepip" 2>/dev/null; then
        wanted+=(python3-venv)
    fi
    local missing=()
    for package in "${wanted[@]}"; do
        is_installed "$package" || missing+=("$package")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "setup.sh: please install ${missing[*]} (no apt-get here)" >&2
        return 1
    fi
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

find_uv() {
    if [ -x "$PROJECT_DIR/.tools/bin/uv" ]; then
        echo "$PROJECT_DIR/.tools/bin/uv"
    else
        command -v uv
    fi
}

install_uv() {
    say "installing uv $UV_VERSION into .tools/"
    "$(python_for_tools)" -m venv "$PROJECT_DIR/.tools"
    "$PROJECT_DIR/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
}

sync_environment() {
    local uv=$1
    if $with_tests; then
        "$uv" sync --frozen --quiet --compile-bytecode --extra dev
    else
        # --inexact: keep the dev tools of an earlier `setup.sh --test`.
        "$uv" sync --frozen --quiet --compile-bytecode --inexact
    fi
    .venv/bin/python -m compileall -q -j 0 src/tandem >/dev/null
}

compile_translations() {
    if [ -d src/tandem/locale ]; then
        .venv/bin/python manage.py compilemessages --ignore .venv --ignore .tools --verbosity 0
    fi
}

cd "$PROJECT_DIR"
install_debian_packages
uv_bin="$(find_uv)" || { install_uv && uv_bin="$PROJECT_DIR/.tools/bin/uv"; }
sync_environment "$uv_bin"
compile_translations
say "ready"
