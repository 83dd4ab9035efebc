#!/usr/bin/env bash
# Packs every package and installs the tool as a user would, from a local feed only:
#   dotnet pack (InitLab.Core, InitLab.Formats, InitLab.Onnx, and the tool: the "initlab" pointer package plus one
#   package per platform), then `dotnet tool install initlab` into a temporary tool path with a NuGet configuration
#   that knows no source but the local feed, then `initlab --version` and `initlab gain relu`.
# Prints the package sizes; with --startup also the median wall time of both commands over 9 runs.
# Usage: scripts/pack-test.sh [--startup] [--rid RID] [--no-ready-to-run]
#   --rid packs the tool for one platform only (e.g. linux-x64); --no-ready-to-run packs it without ReadyToRun code, to
#   measure what ReadyToRun saves at startup.
set -euo pipefail
cd "$(dirname "$0")/.."
startup=0; rid=""; r2r=()
while [ $# -gt 0 ]; do
  case "$1" in
    --startup) startup=1 ;;
    --rid) [ $# -ge 2 ] || { echo "--rid needs a runtime identifier" >&2; exit 2; }; rid="$2"; shift ;;
    --no-ready-to-run) r2r=(-p:PublishReadyToRun=false) ;;
    *) echo "usage: $0 [--startup] [--rid RID] [--no-ready-to-run]" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
rids=()
[ -n "$rid" ] && rids=(-p:ToolPackageRuntimeIdentifiers="$rid")
for p in src/InitLab src/InitLab.Formats src/InitLab.Onnx; do dotnet pack "$p" -c Release -o "$feed" --nologo -v quiet; done
# Publish copies a file only when it is newer than the copy already there: drop earlier publish folders, so that the
# packages hold what this run built (with or without ReadyToRun), not what an earlier run left.
rm -rf src/InitLab.Cli/bin/Release/net10.0/*/publish
dotnet pack src/InitLab.Cli -c Release -o "$feed" --nologo -v quiet "${rids[@]}" "${r2r[@]}"
echo "packages:"
ls -l "$feed" | awk 'NR > 1 { printf "  %-45s %8.1f MB\n", $9, $5 / 1048576 }'

# The library package: a readme, a licence expression, the repository, XML docs, and System.Numerics.Tensors alone.
nuspec=$(unzip -p "$feed/InitLab.Core.1.0.0.nupkg" InitLab.Core.nuspec)
for want in '<readme>README.md</readme>' '<license type="expression">MIT</license>' '<repository type="git"' 'id="System.Numerics.Tensors"'; do
  grep -qF "$want" <<<"$nuspec" || { echo "InitLab.Core.nuspec lacks $want" >&2; exit 1; }
done
[ "$(grep -c '<dependency ' <<<"$nuspec")" -eq 1 ] || { echo "InitLab.Core must depend on System.Numerics.Tensors only" >&2; exit 1; }
unzip -l "$feed/InitLab.Core.1.0.0.nupkg" | grep -q 'lib/net10.0/InitLab.xml' || { echo "InitLab.Core has no XML docs" >&2; exit 1; }
[ -f "$feed/InitLab.Core.1.0.0.snupkg" ] || { echo "InitLab.Core has no symbol package" >&2; exit 1; }

# Each platform's tool package: its own native libraries only (publish flattens them next to the tool), no native debug
# symbols and no XML docs (the tool's own portable PDBs stay, for readable stack traces).
for pkg in "$feed"/initlab.*-*.1.0.0.nupkg; do
  prid=$(basename "$pkg" .1.0.0.nupkg); prid=${prid#initlab.}
  files=$(unzip -Z1 "$pkg")
  bad=$(grep -E '^tools/.*\.(pdb|xml)$' <<<"$files" | grep -vE '/(InitLab[A-Za-z.]*\.pdb|DotnetToolSettings\.xml)$' || true)
  [ -z "$bad" ] || { echo "$(basename "$pkg") carries native debug symbols or docs: $bad" >&2; exit 1; }
  case "$prid" in
    linux-*) foreign='\.dylib$|/(libSkiaSharp|libHarfBuzzSharp|onnxruntime[^/]*)\.dll$' ;;
    osx-*) foreign='\.so$|/(libSkiaSharp|libHarfBuzzSharp|onnxruntime[^/]*)\.dll$' ;;
    win-*) foreign='\.so$|\.dylib$' ;;
    *) foreign='^$' ;;
  esac
  other=$(grep -E "$foreign" <<<"$files" || true)
  [ -z "$other" ] || { echo "$(basename "$pkg") carries another platform's native files: $other" >&2; exit 1; }
done

cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$feed" /></packageSources></configuration>
CONFIG
dotnet tool install initlab --configfile "$work/nuget.config" --tool-path "$work/tools" >/dev/null
echo "installed: $(du -sh "$work/tools" | cut -f1)"
"$work/tools/initlab" --version
"$work/tools/initlab" gain relu --json | grep -q '"recommended": 1.4142135623730951' || { echo "initlab gain relu gave a wrong answer" >&2; exit 1; }
if [ "$startup" = 1 ]; then
  # Wall time and CPU time (user + sys: what the JIT costs, less sensitive than wall time to a busy machine), median of 9.
  TIMEFORMAT='%R %U %S'
  for cmd in "--version" "gain relu"; do
    walls=(); cpus=()
    "$work/tools/initlab" $cmd >/dev/null
    for _ in $(seq 9); do
      read -r real user sys < <({ time "$work/tools/initlab" $cmd >/dev/null 2>&1; } 2>&1)
      walls+=("$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')")
      cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')")
    done
    echo "initlab $cmd: median wall $(printf '%s\n' "${walls[@]}" | sort -n | sed -n 5p) ms (runs: ${walls[*]}), median CPU $(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 5p) ms (runs: ${cpus[*]})"
  done
fi
echo "pack-test: ok"
