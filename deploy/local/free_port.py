#!/usr/bin/env python3
"""Prints a free loopback port p whose p-200, p-199 and p-198 are free too.

Consul takes its server RPC and serf ports at those offsets below its HTTP port (stack.sh), so the
benchmarks' private stacks ask for a port this way instead of taking the fixed defaults.
"""
import random
import socket


def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


while True:
    p = random.randint(30000, 60000)
    if all(free(q) for q in (p, p - 200, p - 199, p - 198)):
        print(p)
        break
