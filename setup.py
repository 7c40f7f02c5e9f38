import os

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))


def requirements(name):
    with open(os.path.join(here, name)) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip() and not line.startswith('-')]


setup(
    name='facial-keypoints',
    version='0.1.0',
    description=("Daniel Nouri's facial keypoints tutorial on Theano, "
                 "Lasagne and nolearn, runnable on CPython 3.11"),
    long_description=open(os.path.join(here, 'README.rst')).read(),
    packages=find_packages(exclude=['tests']),
    package_data={'facial_keypoints.kaggle': ['*.json'],
                  'facial_keypoints.upstream': ['c_code/*.c', 'c_code/*.h'],
                  'facial_keypoints.outputs': ['*.json']},
    python_requires='>=3.11,<3.12',
    install_requires=requirements('requirements.txt'),
    extras_require={'kaggle': ['kaggle==2.2.5'], 'dashboard': ['bokeh==3.9.2'],
                    'onnx': ['onnx==1.18.0', 'onnxruntime==1.20.1']},
    entry_points={'console_scripts': ['kfkd = facial_keypoints.cli:main']},
    classifiers=[
        'Programming Language :: Python :: 3.11',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
