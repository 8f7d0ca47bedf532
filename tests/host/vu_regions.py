#!/usr/bin/env python3
"""Checks an strace of fio on vhost-user for memory unmapped too early.

    vu_regions.py TRACE

TRACE is `strace -f -xx -s 256 -e trace=munmap,sendmsg,close` output. It
replays the vhost-user messages the process sent (ADD_MEM_REG, REM_MEM_REG,
SET_MEM_TABLE) and the closing of their sockets, and fails
- for every munmap() of memory a back-end still had registered: once
  unmapped, the addresses can come back for another job's memory on the
  same connection, and a back-end refuses a region that overlaps one it
  holds (libvhost-user drops the connection);
- for every connection closed with more than one region still registered:
  each job removes its own regions, even the last one on the connection
  (another job may take the connection over before the last one closes
  it); only the connection's parking region for stopped rings goes with it.

Prints one line per fault (nothing when there is none) and a summary of
what it saw on the last line; exits 1 on a fault, 2 when the trace shows
no region being registered at all (the check would prove nothing).
"""
import re
import struct
import sys

SET_MEM_TABLE = 5
ADD_MEM_REG = 37
REM_MEM_REG = 38

CALL = re.compile(r'^(\d+) +(\w+)\((.*)')
CLOSE = re.compile(r'^(\d+)')
MUNMAP = re.compile(r'^(0x[0-9a-f]+), (\d+)')
IOV = re.compile(r'iov_base="((?:\\x[0-9a-f]{2})*)"')


def payload(args):
    """The bytes of every iovec of a sendmsg, in order."""
    data = b''
    for hexes in IOV.findall(args):
        data += bytes(int(h, 16) for h in hexes.split('\\x')[1:])
    return data


def regions_of(msg):
    """(request, [(start, end)]) of one vhost-user message, or None."""
    if len(msg) < 12:
        return None
    req, _flags, size = struct.unpack_from('<III', msg)
    body = msg[12:12 + size]
    if req in (ADD_MEM_REG, REM_MEM_REG) and len(body) >= 40:
        _pad, gpa, length, uaddr, _off = struct.unpack_from('<QQQQQ', body)
        return req, [(uaddr, uaddr + length)]
    if req == SET_MEM_TABLE and len(body) >= 8:
        n = struct.unpack_from('<I', body)[0]
        out = []
        for i in range(n):
            if len(body) < 8 + 32 * (i + 1):
                break
            gpa, length, uaddr, _off = struct.unpack_from('<QQQQ', body, 8 + 32 * i)
            out.append((uaddr, uaddr + length))
        return req, out
    return None


def main():
    registered = {}  # socket fd -> set of (start, end)
    faults = []
    adds = rems = unmaps = 0
    for line in open(sys.argv[1], errors='replace'):
        m = CALL.match(line)
        if not m:
            continue  # "<... resumed>" halves carry no arguments
        pid, call, args = m.groups()
        if call == 'sendmsg':
            fd = int(args.split(',', 1)[0])
            got = regions_of(payload(args))
            if not got:
                continue
            req, regs = got
            held = registered.setdefault(fd, set())
            if req == ADD_MEM_REG:
                held.update(regs)
                adds += 1
            elif req == REM_MEM_REG:
                held.difference_update(regs)
                rems += 1
            else:
                held.clear()
                held.update(regs)
                adds += len(regs)
        elif call == 'close':
            fd = int(CLOSE.match(args).group(1))
            left = registered.pop(fd, set())
            if len(left) > 1:
                faults.append(f'thread {pid} closed the connection on fd {fd} with {len(left)} '
                              f'regions still registered: ' +
                              ', '.join(f'{a:#x}-{b:#x}' for a, b in sorted(left)))
        elif call == 'munmap':
            addr, length = MUNMAP.match(args).groups()
            lo = int(addr, 16)
            hi = lo + int(length)
            unmaps += 1
            for fd, held in registered.items():
                for start, end in sorted(held):
                    if start < hi and lo < end:
                        faults.append(
                            f'thread {pid} unmapped {lo:#x}-{hi:#x} while the back-end on fd {fd} '
                            f'still had {start:#x}-{end:#x} registered')
    for f in faults:
        print(f)
    print(f'{adds} regions registered, {rems} removed, {unmaps} munmap calls, {len(faults)} faults')
    if faults:
        return 1
    return 0 if adds else 2


if __name__ == '__main__':
    sys.exit(main())
