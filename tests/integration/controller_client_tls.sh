#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The controller connection over TLS, against a stand-in controller with mutual authentication (--controller tls:...). Every
# certificate is made here with the openssl CLI: a CA, a controller certificate for
# 127.0.0.1, a switch certificate with CN=h1; and, signed by another CA, a rogue controller
# and a rogue switch. The switch syncs a state whose dump spans many TLS records from the
# real controller; it refuses a controller it cannot trust (unknown CA, a certificate for
# another name); the controller refuses a switch whose certificate its CA did not sign.
. "$(dirname "$0")/lib.sh"
it_setup
P1=$(free_tcp_port)
P2=$(free_tcp_port)
while [ "$P2" = "$P1" ]; do P2=$(free_tcp_port); done

# --- certificates ---
pki=$IT_DIR/pki
mkdir -p "$pki"
# ca NAME: a self-signed CA
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$pki/$1.key" -out "$pki/$1.crt" -subj "/CN=$1 test CA" 2>/dev/null
}
# cert NAME CA CN SAN EKU: a certificate signed by CA
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$3" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' "$4" "$5" \
		> "$pki/$1.ext"
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" -CAkey "$pki/$2.key" \
		-CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}
ca ca
ca evil
cert ctl ca ctl "IP:127.0.0.1,DNS:localhost" serverAuth
cert other ca other "DNS:other.example" serverAuth
cert h1 ca h1 "DNS:h1" clientAuth
cert ctl-evil evil ctl "IP:127.0.0.1" serverAuth
cert h1-evil evil h1 "DNS:h1" clientAuth
check "test certificates made" test -s "$pki/h1-evil.crt"
good_ctl=(--tls-cert "$pki/ctl.crt" --tls-key "$pki/ctl.key" --tls-ca "$pki/ca.crt")
sw_tls() { echo "--controller-cert $pki/$1.crt --controller-key $pki/$1.key --controller-ca $pki/ca.crt"; }

# --- what the switch refuses at start (exit 2, a reason) ---
refused_start() {
	local what=$1 want=$2 rc=0 msg
	shift 2
	msg=$("$VPCSWITCHD" -- "$@" 2>&1) || rc=$?
	if [ "$rc" = 2 ] && [[ "$msg" == *"$want"* ]]; then ok "refused at start: $what ($msg)"
	else fail "start $what: rc=$rc '$msg' (wanted '$want')"; fi
}
refused_start "tls: without certificates" "needs --controller-cert" \
	--controller "tls:127.0.0.1:$P1" --host-id h1
refused_start "certificates without tls:" "only with a tls: address" \
	--controller "tcp:127.0.0.1:$P1" --host-id h1 $(sw_tls h1)
refused_start "a certificate that does not name the host id" "does not name --host-id 'h2'" \
	--controller "tls:127.0.0.1:$P1" --host-id h2 $(sw_tls h1)
refused_start "a key of another certificate" "--controller-key" \
	--controller "tls:127.0.0.1:$P1" --host-id h1 --controller-cert "$pki/h1.crt" \
	--controller-key "$pki/ctl.key" --controller-ca "$pki/ca.crt"
refused_start "a CA file that is not there" "--controller-ca" \
	--controller "tls:127.0.0.1:$P1" --host-id h1 --controller-cert "$pki/h1.crt" \
	--controller-key "$pki/h1.key" --controller-ca "$pki/nothere.crt"

# --- a state whose dump takes many TLS records: 1000 remotes ---
python3 - "$IT_DIR/state.json" <<'PY'
import json, sys
remotes = [{"vpc": "blue", "mac": "52:54:00:%02x:%02x:%02x" % (1, i // 256, i % 256),
            "ips": ["10.0.%d.%d" % (1 + i // 250, 2 + i % 250)], "vtep": "192.0.2.%d" % (1 + i % 200)}
           for i in range(1000)]
json.dump({"vpcs": [{"name": "blue", "vni": 100}],
           "subnets": [{"vpc": "blue", "cidr": "10.0.0.0/16", "gateway": "10.0.0.1",
                        "gateway_mac": "02:00:00:00:00:01"}],
           "remotes": remotes}, open(sys.argv[1], "w"))
PY

# what an untrusted controller offers: that and one VPC more, which must never arrive
jq '.vpcs += [{"name": "evil", "vni": 666}]' "$IT_DIR/state.json" > "$IT_DIR/state-evil.json"

ctrl() { ctl "$1" -o json show controller | jq -r "$2"; }

# --- mutual authentication that works ---
standin a --port "$P1" "${good_ctl[@]}" --state "$IT_DIR/state.json" --dump
start_switch sw --controller "tls:127.0.0.1:$P1" --host-id h1 $(sw_tls h1)
check "the switch and the stand-in completed TLS and the requests" wait_for 15 seen a done
check_eq "the stand-in saw the switch's certificate, CN=h1" h1 "$(line a tls | jq -r .peer_cn)"
check_eq "TLS 1.3" TLSv1.3 "$(line a tls | jq -r .version)"
check_eq "hello over TLS names the host" h1 "$(line a hello | jq -r .body.host)"
check_eq "the sync over TLS applied 1000 remotes" 1000 "$(line a sync | jq -r .body.remote.added)"
check_eq "the dump came back whole over TLS (1000 remotes)" 1000 "$(line a dump | jq -r .rows.remotes)"
check "the dump spans many TLS records (over 64 KiB)" test "$(line a dump | jq -r .size)" -gt 65536
check_eq "show controller: connected over tls" "connected tls:127.0.0.1:$P1 true" \
	"$(ctrl sw '"\(.state) \(.address) \(.hello_done)"')"

# --- a controller whose certificate no trusted CA signed: the switch refuses it ---
dump_before=$(ctl sw dump)
kill_standin a
standin b --port "$P1" --tls-cert "$pki/ctl-evil.crt" --tls-key "$pki/ctl-evil.key" \
	--tls-ca "$pki/ca.crt" --state "$IT_DIR/state-evil.json" --accepts 5
check "the switch tried the untrusted controller" wait_for 13 seen b handshake_failed
check "show controller: the certificate was the reason" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw)' -o json show controller | jq -e '.last_error | test(\"certificate\")'"
log "switch's reason: $(ctrl sw .last_error)"
check "and it never got to hello" bash -c "! grep -q '\"hello\"' '$IT_DIR/b.out'"
check_eq "show controller: not connected" true "$(ctrl sw '.state != "connected"')"
check "state unchanged without a trusted controller" test "$(ctl sw dump)" = "$dump_before"

# --- a certificate from the right CA for another name: refused too ---
kill_standin b
standin c --port "$P1" --tls-cert "$pki/other.crt" --tls-key "$pki/other.key" \
	--tls-ca "$pki/ca.crt" --accepts 5
check "the switch tried the controller with another name" wait_for 13 seen c handshake_failed
check "show controller: the name was the reason" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw)' -o json show controller | jq -e '.last_error | test(\"mismatch\")'"
log "switch's reason: $(ctrl sw .last_error)"

# --- the real controller back: reconnect, a resync changes nothing ---
kill_standin c
standin d --port "$P1" "${good_ctl[@]}" --state "$IT_DIR/state.json"
check "the switch reconnects to the trusted controller" wait_for 13 seen d done
check_eq "its resync: added 0 / removed 0" "0 0" \
	"$(line d sync | jq -r '"\([.body[] | .added] | add) \([.body[] | .removed] | add)"')"

# --- a switch whose certificate the controller's CA did not sign: the controller refuses ---
standin e --port "$P2" "${good_ctl[@]}" --state "$IT_DIR/state.json" --accepts 5
start_switch sw2 --controller "tls:127.0.0.1:$P2" --host-id h1 \
	--controller-cert "$pki/h1-evil.crt" --controller-key "$pki/h1-evil.key" \
	--controller-ca "$pki/ca.crt"
check "the stand-in refused the rogue switch" wait_for 13 seen e handshake_failed
log "stand-in's reason: $(line e handshake_failed | jq -r .error)"
check "the rogue switch got no state" bash -c "! grep -q '\"sync\"' '$IT_DIR/e.out'"
check_eq "the rogue switch has no VPC" 0 "$(ctl sw2 -o json vpc show | jq length)"
check "the rogue switch shows why it is not connected" wait_for 5 bash -c \
	"'$VPCCTL' -s '$(sw_sock sw2)' -o json show controller | jq -e '.state != \"connected\" and (.last_error | test(\"alert|certificate\"))'"
log "rogue switch's reason: $(ctrl sw2 .last_error)"

stop_switch sw2 && ok "sw2 stopped cleanly" || fail "sw2 exit status"
stop_switch sw && ok "sw stopped cleanly" || fail "sw exit status"
it_done
