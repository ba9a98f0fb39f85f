#!/usr/bin/env bash
# Sourced by scripts/ensure-java-maven.sh and scripts/install-consumer-prereqs.sh: chooses
# the JDK package to install with apt-get, because not every release has the same ones
# (Debian 13 has no openjdk-17-jdk-headless; Debian 11 and 12 have no openjdk-21).
# Defines one function and sets no shell options, so it can be sourced by any script.
#
#   evloop_apt_jdk_package
#     Prints the first of openjdk-17-jdk-headless, openjdk-21-jdk-headless and
#     default-jdk-headless that apt can install (a candidate version in its lists, so run
#     apt-get update first), and on stderr which one and why. Returns 1 if none can be.

evloop_apt_jdk_package() {
  local pkg candidate skipped=""
  for pkg in openjdk-17-jdk-headless openjdk-21-jdk-headless default-jdk-headless; do
    candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }' || true)"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
      if [ -z "$skipped" ]; then
        echo "JDK: $pkg $candidate (Java 17, the version evloop is built for)" >&2
      else
        echo "JDK: $pkg $candidate, because apt has no$skipped" >&2
      fi
      echo "$pkg"
      return 0
    fi
    skipped+=" $pkg"
  done
  echo "JDK: apt can install none of$skipped (apt-get update first?)" >&2
  return 1
}
