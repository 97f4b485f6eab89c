"""The Python peer of `seisproc import`, for bench/commands.mjs: segyio reads the samples (its
trace.raw fast path), numpy decodes every standard trace header field from the headers (a strided
view of the file: segyio's f.attributes, one pass over the file per field, took 20 s for 100k
traces), tensorstore writes the traces as a Zarr v3 array in chunks of about 4 MiB and the raw
headers beside them, pyarrow writes the header columns as Parquet: the pipeline a Python user
builds from the usual libraries, doing the work seisproc's import does.

usage: peer_import.py FILE OUTPUT_DIR none|zstd
"""
import os
import shutil
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import segyio
import tensorstore as ts

source, output, codec = sys.argv[1:4]
shutil.rmtree(output, ignore_errors=True)
os.makedirs(output)
with segyio.open(source, ignore_geometry=True) as f:
    traces, samples = f.tracecount, len(f.samples)
    chunk = max(1, (4 << 20) // (samples * 4))
    codecs = [{"name": "bytes", "configuration": {"endian": "little"}}]
    if codec == "zstd":
        codecs.append({"name": "zstd", "configuration": {"level": 3, "checksum": False}})
    array = ts.open({
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": os.path.join(output, "traces")},
        "metadata": {
            "shape": [traces, samples],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [chunk, samples]}},
            "data_type": "float32",
            "codecs": codecs,
            "fill_value": 0,
        },
        "create": True,
    }).result()
    for first in range(0, traces, chunk):
        end = min(traces, first + chunk)
        array[first:end].write(np.asarray(f.trace.raw[first:end], dtype=np.float32)).result()
    trace_bytes = 240 + samples * 4
    data_start = os.path.getsize(source) - traces * trace_bytes
    records = np.memmap(source, dtype=np.uint8, mode="r", offset=data_start, shape=(traces, trace_bytes))
    raw_headers = np.ascontiguousarray(records[:, :240])
    ts.open({
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": os.path.join(output, "raw_headers")},
        "metadata": {
            "shape": [traces, 240],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [chunk, 240]}},
            "data_type": "uint8",
            "codecs": [{"name": "bytes", "configuration": {}}],
            "fill_value": 0,
        },
        "create": True,
    }).result().write(raw_headers).result()
    # Each standard field runs from its byte position to the next one's (bytes 233-240 excluded).
    positions = sorted(int(field) for field in segyio.TraceField.enums())
    columns = {}
    for position, following in zip(positions, positions[1:] + [233]):
        width = following - position
        if width not in (2, 4):
            continue
        field = raw_headers[:, position - 1 : position - 1 + width]
        columns[str(segyio.TraceField(position))] = field.copy().view(">i2" if width == 2 else ">i4")[:, 0].astype("<i2" if width == 2 else "<i4")
    pq.write_table(pa.table(columns), os.path.join(output, "headers.parquet"))
