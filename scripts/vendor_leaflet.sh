#!/usr/bin/env bash
# Re-fetch the Leaflet files the planner's desk (`route serve`) ships, from the npm registry,
# at the pinned version: dist/leaflet.js, leaflet.css, images/ and the LICENSE, into
# routing/desk/static/vendor/leaflet/. The page loads nothing from the internet.
# Usage: scripts/vendor_leaflet.sh   (needs npm and tar)
set -euo pipefail
VERSION=1.9.4
cd "$(dirname "$0")/.."
dest=routing/desk/static/vendor/leaflet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@$VERSION" >/dev/null)
tar -xzf "$work/leaflet-$VERSION.tgz" -C "$work"
rm -rf "$dest"
mkdir -p "$dest/images"
cp "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$dest/"
cp "$work"/package/dist/images/*.png "$dest/images/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "$VERSION" > "$dest/VERSION"
echo "Leaflet $VERSION vendored into $dest/"
