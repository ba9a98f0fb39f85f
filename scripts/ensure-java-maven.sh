#!/usr/bin/env bash
# Sourced by test.sh, demo.sh and bench.sh: installs Java 17 and Maven when either is
# missing (apt-get on Debian/Ubuntu, as root or through sudo; Homebrew on macOS).
if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends maven openjdk-17-jdk-headless
  elif [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1; then
    brew install maven openjdk@17
  else
    echo "Java 17+ and Maven are needed; install them and run again" >&2
    exit 1
  fi
fi
