import ast
import os

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))


def package_constants(*names):
    """The values of ``names`` assigned in facial_keypoints/__init__.py, read
    without importing it (which needs the installed stack)."""
    with open(os.path.join(here, 'facial_keypoints', '__init__.py')) as f:
        tree = ast.parse(f.read())
    values = {target.id: ast.literal_eval(node.value) for node in tree.body
              if isinstance(node, ast.Assign) for target in node.targets
              if isinstance(target, ast.Name) and target.id in names}
    return [values[name] for name in names]


VERSION, (FIRST_PYTHON, PAST_PYTHON) = package_constants('__version__', 'SUPPORTED_PYTHON')
PYTHONS = ['{}.{}'.format(FIRST_PYTHON[0], minor)
           for minor in range(FIRST_PYTHON[1], PAST_PYTHON[1])]


def requirements(name):
    with open(os.path.join(here, name)) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip() and not line.startswith('-')]


setup(
    name='facial-keypoints',
    version=VERSION,
    description=("Daniel Nouri's facial keypoints tutorial on Theano, "
                 "Lasagne and nolearn, runnable on CPython {} to {}".format(
                     PYTHONS[0], PYTHONS[-1])),
    long_description=open(os.path.join(here, 'README.rst')).read(),
    packages=find_packages(exclude=['tests']),
    package_data={'facial_keypoints.kaggle': ['*.json'],
                  'facial_keypoints.upstream': ['c_code/*.c', 'c_code/*.h'],
                  'facial_keypoints.outputs': ['*.json']},
    python_requires='>={}.{},<{}.{}'.format(*FIRST_PYTHON, *PAST_PYTHON),
    install_requires=requirements('requirements.txt'),
    extras_require={'kaggle': ['kaggle==2.2.5'], 'dashboard': ['bokeh==3.9.2'],
                    'onnx': ['onnx==1.18.0', 'onnxruntime==1.20.1']},
    entry_points={'console_scripts': ['kfkd = facial_keypoints.cli:main']},
    classifiers=['Programming Language :: Python :: ' + v for v in PYTHONS] + [
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
