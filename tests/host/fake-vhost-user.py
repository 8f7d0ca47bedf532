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
import os
import socket
import struct
import sys

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = 15, 16
GET_CONFIG = 24
VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
F_VERSION_1, F_PROTOCOL_FEATURES = 1 << 32, 1 << 30
F_BLK_SIZE = 1 << 6
P_REPLY_ACK, P_CONFIG = 1 << 3, 1 << 9


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


def config_space(blk_size):
    # capacity (64 MiB in sectors), size_max, seg_max, geometry, blk_size, rest zero
    cfg = struct.pack('<QIIIII', 131072, 0, 126, 0, blk_size, 0)
    return cfg + bytes(60 - len(cfg))


def serve(conn, mode):
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
