#!/usr/bin/env bash
# Sourced by test.sh, demo.sh and bench.sh: installs a JDK when javac is missing (Java 17,
# else the newer one the release has: evloop_apt_jdk_package chooses) and Maven when mvn is
# missing, with apt-get on Debian/Ubuntu (as root or through sudo) or Homebrew on macOS.
# Does nothing when both are there. Sets no shell options and leaves no variables behind
# (only, when it installs, the evloop_ functions of scripts/lib/common.sh); stops the caller
# only when it cannot install what is missing.
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  # shellcheck source=scripts/lib/common.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
  if [ "$(evloop_os)" = linux ] && command -v apt-get >/dev/null 2>&1; then
    evloop_apt_install maven:mvn @evloop_apt_jdk_package:javac
  elif [ "$(evloop_os)" = darwin ] && command -v brew >/dev/null 2>&1; then
    evloop_brew_install maven:mvn openjdk@17:javac
  else
    false
  fi || { echo "Java 17+ (a JDK) and Maven are needed; install them and run again" >&2; exit 1; }
fi
