#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/report.sh DIR: turn a benchmark run's raw results into its report.
#
# Reads DIR/raw.txt (the guest's "BENCH key=value ..." lines) and DIR/meta.txt
# (what bench/run.sh knows about the host: key=value lines) and writes
#
#   DIR/summary.tsv   one line per figure: test, configuration, parameter,
#                     metric, repetitions, median, min, max
#   DIR/ratios.tsv    the ratios the project has targets for
#   DIR/results.md    the report: machine, tables, ratios against targets
#   DIR/results.json  the same as JSON
#   DIR/chart.png     a chart of the main figures (gnuplot)
#
# Works on a QUICK run too: figures that were not measured read "n/a".
set -u

dir=${1:?usage: bench/report.sh RESULTS_DIR}
here=$(cd "$(dirname "$0")" && pwd)
raw=$dir/raw.txt
meta=$dir/meta.txt
[ -s "$raw" ] || { echo "report: $raw is missing or empty" >&2; exit 1; }
[ -f "$meta" ] || : >"$meta"

CONFIGS="ceiling masquerade full-cone restricted-cone port-restricted-cone symmetric"

# --- the guest's info line -----------------------------------------------------

info=$(grep -m1 '^BENCH test=info ' "$raw")
# value of KEY in the info line (quoted values may hold spaces)
info_get() {
	local v
	v=$(printf '%s\n' "$info" | sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p")
	[ -n "$v" ] || v=$(printf '%s\n' "$info" | sed -n "s/.* $1=\([^ ]*\).*/\1/p")
	printf '%s' "$v"
}
meta_get() {
	sed -n "s/^$1=//p" "$meta" | head -n 1
}
# the guest's mode: icount (deterministic costs) or wallclock
mode=$(info_get mode)
case $mode in
icount) ;;
*) mode=wallclock ;;
esac

# --- long format, then per-figure statistics ------------------------------------

awk '
function out(m, v) {
	if (v == "" || v == "?")
		return
	printf "%s\t%s\t%s\t%s\t%s\n", t, c, p, m, v
}
$1 == "BENCH" {
	split("", f)
	for (i = 2; i <= NF; i++) {
		e = index($i, "=")
		if (e)
			f[substr($i, 1, e - 1)] = substr($i, e + 1)
	}
	t = f["test"]; c = f["cfg"]; p = f["param"]
	if (t == "est" || t == "new" || t == "fanout" || t == "scale_out" || t == "scale_in") {
		out("pps", f["pps"])
		out("offered", f["gen_sent_pps"])
		out("h1", f["h1_pps"])
		out("h2", f["h2_pps"])
		out("rx", f["rx"])
		out("sent", f["gen_sent"])
		out("backlog_drops", f["backlog_drops"])
		out("sink_drops", f["drops"])
		if ("nat_refusals" in f)
			out("refusals", f["nat_refusals"])
		if ("nat_created" in f)
			out("created", f["nat_created"])
		for (k in f)
			if (k ~ /^c[01]_(usr|sys|idle|irq)$/)
				out(k, f[k])
		# the busy time of the router CPU per packet it forwarded, in
		# microseconds (/proc/stat counts in 1/100 s)
		if ((f["c1_busy_j"] != "") && (f["rx"] + f["warmup_rx"] > 0))
			out("cpu_us", f["c1_busy_j"] * 10000 / (f["rx"] + f["warmup_rx"]))
		# the generator offered more than arrived: the router was the bottleneck
		out("saturated", (f["gen_sent_pps"] + 0 > 1.05 * f["pps"]) ? 1 : 0)
	} else if (t == "ctl_add_ct") {
		if (f["ns"] + 0 > 0)
			out("rate", p * 1e9 / f["ns"])
		out("seconds", f["ns"] / 1e9)
		out("status", f["status"])
		out("conntrack", f["conntrack"])
	} else if (t == "ctl_add" || t == "ctl_dump") {
		if (f["ns"] + 0 > 0)
			out("rate", p * 1e9 / f["ns"])
		out("seconds", f["ns"] / 1e9)
		if ("status" in f) out("status", f["status"])
		if ("lines" in f) out("lines", f["lines"])
	} else if (t == "map_add") {
		if (f["ns"] + 0 > 0)
			out("rate", f["added"] * 1e9 / f["ns"])
		out("seconds", f["ns"] / 1e9)
		out("added", f["added"])
		out("status", f["status"])
		out("live", f["live"])
	} else if (t == "mem") {
		out("added", f["added"])
		out("memfree_kb", f["memfree_kb"])
		out("slab_kb", f["slab_kb"])
		out("vmalloc_kb", f["vmalloc_kb"])
		out("mapping_slab", f["mapping_slab"])
		out("objs_per_slab", f["objs_per_slab"])
		out("slab_order", f["slab_order"])
	} else if (t == "bg") {
		out("work_ns", f["work_ns"])
		out("works", f["works"])
		out("window_ns", f["window_ns"])
		# conenat work per second of guest time, in microseconds
		if (f["window_ns"] + 0 > 0)
			out("work_us_per_s", f["work_ns"] * 1e6 / f["window_ns"])
		out("c0_idle", f["c0_idle"])
	} else if (t == "kernel") {
		out("warnings", f["warnings"])
		out("guest_seconds", f["guest_seconds"])
	}
}' "$raw" | sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3n -k4,4 -k5,5g |
awk -F '\t' '
function flush() {
	if (!n)
		return
	if (n % 2)
		med = v[(n + 1) / 2]
	else
		med = (v[n / 2] + v[n / 2 + 1]) / 2
	sum = 0
	for (i = 1; i <= n; i++)
		sum += v[i]
	printf "%s\t%d\t%.6g\t%.6g\t%.6g\t%.6g\n", key, n, med, v[1], v[n], sum
	n = 0
}
{
	k = $1 "\t" $2 "\t" $3 "\t" $4
	if (k != key) {
		flush()
		key = k
	}
	v[++n] = $5
}
END { flush() }' >"$dir/summary.tsv"

# --- the report -------------------------------------------------------------------

export CONFIGS
# the icount report writes the NAT's own costs here, one row a figure
: >"$dir/costs.tsv"
awk -F '\t' -v meta="$meta" -v info="$info" -v ratios="$dir/ratios.tsv" \
	-v plotdir="$dir" -v configs="$CONFIGS" -v costs="$dir/costs.tsv" \
	-f "$here/report-lib.awk" -f "$here/report-$mode.awk" \
	"$dir/summary.tsv" >"$dir/results.md.tmp" || exit 1
mv "$dir/results.md.tmp" "$dir/results.md"

# --- JSON -------------------------------------------------------------------------

jq -n --rawfile summary "$dir/summary.tsv" --rawfile ratios "$dir/ratios.tsv" \
	--rawfile costs "$dir/costs.tsv" --arg mode "$mode" \
	--rawfile meta "$meta" --arg info "${info#BENCH }" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: if . == null or . == "" or . == "null" then null else (tonumber? // .) end;
	($meta | split("\n") | map(select(test("=")) | capture("^(?<key>[^=]+)=(?<value>.*)$")) | from_entries) as $m |
	($info | [scan("([a-z_]+)=(\"[^\"]*\"|[^ ]*)")] |
		map({key: .[0], value: (.[1] | ltrimstr("\"") | rtrimstr("\""))}) | from_entries) as $g |
	{
		date: $m.date,
		mode: $mode,
		deterministic: ($mode == "icount"),
		quick: ($g.quick == "1"),
		machine: {
			nproc: ($m.host_nproc | num), cpu: $m.host_cpu, kernel: $m.host_kernel,
			load_start: ($m.load_start | num), load_end: ($m.load_end | num),
			other_qemu_guests: ($m.other_qemu | num)
		},
		guest: {
			kernel: $g.kernel, cpus: ($g.guest_cpus | num), cpu: $g.guest_cpu,
			mem_kb: ($g.guest_mem_kb | num), accel: $m.accel,
			emulated: ($m.accel != "kvm"), conenat: $g.conenat
		},
		settings: ($g | del(.test, .kernel, .guest_cpus, .guest_cpu, .guest_mem_kb, .conenat)),
		wall_seconds: ($m.wall_seconds | num),
		targets: [rows($ratios)[] | {name: .[0], value: (.[1] | num), op: .[2],
			target: (.[3] | num), verdict: .[4], figure: .[5]}],
		costs: [rows($costs)[] | {test: .[0], config: .[1], param: (.[2] | num),
			rate: (.[3] | num), ns_per_packet: (.[4] | num),
			overhead_ns: (.[5] | num), overhead_vs_masquerade: (.[6] | num)}],
		figures: [rows($summary)[] | {test: .[0], config: .[1], param: (.[2] | num),
			metric: .[3], n: (.[4] | num), median: (.[5] | num), min: (.[6] | num),
			max: (.[7] | num)}]
	}' >"$dir/results.json" || { echo "report: jq failed" >&2; exit 1; }

# --- chart ------------------------------------------------------------------------

if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot missing (Debian package gnuplot-nox): no chart" >&2
	exit 1
fi
# a panel without data says so instead of failing
plot_or_none() { # FILE PLOT-COMMAND
	if grep -qv '^#' "$1" 2>/dev/null; then
		echo "$2"
	else
		echo 'set label 1 "not measured" at graph 0.5,0.5 center; plot [1:10][0:1] 2 notitle; unset label 1'
	fi
}
# chart_head TITLE HISTOGRAM-STYLE: what both charts begin with, a 2 x 2
# page of histograms
chart_head() {
	cat <<EOF
set terminal pngcairo size 1600,1100 font "sans,10"
set output "$dir/chart.png"
set datafile separator "\t"
set datafile commentschars "#"
set multiplot layout 2,2 title "$1"
set style data histograms
set style histogram $2
set style fill solid 0.6 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics rotate by -25 nomirror
set key off
EOF
}
# the deterministic run: the NAT's own cost of each configuration
if [ "$mode" = icount ]; then
	fanout_ns=$(awk '/^# cfg/ { for (i = 3; i <= NF; i++) printf "%s ", substr($i, 2); exit }' "$dir/cost_fanout.dat")
	nf=$(echo "$fanout_ns" | wc -w)
	gnuplot <<EOF || { echo "report: gnuplot failed" >&2; exit 1; }
$(chart_head "conenat benchmark $(sed -n 's/^date=//p' "$meta"): the NAT's own cost in guest ns (qemu -icount, one vCPU)" "clustered gap 2")
set title "Established: guest ns per packet over the ceiling"
$(plot_or_none "$dir/cost_est.dat" "plot \"$dir/cost_est.dat\" using 2:xtic(1) lc rgb \"#3c78d8\"")
set title "New flows: guest ns per flow over the ceiling"
$(plot_or_none "$dir/cost_new.dat" "plot \"$dir/cost_new.dat\" using 2:xtic(1) lc rgb \"#6aa84f\"")
set title "Fan-out: guest ns per flow over the ceiling, N remotes"
set key top left
ns = "$fanout_ns"
$(plot_or_none "$dir/cost_fanout.dat" "plot for [j=1:${nf:-1}] \"$dir/cost_fanout.dat\" using (column(1+j)):xtic(1) title \"N = \".word(ns, j)")
set key off
set title "Background: conenat work, us per second of guest time, no traffic"
set xlabel "static mappings"
$(plot_or_none "$dir/bg.dat" "plot \"$dir/bg.dat\" using 2:xtic(1) lc rgb \"#cc4125\"")
unset multiplot
EOF
	exit 0
fi

nf=$(awk '/^# cfg/ { print (NF - 2) / 3; exit }' "$dir/fanout.dat")
fanout_ns=$(awk '/^# cfg/ { for (i = 3; i <= NF; i += 3) printf "%s ", substr($i, 4); exit }' "$dir/fanout.dat")
title="conenat benchmark $(sed -n 's/^date=//p' "$meta")$(grep -q '^accel=kvm' "$meta" || echo ' (guest emulated: TCG)')"
gnuplot <<EOF || { echo "report: gnuplot failed" >&2; exit 1; }
$(chart_head "$title" "errorbars gap 2 lw 1")
set title "Established flows: packets/s received (median, min-max)"
$(plot_or_none "$dir/est.dat" "plot \"$dir/est.dat\" using 2:3:4:xtic(1) lc rgb \"#3c78d8\"")
set title "New flows/s received (median, min-max)"
$(plot_or_none "$dir/new.dat" "plot \"$dir/new.dat\" using 2:3:4:xtic(1) lc rgb \"#6aa84f\"")
set title "Fan-out: new flows/s from one endpoint to N remotes"
set key top right
ns = "$fanout_ns"
$(plot_or_none "$dir/fanout.dat" "plot for [j=0:${nf:-1}-1] \"$dir/fanout.dat\" using (column(2+3*j)):(column(3+3*j)):(column(4+3*j)):xtic(1) title \"N = \".word(ns, j+1)")
set style data yerrorlines
set logscale x
set xtics norotate
set title "Scale (full-cone): established pps with N static mappings"
set xlabel "mappings"
set offsets graph 0.1, graph 0.1, 0, 0
set key bottom left
$(plot_or_none "$dir/scale.dat" "plot \"$dir/scale.dat\" using 1:2:3:4 title \"outbound\" lw 2 pt 7, \"\" using 1:5:6:7 title \"inbound\" lw 2 pt 5")
unset multiplot
EOF
