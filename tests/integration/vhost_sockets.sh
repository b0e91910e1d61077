#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Socket hygiene (docs/hostile-guests.md): the vhost-user sockets and their directory get
# the owner, group and mode given to vpcswitchd; only those may connect (checked with real
# processes of other users); a port whose socket lies outside the directory (another
# directory, "..", a symbolic link, the switch's own hidden directory) is refused with a
# clear error and changes nothing; a directory anyone may write, or bad permission options,
# stop the daemon at start with a message.
. "$(dirname "$0")/lib.sh"
it_setup

VU=$IT_DIR/vu
chmod 0711 "$IT_DIR" # other users must reach the socket directory to be let in or kept out
NOGROUP=$(getent group 65534 | cut -d: -f1)

# --- options and directories the daemon refuses at start ---
# refuses_start WHAT TEXT [vpcswitchd options...]: exits non-zero and says TEXT
refuses_start() {
	local what=$1 text=$2 rc=0
	shift 2
	"$VPCSWITCHD" -l 0,1 --no-pci --file-prefix "${IT_PREFIX}_bad" -m 256 -- \
		-s "$IT_DIR/bad.ctl" "$@" > "$IT_DIR/bad.log" 2>&1 || rc=$?
	check "$what: the daemon does not start (rc $rc)" test "$rc" -ne 0
	check "$what: and says '$text' ($(tail -1 "$IT_DIR/bad.log"))" \
		grep -qF -- "$text" "$IT_DIR/bad.log"
}
mkdir -m 1777 "$IT_DIR/open"
refuses_start "a world-writable directory" "writable by every user" -d "$IT_DIR/open"
refuses_start "a bad mode" "--vhost-mode: '0868' is not an octal mode" -d "$VU" --vhost-mode 0868
refuses_start "an unknown group" "--vhost-group: no group 'no-such-group'" -d "$VU" \
	--vhost-group no-such-group
refuses_start "an unknown owner" "--vhost-owner: no user 'no-such-user'" -d "$VU" \
	--vhost-owner no-such-user
check "the world-writable directory was left as it was" test "$(stat -c %a "$IT_DIR/open")" = 1777

# --- sockets owned by nobody, group nogroup, mode 0660 ---
start_switch sw -d "$VU" --vhost-owner nobody --vhost-group "$NOGROUP" --vhost-mode 0660
check_eq "the directory: all for us and the group (sticky), search for the owner" \
	"1771 root $NOGROUP" \
	"$(stat -c '%a %U %G' "$VU")"
vpc_open "$(open_port v1 52:54:00:00:00:11 10.0.0.11), $(open_port v2 52:54:00:00:00:12 10.0.0.12)" \
	> "$IT_DIR/state.json"
check "apply two ports with default sockets" ctl sw apply -f "$IT_DIR/state.json"
check_eq "the socket: owner, group and mode as configured" "660 nobody $NOGROUP" \
	"$(stat -c '%a %U %G' "$VU/v1.sock")"

# connect_as UID GID PATH: a process of that user (no other groups) connects to the socket
connect_as() {
	setpriv --reuid="$1" --regid="$2" --clear-groups /usr/bin/python3 -c \
		'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$3" \
		2> "$IT_DIR/connect.err"
}
check "the group may connect" connect_as 4242 65534 "$VU/v2.sock"
check "the owner may connect" connect_as 65534 4242 "$VU/v2.sock"
cannot_connect_as() { ! connect_as "$@"; }
check "another user may not" cannot_connect_as 4242 4242 "$VU/v2.sock"
check "(refused by the kernel: $(tail -1 "$IT_DIR/connect.err"))" \
	grep -q "PermissionError" "$IT_DIR/connect.err"

start_vm v1 "$VU/v1.sock" 52:54:00:00:00:11 10.0.0.11/24
start_vm v2 "$VU/v2.sock" 52:54:00:00:00:12 10.0.0.12/24
check "VMs connect through the sockets" wait_for 20 link_is sw v2 up
check "and forward" wait_for 10 ping_ok v1 10.0.0.12 1

# --- socket paths outside the directory ---
mkdir "$IT_DIR/vu-other" "$VU/sub"
ln -s "$IT_DIR" "$VU/up"
ln -s "$IT_DIR/elsewhere.sock" "$VU/link.sock"
LIBDIR=$(ls -d "$VU"/.vhost-lib.*)
add() { echo port add x1 vpc blue mac 52:54:00:00:00:21 ip 10.0.0.21 sg open socket "$@"; }
rejected $(add "$IT_DIR/x1.sock") "is outside the socket directory $VU"
rejected $(add "$IT_DIR/vu-other/x1.sock") "is outside the socket directory"
rejected $(add "$VU/../x1.sock") "is outside the socket directory"
rejected $(add "$VU/up/x1.sock") "is outside the socket directory"
rejected $(add "$VU/link.sock") "is a symbolic link"
rejected $(add "$LIBDIR/x1.sock") "is in a hidden directory"
rejected $(add "$IT_DIR/x1.sock" mode client) "is outside the socket directory"
rejected $(add "$VU/nodir/x1.sock") "does not exist"
sed 's|"name": "v2", |"name": "v2", "socket": "/tmp/v2.sock", |' "$IT_DIR/state.json" \
	> "$IT_DIR/state-out.json"
before=$(ctl sw dump)
out=$(ctl sw apply -f "$IT_DIR/state-out.json" 2>&1) && rc=0 || rc=$?
check "apply -f moving a socket outside is refused ($out)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'is outside the socket directory' <<< '$out'"
check_eq "and changes nothing" "$before" "$(ctl sw dump)"
check "v2 kept its connection" link_is sw v2 up

check "a socket in a subdirectory is fine" ctl sw $(add "$VU/sub/x1.sock")
check_eq "made with the same owner, group and mode" "660 nobody $NOGROUP" \
	"$(stat -c '%a %U %G' "$VU/sub/x1.sock")"
check "a client-mode socket inside is fine" ctl sw port add x2 vpc blue \
	mac 52:54:00:00:00:22 ip 10.0.0.22 sg open socket "$VU/x2.sock" mode client
it_done
