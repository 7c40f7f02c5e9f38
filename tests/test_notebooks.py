"""The tutorial's notebooks in examples/ execute from start to end.

Each runs in a fresh kernel on the small synthetic data set, with its
``parameters`` cell set to a quick run (MAX_EPOCHS = 2).
"""
import glob
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), '..', 'examples')
NOTEBOOKS = sorted(glob.glob(os.path.join(EXAMPLES, '*.ipynb')))


@pytest.mark.slow
@pytest.mark.parametrize('path', NOTEBOOKS, ids=os.path.basename)
def test_notebook_executes(path, train_dir, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    parameters = [c for c in nb.cells if 'parameters' in c.metadata.get('tags', [])]
    assert len(parameters) == 1
    parameters[0].source = 'MAX_EPOCHS = 2\nDATA_DIR = {!r}'.format(train_dir)
    NotebookClient(nb, timeout=900, kernel_name='python3',
                   resources={'metadata': {'path': str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs]
    assert not [o for o in outputs if o.output_type == 'error']
    assert any(o.output_type in ('display_data', 'execute_result')
               and 'image/png' in o.get('data', {}) for o in outputs)
