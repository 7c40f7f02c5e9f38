"""The tutorial's stack on a GPU: does it work, does it agree with the CPU,
and how fast is it beside PyTorch.

    python benchmarks/gpu_check.py [DEVICE] [--nets net1 net2 net6] [--epochs 5] [--faces N]

DEVICE is Theano's (default cuda0; opencl0:0 for POCL). In one run, on the
synthetic set (or --data-dir, or --faces N synthetic faces):

1. ``kfkd doctor`` on DEVICE;
2. each net trained for --epochs on DEVICE and, from the same seed, on the
   CPU (the CPU twins run beside the device runs); the device's losses must
   fall and agree with the CPU's within float32 rounding (--rtol);
3. seconds per epoch on DEVICE beside the same nets in PyTorch on the same
   GPU (benchmarks/bench_training.py's translation), where DEVICE is CUDA
   and PyTorch sees a GPU.

One table at the end; exit status 0 when every check holds.
``gpu-bundle/check.sh`` runs it on a machine without this project installed.
"""
import argparse
import concurrent.futures
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_training  # noqa: E402


def theano_flags(device, compiledir):
    flags = ['device=' + device, 'floatX=float32', 'base_compiledir=' + compiledir]
    if device.startswith('cuda'):
        # No cuDNN that Theano 1.0.5 can use: convolutions run as GpuCorrMM.
        flags.append('dnn.enabled=False')
    extra = os.environ.get('THEANO_FLAGS')
    return ','.join(([extra] if extra else []) + flags)


def doctor(device, compiledir):
    """``kfkd doctor`` on ``device``: (passed, its output)."""
    env = dict(os.environ, THEANO_FLAGS=theano_flags(device, compiledir))
    run = subprocess.run([sys.executable, '-m', 'facial_keypoints.kfkd', 'doctor'],
                         capture_output=True, text=True, env=env)
    return run.returncode == 0, run.stdout + run.stderr[-2000:]


def torch_gpu(device):
    """PyTorch's name for the GPU that Theano's ``device`` names, when
    PyTorch is installed and sees it; else None and why."""
    if not device.startswith('cuda'):
        return None, 'not compared: {} is not a CUDA device'.format(device)
    index = device[4:] or '0'
    run = subprocess.run([sys.executable, '-c', 'import torch; print(torch.cuda.is_available(), '
                          'torch.__version__)'], capture_output=True, text=True)
    if run.returncode:
        return None, 'not compared: PyTorch is not installed'
    available, version = run.stdout.split()
    if available != 'True':
        return None, 'not compared: PyTorch {} sees no GPU'.format(version)
    return 'cuda:' + index, 'PyTorch {} on cuda:{}'.format(version, index)


def worker_args(options, torch_device='cpu'):
    return types.SimpleNamespace(epochs=options.epochs, min_seconds=0,
                                 data_dir=options.data_dir, torch_device=torch_device)


def relative_difference(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def seconds_per_epoch(result):
    return statistics.median(bench_training.timed_epochs(result))


def check_net(name, on_device, on_cpu, reference, rtol):
    """One row of the table and whether the net passed."""
    device_loss, cpu_loss = on_device['train_loss'], on_cpu['train_loss']
    difference = max(relative_difference(device_loss, cpu_loss),
                     relative_difference(on_device['valid_loss'], on_cpu['valid_loss']))
    falls = device_loss[-1] < device_loss[0]
    passed = falls and difference <= rtol
    ours = seconds_per_epoch(on_device)
    theirs = seconds_per_epoch(reference) if reference else None
    row = (name, len(device_loss), '{:.4f} -> {:.4f}'.format(device_loss[0], device_loss[-1]),
           '{:.1e}'.format(difference), '{:.3f}'.format(ours),
           '{:.3f}'.format(seconds_per_epoch(on_cpu)),
           '{:.3f}'.format(theirs) if theirs else '-',
           '{:.2f}'.format(ours / theirs) if theirs else '-',
           'ok' if passed else 'FAILED')
    return row, passed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('device', nargs='?', default='cuda0')
    parser.add_argument('--nets', nargs='+', default=['net1', 'net2', 'net6'])
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--rtol', type=float, default=1e-3,
                        help="largest relative difference of the device's losses from the CPU's")
    parser.add_argument('--data-dir')
    parser.add_argument('--faces', type=int, metavar='N',
                        help='train on N synthetic faces, not as many as Kaggle has (for a '
                             'quick rehearsal on a slow device)')
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='fkp-gpu-check-') as cache:
        return check(options, cache)


def check(options, cache):
    """Run the checks, with Theano's compile directories under ``cache``;
    the exit status."""
    device = options.device
    compiledir = {d: os.path.join(cache, 'theano-' + d.replace(':', '-'))
                  for d in (device, 'cpu')}

    print('== Python {} ({}), NumPy {}'.format(platform.python_version(), sys.executable,
                                               np.__version__), flush=True)
    print('== kfkd doctor on ' + device, flush=True)
    doctor_passed, report = doctor(device, compiledir[device])
    print(report, flush=True)
    if not doctor_passed:
        print('GPU check: the doctor failed on {}: see above'.format(device))
        return 1

    if options.faces:
        from facial_keypoints.kaggle.synthetic import write_dataset
        options.data_dir = os.path.join(cache, 'data')
        write_dataset(options.data_dir, options.faces, 50)
    options.data_dir = options.data_dir or bench_training.default_data_dir()
    torch_device, torch_words = torch_gpu(device)
    print('== {} epochs of {} on {} and on the CPU; the reference: {}'.format(
        options.epochs, ', '.join(options.nets), device, torch_words), flush=True)

    def train(name, on):
        env = {'THEANO_FLAGS': theano_flags(on, compiledir[on])}
        result = bench_training.run_worker('theano', name, worker_args(options), env)
        print('  {} on {}: {:.3f} s/epoch'.format(name, on, seconds_per_epoch(result)),
              flush=True)
        return result

    rows, passed = [], True
    with concurrent.futures.ThreadPoolExecutor(1) as cpu:
        twins = [cpu.submit(train, name, 'cpu') for name in options.nets]
        for name, twin in zip(options.nets, twins):
            on_device = train(name, device)
            reference = None
            if torch_device:
                reference = bench_training.run_worker('torch', name,
                                                      worker_args(options, torch_device))
                print('  {} in PyTorch on {}: {:.3f} s/epoch'.format(
                    name, torch_device, seconds_per_epoch(reference)), flush=True)
            row, ok = check_net(name, on_device, twin.result(), reference, options.rtol)
            rows.append(row)
            passed = passed and ok

    from tabulate import tabulate
    print(tabulate(rows, tablefmt='github', headers=(
        'net', 'epochs', 'train loss on ' + device, 'vs CPU (rel.)', device + ' s/epoch',
        'CPU s/epoch', 'PyTorch s/epoch', 'ours/PyTorch', 'result')))
    print('s/epoch: median of epochs 2..{}; the CPU twins ran beside the device runs, so '
          'their s/epoch is not a CPU benchmark. vs CPU: the largest relative difference '
          'of any epoch\'s train or valid loss (allowed: {:g}). The reference: {}.'.format(
              options.epochs, options.rtol, torch_words))
    print('GPU check: {} on {}'.format('passed' if passed else 'FAILED', device))
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
