# shellcheck shell=bash
# Finds a JDK whose feature version is at least MIN_JAVA and sets JDK to its home.
# Order: WEFT_JAVA_HOME, JAVA_HOME, the java on PATH, then the newest under /usr/lib/jvm, ~/.jdks, SDKMAN.
# Sourced by ./weft and ./mvnw; starts no JVM and forks nothing but one readlink.
MIN_JAVA="${MIN_JAVA:-25}"
JDK=""
jdk_feature() { # sets FEATURE to the feature version in $1/release, 0 when $1 is not a JDK
  FEATURE=0
  local k v
  [[ -r "$1/release" && -x "$1/bin/java" ]] || return 0
  while IFS='=' read -r k v; do
    if [[ "$k" == JAVA_VERSION ]]; then
      v="${v//\"/}"
      FEATURE="${v%%.*}"
      return 0
    fi
  done <"$1/release"
}
find_jdk() {
  local c best="" bestv=0
  for c in "${WEFT_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
    [[ -n "$c" ]] || continue
    jdk_feature "$c"
    if ((FEATURE >= MIN_JAVA)); then JDK="$c"; return 0; fi
  done
  if c="$(command -v java)"; then
    c="$(readlink -f "$c")"
    c="${c%/bin/java}"
    jdk_feature "$c"
    if ((FEATURE >= MIN_JAVA)); then JDK="$c"; return 0; fi
  fi
  for c in /usr/lib/jvm/* "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/*; do
    jdk_feature "$c"
    if ((FEATURE >= MIN_JAVA && FEATURE > bestv)); then best="$c"; bestv=$FEATURE; fi
  done
  if [[ -n "$best" ]]; then JDK="$best"; return 0; fi
  echo "weft: no JDK >= $MIN_JAVA found (looked at WEFT_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm, ~/.jdks, ~/.sdkman); install one or point JAVA_HOME at it" >&2
  return 1
}
