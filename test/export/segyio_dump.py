"""Dump what segyio reads from SEG-Y files, as JSON on stdout, for the export tests.

usage: segyio_dump.py FILE[@little] [FILE[@little] ...]
segyio 1.8.3 does not detect the byte order: `@little` says a file is little-endian.
Per file: text header (hex of the raw bytes), binary header fields, every trace header field
segyio knows (one list of values per field) and every sample, as base64 of little-endian
float32 trace after trace.
"""
import base64
import json
import sys

import segyio


def dump(arg):
    path, _, endian = arg.partition("@")
    with segyio.open(path, ignore_geometry=True, endian=endian or "big") as f:
        return {
            "format": int(f.format),
            "samples": [float(x) for x in f.samples],
            "text": bytes(f.text[0]).hex(),
            "bin": {str(k): int(v) for k, v in f.bin.items()},
            "headers": {str(k): f.attributes(int(k))[:].tolist() for k in segyio.TraceField.enums()},
            "traces": base64.b64encode(f.trace.raw[:].astype("<f4").tobytes()).decode(),
        }


json.dump([dump(p) for p in sys.argv[1:]], sys.stdout)
