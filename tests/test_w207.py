"""The W207 variants: exactly their printed shapes and parameter counts."""
import pytest
from lasagne.layers import count_params, get_output_shape

from facial_keypoints import nets


SPEC = {
    'Net6LP': ([('conv1', (32, 94, 94)), ('pool1', (32, 23, 23)), ('conv2', (64, 22, 22)),
                ('pool2', (64, 5, 5)), ('conv3', (128, 4, 4)), ('pool3', (128, 1, 1))],
               371502),
    'Net6NP': ([('conv1', (6, 94, 94)), ('conv2', (12, 93, 93)), ('conv3', (24, 92, 92))],
               101835566),
    'Net6NPLF': ([('conv1', (6, 92, 92)), ('conv2', (12, 88, 88)), ('conv3', (24, 84, 84))],
                 84947222),
    'Net6RP': ([('conv1', (6, 92, 92)), ('rp1', (6, 46, 46)), ('conv2', (12, 42, 42)),
                ('rp2', (12, 21, 21)), ('conv3', (32, 17, 17)), ('rp3', (32, 8, 8))],
               1306496),
    'Net6RPXL': ([('conv1', (32, 92, 92)), ('rp1', (32, 46, 46)), ('conv2', (64, 40, 40)),
                  ('rp2', (64, 20, 20)), ('conv3', (128, 12, 12)), ('rp3', (128, 6, 6))],
                 3421198),
    'CNet_NPLFXL': ([('conv1', (6, 92, 92)), ('conv2', (12, 86, 86)),
                     ('conv3', (36, 78, 78))], 109816754),
    'Net6RHL': ([('conv1', (6, 92, 92)), ('conv2', (12, 86, 86)), ('conv3', (36, 78, 78)),
                 ('hidden5', (500,))], 109566254),
    'ConvNet_Stack': ([('conv1', (32, 95, 95)), ('conv2', (64, 93, 93)),
                       ('pool2', (64, 46, 46)), ('conv3', (128, 45, 45)),
                       ('pool3', (128, 22, 22)), ('hidden4', (500,))], 31043082),
    'ConvNet_Stack_Increase_Filter_Size': (
        [('conv1', (32, 94, 94)), ('conv2', (64, 90, 90)), ('pool2', (64, 45, 45)),
         ('conv3', (128, 44, 44)), ('pool3', (128, 22, 22)), ('hidden4', (500,))],
        31076010),
}


@pytest.mark.parametrize('name', list(SPEC))
def test_variant_has_the_printed_shapes_and_counts(name):
    net = nets.get_net(name)
    net.initialize_layers()
    shapes, params = SPEC[name]
    for layer, shape in shapes:
        assert get_output_shape(net.layers_[layer])[1:] == shape, layer
    assert count_params(net.layers_['output']) == params
    assert net.layers_['output'].num_units == 30


def test_variants_are_net6_style():
    net = nets.get_net('Net6NP')
    net.initialize_layers()
    assert [net.layers_['dropout{}'.format(i)].p for i in range(1, 5)] == [
        0.1, 0.2, 0.3, 0.5]
    assert net.max_epochs == 3000 and len(net.on_epoch_finished) >= 2
    rhl = nets.get_net('Net6RHL')
    rhl.initialize_layers()
    assert 'hidden4' not in rhl.layers_ and 'dropout4' not in rhl.layers_
    assert nets.get_net('Net6').max_epochs == nets.get_net('net6').max_epochs


