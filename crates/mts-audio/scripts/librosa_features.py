"""librosa reference for the `features` benchmark (issue 3): the same work in librosa.

librosa.load(path, sr=16000) + |librosa.stft(n_fft=320, hop_length=160)| for every EMODB file,
warm, single-threaded; then the same for the audio upsampled to 48 kHz (written here with
soundfile, as the Rust bench does with its own resampler), which exercises librosa's resampler.

Usage (throw-away venv, nothing of it is committed):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install "librosa==0.11.*"
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        /tmp/venv/bin/python crates/mts-audio/scripts/librosa_features.py ../shared/data/emodb
"""

import os
import statistics
import sys
import tempfile
import time

import librosa
import numpy as np
import soundfile

RUNS = 3


def features(paths):
    out = []
    for path in paths:
        y, _ = librosa.load(path, sr=16000)
        out.append(np.abs(librosa.stft(y, n_fft=320, hop_length=160)))
    return out


def timed(label, paths, seconds):
    features(paths)  # warm-up: imports, caches, page cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        features(paths)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"| {label} (librosa {librosa.__version__}) | 1 | {median:.3f} | {min(times):.3f} | "
          f"{seconds / median:.0f}x |")


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/emodb"
    paths = sorted(os.path.join(directory, f) for f in os.listdir(directory)
                   if f.lower().endswith(".wav"))
    seconds = sum(soundfile.info(p).duration for p in paths)
    print(f"EMODB: {len(paths)} files, {seconds / 60:.1f} min")
    print("| input | threads | median s | min s | x real time |")
    print("|---|---|---|---|---|")
    timed("EMODB 16 kHz", paths, seconds)
    with tempfile.TemporaryDirectory() as tmp:
        paths48 = []
        for i, path in enumerate(paths):
            y, sr = soundfile.read(path, dtype="float32")
            y48 = librosa.resample(y, orig_sr=sr, target_sr=48000)
            out = os.path.join(tmp, f"{i:03}.wav")
            soundfile.write(out, y48, 48000, subtype="PCM_16")
            paths48.append(out)
        timed("EMODB at 48 kHz", paths48, seconds)


if __name__ == "__main__":
    main()
