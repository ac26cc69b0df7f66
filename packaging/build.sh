#!/usr/bin/env bash
# Build Slimbench's Linux artifacts from the repository:
#   dist/slimbench/                            the one-folder bundle (PyInstaller)
#   dist/slimbench_VERSION_ARCH.deb            installs it to /opt/slimbench, `slimbench` on PATH,
#                                              a menu entry and icons
#   dist/slimbench-VERSION-linux-ARCH.tar.gz   the same bundle, to unpack anywhere
#   dist/build-figures.json                    build times and sizes
#
#   bash packaging/build.sh                    everything
#   bash packaging/build.sh --deb-only         reuse dist/slimbench, remake the .deb and tarball
#   bash packaging/build.sh --no-tarball       skip the tarball
#
# PYTHON picks the interpreter (default: .venv/bin/python, else python3); Slimbench, PyInstaller
# and ONNX Runtime are installed into it with the `package` and `onnx` extras when missing.
# The bundle carries the `onnx` extra (onnx, onnxruntime, onnxscript); SLIMBENCH_BUNDLE_ONNX=0
# leaves it out. Needs dpkg-deb, fakeroot and strip (binutils; Debian/Ubuntu);
# desktop-file-validate is used when present.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD_BUNDLE=1
TARBALL=1
for arg in "$@"; do
    case "$arg" in
        --deb-only) BUILD_BUNDLE=0 ;;
        --no-tarball) TARBALL=0 ;;
        *) echo "build.sh: unknown option $arg (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
done

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
for tool in dpkg-deb fakeroot strip; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is needed (apt-get install $tool)" >&2; exit 2; }
done

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
ARCH=$(dpkg --print-architecture)
case "$ARCH" in amd64) MACHINE=x86_64 ;; arm64) MACHINE=aarch64 ;; *) MACHINE=$ARCH ;; esac
BUNDLE=dist/slimbench
DEB=dist/slimbench_${VERSION}_${ARCH}.deb
TARBALL_FILE=dist/slimbench-${VERSION}-linux-${MACHINE}.tar.gz
mkdir -p dist build

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

bundle_seconds=null
if [ "$BUILD_BUNDLE" = 1 ]; then
    if [ "${SLIMBENCH_BUNDLE_ONNX:-1}" = 0 ]; then
        EXTRAS=package; NEEDED="PyInstaller, slimbench"
    else
        EXTRAS=package,onnx; NEEDED="PyInstaller, slimbench, onnx, onnxruntime, onnxscript"
    fi
    if ! "$PYTHON" -c "import $NEEDED" 2>/dev/null; then
        echo "build.sh: installing Slimbench with the $EXTRAS extras into $PYTHON's environment"
        "$PYTHON" -m pip install -q -c constraints.txt -e ".[$EXTRAS]"
    fi
    echo "build.sh: freezing with PyInstaller (a few minutes)"
    started=$(now)
    # --clean: a stale analysis cache would hide a changed spec or dependency.
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath dist --workpath build/pyinstaller packaging/slimbench.spec
    bundle_seconds=$(seconds_since "$started")
    echo "build.sh: bundle built in ${bundle_seconds} s"
fi
[ -x "$BUNDLE/slimbench" ] || { echo "build.sh: no bundle in $BUNDLE; run without --deb-only" >&2; exit 1; }

# --- the .deb --------------------------------------------------------------------------------
started=$(now)
STAGE=build/deb/slimbench_${VERSION}_${ARCH}
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/doc/slimbench"
# Hard links: the bundle is ~1 GB, and dpkg-deb only reads it.
cp -al "$BUNDLE" "$STAGE/opt/slimbench" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/opt/slimbench"
# The bootloader finds its _internal folder through /proc/self/exe, so a symlink works.
ln -s /opt/slimbench/slimbench "$STAGE/usr/bin/slimbench"
install -m 644 packaging/slimbench.desktop "$STAGE/usr/share/applications/slimbench.desktop"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
done
"$PYTHON" - "$STAGE/usr/share/icons/hicolor" <<'EOF'
import sys
from pathlib import Path

from PIL import Image

source = Image.open("packaging/icons/slimbench.png").convert("RGBA")
for folder in sorted(Path(sys.argv[1]).iterdir()):
    size = int(folder.name.split("x")[0])
    image = source if size == source.width else source.resize((size, size), Image.LANCZOS)
    image.save(folder / "apps" / "slimbench.png", optimize=True)
EOF
cat > "$STAGE/usr/share/doc/slimbench/copyright" <<EOF
Slimbench $VERSION, licensed under the Apache License 2.0.
It bundles Python, PyTorch, Qt (PySide6, LGPLv3), ONNX Runtime and their dependencies under
their own licenses; their license files are inside /opt/slimbench/_internal.
EOF
INSTALLED_KB=$(du -sk --apparent-size "$STAGE" | cut -f1)
# The bundle carries the build machine's libraries: it needs at least that machine's glibc.
GLIBC_MIN=2.28
if command -v objdump >/dev/null; then
    GLIBC_MIN=$(find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
        | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' \
        | sort -uV | tail -1 || true)
    GLIBC_MIN=${GLIBC_MIN:-2.28}
else
    echo "build.sh: objdump (binutils) is missing: the glibc version the .deb asks for is a guess" >&2
fi
# The X libraries Qt's xcb platform plugin loads (the bundle carries Qt itself); a C++
# compiler is only suggested: with it torch.compile works, without it the app runs eagerly.
cat > "$STAGE/DEBIAN/control" <<EOF
Package: slimbench
Version: $VERSION
Architecture: $ARCH
Maintainer: Slimbench developers <slimbench@example.org>
Installed-Size: $INSTALLED_KB
Depends: libc6 (>= $GLIBC_MIN), libgl1, libegl1, libfontconfig1, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libdbus-1-3
Suggests: g++
Section: science
Priority: optional
Homepage: https://github.com/slimbench/slimbench
Description: workbench that makes PyTorch models smaller and faster
 Load a PyTorch model, read its layer tree, apply pruning, quantization or
 knowledge distillation, and compare size, speed and quality before and after,
 measured. Includes Python, PyTorch (CPU), ONNX Runtime and Qt; works offline.
EOF
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$STAGE/usr/share/applications/slimbench.desktop"
fi
rm -f "$DEB"
# zstd: 2 s and about a third larger than xz, which takes minutes for a bundle this size.
fakeroot dpkg-deb --root-owner-group -Zzstd -z9 --build "$STAGE" "$DEB" >/dev/null
deb_seconds=$(seconds_since "$started")
rm -rf "$STAGE"
echo "build.sh: $DEB in ${deb_seconds} s"

tar_seconds=null
rm -f "$TARBALL_FILE"  # never report a stale one
if [ "$TARBALL" = 1 ]; then
    started=$(now)
    if command -v pigz >/dev/null; then GZ=pigz; else GZ=gzip; fi
    tar -C dist --owner=0 --group=0 -cf - slimbench | "$GZ" -6 > "$TARBALL_FILE"
    tar_seconds=$(seconds_since "$started")
    echo "build.sh: $TARBALL_FILE in ${tar_seconds} s"
fi

size_of() { if [ -e "$1" ]; then stat -c %s "$1"; else echo null; fi; }
bundle_bytes=$(du -sb "$BUNDLE" | cut -f1)
cat > dist/build-figures.json <<EOF
{
 "version": "$VERSION",
 "pyinstaller_seconds": $bundle_seconds,
 "deb_seconds": $deb_seconds,
 "tarball_seconds": $tar_seconds,
 "bundle_bytes": $bundle_bytes,
 "deb_bytes": $(size_of "$DEB"),
 "tarball_bytes": $(size_of "$TARBALL_FILE"),
 "machine": "$(nproc) cores, $(uname -m), $(. /etc/os-release && echo "$PRETTY_NAME")"
}
EOF
cat dist/build-figures.json
deb_mb=$(( $(stat -c %s "$DEB") / 1000000 ))
if [ "$deb_mb" -ge 300 ]; then
    echo "build.sh: the .deb is ${deb_mb} MB, over the 300 MB budget" >&2
    exit 1
fi
