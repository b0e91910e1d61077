#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The southbound over mutual TLS. A CA signs the controller's certificate and one per host
# (the host's name as common name). A switch with its own certificate is served its host's
# ports; a switch whose certificate another CA signed is refused in the handshake; a switch
# with a valid certificate that claims another host is refused and gets nothing of that
# host; a switch refuses a controller whose certificate it cannot trust.
. "$(dirname "$0")/lib.sh"
it_setup

it_host cns ctl
CTL=127.0.0.1 SB_PORT=6653 API=127.0.0.1:8080
PKI=$IT_DIR/pki
mkdir -p "$PKI"

# ---- certificates: our CA, a rogue CA ----
ca() { # ca NAME
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>/dev/null
}
cert() { # cert NAME CA [SAN]
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$PKI/$1.key" \
		-out "$PKI/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "${3:-DNS:$1}" > "$PKI/$1.ext"
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" \
		-CAcreateserial -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}
ca ca
ca rogue
cert controller ca "IP:$CTL"
cert h1 ca
cert h2 ca
# the rogue certificate says it is h2
openssl req -newkey rsa:2048 -nodes -subj "/CN=h2" -keyout "$PKI/h2-rogue.key" \
	-out "$PKI/h2-rogue.csr" 2>/dev/null
openssl x509 -req -in "$PKI/h2-rogue.csr" -CA "$PKI/rogue.pem" -CAkey "$PKI/rogue.key" \
	-CAcreateserial -days 2 -out "$PKI/h2-rogue.pem" 2>/dev/null
cert controller-rogue rogue "IP:$CTL"
cert admin ca
cert admin-rogue rogue
check "certificates made" test -s "$PKI/h1.pem" -a -s "$PKI/controller.pem"

# the API over HTTPS, as an operator holding a client certificate of our CA
api() {
	ip netns exec "$cns" curl -sf --max-time 10 --cert "$PKI/admin.pem" --key "$PKI/admin.key" \
		--cacert "$PKI/ca.pem" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "https://$API$2"
}
host_field() { api GET /v1/status | jq -r ".hosts[] | select(.name == \"$1\") | .$2"; }
refusals() { api GET /v1/status | jq -r '.refused[].reason'; }

ip netns exec "$cns" "$VPC_CONTROLLER" --db "$IT_DIR/state.db" --listen "tls:$CTL:$SB_PORT" \
	--cert "$PKI/controller.pem" --key "$PKI/controller.key" --ca "$PKI/ca.pem" --api $API \
	--api-cert "$PKI/controller.pem" --api-key "$PKI/controller.key" --api-ca "$PKI/ca.pem" \
	>> "$IT_DIR/controller.log" 2>&1 &
it_bg $!
check "the controller starts with TLS (switches and API)" wait_for 10 api GET /v1/status
http_code() { # CURL-OPTIONS...: the API's answer to GET /v1/status
	ip netns exec "$cns" curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		--cacert "$PKI/ca.pem" "$@" "https://$API/v1/status"
}
check_eq "the API without a client certificate: 403" 403 "$(http_code)"
check_eq "the API with a certificate of another CA: 403" 403 \
	"$(http_code --cert "$PKI/admin-rogue.pem" --key "$PKI/admin-rogue.key")"
check_eq "the API with our CA's client certificate: 200" 200 \
	"$(http_code --cert "$PKI/admin.pem" --key "$PKI/admin.key")"
check "plain HTTP is not served on the HTTPS port" bash -c \
	"! ip netns exec $cns curl -sf --max-time 5 http://$API/v1/status"
check "vpcctl --controller https:// with its client certificate" ip netns exec "$cns" \
	"$VPCCTL" --controller "https://$API" --cert "$PKI/admin.pem" --key "$PKI/admin.key" \
	--cacert "$PKI/ca.pem" show hosts
check "a plain controller without certificates is refused at start" bash -c \
	"! ip netns exec $cns $VPC_CONTROLLER --db $IT_DIR/x.db --listen tls:$CTL:6654 --api 127.0.0.1:8090"

# two hosts, a VPC each (no remotes: these switches have no underlay)
api PUT /v1/state '{
  "hosts": [ {"name": "h1", "vtep": "192.168.60.1"}, {"name": "h2", "vtep": "192.168.60.2"} ],
  "vpcs": [ {"name": "blue", "vni": 100}, {"name": "red", "vni": 200} ],
  "subnets": [
    {"vpc": "blue", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"},
    {"vpc": "red", "cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "gateway_mac": "02:00:00:00:00:01"} ],
  "ports": [
    {"name": "vm1", "vpc": "blue", "mac": "52:54:00:00:00:11", "ips": ["10.0.0.11"], "host": "h1"},
    {"name": "vm2", "vpc": "red", "mac": "52:54:00:00:00:12", "ips": ["10.0.0.12"], "host": "h2"} ]
}' > /dev/null
check_eq "the topology is in" 2 "$(api GET /v1/ports | jq length)"

tls_switch() { # tls_switch NAME HOST-ID CERT [CA]
	SW_NETNS=$cns start_switch "$1" --controller "tls:$CTL:$SB_PORT" --host-id "$2" \
		--controller-cert "$PKI/$3.pem" --controller-key "$PKI/$3.key" \
		--controller-ca "$PKI/${4:-ca}.pem"
}

tls_switch sw1 h1 h1
check "h1 with its own certificate: connected and in sync" wait_eq 20 true host_field h1 in_sync
check_eq "h1's switch holds its port" vm1 "$(ctl sw1 -o json dump ports | jq -r '.rows[].name')"

tls_switch sw2 h2 h2-rogue
check "a certificate from another CA: refused in the handshake" wait_for 20 \
	eval 'refusals | grep -q "TLS handshake"'
check_eq "h2 not connected" false "$(host_field h2 connected)"
check_eq "the rogue switch got no port" 0 "$(ctl sw2 -o json dump ports | jq '.rows | length')"
stop_switch sw2

# a real switch refuses to claim a host its certificate does not name; an impostor would
check "vpcswitchd will not start claiming h2 with h1's certificate" bash -c \
	"! ip netns exec $cns $VPCSWITCHD -l 0 --no-pci --file-prefix ${IT_PREFIX}_x -m 64 -- \
	-s $IT_DIR/x.ctl -d $IT_DIR --controller tls:$CTL:$SB_PORT --host-id h2 \
	--controller-cert $PKI/h1.pem --controller-key $PKI/h1.key --controller-ca $PKI/ca.pem"
check "an impostor with h1's certificate claiming h2 is disconnected before any state" \
	ip netns exec "$cns" python3 "$(dirname "$0")/ctrl_impostor.py" $CTL $SB_PORT \
	"$PKI/h1.pem" "$PKI/h1.key" "$PKI/ca.pem" h2
check "and listed as refused with the reason" \
	eval "refusals | grep -q \"claims host 'h2' but its certificate is for 'h1'\""
check_eq "h2 still not connected" false "$(host_field h2 connected)"
check_eq "h1's own connection was not disturbed" true "$(host_field h1 connected)"

tls_switch sw4 h2 h2 rogue
check "a switch that cannot trust the controller's certificate says so" wait_for 20 \
	eval 'ctl sw4 -o json show controller | jq -r .last_error | grep -qi "certificate"'
check_eq "and stays unconnected" false "$(host_field h2 connected)"
stop_switch sw4

tls_switch sw5 h2 h2
check "h2 with its own certificate: in sync" wait_eq 20 true host_field h2 in_sync
check_eq "h2's switch holds its port" vm2 "$(ctl sw5 -o json dump ports | jq -r '.rows[].name')"

it_done
