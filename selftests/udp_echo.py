#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A UDP endpoint for the shell tests (portforward.sh, ports.sh, routersock.sh,
# wanzone.sh):
#   udp_echo.py serve ADDR:PORT: log "FROM-ADDR:PORT PAYLOAD" for every
#     datagram (after a "ready" line) and answer it with "echo PAYLOAD",
#     unless it is an answer itself;
#   udp_echo.py ask BIND-ADDR:PORT TO-ADDR:PORT PAYLOAD: send one datagram,
#     print "FROM-ADDR:PORT ANSWER" of the answer, or "none" after 3 s.
import socket, sys

def ep(s):
    h, p = s.rsplit(":", 1)
    return (h, int(p))

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(ep(sys.argv[2]))
if sys.argv[1] == "serve":
    print("ready", flush=True)
    while True:
        data, src = s.recvfrom(2048)
        print("%s:%d %s" % (src[0], src[1], data.decode(errors="replace")),
              flush=True)
        if not data.startswith(b"echo "):   # no echo ping-pong
            s.sendto(b"echo " + data, src)
else:
    s.settimeout(3)
    s.sendto(sys.argv[4].encode(), ep(sys.argv[3]))
    try:
        data, src = s.recvfrom(2048)
        print("%s:%d %s" % (src[0], src[1], data.decode(errors="replace")))
    except socket.timeout:
        print("none")
