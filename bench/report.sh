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
awk -F '\t' -v meta="$meta" -v info="$info" -v ratios="$dir/ratios.tsv" \
	-v plotdir="$dir" -v configs="$CONFIGS" '
function grp(x,    s, neg, r) {
	# thousands grouped with spaces: 1234567 -> 1 234 567
	if (x == "")
		return "n/a"
	x = sprintf("%.0f", x)
	neg = (substr(x, 1, 1) == "-")
	if (neg)
		x = substr(x, 2)
	r = ""
	while (length(x) > 3) {
		r = " " substr(x, length(x) - 2) r
		x = substr(x, 1, length(x) - 3)
	}
	return (neg ? "-" : "") x r
}
function has(t, c, p, m) { return ((t, c, p, m) in MED) }
function med(t, c, p, m) { return has(t, c, p, m) ? MED[t, c, p, m] : "" }
function rat(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : a / b }
function r2(x) { return x == "" ? "n/a" : sprintf("%.2f", x) }
function us(x) { return x == "" ? "n/a" : sprintf("%.1f us", x) }
function pct(x) { return x == "" ? "n/a" : sprintf("%.0f %%", 100 * x) }
function spread(t, c, p, m,   md) {
	md = med(t, c, p, m)
	if (md == "" || md + 0 == 0)
		return "n/a"
	return sprintf("%s - %s (%+.0f %% / %+.0f %%)", grp(MIN[t, c, p, m]), grp(MAX[t, c, p, m]),
		100 * (MIN[t, c, p, m] / md - 1), 100 * (MAX[t, c, p, m] / md - 1))
}
function verdict(v, op, target) {
	if (v == "")
		return "not measured"
	if (op == ">=")
		return (v + 0 >= target) ? "met" : "MISSED"
	return (v + 0 <= target) ? "met" : "MISSED"
}
# ratio NAME VALUE OP TARGET TEXT
function ratio(name, v, op, target, text,   vd, shown) {
	vd = verdict(v, op, target)
	shown = (name ~ /^bytes_per_mapping/) ? (v == "" ? "n/a" : sprintf("%.0f", v)) : r2(v)
	printf "| %s | %s | %s %s | %s |\n", text, shown, op == ">=" ? "&ge;" : "&le;", target, vd
	printf "%s\t%s\t%s\t%s\t%s\t%s\n", name, v == "" ? "null" : v, op, target, vd, text >ratios
}
BEGIN {
	while ((getline line <meta) > 0) {
		e = index(line, "=")
		if (e)
			M[substr(line, 1, e - 1)] = substr(line, e + 1)
	}
	ncfg = split(configs, CFG, " ")
	printf "" >ratios
}
{
	MED[$1, $2, $3, $4] = $6
	MIN[$1, $2, $3, $4] = $7
	MAX[$1, $2, $3, $4] = $8
	N[$1, $2, $3, $4] = $5
	SUM[$1, $2, $3, $4] = $9
	if (!(($1, $3) in SEENP)) {
		SEENP[$1, $3] = 1
		PLIST[$1] = PLIST[$1] (PLIST[$1] == "" ? "" : " ") $3
	}
}
function info_get(k,   s, r) {
	s = " " info " "
	if (match(s, " " k "=\"[^\"]*\"")) {
		r = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 4)
		return r
	}
	if (match(s, " " k "=[^ ]*")) {
		r = substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
		return r
	}
	return ""
}
END {
	quick = (info_get("quick") == "1")
	reps = info_get("reps")
	accel = M["accel"]
	printf "# conenat benchmark, %s\n\n", M["date"]
	printf "`make bench%s`: every figure is the median of %s interleaved repetition%s (configurations run A B C ... A B C in one guest), with the spread as min - max.\n\n", quick ? " QUICK=1" : "", reps, reps == 1 ? "" : "s"
	printf "## Machine\n\n"
	printf "| | |\n|---|---|\n"
	printf "| host | %s CPU%s, %s; Linux %s |\n", M["host_nproc"], M["host_nproc"] == 1 ? "" : "s", M["host_cpu"], M["host_kernel"]
	printf "| host load | load average %s at the start, %s at the end; %s other qemu guest%s running at the start |\n", M["load_start"], M["load_end"], M["other_qemu"], M["other_qemu"] == 1 ? "" : "s"
	printf "| guest | Linux %s, %s vCPUs (%s), %d MiB; %s |\n", info_get("kernel"), info_get("guest_cpus"), info_get("guest_cpu"), info_get("guest_mem_kb") / 1024, accel == "kvm" ? "KVM" : "**emulated (qemu TCG)**: absolute figures are far below real hardware; read the ratios"
	printf "| measured | conenat %s, source %s |\n", info_get("conenat"), M["source"]
	printf "| layout | generator and sink on guest CPU %s, the router forwarding on guest CPU %s (RPS); %s flows for established traffic |\n", info_get("gen_cpu"), info_get("router_cpu"), info_get("flows")
	printf "| run | %s s in the guest, %s s wall clock%s |\n", MED["kernel", "dmesg", "", "guest_seconds"], M["wall_seconds"], quick ? "; QUICK: short runs, small scales, figures for a smoke test only" : ""
	loaded = (M["load_start"] + 0 > 0.5 * M["host_nproc"] || M["other_qemu"] + 0 > 0)
	if (loaded)
		printf "\n**Taken on a loaded machine** (load or other guests above): the figures are noisy; compare configurations only within this run.\n"
	if (accel != "kvm")
		printf "\nUnder TCG every guest instruction is emulated, so the cost of the generator, of the emulated interrupts between the two vCPUs and of the packet path are all inflated; the ratios between configurations are what this report is for.\n"

	# ---- ratios against targets
	est = "est"; fl = info_get("flows")
	m_est = med(est, "masquerade", fl, "pps"); c_est = med(est, "ceiling", fl, "pps")
	f_est = med(est, "full-cone", fl, "pps")
	np = PLIST["new"]; m_new = med("new", "masquerade", np, "pps"); f_new = med("new", "full-cone", np, "pps")
	nf = split(PLIST["fanout"], FO, " "); big = FO[nf]
	m_fan = med("fanout", "masquerade", big, "pps"); f_fan = med("fanout", "full-cone", big, "pps")
	h1 = med("fanout", "full-cone", big, "h1"); h2 = med("fanout", "full-cone", big, "h2")
	ns = split(PLIST["scale_out"], SC, " "); s_lo = SC[1]; s_hi = SC[ns]
	so_lo = med("scale_out", "full-cone", s_lo, "pps"); so_hi = med("scale_out", "full-cone", s_hi, "pps")
	si_lo = med("scale_in", "full-cone", s_lo, "pps"); si_hi = med("scale_in", "full-cone", s_hi, "pps")
	# bytes per mapping: kernel memory the mapping adds took (MemFree), all steps
	nm = split(PLIST["mem"], MS, " "); memkb = 0; madded = 0
	for (i = 1; i <= nm; i++) {
		memkb += med("mem", "full-cone", MS[i], "memfree_kb")
		madded += med("mem", "full-cone", MS[i], "added")
	}
	bpm = madded ? memkb * 1024 / madded : ""
	nat_add = med("ctl_add", "natctl", PLIST["ctl_add"], "rate"); ip_add = med("ctl_add", "ip", PLIST["ctl_add"], "rate")

	printf "\n## Targets\n\n"
	printf "| figure | value | target | verdict |\n|---|---|---|---|\n"
	ratio("est_fullcone_vs_masquerade", rat(f_est, m_est), ">=", 0.97, "established pps, full-cone / masquerade")
	ratio("est_fullcone_vs_ceiling", rat(f_est, c_est), ">=", 0.95, "established pps, full-cone / ceiling (no NAT)")
	ratio("est_cost_fullcone_vs_masquerade", rat(med(est, "masquerade", fl, "cpu_us"), med(est, "full-cone", fl, "cpu_us")), ">=", 0.97, "established, router CPU per packet: masquerade / full-cone (the pps ratio a saturated router would show)")
	ratio("est_cost_fullcone_vs_ceiling", rat(med(est, "ceiling", fl, "cpu_us"), med(est, "full-cone", fl, "cpu_us")), ">=", 0.95, "established, router CPU per packet: ceiling / full-cone")
	ratio("new_fullcone_vs_masquerade", rat(f_new, m_new), ">=", 0.9, "new flows/s, full-cone / masquerade")
	ratio("new_cost_fullcone_vs_masquerade", rat(med("new", "masquerade", np, "cpu_us"), med("new", "full-cone", np, "cpu_us")), ">=", 0.9, "new flows, router CPU per flow: masquerade / full-cone")
	ratio("fanout_fullcone_vs_masquerade", rat(f_fan, m_fan), ">=", 0.9, "fan-out to " grp(big) " remotes, full-cone / masquerade")
	ratio("fanout_second_vs_first_half", rat(h2, h1), ">=", 0.95, "fan-out to " grp(big) ", full-cone: second half / first half")
	ratio("scale_out_big_vs_small", rat(so_hi, so_lo), ">=", 0.9, "established pps outbound, " grp(s_hi) " / " grp(s_lo) " mappings")
	ratio("scale_in_big_vs_small", rat(si_hi, si_lo), ">=", 0.9, "established pps inbound, " grp(s_hi) " / " grp(s_lo) " mappings")
	ratio("scale_cost_out_big_vs_small", rat(med("scale_out", "full-cone", s_lo, "cpu_us"), med("scale_out", "full-cone", s_hi, "cpu_us")), ">=", 0.9, "router CPU per packet outbound, " grp(s_lo) " / " grp(s_hi) " mappings (GC included)")
	ratio("scale_cost_in_big_vs_small", rat(med("scale_in", "full-cone", s_lo, "cpu_us"), med("scale_in", "full-cone", s_hi, "cpu_us")), ">=", 0.9, "router CPU per packet inbound, " grp(s_lo) " / " grp(s_hi) " mappings (GC included)")
	ratio("bytes_per_mapping", bpm, "<=", 128, "kernel bytes per mapping, measured: MemFree drop (" grp(madded) " static mappings)")
	# accounted: the slab object as packed plus both bucket arrays, at the largest size
	p = s_hi; obj = med("mem", "full-cone", p, "mapping_slab"); ops = med("mem", "full-cone", p, "objs_per_slab"); ord = med("mem", "full-cone", p, "slab_order")
	size = 8192
	while (p > size * 0.75)
		size *= 2
	acc = (obj == "" || p == "") ? "" : ((ops + 0 > 0) ? 4096 * 2 ^ ord / ops : obj) + 2 * 8 * size / p
	ratio("bytes_per_mapping_accounted", acc, "<=", 128, "kernel bytes per mapping, accounted: slab object + 2 bucket arrays at " grp(p))
	ratio("natctl_vs_ip_add_rate", rat(nat_add, ip_add), ">=", 1, "natctl -b mapping adds/s / ip -b route adds/s")
	if (quick || s_hi + 0 < 1000000)
		printf "\nThe scale ratio compares %s with %s mappings%s.\n", grp(s_hi), grp(s_lo), quick ? " (QUICK leaves 1 000 000 out)" : ""

	# ---- established
	printf "\n## Established flows\n\n"
	printf "%s flows over fixed source ports, small UDP packets (46-byte IP packets), packets per second received at the sink.\n\n", grp(fl)
	printf "| configuration | pps (median) | min - max | / masquerade | / ceiling | offered pps | router saturated | router CPU idle | router CPU per packet | masquerade cost / this cost |\n|---|---|---|---|---|---|---|---|---|---|\n"
	print "# cfg\tmed\tmin\tmax" >(plotdir "/est.dat")
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]; v = med(est, c, fl, "pps")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, grp(v), spread(est, c, fl, "pps"),
			r2(rat(v, m_est)), r2(rat(v, c_est)), grp(med(est, c, fl, "offered")),
			has(est, c, fl, "saturated") ? sprintf("%d of %d", SUM[est, c, fl, "saturated"], N[est, c, fl, "saturated"]) : "n/a",
			has(est, c, fl, "c1_idle") ? med(est, c, fl, "c1_idle") " %" : "n/a",
			us(med(est, c, fl, "cpu_us")), r2(rat(med(est, "masquerade", fl, "cpu_us"), med(est, c, fl, "cpu_us")))
		if (v != "")
			printf "%s\t%s\t%s\t%s\n", c, v, MIN[est, c, fl, "pps"], MAX[est, c, fl, "pps"] >(plotdir "/est.dat")
	}

	# ---- new flows
	printf "\n## New flows\n\n"
	printf "Every packet from a new source port (one internal address), up to %s flows per run: new flows per second received.\n\n", grp(np)
	printf "| configuration | flows/s (median) | min - max | / masquerade | / ceiling | flows arrived (median) | flows refused by conenat | router CPU per flow | masquerade cost / this cost |\n|---|---|---|---|---|---|---|---|---|\n"
	print "# cfg\tmed\tmin\tmax" >(plotdir "/new.dat")
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]; v = med("new", c, np, "pps")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, grp(v), spread("new", c, np, "pps"),
			r2(rat(v, m_new)), r2(rat(v, med("new", "ceiling", np, "pps"))), grp(med("new", c, np, "rx")),
			has("new", c, np, "refusals") ? grp(MAX["new", c, np, "refusals"]) " (max)" : "-",
			us(med("new", c, np, "cpu_us")), r2(rat(med("new", "masquerade", np, "cpu_us"), med("new", c, np, "cpu_us")))
		if (v != "")
			printf "%s\t%s\t%s\t%s\n", c, v, MIN["new", c, np, "pps"], MAX["new", c, np, "pps"] >(plotdir "/new.dat")
	}

	# ---- fan-out
	printf "\n## Fan-out\n\n"
	printf "One internal endpoint (one source port) sending one packet to each of N remote endpoints (N destination ports): new flows per second received, over the whole burst and over its first and second half.\n\n"
	printf "| configuration | N | flows/s (median) | min - max | / masquerade | first half | second half | second / first | flows arrived (median) | refused by conenat | router CPU per flow |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
	hdr = "# cfg"
	for (j = 1; j <= nf; j++)
		hdr = hdr "\tmed" FO[j] "\tmin" FO[j] "\tmax" FO[j]
	print hdr >(plotdir "/fanout.dat")
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]; row = c; any = 0
		for (j = 1; j <= nf; j++) {
			p = FO[j]; v = med("fanout", c, p, "pps")
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, grp(p), grp(v), spread("fanout", c, p, "pps"),
				r2(rat(v, med("fanout", "masquerade", p, "pps"))), grp(med("fanout", c, p, "h1")),
				grp(med("fanout", c, p, "h2")), r2(rat(med("fanout", c, p, "h2"), med("fanout", c, p, "h1"))),
				has("fanout", c, p, "rx") ? grp(med("fanout", c, p, "rx")) (N["fanout", c, p, "rx"] < reps ? " (" N["fanout", c, p, "rx"] " run)" : "") : "n/a",
				has("fanout", c, p, "refusals") ? grp(MAX["fanout", c, p, "refusals"]) " (max)" : "-",
				us(med("fanout", c, p, "cpu_us"))
			row = row "\t" (v == "" ? 0 : v) "\t" (v == "" ? 0 : MIN["fanout", c, p, "pps"]) "\t" (v == "" ? 0 : MAX["fanout", c, p, "pps"])
			if (v != "") any = 1
		}
		if (any)
			print row >(plotdir "/fanout.dat")
	}

	# ---- scale
	printf "\n## Scale\n\n"
	printf "conenat full-cone with an external pool of 32 addresses; N static mappings created with `natctl -b`, then the established-flow test (%s flows hitting %s of those mappings) outbound and inbound. The mapping add rate is lines per second of the batch.\n\n", grp(fl), grp(fl)
	printf "| mappings | outbound pps | min - max | / %s | inbound pps | min - max | / %s | `natctl -b` adds/s | seconds | mappings live | CPU 0 / router CPU in system (kernel threads) | router CPU idle | router CPU per packet out / in |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", grp(s_lo), grp(s_lo)
	print "# mappings\tout\toutmin\toutmax\tin\tinmin\tinmax" >(plotdir "/scale.dat")
	for (i = 1; i <= ns; i++) {
		p = SC[i]; vo = med("scale_out", "full-cone", p, "pps"); vi = med("scale_in", "full-cone", p, "pps")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", grp(p), grp(vo), spread("scale_out", "full-cone", p, "pps"),
			r2(rat(vo, so_lo)), grp(vi), spread("scale_in", "full-cone", p, "pps"), r2(rat(vi, si_lo)),
			grp(med("map_add", "full-cone", p, "rate")), sprintf("%.1f", med("map_add", "full-cone", p, "seconds")),
			has("map_add", "full-cone", p, "live") ? grp(med("map_add", "full-cone", p, "live")) : "?",
			has("scale_out", "full-cone", p, "c1_sys") ? med("scale_out", "full-cone", p, "c0_sys") " % / " med("scale_out", "full-cone", p, "c1_sys") " %" : "n/a",
			has("scale_out", "full-cone", p, "c1_idle") ? med("scale_out", "full-cone", p, "c1_idle") " %" : "n/a",
			us(med("scale_out", "full-cone", p, "cpu_us")) " / " us(med("scale_in", "full-cone", p, "cpu_us"))
		if (vo != "" && vi != "")
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p, vo, MIN["scale_out", "full-cone", p, "pps"], MAX["scale_out", "full-cone", p, "pps"], vi, MIN["scale_in", "full-cone", p, "pps"], MAX["scale_in", "full-cone", p, "pps"] >(plotdir "/scale.dat")
	}

	# ---- memory
	printf "\n## Memory\n\n"
	printf "Kernel memory taken by each batch of static mappings: the drop of MemFree across the batch (page cache dropped before and after; conntrack empty), and the part of it in slab and vmalloc. Accounted: the mapping object as SLUB lays it out plus two rhashtable bucket arrays (internal and external key, 8 bytes a bucket, grown x2 past 75 %% load from 8 192 buckets). Peers and hosts: none per static full-cone mapping (one host entry per internal address).\n\n"
	printf "| mappings after | added | MemFree drop | bytes / mapping | slab | vmalloc | (slab + vmalloc) / mapping | mapping object (slab) | accounted bytes / mapping |\n|---|---|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= nm; i++) {
		p = MS[i]; a = med("mem", "full-cone", p, "added")
		obj = med("mem", "full-cone", p, "mapping_slab"); ops = med("mem", "full-cone", p, "objs_per_slab"); ord = med("mem", "full-cone", p, "slab_order")
		eff = (ops + 0 > 0) ? 4096 * 2 ^ ord / ops : obj
		size = 8192
		while (p > size * 0.75)
			size *= 2
		printf "| %s | %s | %s KiB | %s | %s KiB | %s KiB | %s | %s B (%.1f B with slab packing) | %.0f |\n", grp(p), grp(a),
			grp(med("mem", "full-cone", p, "memfree_kb")), a ? sprintf("%.0f", med("mem", "full-cone", p, "memfree_kb") * 1024 / a) : "n/a",
			grp(med("mem", "full-cone", p, "slab_kb")), grp(med("mem", "full-cone", p, "vmalloc_kb")),
			a ? sprintf("%.0f", (med("mem", "full-cone", p, "slab_kb") + med("mem", "full-cone", p, "vmalloc_kb")) * 1024 / a) : "n/a",
			obj, eff, eff + 2 * 8 * size / p
	}
	printf "\nAll batches: %s KiB for %s mappings, **%s bytes per mapping**.\n", grp(memkb), grp(madded), bpm == "" ? "n/a" : sprintf("%.0f", bpm)

	# ---- control path
	cn = PLIST["ctl_add"]
	printf "\n## Control path\n\n"
	printf "`natctl -b` adding %s static mappings against `ip -b` adding %s blackhole routes, in a namespace of their own, same run; then dumping them (`natctl mapping show | wc -l`, `ip route show | wc -l`).\n\n", grp(cn), grp(cn)
	printf "| tool | add: seconds | adds/s | dump: seconds (median) | entries/s | exit status |\n|---|---|---|---|---|---|\n"
	printf "| natctl -b | %.2f | %s | %.2f | %s | %s |\n", med("ctl_add", "natctl", cn, "seconds"), grp(nat_add), med("ctl_dump", "natctl", cn, "seconds"), grp(med("ctl_dump", "natctl", cn, "rate")), med("ctl_add", "natctl", cn, "status")
	printf "| ip -b | %.2f | %s | %.2f | %s | %s |\n", med("ctl_add", "ip", cn, "seconds"), grp(ip_add), med("ctl_dump", "ip", cn, "seconds"), grp(med("ctl_dump", "ip", cn, "rate")), med("ctl_add", "ip", cn, "status")
	printf "| natctl / ip | | %s | | %s | |\n", r2(rat(nat_add, ip_add)), r2(rat(med("ctl_dump", "natctl", cn, "rate"), med("ctl_dump", "ip", cn, "rate")))
	cc = PLIST["ctl_add_ct"]
	if (cc != "") {
		printf "\nThe same `natctl -b` adds in the router (scale instance), %s mappings at a time: with %s conntrack entries live (a fan-out burst just before) and with conntrack empty.\n\n", grp(cc), grp(med("ctl_add_ct", "conntrack", cc, "conntrack"))
		printf "| conntrack | seconds | adds/s | exit status |\n|---|---|---|---|\n"
		printf "| %s entries | %.2f | %s | %s |\n", grp(med("ctl_add_ct", "conntrack", cc, "conntrack")), med("ctl_add_ct", "conntrack", cc, "seconds"), grp(med("ctl_add_ct", "conntrack", cc, "rate")), med("ctl_add_ct", "conntrack", cc, "status")
		printf "| empty | %.2f | %s | %s |\n", med("ctl_add_ct", "empty", cc, "seconds"), grp(med("ctl_add_ct", "empty", cc, "rate")), med("ctl_add_ct", "empty", cc, "status")
	}

	# ---- kernel
	printf "\n## Kernel\n\n"
	w = med("kernel", "dmesg", "", "warnings")
	printf "dmesg lines matching BUG/WARNING/Oops/Call Trace/lockup/stall at the end: %s. Backlog drops (packets the router CPU'"'"'s input queue dropped because the generator offered more than it forwards) are expected while the router is saturated.\n", w == "" ? "n/a" : w
	printf "\nThe guest (selftests/vm/run-vm.sh) exited with status %s%s.\n", M["vm_exit"], M["vm_exit"] == 0 ? "" : (M["vm_exit"] == 124 ? ": a kernel splat on the console" : (M["vm_exit"] == 125 ? ": the guest crashed or hung (no exit status)" : ""))
	nsp = 0
	while ((getline line <(plotdir "/splat.txt")) > 0) {
		if (!nsp++)
			printf "\nKernel messages after the last measurement or during the run (first lines):\n\n```\n"
		print line
	}
	if (nsp)
		printf "```\n"
}
' "$dir/summary.tsv" >"$dir/results.md.tmp" || exit 1
mv "$dir/results.md.tmp" "$dir/results.md"

# --- JSON -------------------------------------------------------------------------

jq -n --rawfile summary "$dir/summary.tsv" --rawfile ratios "$dir/ratios.tsv" \
	--rawfile meta "$meta" --arg info "${info#BENCH }" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
	def num: if . == null or . == "" or . == "null" then null else (tonumber? // .) end;
	($meta | split("\n") | map(select(test("=")) | capture("^(?<key>[^=]+)=(?<value>.*)$")) | from_entries) as $m |
	($info | [scan("([a-z_]+)=(\"[^\"]*\"|[^ ]*)")] |
		map({key: .[0], value: (.[1] | ltrimstr("\"") | rtrimstr("\""))}) | from_entries) as $g |
	{
		date: $m.date,
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
		figures: [rows($summary)[] | {test: .[0], config: .[1], param: (.[2] | num),
			metric: .[3], n: (.[4] | num), median: (.[5] | num), min: (.[6] | num),
			max: (.[7] | num)}]
	}' >"$dir/results.json" || { echo "report: jq failed" >&2; exit 1; }

# --- chart ------------------------------------------------------------------------

if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot missing (Debian package gnuplot-nox): no chart" >&2
	exit 1
fi
nf=$(awk '/^# cfg/ { print (NF - 2) / 3; exit }' "$dir/fanout.dat")
fanout_ns=$(awk '/^# cfg/ { for (i = 3; i <= NF; i += 3) printf "%s ", substr($i, 4); exit }' "$dir/fanout.dat")
# a panel without data says so instead of failing
plot_or_none() { # FILE PLOT-COMMAND
	if grep -qv '^#' "$1" 2>/dev/null; then
		echo "$2"
	else
		echo 'set label 1 "not measured" at graph 0.5,0.5 center; plot [1:10][0:1] 2 notitle; unset label 1'
	fi
}
title="conenat benchmark $(sed -n 's/^date=//p' "$meta")$(grep -q '^accel=kvm' "$meta" || echo ' (guest emulated: TCG)')"
gnuplot <<EOF || { echo "report: gnuplot failed" >&2; exit 1; }
set terminal pngcairo size 1600,1100 font "sans,10"
set output "$dir/chart.png"
set datafile separator "\t"
set datafile commentschars "#"
set multiplot layout 2,2 title "$title"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics rotate by -25 nomirror
set key off
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
