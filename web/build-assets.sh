#!/usr/bin/env bash
# Builds the front-end assets that web/static embeds, into web/static/dist:
#
#   app.css                 web/assets/app.scss compiled (GOV.UK Frontend + MOJ Frontend + ours)
#   app.js                  web/assets/app.js, its imports rewritten to hashed names
#   govuk-frontend.min.js   GOV.UK Frontend's ES module build
#   moj-frontend.min.js     MOJ Frontend's ES module build
#   images/                 our favicon, and exactly the images app.css refers to
#
# No fonts (the font stack is Arial) and no crown or Royal Arms images.
# The output depends only on the sources and the locked packages, so running it
# twice gives the same bytes and CI can check `git diff --exit-code web/static`.
#
# Run from anywhere: bash web/build-assets.sh
set -euo pipefail

web="$(cd "$(dirname "$0")" && pwd)"
cd "$web"

bash ./install-deps.sh

govuk=node_modules/govuk-frontend/dist/govuk
moj=node_modules/@ministryofjustice/frontend/moj

out="$(mktemp -d "$web/static/.dist.XXXXXX")"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/images"

# CSS. The load path is web/ so that "node_modules/..." resolves from
# web/assets; --quiet-deps keeps the packages' own deprecation notices out.
node_modules/.bin/sass \
	--load-path=. \
	--style=compressed \
	--no-source-map \
	--quiet-deps \
	assets/app.scss "$out/app.css"

if grep -q 'GDS Transport' "$out/app.css" || grep -q '@font-face' "$out/app.css"; then
	echo "build-assets: app.css mentions GDS Transport or @font-face; check \$moj-font-family in assets/app.scss" >&2
	exit 1
fi

# hash8 prints the first 8 hex digits of a file's SHA-256: the same name the Go
# side (web/static) gives the file.
hash8() {
	sha256sum "$1" | cut -c1-8
}

# The packages' ES module builds, without their source map comment (the maps
# are not shipped).
strip_map() {
	sed -e 's|//# sourceMappingURL=[^[:space:]]*$||' "$1" >"$2"
}
strip_map "$govuk/govuk-frontend.min.js" "$out/govuk-frontend.min.js"
strip_map "$moj/moj-frontend.min.js" "$out/moj-frontend.min.js"

# app.js imports the two builds by their hashed names, so that all three can
# be cached as immutable and a new release of either changes app.js's hash.
govuk_js="govuk-frontend.min.$(hash8 "$out/govuk-frontend.min.js").js"
moj_js="moj-frontend.min.$(hash8 "$out/moj-frontend.min.js").js"
sed \
	-e "s|\"\\./govuk-frontend\\.min\\.js\"|\"./$govuk_js\"|" \
	-e "s|\"\\./moj-frontend\\.min\\.js\"|\"./$moj_js\"|" \
	assets/app.js >"$out/app.js"
for name in "$govuk_js" "$moj_js"; do
	if ! grep -q "\"\\./$name\"" "$out/app.js"; then
		echo "build-assets: could not point app.js at $name; check the imports in assets/app.js" >&2
		exit 1
	fi
done

# Images: our own (the favicon), then every image app.css refers to, taken
# from our assets, GOV.UK Frontend's or MOJ Frontend's, in that order.
cp assets/images/* "$out/images/"
for name in $(grep -o 'url("\{0,1\}/assets/images/[^")]*' "$out/app.css" | sed -e 's|.*/assets/images/||' | sort -u); do
	found=
	for dir in assets/images "$govuk/assets/images" "$moj/assets/images"; do
		if [ -f "$dir/$name" ]; then
			cp "$dir/$name" "$out/images/$name"
			found=1
			break
		fi
	done
	if [ -z "$found" ]; then
		echo "build-assets: app.css refers to /assets/images/$name, which no package has" >&2
		exit 1
	fi
done

if find "$out" -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' -o -name '*.otf' | grep -q .; then
	echo "build-assets: font files found in the output" >&2
	exit 1
fi

# Replace the old output in one step, so a failed build leaves it as it was.
chmod -R u=rwX,go=rX "$out"
rm -rf static/dist
mv "$out" static/dist
trap - EXIT

echo "build-assets: web/static/dist:"
(cd static/dist && find . -type f | LC_ALL=C sort | xargs wc -c)
