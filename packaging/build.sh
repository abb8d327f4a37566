#!/usr/bin/env bash
# Build the Linux offline bundle: dist/reviewer-workstation/ and
# dist/reviewer-workstation-<version>-linux-<arch>.tar.gz, then check its file list.
#
#   packaging/build.sh [PYTHON]      (default: .venv/bin/python; `make bundle` calls this)
#
# The catalogue must be compiled first (`make catalog`): the bundle ships only the .mo.
# Needs the `bundle` extra (pip install -e '.[bundle]'). Work files go to build/bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
NAME=reviewer-workstation
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
ARCH=$(uname -m)
DIST=${BUNDLE_DIST:-dist}
WORK=${BUNDLE_WORK:-build/bundle}

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/reviewer.spec

# ICU's data library (libicudata.so.NN from PySide6, 30.6 MiB) down to the collation
# data Qt's file dialog sorts Chinese and English names with (1.5 MiB): icu_data.py.
# Needs binutils (as, ld). Should it meet a library it does not understand, it says why
# and leaves it as it was: the bundle then works as before, only bigger.
if ! "$PY" packaging/icu_data.py trim "$DIST/$NAME"; then
  echo "WARNING: the ICU data was NOT trimmed; the bundle carries all 30 MiB of it" >&2
fi

"$PY" packaging/bundle_config.py check "$DIST/$NAME"

TARBALL="$DIST/$NAME-$VERSION-linux-$ARCH.tar.gz"
tar -C "$DIST" -czf "$TARBALL" "$NAME"
echo "bundle: $DIST/$NAME ($(du -sh "$DIST/$NAME" | cut -f1) on disk)"
echo "archive: $TARBALL ($(du -sh "$TARBALL" | cut -f1))"
