"""Keypoints on photographs: faces found on the astronaut, a synthetic face
pasted into a larger photo mapped back onto its own keypoints, bad photos
refused in one line."""
import os
import shutil
import struct
import zlib

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from facial_keypoints import cli
from facial_keypoints.model import persist
from facial_keypoints.kaggle import synthetic
from facial_keypoints.kaggle.format import KEYPOINT_NAMES, to_pixels
from facial_keypoints.outputs import framing, photos
from facial_keypoints.outputs.faces import find_faces
from helpers import assert_one_line_error, run_cli

#: The astronaut's eyes and bottom lip, located by hand (scripts/derive_framing.py).
ASTRONAUT = [(246.4, 103.0), (202.4, 101.6), (222.0, 152.5)]
#: Where and how large the synthetic face is pasted: twice its 96 pixels.
PLACE, SCALE = (150, 60), 2


def astronaut():
    from skimage import data
    return data.astronaut()


def test_one_face_on_the_astronaut_around_hers():
    boxes = find_faces(photos.grey(astronaut()))
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert 70 < w < 130 and w == h
    for px, py in ASTRONAUT:
        assert x < px < x + w and y < py < y + h


def test_the_crop_puts_kaggles_mean_eyes_on_hers():
    f = framing.framing()
    assert 1 < f['size'] < 1.5  # Kaggle's crops show the face and some hair around it
    crop = framing.crop_of(find_faces(photos.grey(astronaut()))[0])
    mean_face = framing.json.load(open(framing.FRAMING_FILE))['kaggle_mean_face']
    eyes = framing.to_photo([mean_face['left_eye_center'], mean_face['right_eye_center']],
                            crop)
    assert np.abs(eyes - ASTRONAUT[:2]).max() < 3


def test_the_framing_is_derived_again_from_the_labels_and_the_astronaut(kaggle_labels):
    import json
    stored = json.load(open(framing.FRAMING_FILE))
    kaggle = framing.kaggle_face(kaggle_labels)
    assert kaggle == stored['kaggle_mean_face']
    box = find_faces(photos.grey(astronaut()))[0]
    assert list(box) == stored['astronaut_box']
    assert framing.derive_framing(kaggle, stored['astronaut_points'], box) == stored['crop']


@pytest.fixture(scope='module')
def face():
    """A synthetic face (96x96 in [0, 1]) and its true keypoints (15, 2)."""
    rng = np.random.RandomState(3)
    truth = synthetic.sample_keypoints(rng, 1)[0]
    return synthetic.render_face(rng, truth).astype(np.float32), truth.reshape(-1, 2)


def pasted(face, colour=True):
    """``face`` pasted into a 400x320 photo at PLACE, SCALE times larger."""
    photo = np.full((320, 400), 0.6)
    x, y = PLACE
    photo[y:y + 96 * SCALE, x:x + 96 * SCALE] = np.kron(face, np.ones((SCALE, SCALE)))
    photo = (photo * 255).round().astype(np.uint8)
    return np.stack([photo] * 3, axis=-1) if colour else photo


def test_the_pasted_face_is_cropped_back_as_it_was(face):
    image, truth = face
    crop = PLACE + (96 * SCALE,)
    again = photos.face_crop(photos.grey(pasted(image)), crop)
    assert np.abs(again - image).mean() < 0.02  # only the smoothing of the shrinking
    points = photos.find_keypoints(pasted(image), lambda X: np.tile(truth.ravel(),
                                                                    (len(X), 1)),
                                   boxes=[framing.box_of(crop)])
    expected = (truth + 0.5) * SCALE - 0.5 + PLACE
    np.testing.assert_allclose(points[['x', 'y']].values, expected, atol=1e-6)
    assert list(points['keypoint']) == list(KEYPOINT_NAMES)


@pytest.fixture
def net1(in_data, trained):
    shutil.copy(trained['net1'], '.')
    return persist.load_net('net1.pickle')


def test_box_maps_the_nets_keypoints_back_onto_the_face(net1, face, capsys):
    image, truth = face
    Image.fromarray(pasted(image)).save('photo.png')
    box = framing.box_of(PLACE + (96 * SCALE,))
    assert cli.main(['detect', 'photo.png', '--net', 'net1.pickle', '--out', 'out',
                     '--box', ','.join('{:.4f}'.format(v) for v in box)]) == 0
    table = pd.read_csv('out/keypoints.csv')
    assert list(table.columns) == ['photo', 'face', 'keypoint', 'x', 'y']
    assert set(table['face']) == {1} and len(table) == 15
    found = table[['x', 'y']].values
    own = to_pixels(net1.predict(image.reshape(1, -1)))[0].reshape(-1, 2)
    own_error = np.hypot(*(own - truth).T) * SCALE  # the net's own, in the photo's pixels
    error = np.hypot(*(found - ((truth + 0.5) * SCALE - 0.5 + PLACE)).T)
    assert (error <= own_error + SCALE).all(), (error, own_error)
    assert Image.open('out/photo-keypoints.png').size[0] >= 400
    assert 'Wrote out/keypoints.csv' in capsys.readouterr().out


def test_an_onnx_model_finds_what_its_net_does(net1, face):
    image, _ = face
    Image.fromarray(pasted(image, colour=False)).save('photo.png')
    box = ','.join(map(str, framing.box_of(PLACE + (96 * SCALE,))))
    assert cli.main(['export', 'net1.pickle', '--format', 'onnx']) == 0
    for net in ('net1.pickle', 'net1.onnx'):
        assert cli.main(['detect', 'photo.png', '--net', net, '--box', box,
                         '--out', 'from-' + net]) == 0
    theano, onnx = (pd.read_csv('from-{}/keypoints.csv'.format(net))
                    for net in ('net1.pickle', 'net1.onnx'))
    np.testing.assert_allclose(theano[['x', 'y']], onnx[['x', 'y']], atol=0.011)


def test_detect_on_the_astronaut_writes_the_picture_and_the_points(net1, capsys):
    Image.fromarray(astronaut()).save('astronaut.jpg')
    assert cli.main(['detect', 'astronaut.jpg', '--net', 'net1.pickle']) == 0
    table = pd.read_csv('keypoints.csv')
    assert set(table['photo']) == {'astronaut.jpg'} and set(table['face']) == {1}
    assert os.path.getsize('astronaut-keypoints.png') > 0
    assert not [f for f in os.listdir('.') if f.endswith('.partial')]


def huge_png(path, side=100000):
    """A PNG whose header says ``side`` x ``side`` pixels (its data is not there)."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
                + struct.pack('>I', zlib.crc32(kind + data)))
    header = struct.pack('>IIBBBBB', side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IEND', b''))


@pytest.mark.parametrize('make, words', [
    (lambda p: p.write_text('name,x\n1,2\n'), 'not an image'),
    (lambda p: p.write_bytes(b''), 'empty'),
    (huge_png, '100000x100000 pixels'),
    (lambda p: Image.new('L', (300, 200), 128).save(str(p), format='PNG'),
     'no face found'),
])
def test_a_bad_photo_is_one_line_and_nothing_is_written(make, words, tmp_path, capsys):
    bad = tmp_path / 'bad.png'
    make(bad)
    model = tmp_path / 'any.onnx'  # never read: the photos are read first
    model.write_bytes(b'')
    code, _, err = run_cli(capsys, ['detect', str(bad), '--net', str(model),
                                    '--out', str(tmp_path / 'out')])
    assert_one_line_error(err, code, 1, str(bad), words)
    assert not (tmp_path / 'out').exists()


def test_a_box_beyond_the_photo_is_one_line(tmp_path, capsys):
    photo = tmp_path / 'p.png'
    Image.new('L', (100, 80)).save(str(photo))
    code, _, err = run_cli(capsys, ['detect', str(photo), '--box', '100,10,20,20',
                                    '--net', str(photo), '--out', str(tmp_path / 'out')])
    assert_one_line_error(err, code, 1, str(photo), '--box 100,10,20,20', '100x80')
    assert not (tmp_path / 'out').exists()


def test_bad_command_lines_exit_2(tmp_path, capsys):
    photo = tmp_path / 'p.png'
    Image.new('L', (100, 100)).save(str(photo))
    for argv, word in ((['detect', str(photo), '--box', '1,2,3'], 'X,Y,W,H'),
                       (['detect', str(photo), '--box', '1,2,-3,4'], 'X,Y,W,H'),
                       (['detect', str(tmp_path / 'none.png')], 'no such file')):
        code, _, err = run_cli(capsys, argv)
        assert_one_line_error(err, code, 2, word)


def test_the_demos_astronaut_says_what_it_found_and_what_the_net_learned(net1, capsys):
    from facial_keypoints.commands.demo import keypoints_on_the_astronaut
    assert keypoints_on_the_astronaut('net1.pickle') == 'astronaut-keypoints.png'
    err = capsys.readouterr().err
    assert 'found 1 face on the astronaut' in err and 'synthetic faces, not people' in err
    assert Image.open('astronaut-keypoints.png').size == (640, 640)
