"""Read SEG-Y / SU files the way an independent tool would, for test/segy/segyio.test.ts.

usage: segyio-read.py REQUEST.json  ->  JSON on stdout

REQUEST is a list of {"path", "kind": "segy"|"su", "endian": "big"|"little"}. Formats segyio
(Debian's 1.8.3) reads are read with segyio; the others (6, 7, 9, 10, 11, 12, 15, 16, which 1.8.3
either refuses or takes for IBM floats) are decoded with numpy from the layout in the binary
header, so every file is checked by code that is not seisproc's.
"""
import json
import struct
import sys

import numpy as np
import segyio

SEGYIO_FORMATS = {1, 2, 3, 5, 8}
FIELDS = {
    "FieldRecord": (9, "i"), "CDP": (21, "i"), "offset": (37, "i"), "SourceGroupScalar": (71, "h"),
    "SourceX": (73, "i"), "TRACE_SAMPLE_COUNT": (115, "H"), "TRACE_SAMPLE_INTERVAL": (117, "h"),
    "INLINE_3D": (189, "i"), "CROSSLINE_3D": (193, "i"),
}
NUMPY_TYPES = {6: "f8", 9: "i8", 10: "u4", 11: "u2", 12: "u8", 16: "u1"}


def with_segyio(req):
    opener = segyio.su.open if req["kind"] == "su" else segyio.open
    with opener(req["path"], ignore_geometry=True, endian=req["endian"]) as f:
        out = {
            "reader": "segyio",
            "traceCount": f.tracecount,
            "sampleCount": len(f.samples),
            "samples": np.asarray(f.trace.raw[:], dtype=np.float64).ravel().tolist(),
            "headers": [{k: int(h[getattr(segyio.TraceField, k)]) for k in FIELDS} for h in f.header],
        }
        if req["kind"] == "segy":
            out["format"] = int(f.bin[segyio.BinField.Format])
            out["interval"] = int(f.bin[segyio.BinField.Interval])
            out["text"] = bytes(f.text[0]).decode("ascii", "replace")
        return out


def with_numpy(req):
    data = open(req["path"], "rb").read()
    order = ">" if req["endian"] == "big" else "<"
    ns, = struct.unpack_from(order + "H", data, 3220)
    fmt, = struct.unpack_from(order + "h", data, 3224)
    interval, = struct.unpack_from(order + "h", data, 3216)
    width = {6: 8, 7: 3, 9: 8, 10: 4, 11: 2, 12: 8, 15: 3, 16: 1}[fmt]
    trace_size = 240 + ns * width
    count = (len(data) - 3600) // trace_size
    samples, headers = [], []
    for t in range(count):
        start = 3600 + t * trace_size
        header = data[start:start + 240]
        headers.append({k: struct.unpack_from(order + code, header, byte - 1)[0] for k, (byte, code) in FIELDS.items()})
        raw = data[start + 240:start + trace_size]
        if fmt in NUMPY_TYPES:
            values = np.frombuffer(raw, dtype=order + NUMPY_TYPES[fmt])
        else:
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
            hi, lo = (b[:, 0], b[:, 2]) if order == ">" else (b[:, 2], b[:, 0])
            values = (hi << 16) | (b[:, 1] << 8) | lo
            if fmt == 7:
                values = np.where(values >= 1 << 23, values - (1 << 24), values)
        samples.extend(values.astype(np.float64).tolist())
    return {"reader": "numpy", "traceCount": count, "sampleCount": ns, "samples": samples, "headers": headers,
            "format": fmt, "interval": interval}


def main():
    requests = json.load(open(sys.argv[1]))
    results = []
    for req in requests:
        if req["kind"] == "su":
            results.append(with_segyio(req))
            continue
        fmt, = struct.unpack_from(">h" if req["endian"] == "big" else "<h", open(req["path"], "rb").read(3600), 3224)
        results.append(with_segyio(req) if fmt in SEGYIO_FORMATS else with_numpy(req))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
