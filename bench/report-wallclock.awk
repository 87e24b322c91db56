# SPDX-License-Identifier: GPL-2.0
#
# bench/report-wallclock.awk: the report of a wall-clock run (MODE=wallclock,
# two vCPUs): rates read off the guest's clock, medians of interleaved
# repetitions with their spread, for scale, the control path and memory.
# Run by bench/report.sh after report-lib.awk.
END {
	quick = (info_get("quick") == "1")
	reps = info_get("reps")
	accel = M["accel"]
	printf "# conenat benchmark, %s\n\n", M["date"]
	printf "`make bench%s`, the wall-clock mode: every figure is the median of %s interleaved repetition%s (configurations run A B C ... A B C in one guest), with the spread as min - max.\n\n", quick ? " QUICK=1" : "", reps, reps == 1 ? "" : "s"
	printf "**These figures are noisy**: rates read off the guest's clock on a shared, emulated machine move 10 to 30 %% between runs. The cost targets are judged on `make bench MODE=icount` (deterministic, one vCPU under instruction counting); this mode is for what only it shows: scale to many mappings, two CPUs, the control path.\n\n"
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
	ratio("bytes_per_mapping_accounted", accounted_bytes(s_hi), "<=", 128, "kernel bytes per mapping, accounted: slab object + 2 bucket arrays at " grp(s_hi))
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
		obj = med("mem", "full-cone", p, "mapping_slab")
		eff = mapping_slab_bytes(p) + 0
		printf "| %s | %s | %s KiB | %s | %s KiB | %s KiB | %s | %s B (%.1f B with slab packing) | %.0f |\n", grp(p), grp(a),
			grp(med("mem", "full-cone", p, "memfree_kb")), a ? sprintf("%.0f", med("mem", "full-cone", p, "memfree_kb") * 1024 / a) : "n/a",
			grp(med("mem", "full-cone", p, "slab_kb")), grp(med("mem", "full-cone", p, "vmalloc_kb")),
			a ? sprintf("%.0f", (med("mem", "full-cone", p, "slab_kb") + med("mem", "full-cone", p, "vmalloc_kb")) * 1024 / a) : "n/a",
			obj, eff, accounted_bytes(p) + 0
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
	printf "dmesg lines matching BUG/WARNING/Oops/Call Trace/lockup/stall at the end: %s. Backlog drops (packets the router CPU's input queue dropped because the generator offered more than it forwards) are expected while the router is saturated.\n", w == "" ? "n/a" : w
	printf "\nThe guest (selftests/vm/run-vm.sh) exited with status %s%s.\n", M["vm_exit"], M["vm_exit"] == 0 ? "" : (M["vm_exit"] == 124 ? ": a kernel splat on the console" : (M["vm_exit"] == 125 ? ": the guest crashed or hung (no exit status)" : ""))
	splat_lines("Kernel messages after the last measurement or during the run (first lines)")
}
