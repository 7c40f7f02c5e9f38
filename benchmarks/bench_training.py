"""Training speed: our Theano/Lasagne/nolearn stack against a PyTorch reference.

    python benchmarks/bench_training.py [--nets net2 net1 net6 Net6RPXL] [--epochs 4]
    python benchmarks/bench_training.py --nets w207     # or: tutorial, all, or names
    python benchmarks/bench_training.py --rounds 2      # the stacks take turns, twice

In one run on the same machine and data (the synthetic set unless --data-dir
names the Kaggle files): seconds per epoch (median, the first epoch excluded;
fast nets run more epochs, until the timed ones last --min-seconds) of each
net on our stack and of the same architecture, initial weights, loss,
Nesterov updates and batch iterator (flips) in PyTorch; our/reference ratio,
achieved GFLOP/s and share of the measured sgemm ceiling; Theano compile time
with a cold and a warm compile cache; prediction throughput; peak memory.
Each measurement runs in its own process. Extra Theano flags for our stack:
--theano-flags.
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: The environment as the user gave it: each worker starts from it, so that
#: what importing facial_keypoints sets in this process (the idle threads'
#: policy, facial_keypoints.upstream.threads) reaches the PyTorch reference
#: only if the user set it.
USER_ENV = dict(os.environ)


# -- in a worker process ------------------------------------------------------------

def load_data(net, data_dir):
    import contextlib
    import io
    from facial_keypoints.model.inputs import load_for
    from facial_keypoints.kaggle import datadir
    datadir.set_data_dir(data_dir)
    with contextlib.redirect_stdout(io.StringIO()):
        return load_for(net), load_for(net, test=True)[0]


def forward_flops(net):
    """Multiply-adds x 2 of one forward pass, from the built layers."""
    from lasagne.layers import Conv2DLayer, DenseLayer, get_output_shape
    flops = 0
    for layer in net.layers_.values():
        if isinstance(layer, Conv2DLayer):
            out = get_output_shape(layer)
            fan_in = np.prod(layer.get_W_shape()[1:])
            flops += 2 * fan_in * np.prod(out[1:])
        elif isinstance(layer, DenseLayer):
            flops += 2 * np.prod(layer.W.get_value().shape)
    return int(flops)


def extra_epochs(durations, min_seconds):
    """Epochs to add so that the timed epochs (all but the first) last
    min_seconds in all: a net1 epoch is a few hundredths of a second."""
    timed = durations[1:] or durations
    return max(0, math.ceil((min_seconds - sum(timed)) / statistics.median(timed)))


def theano_worker(name, epochs, min_seconds, data_dir):
    import facial_keypoints  # noqa: F401
    from facial_keypoints.model.registry import get_net
    from facial_keypoints.tutorial.nets import quiet
    np.random.seed(42)
    net = quiet(get_net(name))
    net.max_epochs = epochs
    (X, y), X_test = load_data(net, data_dir)
    start = time.perf_counter()
    net.initialize()
    compile_s = time.perf_counter() - start
    net.fit(X, y)
    extra = extra_epochs([h['dur'] for h in net.train_history_], min_seconds)
    if extra:
        net.fit(X, y, epochs=extra)
    durations = [h['dur'] for h in net.train_history_]
    start = time.perf_counter()
    net.predict(X_test)
    predict_s = time.perf_counter() - start
    return dict(compile_s=compile_s, epoch_s=durations, predict_ips=len(X_test) / predict_s,
                flops=forward_flops(net), n_train=int(len(X) * 0.8 + 0.5),
                n_valid=len(X) - int(len(X) * 0.8 + 0.5),
                final_valid=net.train_history_[-1]['valid_loss'],
                train_loss=[float(h['train_loss']) for h in net.train_history_],
                valid_loss=[float(h['valid_loss']) for h in net.train_history_])


def torch_model(net):
    """The Lasagne net as torch modules, with the same initial weights."""
    import torch
    from torch import nn
    from lasagne import layers
    from lasagne.nonlinearities import rectify
    modules = []
    for layer in net.layers_.values():
        if isinstance(layer, layers.Conv2DLayer):
            W = layer.W.get_value()
            conv = nn.Conv2d(W.shape[1], W.shape[0], W.shape[2:], stride=layer.stride)
            # Theano's conv2d flips filters; torch's does not.
            conv.weight.data = torch.from_numpy(W[:, :, ::-1, ::-1].copy())
            conv.bias.data = torch.from_numpy(layer.b.get_value())
            modules += [conv, nn.ReLU()]
        elif isinstance(layer, layers.MaxPool2DLayer):
            modules.append(nn.MaxPool2d(layer.pool_size, layer.stride,
                                        ceil_mode=not layer.ignore_border))
        elif isinstance(layer, layers.DropoutLayer):
            modules.append(nn.Dropout(layer.p))
        elif isinstance(layer, layers.DenseLayer):
            W = layer.W.get_value()
            dense = nn.Linear(*W.shape)
            dense.weight.data = torch.from_numpy(W.T.copy())
            dense.bias.data = torch.from_numpy(layer.b.get_value())
            modules += [nn.Flatten(), dense]
            if layer.nonlinearity is rectify:
                modules.append(nn.ReLU())
    return nn.Sequential(*modules)


def torch_worker(name, epochs, min_seconds, data_dir, torch_device='cpu'):
    import torch  # first: its OpenMP runtime reads the user's environment, as it loads
    import facial_keypoints  # noqa: F401
    from facial_keypoints.model.registry import get_net
    torch.set_num_threads(os.cpu_count())
    device = torch.device(torch_device)

    def tensor(array):
        return torch.from_numpy(array).to(device)
    np.random.seed(42)
    net = get_net(name)
    net.initialize_layers()
    (X, y), X_test = load_data(net, data_dir)
    model = torch_model(net).to(device)
    lr, momentum = (float(getattr(v, 'get_value', lambda: v)())
                    for v in (net.update_learning_rate, net.update_momentum))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=True)
    loss_fn = torch.nn.MSELoss()
    n_valid = len(X) // 5  # nolearn's TrainSplit(0.2): first 20% validate
    X_valid, y_valid, X_train, y_train = X[:n_valid], y[:n_valid], X[n_valid:], y[n_valid:]
    iterator = net.batch_iterator_train

    def epoch():
        start = time.perf_counter()
        model.train()
        for i in range(0, len(X_train), 128):
            Xb, yb = iterator.transform(X_train[i:i + 128], y_train[i:i + 128])
            optimizer.zero_grad()
            loss = loss_fn(model(tensor(Xb)), tensor(yb))
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            # .item() waits for the device: the epoch's time is all of it.
            valid = [loss_fn(model(tensor(X_valid[i:i + 128])),
                             tensor(y_valid[i:i + 128])).item()
                     for i in range(0, len(X_valid), 128)]
        return time.perf_counter() - start, float(np.mean(valid))

    runs = [epoch() for _ in range(epochs)]
    runs += [epoch() for _ in range(extra_epochs([d for d, _ in runs], min_seconds))]
    durations, valid = [d for d, _ in runs], runs[-1][1]
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(X_test), 128):
            model(tensor(X_test[i:i + 128])).cpu()
    predict_s = time.perf_counter() - start
    return dict(epoch_s=durations, predict_ips=len(X_test) / predict_s, final_valid=valid)


def sgemm_worker(n=2048, repeat=5):
    """GFLOP/s of float32 matrix products through Theano's BLAS."""
    import facial_keypoints  # noqa: F401
    import theano
    import theano.tensor as T
    rng = np.random.RandomState(0)
    a = theano.shared(rng.rand(n, n).astype('float32'))
    b = theano.shared(rng.rand(n, n).astype('float32'))
    f = theano.function([], T.dot(a, b))
    f()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return dict(gflops=2 * n ** 3 / min(times) / 1e9)


def worker(args):
    training = (args.nets[0], args.epochs, args.min_seconds, args.data_dir)
    if args.worker == 'sgemm':
        result = sgemm_worker()
    elif args.worker == 'torch':
        result = torch_worker(*training, torch_device=args.torch_device)
    else:
        result = theano_worker(*training)
    result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print('RESULT ' + json.dumps(result))


# -- the driver ------------------------------------------------------------------------

def run_worker(kind, name, args, env=None):
    command = [sys.executable, os.path.abspath(__file__), '--worker', kind,
               '--nets', name, '--epochs', str(args.epochs),
               '--min-seconds', str(args.min_seconds),
               '--torch-device', getattr(args, 'torch_device', 'cpu')]
    if args.data_dir:
        command += ['--data-dir', args.data_dir]
    out = subprocess.run(command, capture_output=True, text=True,
                         env=dict(USER_ENV, **(env or {})))
    lines = [line for line in out.stdout.splitlines() if line.startswith('RESULT ')]
    if out.returncode != 0 or not lines:
        raise RuntimeError('{} {} failed:\n{}'.format(kind, name, out.stderr[-3000:]))
    return json.loads(lines[-1][len('RESULT '):])


def theano_env(args, compiledir=None):
    flags = [f for f in (args.theano_flags,
                         'base_compiledir=' + compiledir if compiledir else '') if f]
    merged = ','.join(filter(None, [os.environ.get('THEANO_FLAGS', '')] + flags))
    return {'THEANO_FLAGS': merged} if merged else {}


#: Groups --nets accepts besides net names (the W207 team's Net6 is net6).
GROUPS = {
    'tutorial': ['net1', 'net2', 'net3', 'net4', 'net5', 'net6', 'net7', 'net8'],
    'w207': ['Net6LP', 'Net6NP', 'Net6NPLF', 'Net6RP', 'Net6RPXL', 'CNet_NPLFXL', 'Net6RHL',
             'ConvNet_Stack', 'ConvNet_Stack_Increase_Filter_Size'],
}
GROUPS['all'] = GROUPS['tutorial'] + GROUPS['w207']


def default_data_dir():
    """The data directory in use, the synthetic set generated there once."""
    from facial_keypoints.kaggle import datadir
    from facial_keypoints.kaggle.format import TRAIN_FILE
    datadir.data_file(TRAIN_FILE)
    return datadir.data_dir()


def expand(names):
    """Net names, with group names replaced by their nets, each once."""
    nets = []
    for name in names:
        for net in GROUPS.get(name, [name]):
            if net not in nets:
                nets.append(net)
    return nets


def timed_epochs(result):
    """A worker's epochs but the first (compiling, warming the caches)."""
    return result['epoch_s'][1:] or result['epoch_s']


def take_turns(name, args, first=None):
    """Our stack's and the reference's results for a net, the two taking
    turns for --rounds rounds (so that a slow spell of a shared machine
    falls on both); epochs pooled, peak memory the largest. `first`: our
    stack's result for round 1, if already measured."""
    ours, ref = [], []
    for round_ in range(args.rounds):
        ours.append(first if first and not round_ else run_worker(
            'theano', name, args, theano_env(args)))
        ref.append(run_worker('torch', name, args))
    return tuple(dict(results[-1], epoch_s=[s for r in results for s in timed_epochs(r)],
                      peak_rss_mb=max(r['peak_rss_mb'] for r in results))
                 for results in (ours, ref))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nets', nargs='+', default=['net2', 'net1', 'net6', 'Net6RPXL'],
                        help='net names or groups: ' + ', '.join(GROUPS))
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--min-seconds', type=float, default=5.0,
                        help='more epochs for fast nets, until those timed last this long')
    parser.add_argument('--rounds', type=int, default=1,
                        help='turns each stack takes per net, alternating with the other')
    parser.add_argument('--data-dir')
    parser.add_argument('--theano-flags', default='')
    parser.add_argument('--torch-device', default='cpu',
                        help="the reference's device, e.g. cuda:0")
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    args.nets = expand(args.nets)
    args.data_dir = args.data_dir or default_data_dir()

    ceiling = run_worker('sgemm', '-', args, theano_env(args))['gflops']
    print('sgemm ceiling (Theano BLAS, 2048^3 float32): {:.1f} GFLOP/s'.format(ceiling),
          flush=True)
    if args.theano_flags:
        print('extra THEANO_FLAGS: ' + args.theano_flags)
    with tempfile.TemporaryDirectory() as cache:
        cold = run_worker('theano', args.nets[0], args, theano_env(args, cache))
        warm = run_worker('theano', args.nets[0], args, theano_env(args, cache))
    print('Theano compile of {}: {:.1f} s cold cache, {:.1f} s warm cache'.format(
        args.nets[0], cold['compile_s'], warm['compile_s']), flush=True)

    header = ('net', 'ours s/ep', 'torch s/ep', 'ours/torch', 'ours GFLOP/s',
              '% sgemm', 'torch GFLOP/s', 'ours img/s', 'torch img/s',
              'ours MiB', 'torch MiB')
    rows = []
    for name in args.nets:
        ours, ref = take_turns(name, args, warm if name == args.nets[0] else None)
        ours_s = statistics.median(ours['epoch_s'])
        ref_s = statistics.median(ref['epoch_s'])
        print('{}: ours {:.2f} s/epoch, torch {:.2f} s/epoch'.format(name, ours_s, ref_s),
              file=sys.stderr, flush=True)
        epoch_flops = ours['flops'] * (3 * ours['n_train'] + ours['n_valid'])
        rows.append((name, '{:.2f}'.format(ours_s), '{:.2f}'.format(ref_s),
                     '{:.2f}'.format(ours_s / ref_s),
                     '{:.1f}'.format(epoch_flops / ours_s / 1e9),
                     '{:.0f}%'.format(100 * epoch_flops / ours_s / 1e9 / ceiling),
                     '{:.1f}'.format(epoch_flops / ref_s / 1e9),
                     '{:.0f}'.format(ours['predict_ips']), '{:.0f}'.format(ref['predict_ips']),
                     '{:.0f}'.format(ours['peak_rss_mb']), '{:.0f}'.format(ref['peak_rss_mb'])))
    from tabulate import tabulate
    print(tabulate(rows, headers=header, tablefmt='github'))
    print('s/ep: median over epochs 2..{} (more for nets whose epochs took under {:g} s '
          'in all) of train + valid passes, in {} round(s) each stack; GFLOP/s counts a '
          'training step as 3 forward passes.'.format(args.epochs, args.min_seconds,
                                                      args.rounds))
    return 0


if __name__ == '__main__':
    sys.exit(main())
