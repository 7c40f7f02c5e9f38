"""A run's settings as one frozen value, and the run record beside it
(facial_keypoints/model/settings.py, record.py)."""
import pytest
from sklearn.base import clone

from facial_keypoints.model import record, registry
from facial_keypoints.base.errors import SettingsMismatch
from facial_keypoints.model.settings import RunSettings



def test_clone_keeps_the_run_settings_and_record():
    net = registry.get_net('net1')
    record.set_settings(net, RunSettings(net='net1', data='synthetic'))
    record.set_record(net, {'train_rows': 7})
    copy = clone(net)
    assert record.settings_of(copy) == RunSettings(net='net1', data='synthetic')
    assert record.get_record(copy)['train_rows'] == 7
    assert copy.run_record_ is not net.run_record_


def test_settings_round_trip_through_json_values():
    settings = RunSettings(net='net6', data='synthetic', columns=['nose_tip_x', 'nose_tip_y'],
                           params=[['conv1_filter_size', [3, 3]]], max_epochs=7)
    again = RunSettings.from_dict(settings.to_dict())
    assert again == settings and hash(again) == hash(settings)
    assert again.columns == ('nose_tip_x', 'nose_tip_y')
    assert again.params == (('conv1_filter_size', (3, 3)),)
    with pytest.raises(AttributeError):
        settings.seed = 7  # frozen


def test_a_fingerprint_is_stable_and_changes_with_any_setting():
    settings = RunSettings(net='net1', data='kaggle')
    assert settings.fingerprint() == RunSettings(net='net1', data='kaggle').fingerprint()
    changed = {settings.replace(**{name: value}).fingerprint() for name, value in (
        ('seed', 7), ('all_rows', True), ('max_epochs', 5), ('exclude', 'rows.txt'),
        ('preprocess', 'equalize_hist'), ('dct_window', 8), ('data', 'synthetic'))}
    assert len(changed) == 7 and settings.fingerprint() not in changed


def test_a_specialists_seed_depends_on_its_columns_not_its_place():
    base = RunSettings(net='net6', seed=42)
    assert base.unit_seed() == 42
    eyes = base.replace(columns=('left_eye_center_x', 'left_eye_center_y'))
    nose = base.replace(columns=('nose_tip_x', 'nose_tip_y'))
    assert eyes.unit_seed() != nose.unit_seed() and eyes.unit_seed() != 42
    assert eyes.unit_seed() == base.replace(columns=list(eyes.columns)).unit_seed()
    assert eyes.replace(seed=43).unit_seed() != eyes.unit_seed()


def test_a_continued_run_keeps_its_settings_and_may_change_max_epochs():
    stored = RunSettings(net='net3', seed=7, max_epochs=100, all_rows=True)
    same, changes = stored.continued(stored, 'net3.pickle')
    assert same == stored and changes == {}
    longer, changes = stored.continued(stored.replace(max_epochs=300), 'net3.pickle')
    assert longer.max_epochs == 300 and changes == {'max_epochs': [100, 300]}
    for name, value in (('seed', 8), ('all_rows', False), ('net', 'net2'), ('seed', 42)):
        with pytest.raises(SettingsMismatch) as error:
            stored.continued(stored.replace(**{name: value}), 'net3.pickle')
        assert error.value.name == name and error.value.given == value
    message = error.value.describe(lambda name: '--' + name)
    assert message == ('net3.pickle: holds a run with --seed 7, not 42; give that value '
                       'to continue it, or start over with --restart')


def test_only_the_fields_asked_for_are_compared():
    stored = RunSettings(net='net3', seed=7, max_epochs=100)
    asked = RunSettings(net='net3', max_epochs=200)  # seed not given: the default
    continued, changes = stored.continued(asked, 'net3.pickle', ('net', 'max_epochs'))
    assert continued == stored.replace(max_epochs=200) and changes == {'max_epochs': [100, 200]}
    with pytest.raises(SettingsMismatch):
        stored.continued(asked, 'net3.pickle')


def test_settings_compare_as_values_after_a_trip_through_json():
    # a sweep's unit, as stored in its checkpoint and as asked for again
    stored = RunSettings.from_dict(RunSettings(
        net='net1', params=(('hidden_num_units', 20),), max_epochs=300).to_dict())
    asked = RunSettings(net='net1', params=(('hidden_num_units', 20),), max_epochs=300)
    assert stored.continued(asked, 'sw.checkpoints/x.npz') == (asked, {})
    with pytest.raises(SettingsMismatch) as error:
        stored.continued(asked.replace(params=(('hidden_num_units', 30),)), 'x.npz')
    assert 'holds a run with `params` hidden_num_units=20, not hidden_num_units=30' in str(
        error.value)


def test_the_settings_of_a_net_trained_by_an_older_release():
    net = registry.get_net('net1')
    record.set_record(net, {'net': 'net1', 'data_source': 'synthetic', 'seed': 7,
                            'all_rows': True, 'train_rows': 100})
    assert record.settings_of(net) == RunSettings(net='net1', data='synthetic', seed=7,
                                                  all_rows=True)
    assert record.get_record(net) == {'train_rows': 100, 'epochs': 0}
    assert record.settings_of(registry.get_net('net1')) == RunSettings()
