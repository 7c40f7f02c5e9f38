"""The reproduction report and `kfkd reproduce`."""
import os

import matplotlib.image
import pytest

from facial_keypoints import cli, kfkd
from facial_keypoints.outputs import report
from facial_keypoints.model import persist


def test_report_of_two_short_runs(in_data, trains):
    kfkd.fit('net1', max_epochs=3)
    kfkd.fit('net2', max_epochs=1)
    out = report.write_report(['net1.pickle', 'net2.pickle'], 'report.md')
    text = open(out).read()
    assert '| net1 | SYNTHETIC |' in text and '| net2 | SYNTHETIC |' in text
    assert text.count('SYNTHETIC DATA') >= 3  # title, warning, each net
    assert '0.002244 / 0.003255' in text and '0.001079 / 0.001566' in text
    assert '8,051,502 learnable parameters' in text
    assert '| conv1 | 32x94x94 |' in text
    assert 'Theano | 1.0.5' in text

    rows = [r for r, _ in report.collect(['net1.pickle'])]
    net = persist.load_net('net1.pickle')
    valid = net.train_history_[-1]['valid_loss']
    assert rows[0]['rmse'] == pytest.approx(valid ** 0.5 * 48)
    assert rows[0]['valid_difference'] == pytest.approx(valid - 0.003255)
    image = matplotlib.image.imread('report-1.png')
    assert image.shape[:2] == (400, 640) and image[..., :3].std() > 0.05


def test_html_report_marks_synthetic_runs(in_data, trained):
    out = report.write_report([trained['net1']], 'report.html')
    text = open(out).read()
    assert text.startswith('<!DOCTYPE html>')
    assert '<p class="warning">SYNTHETIC DATA' in text
    assert os.path.exists('report-1.png')


def test_reproduce_ends_with_a_report(in_data, capsys, trains):
    assert cli.main(['reproduce', 'net1', '--max-epochs', '3', '--data-dir',
                      in_data]) == 0
    # each pickle it writes is named, as fit names its own
    assert capsys.readouterr().out.splitlines()[-2:] == ['Wrote net1.pickle',
                                                          'Wrote report.md']
    assert os.path.exists('net1.pickle')
    rows = len(kfkd.load()[0])
    assert '| net1 | SYNTHETIC | {} | 3 |'.format(rows) in open('report.md').read()


def test_report_of_specialists_alone_is_marked_synthetic(in_data, trained):
    text = open(report.write_report([trained['specialists']], 'r.md')).read()
    assert text.startswith('# Reproduction report (SYNTHETIC DATA)')
    assert text.count('| SYNTHETIC |') == 6
