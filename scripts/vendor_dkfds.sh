#!/usr/bin/env bash
# Vendor the built run-time assets of Det Fælles Designsystem (npm package
# `dkfds`) into core/static/dkfds/.
#
# Usage: scripts/vendor_dkfds.sh [VERSION]      (default: 11.2.0)
#
# Fetches the package with `npm pack` (npm registry only, no CDN), then copies:
#   css/dkfds-virkdk.min.css, js/dkfds.min.js, img/all-svg-icons.svg,
#   every file the CSS references via url(...) (fonts, svg-icons, logos) at the
#   same relative path, the font licence, LICENSE, VERSION and README.md.
# Source maps, scss, unminified files and other themes are left out.
# The destination folder is rebuilt from scratch, so running it twice gives the
# same tree.
set -euo pipefail

VERSION="${1:-11.2.0}"
THEME_CSS="dkfds-virkdk.min.css"
JS_FILE="dkfds.min.js"
SPRITE="all-svg-icons.svg"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/core/static/dkfds"

command -v npm >/dev/null 2>&1 || { echo "error: npm is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "Fetching dkfds@$VERSION from the npm registry..."
(cd "$WORK" && npm pack "dkfds@$VERSION" --ignore-scripts --loglevel=error >/dev/null)
TARBALL="$(find "$WORK" -maxdepth 1 -name 'dkfds-*.tgz' | head -n 1)"
[ -n "$TARBALL" ] || { echo "error: npm pack produced no tarball" >&2; exit 1; }
tar -xzf "$TARBALL" -C "$WORK"
PKG="$WORK/package"
DIST="$PKG/dist"

RESOLVED="$(node -p "require(process.argv[1]).version" "$PKG/package.json" 2>/dev/null \
  || sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$PKG/package.json" | head -n 1)"
SPDX="$(node -p "require(process.argv[1]).license" "$PKG/package.json" 2>/dev/null || echo unknown)"

for f in "css/$THEME_CSS" "js/$JS_FILE" "img/$SPRITE"; do
  [ -f "$DIST/$f" ] || { echo "error: $f not found in dkfds@$RESOLVED" >&2; exit 1; }
done

STAGE="$WORK/out"
mkdir -p "$STAGE/css" "$STAGE/js" "$STAGE/img"
cp "$DIST/css/$THEME_CSS" "$STAGE/css/"
cp "$DIST/js/$JS_FILE" "$STAGE/js/"
cp "$DIST/img/$SPRITE" "$STAGE/img/"

# Every url(...) in the theme, relative to dist/css/ (skip data: URIs,
# strip quotes and ?query/#fragment).
refs="$(grep -o 'url([^)]*)' "$DIST/css/$THEME_CSS" \
  | sed -E "s/^url\\([\"']?//; s/[\"']?\\)\$//; s/[?#].*\$//" \
  | grep -v -e '^data:' -e '^$' | sort -u || true)"
count=0
while IFS= read -r ref; do
  [ -n "$ref" ] || continue
  case "$ref" in
    ../*) rel="${ref#../}" ;;
    *) echo "error: unexpected url($ref) in $THEME_CSS" >&2; exit 1 ;;
  esac
  [ -f "$DIST/$rel" ] || { echo "error: $THEME_CSS references missing file $rel" >&2; exit 1; }
  mkdir -p "$STAGE/$(dirname "$rel")"
  cp "$DIST/$rel" "$STAGE/$rel"
  # Fonts: keep the font licence (SIL OFL) next to each font family.
  case "$rel" in
    fonts/*/*)
      family="$(echo "$rel" | cut -d/ -f2)"
      lic="$DIST/$(dirname "$rel")/license.txt"
      if [ -f "$lic" ]; then cp "$lic" "$STAGE/fonts/$family/license.txt"; fi
      ;;
  esac
  count=$((count + 1))
done <<< "$refs"

if [ -f "$PKG/LICENSE.md" ]; then
  cp "$PKG/LICENSE.md" "$STAGE/LICENSE"
elif [ -f "$PKG/LICENSE" ]; then
  cp "$PKG/LICENSE" "$STAGE/LICENSE"
else
  printf 'dkfds %s is licensed under: %s (SPDX, from package.json)\n' "$RESOLVED" "$SPDX" > "$STAGE/LICENSE"
fi
echo "$RESOLVED" > "$STAGE/VERSION"

sed "s/@VERSION@/$RESOLVED/g" > "$STAGE/README.md" <<'EOF'
# Det Fælles Designsystem (dkfds) @VERSION@ — vendored build assets
Unmodified files from the npm package `dkfds@@VERSION@` (`dist/`): `css/dkfds-virkdk.min.css` (Virk theme), `js/dkfds.min.js`, the IBM Plex Sans fonts and `img/` files (svg-icons, logos) referenced by the CSS, plus the icon sprite `img/all-svg-icons.svg`. Licence: see `LICENSE` (MIT code, OFL-1.1 fonts — `fonts/IBMPlexSans/license.txt`, Apache-2.0 icons).
Refresh (or change version): `scripts/vendor_dkfds.sh [VERSION]` from the repo root — needs npm; it rebuilds this folder. Do not edit files here by hand.
Template usage (CSS in `<head>`, JS at the end of `<body>`; the JS exposes the global `DKFDS`):
`<link rel="stylesheet" href="{{ url_for('static', filename='dkfds/css/dkfds-virkdk.min.css') }}">`
`<script src="{{ url_for('static', filename='dkfds/js/dkfds.min.js') }}"></script>`
`<script>DKFDS.init();</script>` (optionally `DKFDS.init({scope: element})` to initialise only part of the page)
Icons: `<svg class="icon-svg" focusable="false" aria-hidden="true"><use href="{{ url_for('static', filename='dkfds/img/all-svg-icons.svg') }}#info"></use></svg>`
EOF

# Replace the destination folder atomically-ish (only this folder is touched).
case "$DEST" in */core/static/dkfds) ;; *) echo "error: refusing to write to $DEST" >&2; exit 1 ;; esac
rm -rf "$DEST"
mkdir -p "$DEST"
cp -R "$STAGE/." "$DEST/"

total="$(du -sk "$DEST" | cut -f1)"
echo "Vendored dkfds@$RESOLVED into ${DEST#"$REPO_ROOT"/} ($count url() references, $(find "$DEST" -type f | wc -l) files, ${total} KiB)"
