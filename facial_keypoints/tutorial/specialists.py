"""Specialist nets: one net per group of keypoints, as in the tutorial.

``fit_specialists``, which trains them all, is in
:mod:`facial_keypoints.commands.fit` (and in :mod:`facial_keypoints.kfkd`).
"""
from nolearn.lasagne import NeuralNet
from sklearn.base import clone

from ..base.errors import PretrainedMismatch

SPECIALIST_SETTINGS = [
    dict(
        columns=(
            'left_eye_center_x', 'left_eye_center_y',
            'right_eye_center_x', 'right_eye_center_y',
            ),
        flip_indices=((0, 2), (1, 3)),
        ),

    dict(
        columns=(
            'nose_tip_x', 'nose_tip_y',
            ),
        flip_indices=(),
        ),

    dict(
        columns=(
            'mouth_left_corner_x', 'mouth_left_corner_y',
            'mouth_right_corner_x', 'mouth_right_corner_y',
            'mouth_center_top_lip_x', 'mouth_center_top_lip_y',
            ),
        flip_indices=((0, 2), (1, 3)),
        ),

    dict(
        columns=(
            'mouth_center_bottom_lip_x',
            'mouth_center_bottom_lip_y',
            ),
        flip_indices=(),
        ),

    dict(
        columns=(
            'left_eye_inner_corner_x', 'left_eye_inner_corner_y',
            'right_eye_inner_corner_x', 'right_eye_inner_corner_y',
            'left_eye_outer_corner_x', 'left_eye_outer_corner_y',
            'right_eye_outer_corner_x', 'right_eye_outer_corner_y',
            ),
        flip_indices=((0, 2), (1, 3), (4, 6), (5, 7)),
        ),

    dict(
        columns=(
            'left_eyebrow_inner_end_x', 'left_eyebrow_inner_end_y',
            'right_eyebrow_inner_end_x', 'right_eyebrow_inner_end_y',
            'left_eyebrow_outer_end_x', 'left_eyebrow_outer_end_y',
            'right_eyebrow_outer_end_x', 'right_eyebrow_outer_end_y',
            ),
        flip_indices=((0, 2), (1, 3), (4, 6), (5, 7)),
        ),
    ]


def specialist_index(columns):
    """The position in ``SPECIALIST_SETTINGS`` of the specialist for
    ``columns``."""
    return [tuple(s['columns']) for s in SPECIALIST_SETTINGS].index(tuple(columns))


def specialist_name(columns):
    """The specialist for ``columns`` in file names:
    ``specialist-1-left_eye_center``."""
    return 'specialist-{}-{}'.format(specialist_index(columns) + 1, columns[0][:-2])


def check_pretrained(model, pretrained):
    """Raise PretrainedMismatch unless every layer of ``model`` but
    ``output`` has the shapes of ``pretrained``'s layer of the same name."""
    if not isinstance(pretrained, NeuralNet):
        raise PretrainedMismatch('the pretrained file holds a {}, not a single '
                                 'trained NeuralNet'.format(type(pretrained).__name__))
    source = pretrained.get_all_params_values()
    for name, values in model.get_all_params_values().items():
        if name == 'output':
            continue
        theirs = source.get(name)
        if theirs is None or [v.shape for v in theirs] != [v.shape for v in values]:
            raise PretrainedMismatch(
                'the pretrained net does not match the specialists\' trunk at '
                'layer {!r}: {} vs {}; specialists are copies of the pretrained '
                'net\'s own definition.'.format(
                    name, [v.shape for v in theirs] if theirs else 'missing',
                    [v.shape for v in values]))


def make_specialist(setting, n_rows, base, pretrained=None, epochs=None):
    """An untrained specialist for one group of ``SPECIALIST_SETTINGS``.

    With ``pretrained``, its layers are built and every layer but the
    (differently shaped) output layer starts from the pretrained weights.
    """
    model = clone(base)
    model.output_num_units = len(setting['columns'])
    model.batch_iterator_train.flip_indices = setting['flip_indices']
    model.max_epochs = int((4e6 if pretrained is not None else 1e7) / n_rows)
    if epochs:
        model.max_epochs = epochs

    if pretrained is not None:
        # if a pretrain model was given, use it to initialize the
        # weights of our new specialist model:
        model.initialize()
        check_pretrained(model, pretrained)
        model.load_params_from(pretrained)
    return model
