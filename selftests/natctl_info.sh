#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# natctl info against the live module: text and JSON carry what the module
# was built with, and the JSON parses.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"
natctl=${NATCTL:-$top/userspace/natctl}
version=$(cat "$top/VERSION")
api=$(sed -n 's/^#define CONENAT_API_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
	"$top/include/uapi/linux/conenat.h")
buckets=$(cat /sys/module/conenat/parameters/hash_buckets)

text_info() {
	local out
	out=$("$natctl" info) || return 1
	echo "$out"
	echo "$out" | grep -q "^conenat $version api $api$" &&
		echo "$out" | grep -q "hash-buckets $buckets"
}

json_info() {
	"$natctl" -j info | jq -e --arg v "$version" --argjson a "$api" \
		--argjson b "$buckets" \
		'.version == $v and .api == $a and .natctl_api == $a and
		 .limits.hash_buckets == $b and .limits.max_instances == 64 and
		 .limits.name_max == 16 and .limits.max_mappings == 4194304'
}

pretty_json_info() {
	local out
	out=$("$natctl" -j -p info) || return 1
	[ "$(echo "$out" | wc -l)" -gt 3 ] || { echo "not pretty: $out"; return 1; }
	echo "$out" | jq -e .version >/dev/null
}

explicit_show() {
	[ "$("$natctl" info show)" = "$("$natctl" info)" ]
}

tap_begin
tap_check "natctl info: version $version, api $api, hash-buckets $buckets" text_info
tap_check "natctl -j info: valid JSON with the module's values" json_info
tap_check "natctl -j -p info: pretty, valid JSON" pretty_json_info
tap_check "natctl info show equals natctl info" explicit_show
tap_done
