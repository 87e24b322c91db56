# SPDX-License-Identifier: GPL-2.0
#
# bench/report-lib.awk: what both reports of bench/report.sh share. Reads
# summary.tsv (test, configuration, parameter, metric, repetitions, median,
# min, max, sum) into MED, MIN, MAX, N, SUM and PLIST (the parameters of each
# test, in order); meta.txt (variable meta) into M; the guest's info line
# (variable info) through info_get(). ratio() prints a targets-table row and
# writes it to the file named by the variable ratios.
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

# splat_lines TITLE: the kernel messages run.sh found on the console
# (splat.txt), under TITLE, as a code block; nothing when there are none
function splat_lines(title,   n, line) {
	n = 0
	while ((getline line <(plotdir "/splat.txt")) > 0) {
		if (!n++)
			printf "\n%s:\n\n```\n", title
		print line
	}
	if (n)
		printf "```\n"
}

# mapping_slab_bytes P: a mapping object's share of its slab, as SLUB packs
# it, in the batch that ended at P mappings; "" when not measured
function mapping_slab_bytes(p,   obj, ops, ord) {
	obj = med("mem", "full-cone", p, "mapping_slab"); ops = med("mem", "full-cone", p, "objs_per_slab"); ord = med("mem", "full-cone", p, "slab_order")
	if (obj == "")
		return ""
	return (ops + 0 > 0) ? 4096 * 2 ^ ord / ops : obj
}

# accounted_bytes P: kernel bytes per mapping at P mappings: the object, plus
# a bucket pointer in each of the two mapping tables (grown x2 past 75 %
# load from the module's hash_buckets, 8 192 by default); "" when not
# measured
function accounted_bytes(p,   eff, size) {
	eff = mapping_slab_bytes(p)
	if (eff == "" || p == "" || p + 0 == 0)
		return ""
	size = info_get("hash_buckets") + 0
	if (size <= 0)
		size = 8192
	while (p > size * 0.75)
		size *= 2
	return eff + 2 * 8 * size / p
}
