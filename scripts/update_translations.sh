#!/usr/bin/env bash
# Regenerate the translation sources (.ts) from the GUI code and compile them (.qm).
#
#   scripts/update_translations.sh            update every slimbench_<code>.ts, then compile it
#
# lupdate reads slimbench/app and slimbench/widgets (the engine is Qt-free and has no
# translatable text); -no-obsolete drops messages that left the code. New messages arrive
# unfinished: translate them (Qt Linguist, or edit the XML), then run this script again so the
# .qm that the app loads matches. tests/app/test_translations.py fails while they disagree.
#
# The tools are taken from $LUPDATE / $LRELEASE, else from the project's .venv, else from the
# folder of the `python` on PATH, else from PATH (PySide6 installs pyside6-lupdate and
# pyside6-lrelease).
set -euo pipefail
cd "$(dirname "$0")/.."

find_tool() {
    local name=$1 python_dir
    if [[ -x .venv/bin/$name ]]; then
        echo ".venv/bin/$name"
        return
    fi
    python_dir=$(dirname "$(command -v python 2>/dev/null || command -v python3)")
    if [[ -x $python_dir/$name ]]; then
        echo "$python_dir/$name"
        return
    fi
    command -v "$name" || { echo "error: $name not found (pip install PySide6)" >&2; exit 1; }
}

LUPDATE=${LUPDATE:-$(find_tool pyside6-lupdate)}
LRELEASE=${LRELEASE:-$(find_tool pyside6-lrelease)}
TRANSLATIONS=slimbench/resources/translations
SOURCES=(slimbench/app/*.py slimbench/widgets/*.py)

shopt -s nullglob
ts_files=("$TRANSLATIONS"/slimbench_*.ts)
if [[ ${#ts_files[@]} -eq 0 ]]; then
    echo "error: no $TRANSLATIONS/slimbench_<code>.ts to update" >&2
    exit 1
fi
for ts in "${ts_files[@]}"; do
    "$LUPDATE" "${SOURCES[@]}" -ts "$ts" -no-obsolete
    "$LRELEASE" "$ts" -qm "${ts%.ts}.qm"
done
