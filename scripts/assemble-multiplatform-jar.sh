#!/usr/bin/env bash
# Assembles one evloop jar that carries the native library of every platform it is given.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/assemble-multiplatform-jar.sh [--jar BASE_JAR] [--output FILE]
                                             [--require PLATFORM,...] NATIVE_DIR...

Makes one jar with the Java classes and every platform's libevloop under
META-INF/native/<os>-<arch>/:
  1. The base jar: BASE_JAR, or else the Java part built here with
       mvn -B -ntp -Dmaven.test.skip=true -Devloop.nativeDir=<empty folder> package
     (no native build, so it runs on a machine without a C compiler).
  2. Whatever META-INF/native/ the base jar has is dropped; every library found in the
     NATIVE_DIRs goes in instead. A NATIVE_DIR holds one folder per platform named
     <os>-<arch> (linux-x86_64, linux-aarch64, darwin-x86_64, darwin-aarch64) with
     libevloop.so (linux) or libevloop.dylib (darwin) in it: the layout of META-INF/native/
     and of the CI artifacts. A folder with META-INF/native/ inside (target/classes) works too.
     Besides the library (self-contained) the folder may hold only its TLS layer,
     libevloop-tls3 and (Linux) libevloop-tls11, which go in too.
  3. Each library is checked: the file name its OS expects and, where the 'file' command
     exists, the right format and architecture (ELF x86-64 / AArch64, Mach-O x86_64 / arm64).
     A platform given twice is an error.
  4. Writes FILE (default target/evloop-<version>-multiplatform.jar) and lists what it carries.

Options:
  --jar BASE_JAR       Start from this jar instead of building one.
  --output FILE        Where to write the jar.
  --require LIST       Comma-separated platforms that must all be present, e.g. the four of CI:
                       linux-x86_64,linux-aarch64,darwin-x86_64,darwin-aarch64
  -h, --help           Print this help and exit.

Example, with this machine's library only:
  mvn verify && scripts/assemble-multiplatform-jar.sh target/classes
EOF
}

die() { echo "assemble-multiplatform-jar.sh: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
BASE_JAR=""
OUTPUT=""
REQUIRE=""
DIRS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) [ $# -ge 2 ] || die "--jar needs a file"; BASE_JAR="$2"; shift ;;
    --output) [ $# -ge 2 ] || die "--output needs a file"; OUTPUT="$2"; shift ;;
    --require) [ $# -ge 2 ] || die "--require needs a list"; REQUIRE="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) DIRS+=("$1") ;;
  esac
  shift
done
[ ${#DIRS[@]} -gt 0 ] || { usage >&2; die "no NATIVE_DIR given"; }

absolute() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }

VERSION="$(evloop_version "$ROOT")"
[ -n "$VERSION" ] || die "cannot read the version from $ROOT/pom.xml"
[ -n "$OUTPUT" ] || OUTPUT="$ROOT/target/evloop-$VERSION-multiplatform.jar"
mkdir -p "$(dirname "$OUTPUT")"
OUTPUT="$(absolute "$OUTPUT")"

JAR_TOOL="jar"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jar" ]; then JAR_TOOL="$JAVA_HOME/bin/jar"; fi
command -v "$JAR_TOOL" >/dev/null 2>&1 || die "no 'jar' tool: set JAVA_HOME to a JDK"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/evloop-assemble.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# ---- 1. the base jar ----------------------------------------------------------------
if [ -z "$BASE_JAR" ]; then
  echo "==> Building the Java part (no native build): mvn package -Devloop.nativeDir=<empty folder>"
  mkdir -p "$WORK/no-native"
  (cd "$ROOT" && mvn -B -ntp -q -Dmaven.test.skip=true -Devloop.nativeDir="$WORK/no-native" package)
  BASE_JAR="$ROOT/target/evloop-$VERSION.jar"
fi
[ -f "$BASE_JAR" ] || die "no base jar $BASE_JAR"
BASE_JAR="$(absolute "$BASE_JAR")"
echo "==> Base jar: $BASE_JAR"

STAGE="$WORK/stage"
mkdir -p "$STAGE"
(cd "$STAGE" && "$JAR_TOOL" xf "$BASE_JAR")
rm -rf "$STAGE/META-INF/native"
[ -f "$STAGE/META-INF/MANIFEST.MF" ] && mv "$STAGE/META-INF/MANIFEST.MF" "$WORK/MANIFEST.MF"

# ---- 2, 3. the libraries ------------------------------------------------------------
expected_format() {
  case "$1" in
    linux-x86_64) echo 'ELF 64-bit.*x86-64' ;;
    linux-aarch64) echo 'ELF 64-bit.*(aarch64|AArch64)' ;;
    darwin-x86_64) echo 'Mach-O.*x86_64' ;;
    darwin-aarch64) echo 'Mach-O.*arm64' ;;
  esac
}

PLATFORMS=""
for dir in "${DIRS[@]}"; do
  [ -d "$dir" ] || die "no folder $dir"
  [ -d "$dir/META-INF/native" ] && dir="$dir/META-INF/native"
  found=0
  for platform_dir in "$dir"/*/; do
    [ -d "$platform_dir" ] || continue
    platform="$(basename "$platform_dir")"
    evloop_is_platform "$platform" \
      || die "$platform_dir: not a platform folder (linux-x86_64, linux-aarch64, darwin-x86_64, darwin-aarch64)"
    lib_name="$(evloop_lib_name "$platform")"
    lib="$platform_dir$lib_name"
    [ -f "$lib" ] || die "$platform_dir has no $lib_name (it has: $(ls "$platform_dir" | tr '\n' ' '))"
    case ",$PLATFORMS," in *",$platform,"*) die "$platform is given twice (again in $dir)" ;; esac
    # Besides libevloop, only its TLS layer (libevloop-tls<N>, which links the system's OpenSSL).
    files="$lib_name"
    tls_names="$(evloop_tls_lib_names "$platform")"
    for name in $tls_names; do
      [ ! -f "$platform_dir$name" ] || files="$files $name"
    done
    others="$(ls -A "$platform_dir" | grep -v -x -F "$lib_name" | grep -v -x -F "$tls_names" || true)"
    [ -z "$others" ] || die "$platform_dir holds more than $lib_name and its TLS layer: $(echo $others) (the library is self-contained: rebuild it)"
    mkdir -p "$STAGE/META-INF/native/$platform"
    for name in $files; do
      if command -v file >/dev/null 2>&1; then
        description="$(file -b -L "$platform_dir$name")"
        printf '%s\n' "$description" | grep -E -q "$(expected_format "$platform")" \
          || die "$platform_dir$name is not a $platform library: $description"
      else
        echo "    (no 'file' command: the format of $platform_dir$name is not checked)"
      fi
      cp -L "$platform_dir$name" "$STAGE/META-INF/native/$platform/$name"
    done
    PLATFORMS="${PLATFORMS:+$PLATFORMS,}$platform"
    found=1
    echo "==> $platform: $files from $platform_dir"
  done
  [ "$found" -eq 1 ] || die "$dir holds no <os>-<arch> folder"
done

if [ -n "$REQUIRE" ]; then
  missing=""
  for platform in $(printf '%s\n' "$REQUIRE" | tr ',' ' '); do
    case ",$PLATFORMS," in *",$platform,"*) ;; *) missing="$missing $platform" ;; esac
  done
  [ -z "$missing" ] || die "required platforms missing:$missing (have: $PLATFORMS)"
fi

# ---- 4. the jar ---------------------------------------------------------------------
rm -f "$OUTPUT"
if [ -f "$WORK/MANIFEST.MF" ]; then
  "$JAR_TOOL" --create --file "$OUTPUT" --manifest "$WORK/MANIFEST.MF" -C "$STAGE" .
else
  "$JAR_TOOL" --create --file "$OUTPUT" -C "$STAGE" .
fi

echo "==> Wrote $OUTPUT, carrying:"
"$JAR_TOOL" tf "$OUTPUT" | grep '^META-INF/native/.' | grep -v '/$' | sed 's/^/    /'
count="$("$JAR_TOOL" tf "$OUTPUT" | grep -c '^META-INF/native/.*/libevloop\.' || true)"
[ "$count" -eq "$(printf '%s\n' "$PLATFORMS" | tr ',' '\n' | grep -c .)" ] \
  || die "the jar carries $count libraries, expected one for each of $PLATFORMS"
echo "==> $count platform(s): $PLATFORMS"
