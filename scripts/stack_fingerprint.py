"""Train net1, net2 and net6 briefly and record their losses and weights,
to compare two installations of the stack (NumPy 1.x against 2.x, one
CPython against another) to the bit.

    python scripts/stack_fingerprint.py OUT.npz [--epochs net1=3,net2=1,net6=1] [--data DIR]
    python scripts/stack_fingerprint.py --compare A.npz B.npz

The nets train on a small synthetic data set, written into DIR unless it
holds one already (default: a temporary folder), each from the project's
default seed, as ``kfkd fit`` does. The generator is seeded, but NumPy 2
computes some of its float32 arithmetic in float64 (NEP 50), so a few
pixels differ from NumPy 1.x's: to compare NumPy 1.x with 2.x, give both
runs the same DIR. OUT.npz holds
each net's per-epoch training and validation losses and every parameter,
plus the Python and NumPy versions, and is read without pickles, so any
installation can read another's. ``--compare`` prints, per net, how many
arrays are bit-identical and the largest difference, and exits with
status 1 unless all are identical.
"""
import argparse
import contextlib
import io
import os
import platform
import sys
import tempfile

import numpy as np

DEFAULT_EPOCHS = 'net1=3,net2=1,net6=1'
N_TRAIN, N_TEST, DATA_SEED = 300, 10, 5


def parse_epochs(text):
    """'net1=3,net2=1' -> [('net1', 3), ('net2', 1)], or a one-line error."""
    pairs = []
    for item in text.split(','):
        name, _, epochs = item.partition('=')
        if not name or not epochs.isdigit() or int(epochs) < 1:
            raise SystemExit('error: --epochs takes NAME=EPOCHS,... with whole '
                             'numbers >= 1, not {!r}'.format(item))
        pairs.append((name.strip(), int(epochs)))
    return pairs


def fingerprint(out, epochs, data=None):
    import facial_keypoints  # noqa: F401  (the compatibility patches)
    from lasagne.layers import get_all_param_values
    from facial_keypoints.commands.fit import fit
    from facial_keypoints.kaggle import datadir, synthetic

    arrays = {'python': np.array(platform.python_version()),
              'numpy': np.array(np.__version__)}
    with tempfile.TemporaryDirectory() as tmp:
        data = data or os.path.join(tmp, 'data')
        if not os.path.exists(os.path.join(data, 'training.csv')):
            synthetic.write_dataset(data, n_train=N_TRAIN, n_test=N_TEST, seed=DATA_SEED)
        datadir.set_data_dir(data)
        for name, n in epochs:
            with contextlib.redirect_stdout(io.StringIO()):
                model = fit(name, max_epochs=n, out=os.path.join(tmp, name + '.pickle'))
            history = model.train_history_
            arrays[name + '/train_loss'] = np.array([h['train_loss'] for h in history])
            arrays[name + '/valid_loss'] = np.array([h['valid_loss'] for h in history])
            for i, value in enumerate(get_all_param_values(model.layers_['output'])):
                arrays['{}/param{:02d}'.format(name, i)] = value
            print('{}: {} epochs, losses {}'.format(
                name, n, ' '.join('{:.9g}/{:.9g}'.format(h['train_loss'], h['valid_loss'])
                                  for h in history)))
    np.savez(out, **arrays)


def compare(a_path, b_path):
    a, b = np.load(a_path), np.load(b_path)
    print('{}: Python {}, NumPy {}'.format(a_path, a['python'], a['numpy']))
    print('{}: Python {}, NumPy {}'.format(b_path, b['python'], b['numpy']))
    keys = sorted(k for k in a.files if '/' in k)
    if keys != sorted(k for k in b.files if '/' in k):
        print('the two files hold different nets or epochs')
        return 1
    same = True
    for net in sorted({k.split('/')[0] for k in keys}):
        names = [k for k in keys if k.startswith(net + '/')]
        identical = [k for k in names if a[k].dtype == b[k].dtype
                     and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes()]
        largest = max((float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64))))
                       if a[k].shape == b[k].shape else float('inf')) for k in names)
        values = sum(a[k].size for k in names)
        print('{}: {}/{} arrays ({} values) bit-identical; largest difference {:.3g}; '
              'last losses {:.9g}/{:.9g} and {:.9g}/{:.9g}'.format(
                  net, len(identical), len(names), values, largest,
                  a[net + '/train_loss'][-1], a[net + '/valid_loss'][-1],
                  b[net + '/train_loss'][-1], b[net + '/valid_loss'][-1]))
        same = same and len(identical) == len(names)
    return 0 if same else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out', nargs='?', help='the .npz to write')
    parser.add_argument('--epochs', default=DEFAULT_EPOCHS,
                        help='nets and epochs (default {})'.format(DEFAULT_EPOCHS))
    parser.add_argument('--data', help='the synthetic data set (written if missing)')
    parser.add_argument('--compare', nargs=2, metavar='NPZ',
                        help='compare two fingerprints instead')
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error('give the .npz to write, or --compare A.npz B.npz')
    fingerprint(args.out, parse_epochs(args.epochs), args.data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
