#!/usr/bin/env bash
# Downloads the official MoViNet stream int8 models listed in manifest.toml into this folder
# and verifies their sha256. Needs internet access, curl or wget, and sha256sum.
#
#   models/fetch.sh            # a0, a1, a2 and the labels
#   models/fetch.sh a0         # only some
#
# Files already present with the right checksum are kept. A model whose checksum the manifest
# does not know yet is kept with a warning and its sha256 printed, to pin in the manifest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/manifest.toml"
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(a0 a1 a2)

# Prints "file|sha256|url" for a [[model]] name or for the [[labels]] entry.
entry() {
  awk -v want="$1" '
    /^\[\[/ { if (hit) exit; kind=$0; name=""; file=""; sha=""; url="" }
    /^name *=/ { gsub(/.*= *"|"$/, ""); name=$0 }
    /^file *=/ { gsub(/.*= *"|"$/, ""); file=$0 }
    /^sha256 *=/ { gsub(/.*= *"|"$/, ""); sha=$0 }
    /^url *=/ { gsub(/.*= *"|"$/, ""); url=$0 }
    { if ((kind=="[[model]]" && name==want) || (kind=="[[labels]]" && want=="labels")) hit=1 }
    END { if (hit) print file "|" sha "|" url }
  ' "$manifest"
}

download() {
  local url=$1 out=$2
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$out" "$url"
  elif command -v wget >/dev/null; then wget -O "$out" "$url"
  else echo "fetch.sh: needs curl or wget" >&2; return 1; fi
}

fetch() {
  local file sha url
  IFS='|' read -r file sha url <<<"$(entry "$1")"
  if [ -z "$file" ]; then echo "fetch.sh: '$1' is not in $manifest" >&2; return 2; fi
  local dest="$here/$file"
  if [ -f "$dest" ] && [ -n "$sha" ] && echo "$sha  $dest" | sha256sum -c --status; then
    echo "ok       $file"; return 0
  fi
  echo "fetching $file"
  download "$url" "$dest.part"
  local got; got=$(sha256sum "$dest.part" | cut -d' ' -f1)
  if [ -n "$sha" ] && [ "$got" != "$sha" ]; then
    rm -f "$dest.part"
    echo "fetch.sh: $file has sha256 $got, expected $sha: refusing it" >&2; return 1
  fi
  mv "$dest.part" "$dest"
  if [ -z "$sha" ]; then
    echo "warning: no pinned checksum for $file; it has sha256 $got (pin it in manifest.toml)"
  else
    echo "ok       $file"
  fi
}

status=0
for m in "${wanted[@]}"; do fetch "$m" || status=1; done
fetch labels || status=1
exit $status
