# SPDX-License-Identifier: GPL-2.0
#
# bench/report-icount.awk: the report of a deterministic run (MODE=icount).
# Run by bench/report.sh after report-lib.awk.
#
# The guest had one vCPU under qemu's instruction counting, so its clock
# advanced 1 ns per instruction and the generator, the router and the sink
# shared that CPU: a rate is the inverse of the guest time the whole path
# takes per packet. The ceiling (forwarding with conntrack, no NAT) pays for
# everything but the NAT, so a configuration's own cost per packet (or per new
# flow) is 1/rate - 1/rate_ceiling; it is also written, one row a figure, to
# the file named by the variable costs (test, configuration, parameter, rate,
# ns per packet, overhead ns, overhead / masquerade's overhead).

# ns per packet at RATE packets per second
function per(rate) { return (rate == "" || rate + 0 <= 0) ? "" : 1e9 / rate }
# the NAT's own cost: guest ns per packet over the ceiling's
function over(rate, ceil) { return (per(rate) == "" || per(ceil) == "") ? "" : per(rate) - per(ceil) }
function ns1(x) { return x == "" ? "n/a" : grp(x) " ns" }
# the ratio to masquerade's cost: none for the ceiling, whose cost is nil
function nsr(x, c) { return c == "ceiling" ? "-" : (x == "" ? "n/a" : sprintf("%.2f", x)) }

# cost_row TEST CFG PARAM: the NAT's cost of one figure, kept in OV[] and
# written to costs
function cost_row(t, c, p,   v, vc, vm, o, om, r) {
	v = med(t, c, p, "pps"); vc = med(t, "ceiling", p, "pps"); vm = med(t, "masquerade", p, "pps")
	o = over(v, vc); om = over(vm, vc)
	r = (o == "" || om == "" || om + 0 <= 0) ? "" : o / om
	OV[t, c, p] = o; OR[t, c, p] = r
	if (v != "")
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, c, p, v, per(v), o == "" ? "null" : o, r == "" ? "null" : r >costs
}

END {
	quick = (info_get("quick") == "1")
	fl = info_get("flows")
	np = PLIST["new"]
	nf = split(PLIST["fanout"], FO, " ")
	small = FO[1]; big = FO[nf]
	for (i = 1; i <= ncfg; i++) {
		cost_row("est", CFG[i], fl)
		cost_row("new", CFG[i], np)
		for (j = 1; j <= nf; j++)
			cost_row("fanout", CFG[i], FO[j])
	}
	nb = split(PLIST["bg"], BG, " "); bgn = BG[nb]

	printf "# conenat benchmark, deterministic cost mode, %s\n\n", M["date"]
	printf "`make bench MODE=icount%s`: one run of every figure in a guest with **one vCPU under qemu's instruction counting** (`-icount shift=0,sleep=off`): the guest clock advances by exactly 1 ns per instruction executed, and jumps over idle time to the next timer. The generator, the router and the sink share that CPU, so a rate in guest time is the inverse of what the whole path costs per packet, and it repeats from run to run (to about 0.1 %%).\n\n", quick ? " QUICK=1" : ""
	printf "**The NAT's own cost** of a configuration is the extra guest time per packet (or per new flow) over the ceiling, plain forwarding with conntrack: `1/rate - 1/rate_ceiling`; its ratio to masquerade's is what conenat's cost targets are judged on.\n\n"
	printf "Instruction counting does not see cache misses, memory bandwidth (qemu's TCG has no cache model: a load costs one instruction whether it hits or misses) or contention between CPUs (there is one): a design that trades instructions for cache misses looks better here than on hardware. `make bench` (MODE=wallclock) measures scale, two CPUs and the control path, with their noise.\n"

	printf "\n## Machine\n\n"
	printf "| | |\n|---|---|\n"
	printf "| host | %s CPU%s, %s; Linux %s (host load does not change guest-time figures, only how long they take) |\n", M["host_nproc"], M["host_nproc"] == 1 ? "" : "s", M["host_cpu"], M["host_kernel"]
	printf "| guest | Linux %s, %s vCPU (%s), %d MiB; qemu TCG with -icount shift=0,sleep=off |\n", info_get("kernel"), info_get("guest_cpus"), info_get("guest_cpu"), info_get("guest_mem_kb") / 1024
	printf "| measured | conenat %s, source %s |\n", info_get("conenat"), M["source"]
	printf "| run | %s s of guest time, %s s wall clock%s |\n", MED["kernel", "dmesg", "", "guest_seconds"], M["wall_seconds"], quick ? "; QUICK: short runs, for a smoke test only" : ""

	# ---- targets
	printf "\n## Targets\n\n"
	printf "| figure | value | target | verdict |\n|---|---|---|---|\n"
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]
		if (c == "ceiling" || c == "masquerade")
			continue
		ratio("est_overhead_vs_masquerade_" c, OR["est", c, fl], "<=", 1.0, "established packet, NAT cost / masquerade's: " c)
	}
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]
		if (c == "ceiling" || c == "masquerade")
			continue
		ratio("new_overhead_vs_masquerade_" c, OR["new", c, np], "<=", 1.2, "new flow, NAT cost / masquerade's: " c)
	}
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]
		if (c == "ceiling" || c == "masquerade")
			continue
		ratio("fanout_big_vs_small_" c, rat(med("fanout", c, big, "pps"), med("fanout", c, small, "pps")), ">=", 0.95, "fan-out flows/s, " grp(big) " / " grp(small) " remotes: " c)
	}
	ratio("background_us_per_s", med("bg", "full-cone", bgn, "work_us_per_s"), "<=", 1, "background: conenat work, us per second of guest time, " grp(bgn) " static mappings, no traffic")
	ma = med("mem", "full-cone", bgn, "added"); mk = med("mem", "full-cone", bgn, "memfree_kb")
	bpm = (ma + 0 > 0) ? mk * 1024 / ma : ""
	ratio("bytes_per_mapping", bpm, "<=", 128, "kernel bytes per mapping, measured: MemFree drop (" grp(ma) " static mappings)")
	obj = med("mem", "full-cone", bgn, "mapping_slab")
	acc = accounted_bytes(bgn)
	ratio("bytes_per_mapping_accounted", acc, "<=", 128, "kernel bytes per mapping, accounted: slab object + 2 bucket arrays at " grp(bgn))
	printf "\nThe cost targets are issue 12's: established packets at most masquerade's cost, new flows at most 1.2 x, fan-out to many remotes as fast per flow as to few, no background work without traffic, 128 bytes a mapping.\n"

	# ---- established, new flows
	printf "\n## Established flows\n\n"
	er = info_get("est_reps") + 0
	printf "%s flows round robin, %s packets measured after a warm-up that creates their state; small UDP packets (46-byte IP packets). Guest ns per packet is generator + router + sink%s.\n\n", grp(fl), grp(info_get("est_pkts")), (er > 1) ? sprintf(", the median of %d runs interleaved with the other configurations' (a run's figure moves by up to 0.15 %% with the guest's timers: 4 %% of a NAT cost)", er) : ""
	table("est", fl, "packet")
	printf "\n## New flows\n\n"
	printf "Every packet from a new source port (one internal address), %s flows: each packet makes a conntrack entry and, under conenat, a mapping.\n\n", grp(np)
	table("new", np, "flow")

	# ---- fan-out
	printf "\n## Fan-out\n\n"
	printf "One internal endpoint sending one packet to each of N remote endpoints: N new flows from one source. The halves are the burst's first and second N/2 flows.\n\n"
	printf "| configuration | N | flows/s | guest ns per flow | NAT cost per flow | / masquerade's | first half flows/s | second half flows/s | second / first | flows arrived | refused by conenat |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
	hdr = "# cfg"
	for (j = 1; j <= nf; j++)
		hdr = hdr "\tN" FO[j]
	print hdr >(plotdir "/cost_fanout.dat")
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]; row = c
		for (j = 1; j <= nf; j++) {
			p = FO[j]; v = med("fanout", c, p, "pps")
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, grp(p), grp(v), ns1(per(v)),
				ns1(OV["fanout", c, p]), nsr(OR["fanout", c, p], c), grp(med("fanout", c, p, "h1")), grp(med("fanout", c, p, "h2")),
				r2(rat(med("fanout", c, p, "h2"), med("fanout", c, p, "h1"))), grp(med("fanout", c, p, "rx")),
				has("fanout", c, p, "refusals") ? grp(MAX["fanout", c, p, "refusals"]) : "-"
			row = row "\t" (OV["fanout", c, p] == "" ? 0 : OV["fanout", c, p])
		}
		print row >(plotdir "/cost_fanout.dat")
	}

	# ---- background
	printf "\n## Background cost\n\n"
	printf "No traffic: guest time spent in conenat's work items (the workqueue tracepoints, functions of the conenat module) over %s s of guest time, for a full-cone instance with no mapping, then with %s static mappings. A work item's duration is the instructions it executed (the guest clock jumps over idle time), so this is work done, not waiting.\n\n", info_get("bg_window"), grp(bgn)
	printf "| static mappings | guest seconds | conenat work items | work time | us per second |\n|---|---|---|---|---|\n"
	print "# mappings\tus_per_s" >(plotdir "/bg.dat")
	for (i = 1; i <= nb; i++) {
		p = BG[i]; w = med("bg", "full-cone", p, "work_us_per_s")
		printf "| %s | %.1f | %s | %.3f ms | %s |\n", grp(p), med("bg", "full-cone", p, "window_ns") / 1e9,
			grp(med("bg", "full-cone", p, "works")), med("bg", "full-cone", p, "work_ns") / 1e6,
			w == "" ? "n/a" : sprintf("%.1f", w)
		if (w != "")
			printf "%s\t%s\n", grp(p), w >(plotdir "/bg.dat")
	}

	# ---- memory
	printf "\n## Memory\n\n"
	printf "The %s static mappings of the background test, added with one `natctl -b` batch (conntrack empty, page cache dropped before and after).\n\n", grp(ma)
	printf "| added | MemFree drop | bytes / mapping | slab | vmalloc | mapping object (slab) | accounted bytes / mapping | natctl -b adds/s (guest time) |\n|---|---|---|---|---|---|---|---|\n"
	printf "| %s | %s KiB | %s | %s KiB | %s KiB | %s B | %s | %s |\n", grp(ma), grp(mk), bpm == "" ? "n/a" : sprintf("%.0f", bpm),
		grp(med("mem", "full-cone", bgn, "slab_kb")), grp(med("mem", "full-cone", bgn, "vmalloc_kb")), obj == "" ? "n/a" : obj,
		acc == "" ? "n/a" : sprintf("%.0f", acc), grp(med("map_add", "full-cone", bgn, "rate"))

	# ---- kernel
	printf "\n## Kernel\n\n"
	w = med("kernel", "dmesg", "", "warnings")
	printf "dmesg lines matching BUG/WARNING/Oops/Call Trace/lockup/stall at the end: %s. The guest (selftests/vm/run-vm.sh) exited with status %s.\n", w == "" ? "n/a" : w, M["vm_exit"]
	splat_lines("Kernel messages (first lines)")
}

# table TEST PARAM UNIT: the established or new-flow table, and its chart data
function table(t, p, unit,   i, c, v, dat) {
	dat = plotdir "/cost_" t ".dat"
	printf "| configuration | %s | guest ns per %s | NAT cost per %s | / masquerade's | %s arrived | dropped before the sink | refused by conenat |\n|---|---|---|---|---|---|---|---|\n", t == "est" ? "packets/s" : "flows/s", unit, unit, unit == "flow" ? "flows" : "packets"
	print "# cfg\toverhead_ns" >dat
	for (i = 1; i <= ncfg; i++) {
		c = CFG[i]; v = med(t, c, p, "pps")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c, grp(v), ns1(per(v)), ns1(OV[t, c, p]), nsr(OR[t, c, p], c),
			grp(med(t, c, p, "rx")), grp(med(t, c, p, "backlog_drops") + med(t, c, p, "sink_drops")),
			has(t, c, p, "refusals") ? grp(MAX[t, c, p, "refusals"]) : "-"
		if (v != "")
			printf "%s\t%s\n", c, OV[t, c, p] >dat
	}
	if (N[t, CFG[1], p, "pps"] + 0 > 1) {
		printf "\nEach run's guest ns per %s, lowest and highest of the %d:", unit, N[t, CFG[1], p, "pps"]
		for (i = 1; i <= ncfg; i++) {
			c = CFG[i]
			if (has(t, c, p, "pps"))
				printf " %s %s - %s;", c, ns1(per(MAX[t, c, p, "pps"])), ns1(per(MIN[t, c, p, "pps"]))
		}
		printf "\n"
	}
}
