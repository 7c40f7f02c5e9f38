"""Specialist nets: one net per group of keypoints, as in the tutorial."""
from collections import OrderedDict

from nolearn.lasagne import NeuralNet
from sklearn.base import clone

from .data import load, load2d
from .nets import get_net, input_is_2d
from .persist import load_net, save_net

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


class PretrainedMismatch(ValueError):
    """The pretrained net cannot initialise the specialists."""


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
                'layer {!r}: {} vs {}. Specialists are copies of the pretrained '
                'net\'s own definition unless another base net is given.'.format(
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
    if 'kwargs' in setting:
        # an option 'kwargs' in the settings list may be used to
        # set any other parameter of the net:
        vars(model).update(setting['kwargs'])
    if epochs:
        model.max_epochs = epochs

    if pretrained is not None:
        # if a pretrain model was given, use it to initialize the
        # weights of our new specialist model:
        model.initialize()
        check_pretrained(model, pretrained)
        model.load_params_from(pretrained)
    return model


def fit_specialists(fname_pretrain=None, out='net-specialists.pickle',
                    epochs=None, base=None, settings=None):
    """Train one specialist per group of keypoints; pickle them to ``out``
    as an OrderedDict keyed by the tuple of columns.

    ``epochs`` overrides each specialist's ``max_epochs`` (for quick runs);
    ``base`` is the net to clone: by default a fresh copy of the pretrained
    net's definition (recorded by ``fit`` as ``net_name_``), else the
    tutorial's ``net``.
    """
    net_pretrain = load_net(fname_pretrain) if fname_pretrain else None
    if base is None:
        base = get_net(getattr(net_pretrain, 'net_name_', 'net'))

    specialists = OrderedDict()

    for setting in settings or SPECIALIST_SETTINGS:
        cols = setting['columns']
        X, y = (load2d if input_is_2d(base) else load)(cols=cols)
        model = make_specialist(setting, y.shape[0], base, net_pretrain, epochs)

        print("Training model for columns {} for {} epochs".format(
            cols, model.max_epochs))
        model.fit(X, y)
        specialists[cols] = model

    # this time we're persisting a dictionary with all models:
    save_net(specialists, out)
    print('Wrote {}'.format(out))
    return specialists
