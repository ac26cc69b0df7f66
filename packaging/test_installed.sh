#!/usr/bin/env bash
# Test the installed artifact, not the source tree: build the .deb, install it, and run the
# installed `slimbench` from outside the repository with a clean environment.
#
#   bash packaging/test_installed.sh              build, unpack into a scratch root (dpkg -x)
#   bash packaging/test_installed.sh --system     build, install for real (as root: its
#                                                 dependencies by apt-get, then dpkg -i), test,
#                                                 `dpkg -r`, and check that nothing is left
#   bash packaging/test_installed.sh --no-build   test the .deb already in dist/
#
# Checks: the package's metadata and size, the .desktop file (desktop-file-validate) and the
# icons, `slimbench --self-test` offscreen (and under Xvfb with the xcb platform where
# xvfb-run and Qt's X libraries are present), a 2-process distillation, torch.compile with the
# system's C++ compiler and its eager fallback without one, the bundled ONNX Runtime (export,
# a benchmark on the onnxruntime runtime, an ort-int8-dynamic quantization), a bad command's
# one-line error, and that running the app writes nothing into its install folder.
# SLIMBENCH_BUNDLE_ONNX=0 (a package built without the `onnx` extra) skips the ONNX steps.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

BUILD=1
MODE=scratch
for arg in "$@"; do
    case "$arg" in
        --no-build) BUILD=0 ;;
        --system) MODE=system ;;
        *) echo "test_installed.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

WORK=$REPO/build/packaging-test
rm -rf "$WORK"
mkdir -p "$WORK/home" "$WORK/bin" "$WORK/no-compiler"
started_all=$(date +%s)
step() { echo; echo "== $*"; step_started=$(date +%s); }
done_step() { echo "   ok ($(( $(date +%s) - step_started )) s)"; }
fail() { echo "test_installed.sh: FAILED: $*" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
    step "build the bundle and the .deb"
    bash packaging/build.sh --no-tarball
    done_step
fi
ARCH=$(dpkg --print-architecture)
DEB=$(ls -t dist/slimbench_*_"$ARCH".deb 2>/dev/null | head -1)
[ -n "$DEB" ] || fail "no .deb in dist/; run without --no-build"

step "package metadata and size"
dpkg-deb --field "$DEB" Package Version Depends
deb_bytes=$(stat -c %s "$DEB")
[ "$deb_bytes" -lt 300000000 ] || fail "$DEB is $deb_bytes bytes, over 300 MB"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort > "$WORK/package-files"
for path in /opt/slimbench/slimbench /usr/bin/slimbench /usr/share/applications/slimbench.desktop \
            /usr/share/icons/hicolor/48x48/apps/slimbench.png \
            /usr/share/icons/hicolor/256x256/apps/slimbench.png; do
    grep -qx "$path" "$WORK/package-files" || fail "the package lacks $path"
done
if grep -E '/_internal/(tests|torch/test)/|/__pycache__/|libcud|libnccl|/torch/bin/test_' \
        "$WORK/package-files" | head -3 | grep .; then
    fail "the package carries tests, caches or CUDA libraries"
fi
BUNDLE_ONNX=${SLIMBENCH_BUNDLE_ONNX:-1}
if [ "$BUNDLE_ONNX" != 0 ]; then
    grep -q '^/opt/slimbench/_internal/onnxruntime/capi/onnxruntime_pybind11_state' \
        "$WORK/package-files" || fail "the package lacks ONNX Runtime (built with SLIMBENCH_BUNDLE_ONNX=0?)"
fi
done_step

snapshot() {  # everything the package could touch, to compare before and after
    find /opt /usr/bin /usr/share/applications /usr/share/icons/hicolor /usr/share/doc \
        -xdev 2>/dev/null | grep -v '/icon-theme.cache$\|/mimeinfo.cache$' | sort
}

if [ "$MODE" = system ]; then
    [ "$(id -u)" = 0 ] || fail "--system installs with apt-get: run it as root"
    step "install: its dependencies with apt-get, then dpkg -i"
    # The dependencies first, so the snapshot below holds them and the one after dpkg -r can
    # be compared file by file.
    depends=$(dpkg-deb --field "$DEB" Depends | sed 's/([^)]*)//g; s/,/ /g')
    apt-get install -y -q $depends > "$WORK/apt.log" 2>&1 || { tail "$WORK/apt.log"; fail "apt-get install"; }
    snapshot > "$WORK/before"
    dpkg -i "$REPO/$DEB" > "$WORK/dpkg.log" 2>&1 || { tail "$WORK/dpkg.log"; fail "dpkg -i"; }
    ROOT=""
    SLIMBENCH=/usr/bin/slimbench
    [ "$(command -v slimbench)" = /usr/bin/slimbench ] || fail "slimbench is not on PATH"
    done_step
else
    step "unpack into a scratch root (dpkg -x)"
    ROOT=$WORK/root
    dpkg -x "$DEB" "$ROOT"
    [ "$(readlink "$ROOT/usr/bin/slimbench")" = /opt/slimbench/slimbench ] \
        || fail "/usr/bin/slimbench does not point to /opt/slimbench/slimbench"
    # The same kind of link, into the scratch root: the app must find itself through it.
    ln -s "$ROOT/opt/slimbench/slimbench" "$WORK/bin/slimbench"
    SLIMBENCH=$WORK/bin/slimbench
    done_step
fi
find "$ROOT/opt/slimbench" | sort > "$WORK/installed-before"
dangling=$(find "$ROOT/opt/slimbench" -xtype l | head -3)
[ -z "$dangling" ] || fail "links to files the package lacks: $dangling"

step "desktop entry and icons"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$ROOT/usr/share/applications/slimbench.desktop"
else
    echo "   desktop-file-validate is not installed (apt-get install desktop-file-utils): skipped"
fi
grep -qx 'Exec=slimbench %f' "$ROOT/usr/share/applications/slimbench.desktop" || fail "Exec line"
for size in 16 24 32 48 64 128 256 512; do
    icon=$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/slimbench.png
    file "$icon" | grep -q "PNG image data, $size x $size" || fail "icon $icon"
done
done_step

# A clean environment outside the repository: nothing of the source tree or the build's
# Python can leak in.
run() {
    (cd "$WORK" && env -i HOME="$WORK/home" PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin" \
        LANG=C.UTF-8 QT_QPA_PLATFORM="${QPA:-offscreen}" "$@")
}
json_check() {  # json_check FILE PYTHON-EXPRESSION-ON-d
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" \
        || fail "$1: expected $2"
}

step "slimbench --self-test (offscreen)"
run "$SLIMBENCH" --self-test --output "$WORK/self-test" || fail "self-test, see $WORK/self-test"
json_check "$WORK/self-test/self-test.json" 'd["passed"] and d["environment"]["frozen"]'
cp "$WORK/self-test/self-test.png" "$REPO/dist/self-test-installed.png"
done_step

xcb_libs="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0"
if command -v xvfb-run >/dev/null && dpkg -s $xcb_libs >/dev/null 2>&1; then
    step "slimbench --self-test under Xvfb with the xcb platform (Qt's X libraries)"
    QPA=xcb run xvfb-run -a -s "-screen 0 1400x900x24" "$SLIMBENCH" --self-test \
        --output "$WORK/self-test-xcb" || fail "self-test under Xvfb"
    done_step
else
    echo; echo "== xcb self-test skipped: needs xvfb-run and $xcb_libs (installed by --system)"
fi

step "distillation with 2 processes (torch.distributed.run re-enters the bundle)"
run "$SLIMBENCH" distill zoo:mlp-digits --student width:0.5 --epochs 1 --nproc 2 \
    -o "$WORK/student.pt" --work-dir "$WORK/distill" --json > "$WORK/distill.json" \
    || fail "distill, see $WORK/distill/workers.log"
json_check "$WORK/distill.json" 'd["world_size"] == 2 and d["command"][1:3] == ["-m", "torch.distributed.run"]'
[ -s "$WORK/student.pt" ] || fail "no student written"
done_step

if command -v c++ >/dev/null || command -v g++ >/dev/null; then
    step "torch.compile with the system's C++ compiler"
    run "$SLIMBENCH" bench zoo:mlp-digits --compile --batch-size 32 --repeats 5 --no-roofline \
        --json > "$WORK/compiled.json" || fail "bench --compile"
    json_check "$WORK/compiled.json" 'd["runtime"] == "compiled" and d["compile_seconds"] > 0'
    done_step
else
    echo; echo "== torch.compile with a compiler skipped: no c++ on this machine"
fi

step "without a C++ compiler: int8 falls back to eager, with a note"
(cd "$WORK" && env -i HOME="$WORK/home" PATH="$WORK/no-compiler" LANG=C.UTF-8 \
    "$ROOT/opt/slimbench/slimbench" quantize zoo:mlp-digits --scheme int8-dynamic \
    -o "$WORK/int8.pt" --json > "$WORK/int8.json") || fail "quantize without a compiler"
json_check "$WORK/int8.json" 'any("C++ compiler" in note for note in d["notes"])'
done_step

if [ "$BUNDLE_ONNX" != 0 ]; then
    step "ONNX Runtime: export through torch.onnx, benchmark on the onnxruntime runtime"
    # The runtime falls back to compiled or eager when ONNX Runtime is missing: check the one
    # that ran, that a session started, and that the model was exported by the dynamo
    # exporter (onnxscript, which needs its sources in the bundle), not the TorchScript
    # fallback.
    run "$SLIMBENCH" bench zoo:mlp-digits --runtime onnxruntime --batch-size 32 --repeats 5 \
        --no-roofline --json > "$WORK/ort.json" || fail "bench --runtime onnxruntime"
    json_check "$WORK/ort.json" 'd["runtime"] == "onnxruntime" and d["export_seconds"] > 0 and d["session_seconds"] > 0'
    json_check "$WORK/ort.json" 'any(note.startswith("Exported with torch.onnx'"'"'s dynamo exporter") for note in d["notes"])'
    done_step

    step "ONNX Runtime: ort-int8-dynamic (quant_pre_process, quantize_dynamic) writes an .onnx"
    run "$SLIMBENCH" quantize zoo:mlp-digits --scheme ort-int8-dynamic -o "$WORK/ort-int8.onnx" \
        --json > "$WORK/ort-int8.json" || fail "quantize --scheme ort-int8-dynamic"
    json_check "$WORK/ort-int8.json" 'd["scheme"] == "ort-int8-dynamic" and d["after"]["runtime"] == "onnxruntime" and d["after"]["size_bytes"] < d["before"]["size_bytes"]'
    [ -s "$WORK/ort-int8.onnx" ] || fail "no ort-int8 model written"
    done_step
else
    echo; echo "== ONNX Runtime steps skipped: SLIMBENCH_BUNDLE_ONNX=0"
fi

step "bad input: exit 2 and one line"
set +e
run "$SLIMBENCH" bench zoo:no-such-model > /dev/null 2> "$WORK/bad.err"
code=$?
set -e
[ "$code" = 2 ] && [ "$(wc -l < "$WORK/bad.err")" = 1 ] || fail "bad input gave exit $code: $(cat "$WORK/bad.err")"
done_step

step "running the app wrote nothing into its install folder"
find "$ROOT/opt/slimbench" | sort > "$WORK/installed-after"
diff "$WORK/installed-before" "$WORK/installed-after" || fail "files appeared in /opt/slimbench"
done_step

if [ "$MODE" = system ]; then
    step "dpkg -r: nothing left behind"
    dpkg -r slimbench > "$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r"; }
    snapshot > "$WORK/after"
    diff "$WORK/before" "$WORK/after" || fail "files left after dpkg -r"
    [ ! -e /opt/slimbench ] && [ ! -e /usr/bin/slimbench ] || fail "install folder left"
    done_step
fi

echo
echo "test_installed.sh: all passed in $(( $(date +%s) - started_all )) s ($MODE install of $DEB)"
