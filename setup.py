import os
import runpy

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))
# What the package is and needs, read without importing it (which needs the
# installed stack).
about = runpy.run_path(os.path.join(here, 'facial_keypoints', 'about.py'))
FIRST_PYTHON, PAST_PYTHON = about['SUPPORTED_PYTHON']
PYTHONS = ['{}.{}'.format(FIRST_PYTHON[0], minor)
           for minor in range(FIRST_PYTHON[1], PAST_PYTHON[1])]


setup(
    name='facial-keypoints',
    version=about['__version__'],
    description=("Daniel Nouri's facial keypoints tutorial on Theano, "
                 "Lasagne and nolearn, runnable on CPython {} to {}".format(
                     PYTHONS[0], PYTHONS[-1])),
    long_description=open(os.path.join(here, 'README.rst')).read(),
    packages=find_packages(exclude=['tests']),
    package_data={'facial_keypoints.kaggle': ['*.json'],
                  'facial_keypoints.upstream': ['c_code/*.c', 'c_code/*.h'],
                  'facial_keypoints.outputs': ['*.json']},
    python_requires='>={}.{},<{}.{}'.format(*FIRST_PYTHON, *PAST_PYTHON),
    install_requires=about['requirements'](),
    extras_require={name: list(needs) for name, needs in about['EXTRAS'].items()},
    entry_points={'console_scripts': ['kfkd = facial_keypoints.cli:main']},
    classifiers=['Programming Language :: Python :: ' + v for v in PYTHONS] + [
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
