"""Downloading the Kaggle competition data with the official ``kaggle`` package."""
import os
import zipfile

from ..base.errors import DownloadError

COMPETITION = 'facial-keypoints-detection'

STEPS = """To download the Kaggle data:
  1. Sign in at kaggle.com and accept the rules of the competition
     "Facial Keypoints Detection" ({competition}).
  2. Create an API token (Account > API > Create New Token) and save it as
     ~/.kaggle/kaggle.json (chmod 600), or set KAGGLE_USERNAME and KAGGLE_KEY.
  3. pip install 'facial-keypoints[kaggle]'   (the official kaggle package)
  4. python -m facial_keypoints.kfkd download --out {out}
Or, without network: kaggle competitions download -c {competition}, then
unzip training.zip, test.zip and IdLookupTable.csv into {out}."""


def has_credentials():
    config = os.environ.get('KAGGLE_CONFIG_DIR', os.path.expanduser('~/.kaggle'))
    return (os.path.exists(os.path.join(config, 'kaggle.json'))
            or ('KAGGLE_USERNAME' in os.environ and 'KAGGLE_KEY' in os.environ))


def download_kaggle(out):
    """Download and unzip the competition's files into ``out``."""
    if not has_credentials():
        raise DownloadError('no Kaggle API credentials found; see the steps in '
                            '`kfkd download --help`')
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi
    except ImportError:
        raise DownloadError('the kaggle package is not installed: pip install '
                            '\'facial-keypoints[kaggle]\'; the steps are in '
                            '`kfkd download --help`') from None
    api = KaggleApi()
    try:
        api.authenticate()
        os.makedirs(out, exist_ok=True)
        api.competition_download_files(COMPETITION, path=out, quiet=False)
    except Exception as e:
        raise DownloadError('download failed: {}; the steps are in `kfkd download '
                            '--help`'.format(e)) from None
    unzip_all(out)


def unzip_all(directory):
    """Unzip every .zip in ``directory`` (Kaggle nests training.zip inside)."""
    pending = [os.path.join(directory, n) for n in os.listdir(directory)
               if n.endswith('.zip')]
    while pending:
        path = pending.pop()
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                z.extract(name, directory)
                if name.endswith('.zip'):
                    pending.append(os.path.join(directory, name))
        os.remove(path)
