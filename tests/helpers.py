"""What several test modules share: running the command line in this
process and checking its one-line errors, and a small net1."""
from facial_keypoints import cli, registry


def run_cli(capsys, argv):
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, code, expected_code, *words):
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    assert 'Traceback' not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def small_net1(max_epochs=3):
    """net1 with 10 hidden units, quiet."""
    net = registry.get_net('net1')
    net.max_epochs = max_epochs
    net.hidden_num_units = 10
    net.verbose = 0
    return net
