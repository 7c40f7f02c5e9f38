"""What each of our CPU ops buys: training speed with each switched off.

    python benchmarks/bench_cpu_ops.py [--nets net2 Net6RPXL] [--epochs 3] [--rounds 2]

In one run, for each net: seconds per epoch (median over the rounds'
epochs, the first epoch of each excluded) on our stack as it ships, with
one of its optimizations excluded (Theano's own op in its place), with the
new ops excluded, also without the pooling ops, i.e. with Theano's own ops
everywhere, and with idle threads spinning as the libraries do by default;
each the ratio to the stack as it ships. Each measurement runs in its own
process, through bench_training.py's worker; the configurations take
turns, round after round, so that a slow spell of a shared machine falls
on all of them.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import (  # noqa: E402
    default_data_dir, run_worker, theano_env, timed_epochs)

#: The libraries' own defaults for idle threads: libgomp spins 300000
#: times (GOMP_SPINCOUNT overrides OMP_WAIT_POLICY), OpenBLAS 2**28 cycles.
SPINNING = {'GOMP_SPINCOUNT': '300000', 'OPENBLAS_THREAD_TIMEOUT': '28'}

#: Each configuration: a label, the optimizations it excludes, its environment.
CONFIGURATIONS = [
    ('as shipped', '', {}),
    ('without fast_conv (convolutions)', 'fkp_fast_conv', {}),
    ('without ChannelSum (bias gradients)', 'local_channel_sum', {}),
    ('without MRGUniform (dropout masks)', 'local_mrg_uniform', {}),
    ('without parallel elementwise loops', 'local_parallel_elemwise', {}),
    ('without rectified pooling', 'local_rectified_max_pool', {}),
    ('without fast_gemm (matrix products)', 'fkp_fast_gemm', {}),
    ('with idle threads spinning', '', SPINNING),
    ('without these seven', 'fkp_fast_conv:local_channel_sum:local_mrg_uniform'
     ':local_parallel_elemwise:local_rectified_max_pool:fkp_fast_gemm', SPINNING),
    ('also without the pooling ops', 'fkp_fast_conv:fkp_fast_cpu:fkp_fast_gemm', SPINNING),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nets', nargs='+', default=['net2', 'Net6RPXL'])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--min-seconds', type=float, default=5.0,
                        help='more epochs for fast nets, until those timed last this long')
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--data-dir')
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or default_data_dir()
    rows = []
    for name in args.nets:
        epochs = {label: [] for label, _, _ in CONFIGURATIONS}
        peak = {}
        for _ in range(args.rounds):
            for label, excluded, environ in CONFIGURATIONS:
                args.theano_flags = 'optimizer_excluding=' + excluded if excluded else ''
                result = run_worker('theano', name, args, dict(environ, **theano_env(args)))
                epochs[label] += timed_epochs(result)
                peak[label] = max(peak.get(label, 0), result['peak_rss_mb'])
                print('{} {}: {:.2f} s/epoch'.format(name, label, statistics.median(
                    epochs[label])), file=sys.stderr, flush=True)
        shipped = statistics.median(epochs[CONFIGURATIONS[0][0]])
        for label, _, _ in CONFIGURATIONS:
            seconds = statistics.median(epochs[label])
            rows.append((name, label, '{:.2f}'.format(seconds),
                         '{:.2f}'.format(seconds / shipped), '{:.0f}'.format(peak[label])))
    from tabulate import tabulate
    print(tabulate(rows, headers=('net', 'configuration', 's/ep', 'x as shipped', 'MiB'),
                   tablefmt='github'))
    print('s/ep: median over {} rounds of epochs 2..{} (more for nets whose epochs took '
          'under {:g} s in all) of train + valid passes.'.format(
              args.rounds, args.epochs, args.min_seconds))
    return 0


if __name__ == '__main__':
    sys.exit(main())
