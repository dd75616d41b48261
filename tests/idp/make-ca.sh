#!/bin/bash
# make-ca.sh DIR
#
# Creates a throw-away test CA and a loopback TLS server certificate for the
# test OpenID Provider (server.mjs):
#   DIR/ca.key  DIR/ca.pem          test CA (EC P-256, 2 days)
#   DIR/server.key DIR/server.pem   server cert signed by the CA, 2 days,
#                                   SAN IP:127.0.0.1, IP:::1, DNS:localhost,
#                                   EKU serverAuth
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
