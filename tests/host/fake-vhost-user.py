#!/usr/bin/env python3
# A vhost-user back-end that misbehaves on purpose, to check that the
# front-end refuses broken replies with an error instead of crashing or
# hanging. Usage: fake-vhost-user.py MODE SOCKET
#
# Modes (what goes wrong):
#   short      GET_FEATURES reply carries 4 payload bytes instead of 8
#   badtype    GET_FEATURES reply names another request
#   noreply    GET_FEATURES reply lacks the reply flag
#   truncated  GET_FEATURES reply announces 8 bytes, sends 3, closes
#   hangup     closes the connection after the first message
#   huge       GET_FEATURES reply announces a 4 GiB payload
#   noconfig   a sane handshake, then GET_CONFIG answered with no payload
#   badblk     a sane handshake, then a config space with a 1000-byte block size
#   silent     accepts and never answers
#   memtable   a working 64 MiB RAM disk with two queues that lacks
#              CONFIGURE_MEM_SLOTS, so memory comes by SET_MEM_TABLE; it
#              checks every message it gets and drops the client on a bad one;
#              segments are at most 16 KiB, 4 a request (size_max, seg_max)
#   memtable-direct  the same without indirect descriptors
#   used-*     the memtable RAM disk serving the first FAULT_AFTER requests
#              well, then breaking the used ring (the device side of the
#              protocol):
#     used-unknown-id   returns a head it was never given
#     used-duplicate    returns the same head twice
#     used-runahead     moves used->idx past everything in flight
#     used-overlong     claims more bytes written than the buffer holds (from
#                       the first request on; a driver must not trust it)
#     used-never        stops completing, keeps the connection open
#     used-noisy        stops completing, but signals the call eventfd every
#                       few milliseconds as if it had
#     used-close        closes the connection with requests in flight
#   stall-q1   the memtable RAM disk, but queue 1 never completes anything
#              (queue 0 is served): one stalled queue among two
#   limits-*   the memtable RAM disk with a config value at its limit:
#     limits-segmax0      seg_max 0 (one segment a request, as Linux reads it)
#     limits-segmax65535  seg_max 65535, size_max 512
#     limits-sizemax1     size_max 1 (no request can carry a block)
#     limits-hugecap      the largest capacity 64-bit byte offsets can address
import array
import mmap
import os
import select
import socket
import struct
import sys
import time

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = 15, 16
GET_CONFIG = 24
SET_MEM_TABLE, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 5, 8, 9, 10
GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL = 11, 12, 13
GET_QUEUE_NUM, SET_VRING_ENABLE = 17, 18
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
F_VERSION_1, F_PROTOCOL_FEATURES = 1 << 32, 1 << 30
F_BLK_SIZE = 1 << 6
P_REPLY_ACK, P_CONFIG = 1 << 3, 1 << 9
P_MQ = 1 << 0
F_FLUSH, F_MQ, F_INDIRECT = 1 << 9, 1 << 12, 1 << 28
F_SIZE_MAX, F_SEG_MAX = 1 << 1, 1 << 2
SIZE_MAX, SEG_MAX = 16384, 4
T_IN, T_OUT, T_FLUSH = 0, 1, 4
FAULT_AFTER = 200


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def recv_msg(conn):
    hdr = recv_exact(conn, 12)
    if hdr is None:
        return None
    req, flags, size = struct.unpack('<III', hdr)
    payload = recv_exact(conn, size) if size else b''
    if payload is None:
        return None
    return req, flags, payload


def reply(conn, req, payload, flags=VERSION | REPLY, size=None):
    if size is None:
        size = len(payload)
    conn.sendall(struct.pack('<III', req, flags, size) + payload)


def config_space(blk_size, capacity=131072):
    # capacity (64 MiB in sectors), size_max, seg_max, geometry, blk_size, rest zero
    cfg = struct.pack('<QIIIII', capacity, 0, 126, 0, blk_size, 0)
    return cfg + bytes(60 - len(cfg))


# limits-* mode -> (size_max, seg_max, capacity in sectors) the device reports
LIMITS = {
    'limits-segmax0': (SIZE_MAX, 0, 131072),
    'limits-segmax65535': (512, 65535, 131072),
    'limits-sizemax1': (1, SEG_MAX, 131072),
    'limits-hugecap': (SIZE_MAX, SEG_MAX, (1 << 64) - 1 >> 9),
}


class Bad(Exception):
    pass


class Hangup(Exception):
    pass


class RamDisk:
    """A virtio-blk device over SET_MEM_TABLE memory, polled."""

    def __init__(self, conn, indirect, fault=None):
        self.conn = conn
        self.indirect = indirect
        self.fault = fault
        self.served = 0
        self.disk = bytearray(64 << 20)
        self.regions = []      # (gpa, size, uaddr, mmap)
        self.queues = {}
        self.acked_protocol = 0
        self.size_max, self.seg_max, self.capacity = LIMITS.get(fault, (SIZE_MAX, SEG_MAX, 131072))
        # What a request may carry: seg_max 0 reads as one segment.
        self.seg_limit = self.seg_max or 1

    def recv(self):
        hdr, anc, _, _ = self.conn.recvmsg(12, socket.CMSG_SPACE(4 * 8))
        if len(hdr) == 0:
            return None
        hdr += recv_exact(self.conn, 12 - len(hdr)) if len(hdr) < 12 else b''
        fds = array.array('i')
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % 4])
        req, flags, size = struct.unpack('<III', hdr)
        payload = recv_exact(self.conn, size) if size else b''
        return req, flags, payload, list(fds)

    def find(self, addr, length, key):
        for gpa, size, uaddr, mm in self.regions:
            base = gpa if key == 'gpa' else uaddr
            if base <= addr and addr + length <= base + size:
                return mm, addr - base
        raise Bad('address 0x%x+%d is in no region' % (addr, length))

    def read(self, addr, length, key='gpa'):
        mm, off = self.find(addr, length, key)
        return mm[off:off + length]

    def write(self, addr, data, key='gpa'):
        mm, off = self.find(addr, len(data), key)
        mm[off:off + len(data)] = data

    def mem_table(self, payload, fds):
        n = struct.unpack('<I', payload[:4])[0]
        if len(payload) != 8 + 32 * n or len(fds) != n or n == 0:
            raise Bad('SET_MEM_TABLE: %d regions, %d bytes, %d fds' % (n, len(payload), len(fds)))
        regions = []
        for i in range(n):
            gpa, size, uaddr, off = struct.unpack('<QQQQ', payload[8 + 32 * i:40 + 32 * i])
            regions.append((gpa, size, uaddr, mmap.mmap(fds[i], size + off, offset=0)))
            os.close(fds[i])
        self.regions = regions

    def process(self, idx, q):
        num = q['num']
        avail_idx = struct.unpack('<H', self.read(q['avail'] + 2, 2, 'uaddr'))[0]
        done = 0
        while q['last'] != avail_idx:
            if self.fault == 'stall-q1' and idx == 1:
                return
            if self.fault == 'used-never' and self.served >= FAULT_AFTER:
                return
            if self.fault == 'used-noisy' and self.served >= FAULT_AFTER:
                now = time.monotonic()
                if now - q.get('noise', 0) > 0.003:
                    q['noise'] = now
                    os.write(q['call'], struct.pack('<Q', 1))
                return
            if self.fault == 'used-close' and self.served >= FAULT_AFTER:
                raise Hangup()
            head = struct.unpack('<H', self.read(q['avail'] + 4 + 2 * (q['last'] % num), 2, 'uaddr'))[0]
            q['last'] = (q['last'] + 1) & 0xffff
            descs, table, i = [], None, head
            while True:
                if table is None:
                    d = self.read(q['desc'] + 16 * i, 16, 'uaddr')
                else:
                    d = table[16 * i:16 * i + 16]
                addr, length, flags, nxt = struct.unpack('<QIHH', d)
                if flags & 4:
                    table, i = self.read(addr, length), 0
                    continue
                descs.append((addr, length, flags))
                if not flags & 1:
                    break
                i = nxt
            # QEMU's and libvhost-user's limit (VIRTQUEUE_MAX_SIZE), indirect or not.
            if len(descs) > 1024:
                raise Bad('request of %d descriptors, more than 1024' % len(descs))
            if table is not None and not self.indirect:
                raise Bad('indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC')
            data = descs[1:-1]
            if len(data) > self.seg_limit or any(d[1] > self.size_max for d in data):
                raise Bad('request of %d segments, largest %d bytes' %
                          (len(data), max(d[1] for d in data)))
            typ, _, sector = struct.unpack('<IIQ', self.read(descs[0][0], 16))
            pos, written = sector * 512, 0
            for addr, length, flags in descs[1:-1]:
                if typ == T_IN:
                    self.write(addr, bytes(self.disk[pos:pos + length]))
                    written += length
                elif typ == T_OUT:
                    self.disk[pos:pos + length] = self.read(addr, length)
                pos += length
            status = 0 if typ in (T_IN, T_OUT, T_FLUSH) else 2
            self.write(descs[-1][0], bytes([status]))
            used_idx = struct.unpack('<H', self.read(q['used'] + 2, 2, 'uaddr'))[0]
            entries = [(head, written + 1)]
            self.served += 1
            faulty = self.served > FAULT_AFTER
            if self.fault == 'used-overlong':
                entries = [(head, written + 1 + (1 << 20))]
            elif self.fault == 'used-unknown-id' and faulty:
                entries = [(num + head, written + 1)]
            elif self.fault == 'used-duplicate' and faulty:
                entries = [(head, written + 1), (head, written + 1)]
            for i, (eid, elen) in enumerate(entries):
                self.write(q['used'] + 4 + 8 * ((used_idx + i) % num), struct.pack('<II', eid, elen), 'uaddr')
            used_idx += len(entries)
            if self.fault == 'used-runahead' and faulty:
                used_idx += num + 1
            self.write(q['used'] + 2, struct.pack('<H', used_idx & 0xffff), 'uaddr')
            done += 1
        no_interrupt = struct.unpack('<H', self.read(q['avail'], 2, 'uaddr'))[0] & 1
        if done and not no_interrupt:
            os.write(q['call'], struct.pack('<Q', 1))

    def ack(self, req, flags):
        if flags & NEED_REPLY and self.acked_protocol & P_REPLY_ACK:
            reply(self.conn, req, struct.pack('<Q', 0))

    def serve(self):
        features = F_VERSION_1 | F_PROTOCOL_FEATURES | F_BLK_SIZE | F_FLUSH | F_MQ
        features |= F_SIZE_MAX | F_SEG_MAX | (F_INDIRECT if self.indirect else 0)
        while True:
            for idx, q in list(self.queues.items()):
                if q.get('kick') is not None and q.get('enabled'):
                    self.process(idx, q)
            if not select.select([self.conn], [], [], 0.0005)[0]:
                continue
            msg = self.recv()
            if msg is None:
                return
            req, flags, payload, fds = msg
            if req == GET_FEATURES:
                reply(self.conn, req, struct.pack('<Q', features))
            elif req == GET_PROTOCOL_FEATURES:
                reply(self.conn, req, struct.pack('<Q', P_REPLY_ACK | P_CONFIG | P_MQ))
            elif req == SET_PROTOCOL_FEATURES:
                self.acked_protocol = struct.unpack('<Q', payload)[0]
            elif req == GET_QUEUE_NUM:
                reply(self.conn, req, struct.pack('<Q', 2))
            elif req == GET_CONFIG:
                offset, size, _ = struct.unpack('<III', payload[:12])
                cfg = bytearray(config_space(512, self.capacity))
                cfg[8:16] = struct.pack('<II', self.size_max, self.seg_max)
                cfg[34:36] = struct.pack('<H', 2)
                reply(self.conn, req, struct.pack('<III', offset, size, 0) + bytes(cfg[offset:offset + size]))
            elif req == SET_MEM_TABLE:
                self.mem_table(payload, fds)
                self.ack(req, flags)
            elif req in (SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ENABLE):
                idx, val = struct.unpack('<II', payload)
                q = self.queues.setdefault(idx, {'last': 0})
                q[{SET_VRING_NUM: 'num', SET_VRING_BASE: 'last', SET_VRING_ENABLE: 'enabled'}[req]] = val
                self.ack(req, flags)
            elif req == SET_VRING_ADDR:
                idx, _, desc, used, avail, _ = struct.unpack('<IIQQQQ', payload)
                q = self.queues.setdefault(idx, {'last': 0})
                q.update(desc=desc, used=used, avail=avail)
                self.read(desc, 16, 'uaddr')        # must be registered memory
                self.ack(req, flags)
            elif req in (SET_VRING_KICK, SET_VRING_CALL):
                idx = struct.unpack('<Q', payload)[0] & 0xff
                if len(fds) != 1:
                    raise Bad('vring fd message with %d fds' % len(fds))
                self.queues.setdefault(idx, {'last': 0})['kick' if req == SET_VRING_KICK else 'call'] = fds[0]
                self.ack(req, flags)
            elif req == GET_VRING_BASE:
                idx = struct.unpack('<II', payload)[0]
                q = self.queues.pop(idx)
                reply(self.conn, req, struct.pack('<II', idx, q['last']))
            else:
                self.ack(req, flags)


def serve(conn, mode):
    if mode.startswith(('memtable', 'used-', 'stall-', 'limits-')):
        try:
            RamDisk(conn, mode != 'memtable-direct',
                    None if mode.startswith('memtable') else mode).serve()
        except Bad as e:
            print('fake-vhost-user: %s' % e, file=sys.stderr)
        except Hangup:
            pass
        return
    features = F_VERSION_1 | F_PROTOCOL_FEATURES | F_BLK_SIZE
    protocol = P_REPLY_ACK | P_CONFIG
    acked_protocol = 0
    while True:
        msg = recv_msg(conn)
        if msg is None:
            return
        req, flags, payload = msg
        if mode == 'silent':
            continue
        if mode == 'hangup':
            return
        if req == GET_FEATURES:
            val = struct.pack('<Q', features)
            if mode == 'short':
                reply(conn, req, val[:4])
            elif mode == 'badtype':
                reply(conn, SET_FEATURES, val)
            elif mode == 'noreply':
                reply(conn, req, val, flags=VERSION)
            elif mode == 'truncated':
                reply(conn, req, val[:3], size=8)
                return
            elif mode == 'huge':
                reply(conn, req, val, size=0xffffffff)
            else:
                reply(conn, req, val)
            continue
        if req == GET_PROTOCOL_FEATURES:
            reply(conn, req, struct.pack('<Q', protocol))
            continue
        if req == SET_PROTOCOL_FEATURES:
            acked_protocol = struct.unpack('<Q', payload)[0]
            continue
        if req == GET_CONFIG:
            offset, size, _ = struct.unpack('<III', payload[:12])
            if mode == 'noconfig':
                reply(conn, req, b'')
            else:
                cfg = config_space(1000 if mode == 'badblk' else 512)
                reply(conn, req, struct.pack('<III', offset, size, 0) + cfg[offset:offset + size])
            continue
        if flags & NEED_REPLY and acked_protocol & P_REPLY_ACK:
            reply(conn, req, struct.pack('<Q', 0))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, mode)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.close()


if __name__ == '__main__':
    main()
