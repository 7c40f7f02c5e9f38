"""Loading the full-size training.csv: the tutorial's method against ours.

    python benchmarks/bench_loader.py [DATA_DIR]

Times, on the same file in one run: the tutorial's row-by-row
``np.fromstring`` load, our load with no cache (cold) and from the cache
(warm), each the median of --repeat runs, and prints the ratios. Without
DATA_DIR it generates the full-size synthetic set into a temporary directory.
"""
import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time

from facial_keypoints.kaggle import datadir, reading, synthetic
from facial_keypoints.tutorial import data as tdata


def timed(func, repeat):
    times = []
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir', nargs='?')
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.data_dir or synthetic.write_dataset(tmp)
        datadir.set_data_dir(directory)
        fname = tdata.FTRAIN
        cache = fname + reading.CACHE_SUFFIX

        def cold():
            if os.path.exists(cache):
                os.remove(cache)
            tdata.load()

        tutorial = timed(lambda: tdata.load_tutorial_way(fname), args.repeat)
        ours_cold = timed(cold, args.repeat)
        timed(tdata.load, 1)  # builds the cache
        ours_warm = timed(tdata.load, args.repeat)
        size = os.path.getsize(fname) / 2 ** 20
        print('training.csv: {:.0f} MiB, {} rows ({})'.format(
            size, sum(1 for _ in open(fname)) - 1, datadir.data_source()))
        print('{:<28} {:>9} {:>12}'.format('method', 'seconds', 'speed-up'))
        for name, seconds in (('tutorial (np.fromstring)', tutorial),
                              ('ours, cold (no cache)', ours_cold),
                              ('ours, warm (cache)', ours_warm)):
            print('{:<28} {:>9.3f} {:>11.1f}x'.format(name, seconds, tutorial / seconds))
    return 0


if __name__ == '__main__':
    sys.exit(main())
