#!/usr/bin/env bash
# Sourced by test.sh, demo.sh and bench.sh: installs a JDK when javac is missing (Java 17,
# else the newer one the release has: scripts/apt-jdk.sh chooses) and Maven when mvn is
# missing, with apt-get on Debian/Ubuntu (as root or through sudo) or Homebrew on macOS.
# Does nothing when both are there. Sets no shell options and leaves no variables behind;
# stops the caller only when it cannot install what is missing.
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
    # shellcheck source=scripts/apt-jdk.sh
    . "$(dirname "${BASH_SOURCE[0]}")/apt-jdk.sh"
    evloop_sudo=""; [ "$(id -u)" -eq 0 ] || evloop_sudo="sudo"
    evloop_wanted=""
    command -v mvn >/dev/null 2>&1 || evloop_wanted=" maven"
    $evloop_sudo apt-get update -q || { echo "ensure-java-maven.sh: apt-get update failed" >&2; exit 1; }
    if ! command -v javac >/dev/null 2>&1; then
      evloop_jdk="$(evloop_apt_jdk_package)" \
        || { echo "ensure-java-maven.sh: no JDK package to install: install Java 17+ and run again" >&2; exit 1; }
      evloop_wanted="$evloop_wanted $evloop_jdk"
    fi
    echo "ensure-java-maven.sh: installing$evloop_wanted"
    # shellcheck disable=SC2086  # package names, one word each
    $evloop_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $evloop_wanted \
      || { echo "ensure-java-maven.sh: apt-get install$evloop_wanted failed" >&2; exit 1; }
    unset evloop_sudo evloop_wanted evloop_jdk
  elif [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1; then
    brew install maven openjdk@17
  else
    echo "Java 17+ (a JDK) and Maven are needed; install them and run again" >&2
    exit 1
  fi
fi
