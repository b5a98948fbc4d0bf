# Sourced by the benchmark scripts, from the repository's root: `prepare IMPORTS PACKAGE...` makes
# bench/.venv with the Python packages of a peer (installed unless `python -c IMPORTS` works),
# builds every binary in one release build (features then unify the same way every time) and
# sets `target` to the folder of the release binaries.
prepare() {
    local imports="$1"
    shift
    if [ ! -x bench/.venv/bin/python ]; then
        python3 -m venv bench/.venv
    fi
    bench/.venv/bin/python -c "$imports" 2>/dev/null || bench/.venv/bin/pip install --quiet "$@"
    cargo build --release --workspace --bins
    target="${CARGO_TARGET_DIR:-target}/release"
}
