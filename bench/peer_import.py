"""The Python peer of `seisproc import`, for bench/commands.mjs: segyio reads the SEG-Y file
(samples through its trace.raw fast path, header columns through f.attributes), tensorstore writes
the traces as a Zarr v3 array in chunks of about 4 MiB, pyarrow writes the header columns as
Parquet: the pipeline a Python user builds from the usual libraries.

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
    columns = {str(field): f.attributes(int(field))[:] for field in segyio.TraceField.enums()}
    pq.write_table(pa.table(columns), os.path.join(output, "headers.parquet"))
