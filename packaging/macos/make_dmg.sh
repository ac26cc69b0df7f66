#!/usr/bin/env bash
# Put dist/Slimbench.app (from packaging/slimbench.spec on macOS) into a compressed DMG with
# a link to /Applications to drag it onto. macOS only (hdiutil).
#   bash packaging/macos/make_dmg.sh 0.1.0
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
STAGE=build/dmg
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R dist/Slimbench.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG=dist/Slimbench-$VERSION-macos-$(uname -m).dmg
rm -f "$DMG"
hdiutil create -volname Slimbench -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
echo "$DMG"
