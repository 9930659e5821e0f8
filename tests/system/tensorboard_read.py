"""Reads a run folder's TensorBoard log with TensorBoard's own EventAccumulator and prints what
it holds as JSON, for tests/system/tensorboard.rs:

    {"scalars": {TAG: [[STEP, F32_BITS], ...]},
     "images": {TAG: [[STEP, WIDTH, HEIGHT, PNG_HEX], ...]},
     "texts": {TAG: [[STEP, TEXT], ...]}}

A scalar is given as the bits of its float32 (TensorBoard keeps scalars as float32), so that the
test compares exactly, NaN included.

    python tensorboard_read.py RUN
"""

import json
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator as ea


def main(run):
    everything = {ea.SCALARS: 0, ea.IMAGES: 0, ea.TENSORS: 0}
    acc = ea.EventAccumulator(run, size_guidance=everything)
    acc.Reload()
    tags = acc.Tags()
    bits = lambda v: struct.unpack("<I", struct.pack("<f", v))[0]
    out = {
        "scalars": {
            t: [[e.step, bits(e.value)] for e in acc.Scalars(t)] for t in tags[ea.SCALARS]
        },
        "images": {
            t: [
                [e.step, e.width, e.height, e.encoded_image_string.hex()]
                for e in acc.Images(t)
            ]
            for t in tags[ea.IMAGES]
        },
        "texts": {
            t: [
                [e.step, b"".join(e.tensor_proto.string_val).decode()]
                for e in acc.Tensors(t)
            ]
            for t in tags[ea.TENSORS]
        },
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
