#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command against a real Secret Service: a private D-Bus session bus with its own
# unlocked gnome-keyring, whose keyring files live in a temporary directory removed afterwards.
set -eu
if [ -z "${TIDINGS_KEYRING_INNER:-}" ]; then
    TIDINGS_KEYRING_HOME=$(mktemp -d "${TMPDIR:-/tmp}/tidings-keyring.XXXXXX")
    export TIDINGS_KEYRING_HOME
    status=0
    TIDINGS_KEYRING_INNER=1 dbus-run-session -- "$0" "$@" || status=$?
    rm -rf "$TIDINGS_KEYRING_HOME"
    exit $status
fi
export XDG_DATA_HOME="$TIDINGS_KEYRING_HOME/data"
export XDG_RUNTIME_DIR="$TIDINGS_KEYRING_HOME/run"
export HOME="$TIDINGS_KEYRING_HOME"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# --unlock reads the new login keyring's password from stdin; the daemon stays on this bus.
eval "$(printf 'tidings-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
exec "$@"
