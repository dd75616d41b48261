#!/bin/bash
# make-ca.sh DIR
#
# Creates a throw-away test CA and a loopback TLS server certificate for the
# test OpenID Provider (server.mjs):
#   DIR/ca.key  DIR/ca.pem          test CA (EC P-256, 2 days)
#   DIR/server.key DIR/server.pem   server cert signed by the CA, 2 days,
#                                   SAN IP:127.0.0.1, IP:::1, DNS:localhost,
#                                   EKU serverAuth
#   and, for the TLS fault tests, certificates that must be refused
#   (expired, wronghost, unknownca + other-ca, selfsigned; see the end).
# Existing files in DIR are overwritten.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 64
fi

dir=$1
mkdir -p "$dir"
umask 077

tmp=$(mktemp -d "$dir/.make-ca.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

days=2

# CA key and self-signed CA certificate.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key" 2>/dev/null
openssl req -new -x509 -sha256 -days "$days" \
	-key "$tmp/ca.key" \
	-subj "/O=pam_pkce tests/CN=pam_pkce test CA $$-$(date +%s)" \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out "$tmp/ca.pem" 2>/dev/null

# Server key and CSR.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/server.key" 2>/dev/null
openssl req -new -sha256 \
	-key "$tmp/server.key" \
	-subj "/O=pam_pkce tests/CN=127.0.0.1" \
	-out "$tmp/server.csr" 2>/dev/null

cat >"$tmp/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF

serial=$(openssl rand -hex 16)
openssl x509 -req -sha256 -days "$days" \
	-in "$tmp/server.csr" \
	-CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
	-set_serial "0x$serial" \
	-extfile "$tmp/server.ext" \
	-out "$tmp/server.pem" 2>/dev/null

# Sanity check before installing the files.
openssl verify -CAfile "$tmp/ca.pem" -purpose sslserver "$tmp/server.pem" >/dev/null

chmod 600 "$tmp/ca.key" "$tmp/server.key"
chmod 644 "$tmp/ca.pem" "$tmp/server.pem"
for f in ca.key ca.pem server.key server.pem; do
	mv -f "$tmp/$f" "$dir/$f"
done

# Certificates for the TLS fault cases (tests/faults/server.mjs), made after
# the files above and without touching them:
#   DIR/expired.key DIR/expired.pem         signed by the test CA, SAN as the
#                                           server's, valid only in 2020
#   DIR/wronghost.key DIR/wronghost.pem     signed by the test CA, valid now,
#                                           for wrong-host.example only
#   DIR/other-ca.key DIR/other-ca.pem       a second CA that nobody trusts
#   DIR/unknownca.key DIR/unknownca.pem     signed by that second CA, SAN as
#                                           the server's
#   DIR/selfsigned.key DIR/selfsigned.pem   self-signed, SAN as the server's
extra=$tmp/extra
mkdir -p "$extra/db"

# new_key NAME: an EC P-256 key in $extra/NAME.key.
new_key() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$extra/$1.key" 2>/dev/null
}

# leaf NAME CA_PREFIX SAN START END: NAME.pem for NAME.key, issued by
# CA_PREFIX.pem/.key with `openssl ca` (the only OpenSSL 3.0 tool that takes
# explicit validity dates), START/END as YYYYMMDDHHMMSSZ.
leaf() {
	local name=$1 ca=$2 san=$3 start=$4 end=$5
	: >"$extra/db/index.txt"
	openssl rand -hex 16 >"$extra/db/serial"
	cat >"$extra/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $extra/db/index.txt
serial = $extra/db/serial
new_certs_dir = $extra/db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
organizationName = optional
commonName = optional
[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	openssl req -new -sha256 -key "$extra/$name.key" \
		-subj "/O=pam_pkce tests/CN=$name" -out "$extra/$name.csr" 2>/dev/null
	openssl ca -batch -notext -config "$extra/ca.cnf" -extensions leaf_ext \
		-cert "$ca.pem" -keyfile "$ca.key" \
		-startdate "$start" -enddate "$end" \
		-in "$extra/$name.csr" -out "$extra/$name.pem" 2>/dev/null
}

now_utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
good_san="IP:127.0.0.1,IP:::1,DNS:localhost"

new_key expired
leaf expired "$dir/ca" "$good_san" 20200101000000Z 20200102000000Z

new_key wronghost
leaf wronghost "$dir/ca" "DNS:wrong-host.example" \
	"$(now_utc '-1 hour')" "$(now_utc "+$days days")"

new_key other-ca
openssl req -new -x509 -sha256 -days "$days" -key "$extra/other-ca.key" \
	-subj "/O=pam_pkce tests/CN=untrusted second CA $$-$(date +%s)" \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out "$extra/other-ca.pem" 2>/dev/null
new_key unknownca
leaf unknownca "$extra/other-ca" "$good_san" \
	"$(now_utc '-1 hour')" "$(now_utc "+$days days")"

new_key selfsigned
openssl req -new -x509 -sha256 -days "$days" -key "$extra/selfsigned.key" \
	-subj "/O=pam_pkce tests/CN=127.0.0.1" \
	-addext "subjectAltName=$good_san" \
	-addext "extendedKeyUsage=serverAuth" \
	-out "$extra/selfsigned.pem" 2>/dev/null

# Each must fail verification against the test CA for its own reason.
# verify_error CERT CAFILE TEXT: verification fails, saying TEXT.
verify_error() {
	local out
	if out=$(openssl verify -CAfile "$2" -purpose sslserver "$1" 2>&1); then
		echo "make-ca.sh: $1 unexpectedly verifies against $2" >&2
		return 1
	fi
	case $out in
	*"$3"*) return 0 ;;
	esac
	echo "make-ca.sh: $1: expected '$3', got: $out" >&2
	return 1
}
verify_error "$extra/expired.pem" "$dir/ca.pem" "certificate has expired"
verify_error "$extra/unknownca.pem" "$dir/ca.pem" "unable to get local issuer certificate"
verify_error "$extra/selfsigned.pem" "$dir/ca.pem" "self-signed certificate"
openssl verify -CAfile "$dir/ca.pem" -purpose sslserver "$extra/wronghost.pem" >/dev/null
openssl verify -CAfile "$extra/other-ca.pem" -purpose sslserver "$extra/unknownca.pem" >/dev/null

for f in expired wronghost other-ca unknownca selfsigned; do
	chmod 600 "$extra/$f.key"
	chmod 644 "$extra/$f.pem"
	mv -f "$extra/$f.key" "$dir/$f.key"
	mv -f "$extra/$f.pem" "$dir/$f.pem"
done
