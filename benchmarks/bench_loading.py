"""Loading a trained net through the allowlist, beside loading it as the
previous release did.

    python benchmarks/bench_loading.py [NET ...] [--repeat 5]

For each net (default net1 and net6), trained one epoch on synthetic faces:
the previous release's pickle (the net whole, with its compiled functions,
as ``pickle.dump`` writes it) loaded by the plain unpickler, as that release
loaded it; the same file through the allowlist; and the pickle ``fit``
writes now (no compiled functions) through the allowlist. Each load runs in
a fresh process with a warm compile cache, timed around the load alone;
prints the median seconds, the ratio to the previous release's, and the
file sizes.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from tabulate import tabulate

PREPARE = '''
import contextlib, io, pickle, sys
from facial_keypoints.kaggle import datadir, synthetic
from facial_keypoints.model import persist, registry
from facial_keypoints.model.inputs import load_for
directory, name = sys.argv[1:3]
datadir.set_data_dir(synthetic.write_dataset(directory + '/data', n_train=300, n_test=10,
                                             seed=5))
net = registry.get_net(name)
net.max_epochs, net.verbose = 1, 0
with contextlib.redirect_stdout(io.StringIO()):
    X, y = load_for(net)
net.fit(X, y)
sys.setrecursionlimit(10000)
with open(directory + '/previous.pickle', 'wb') as f:
    pickle.dump(net, f, -1)
persist.save_net(net, directory + '/now.pickle')
'''

LOAD = '''
import sys, time
from facial_keypoints.model import persist, unpickling
import theano, lasagne, nolearn.lasagne
how, path = sys.argv[1:3]
start = time.perf_counter()
if how == 'plain':
    sys.setrecursionlimit(10000)
    with open(path, 'rb') as f:
        unpickling.Unpickler(f).load()
else:
    persist.load_net(path)
print(time.perf_counter() - start)
'''


def seconds(how, path, repeat):
    times = []
    for _ in range(repeat):
        run = subprocess.run([sys.executable, '-c', LOAD, how, path], check=True,
                             capture_output=True, text=True)
        times.append(float(run.stdout.split()[-1]))
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('nets', nargs='*', default=['net1', 'net6'])
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    for name in args.nets:
        with tempfile.TemporaryDirectory() as directory:
            subprocess.run([sys.executable, '-c', PREPARE, directory, name], check=True,
                           capture_output=True)
            previous, now = (os.path.join(directory, f + '.pickle') for f in ('previous', 'now'))
            seconds('allowlist', now, 1)  # the compile cache warm for each
            loads = [("previous release's pickle, plain unpickler", 'plain', previous),
                     ("previous release's pickle, allowlist", 'allowlist', previous),
                     ("today's pickle, allowlist", 'allowlist', now)]
            took = [seconds(how, path, args.repeat) for _, how, path in loads]
            for (label, _, path), median in zip(loads, took):
                rows.append([name, label, '{:.3f}'.format(median),
                             '{:.2f}'.format(median / took[0]),
                             '{:.1f} MB'.format(os.path.getsize(path) / 1e6)])
    print(tabulate(rows, headers=['net', 'load', 'median s', 'ratio', 'file']))


if __name__ == '__main__':
    main()
