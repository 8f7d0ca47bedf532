#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks the first job of fio's JSON output for latencies that add up.

    fio_latencies.py FILE [--ios N] [--clat-above-slat] [--submit-one]

For reads and writes: slat + clat = lat (means, within 2% + 1 us), and
with --ios N, N I/Os each. --clat-above-slat: the reads' clat above their
slat (the device's time is in clat). --submit-one: fio's submit and
complete histograms all in "1-4" and no job error. Text before the JSON
(--debug lines sent to the same --output) is skipped. Prints what does not
hold, on one line; nothing when everything does.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('--ios', type=int)
    ap.add_argument('--clat-above-slat', action='store_true')
    ap.add_argument('--submit-one', action='store_true')
    a = ap.parse_args()
    try:
        t = open(a.file).read()
        start = 0 if t.startswith('{') else t.index('\n{') + 1
        job = json.JSONDecoder().raw_decode(t[start:])[0]['jobs'][0]
    except Exception as e:
        print('no JSON from fio: %s' % e)
        return
    bad = []
    for d in ('read', 'write'):
        x = job[d]
        slat, clat, lat = (x[k]['mean'] for k in ('slat_ns', 'clat_ns', 'lat_ns'))
        if a.ios is not None and x['total_ios'] != a.ios:
            bad.append('%s: %d I/Os, %d expected' % (d, x['total_ios'], a.ios))
        if abs(slat + clat - lat) > lat / 50 + 1000:
            bad.append('%s: slat %.0f + clat %.0f != lat %.0f ns' % (d, slat, clat, lat))
        if a.clat_above_slat and d == 'read' and not clat > slat:
            bad.append('read: clat %.0f not above slat %.0f ns: the device time is not in clat'
                       % (clat, slat))
    if a.submit_one:
        for k in ('iodepth_submit', 'iodepth_complete'):
            if job[k].get('4') != 100.0:
                bad.append('%s %s: all in "1-4" expected' % (k, job[k]))
        if job['error']:
            bad.append('job error %d' % job['error'])
    print('; '.join(bad))


if __name__ == '__main__':
    sys.exit(main())
