"""A reproduction report: trained nets side by side with the published numbers.

``write_report(net_files, out)`` reads each trained net's ``train_history_`` and
writes ``out`` (Markdown for ``.md``, HTML for ``.html``) with a learning-curve
PNG per net beside it. Nets trained on synthetic faces are labelled as such
wherever they appear: their numbers are not a reproduction of the tutorial.
"""
import html
import os

import numpy as np
from lasagne.layers import count_params, get_output_shape

from ..base.atomic import atomic_write
from ..base.errors import UsageError
from ..kaggle.format import rmse_pixels
from ..model import record
from ..model.persist import load_net
from ..model.settings import REPORT
from ..tutorial.plots import plot_net_learning_curve
from . import published as pub
from .tables import LABELLED, MEAN_FACE, read_table

SYNTHETIC_WARNING = ('SYNTHETIC DATA: trained on the synthetic faces, not the '
                     'Kaggle images; not comparable with the published numbers.')


def environment():
    """Versions and settings of the stack this report was made with."""
    import theano
    return list(record.versions().items()) + [
        ('device', record.theano_device()),
        ('BLAS', record.theano_blas()),
        ('floatX', theano.config.floatX)]


def summarize(name, net, published_as=None):
    """One row of figures from a trained net's history and run record;
    ``published_as`` names the published figures to compare with."""
    history = net.train_history_
    if not history:
        raise UsageError('{}: the net has not been trained (no epochs in its '
                         'history)'.format(name))
    run = record.get_record(net)
    train = np.array([h['train_loss'] for h in history])
    valid = np.array([h['valid_loss'] for h in history])
    row = dict(name=name, data=record.settings_of(net).data or 'unknown',
               rows=run.get('train_rows'),
               epochs=len(history), train_loss=train[-1], valid_loss=valid[-1],
               best_train_loss=train.min(), best_valid_loss=valid.min(),
               best_epoch=int(np.argmin(valid)) + 1,
               rmse=float(rmse_pixels(valid[-1])),
               seconds_per_epoch=float(np.mean([h['dur'] for h in history])))
    reference = pub.published(published_as)
    if reference:
        row['published'] = reference
        row['valid_difference'] = row['valid_loss'] - reference['valid_loss']
    return row


def layer_table(net):
    """(name, output shape) of every layer, and the learnable parameters."""
    if not hasattr(net, 'layers_'):
        net.initialize_layers()
    rows = [(name, 'x'.join(map(str, get_output_shape(layer)[1:])))
            for name, layer in net.layers_.items()]
    return rows, count_params(list(net.layers_.values())[-1], trainable=True)


def plot_curve(row, net, out):
    """Learning curve with the published final valid loss marked."""
    title = row['name'] + (' (SYNTHETIC DATA)' if row['data'] == 'synthetic' else '')
    reference = row['published']['valid_loss'] if 'published' in row else None
    return plot_net_learning_curve(net, out, title, reference)


def collect(net_files):
    """(row, net) for each net in the files ``net_files``; specialists one by one."""
    entries = []
    for net_file in net_files:
        model = load_net(net_file)
        if isinstance(model, dict):
            stem = os.path.splitext(os.path.basename(net_file))[0]
            for cols, net in model.items():
                name = '{} / {}'.format(stem, cols[0].rsplit('_', 1)[0])
                entries.append((summarize(name, net), net))
        else:
            name = (record.settings_of(model).net if record.has_settings(model)
                    else os.path.splitext(os.path.basename(net_file))[0])
            entries.append((summarize(name, model, name), model))
    return entries


def fmt(value):
    if value is None:
        return '-'
    if isinstance(value, float):
        return '{:.6f}'.format(value) if abs(value) < 1 else '{:.2f}'.format(value)
    return str(value)


def results_table(rows):
    header = ['net', 'data', 'training images', 'epochs', 'train loss', 'valid loss', 'best train',
              'best valid (epoch)', 'valid RMSE px', 's/epoch',
              'published train / valid', 'valid - published']
    body = []
    for r in rows:
        ref = r.get('published')
        body.append([
            r['name'], r['data'].upper() if r['data'] == 'synthetic' else r['data'],
            fmt(r['rows']), str(r['epochs']), fmt(r['train_loss']), fmt(r['valid_loss']),
            fmt(r['best_train_loss']),
            '{} ({})'.format(fmt(r['best_valid_loss']), r['best_epoch']),
            '{:.2f}'.format(r['rmse']), '{:.2f}'.format(r['seconds_per_epoch']),
            '{} / {}'.format(fmt(ref['train_loss']), fmt(ref['valid_loss'])) if ref else '-',
            '{:+.6f}'.format(r['valid_difference']) if ref else '-'])
    return header, body


def comparison(evaluations):
    """The tables of ``kfkd evaluate --out`` side by side: (header, rows,
    their comment lines). They must share the held-out labels and folds."""
    merged, notes = None, []
    for fname in evaluations:
        table, note = read_table(fname)
        notes.append('{}: {}'.format(os.path.basename(fname), note or 'no description'))
        if merged is None:
            merged = table
            continue
        if list(table.index) != list(merged.index) or not np.allclose(
                table[[LABELLED, MEAN_FACE]].values, merged[[LABELLED, MEAN_FACE]].values,
                atol=1e-3):
            raise UsageError('{}: evaluated on other held-out labels than {} (another '
                             'data set, --folds or --seed); tables compare only on the '
                             'same'.format(fname, evaluations[0]))
        column = table.columns[1]
        if column in merged.columns:
            table = table.rename(columns={column: '{} ({})'.format(
                column, os.path.splitext(os.path.basename(fname))[0])})
        merged = merged.join(table.iloc[:, 1:2])
    approaches = [c for c in merged.columns if c not in (LABELLED, MEAN_FACE)]
    header = ['keypoint', LABELLED] + approaches + [MEAN_FACE]
    rows = [[keypoint, str(int(r[LABELLED]))] + ['{:.3f}'.format(r[c]) for c in approaches]
            + ['{:.3f}'.format(r[MEAN_FACE])] for keypoint, r in merged.iterrows()]
    return header, rows, notes


def build(net_files, out, evaluations=()):
    """The report's blocks: ('h', text), ('p', text), ('table', (header, rows)),
    ('img', path); writes the figures beside ``out``."""
    entries = collect(net_files)
    rows = [row for row, _ in entries]
    compared = comparison(evaluations) if evaluations else None
    synthetic = any(r['data'] == 'synthetic' for r in rows) or bool(
        compared and any('data: synthetic' in note for note in compared[2]))
    stem = os.path.splitext(out)[0]
    blocks = [('h1', 'Reproduction report' + (' (SYNTHETIC DATA)' if synthetic else ''))]
    if synthetic:
        blocks.append(('p', SYNTHETIC_WARNING))
    if rows:
        blocks += [('p', 'Losses are mean squared errors of targets scaled to [-1, 1]; '
                         'RMSE in pixels = sqrt(loss) * 48.'),
                   ('table', results_table(rows))]
    if compared:
        header, table, notes = compared
        blocks += [('h2', 'Cross-validation per keypoint'),
                   ('p', 'RMSE in pixels over every labelled held-out keypoint (Kaggle\'s '
                         'metric), from `kfkd evaluate`; "mean face" predicts each '
                         'training fold\'s mean position.')]
        blocks += [('p', note) for note in notes]
        blocks.append(('table', (header, table)))
    references = [[name, fmt(p['train_loss']), fmt(p['valid_loss']),
                   fmt(p.get('epochs')), fmt(p.get('seconds_per_epoch')), p['source']]
                  for name, p in pub.PUBLISHED.items()]
    references += [[name, '-', '-', '-', '-', '{} (leaderboard RMSE {})'.format(
        p['source'], p['rmse'])] for name, p in pub.LEADERBOARD.items()]
    blocks += [('h2', 'Published numbers'),
               ('table', (['net', 'train loss', 'valid loss', 'epochs', 's/epoch',
                           'source'], references))]
    for i, (row, net) in enumerate(entries, 1):
        figure = '{}-{}.png'.format(stem, i)
        plot_curve(row, net, figure)
        layers, n_params = layer_table(net)
        blocks += [('h2', row['name'] + (' (SYNTHETIC DATA)' if row['data'] == 'synthetic'
                                         else '')),
                   ('img', os.path.basename(figure)),
                   ('p', '{:,} learnable parameters.'.format(n_params)),
                   ('table', (['layer', 'output shape'], layers))]
    blocks += [('h2', 'Environment'), ('table', (['', ''], environment()))]
    return blocks


def render_markdown(blocks):
    lines = []
    for kind, content in blocks:
        if kind == 'h1':
            lines += ['# ' + content, '']
        elif kind == 'h2':
            lines += ['## ' + content, '']
        elif kind == 'p':
            lines += ['**' + content + '**' if content == SYNTHETIC_WARNING else content, '']
        elif kind == 'img':
            lines += ['![learning curve]({})'.format(content), '']
        elif kind == 'table':
            header, rows = content
            lines.append('| ' + ' | '.join(header) + ' |')
            lines.append('|' + ' --- |' * len(header))
            lines += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
            lines.append('')
    return '\n'.join(lines)


def render_html(blocks):
    e = html.escape
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8">'
             '<title>Reproduction report</title><style>'
             'body{font-family:sans-serif;max-width:70em;margin:auto}'
             'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}'
             '.warning{color:#b00;font-weight:bold}</style></head><body>']
    for kind, content in blocks:
        if kind in ('h1', 'h2'):
            parts.append('<{0}>{1}</{0}>'.format(kind, e(content)))
        elif kind == 'p':
            cls = ' class="warning"' if content == SYNTHETIC_WARNING else ''
            parts.append('<p{}>{}</p>'.format(cls, e(content)))
        elif kind == 'img':
            parts.append('<img src="{}" alt="learning curve">'.format(e(content)))
        elif kind == 'table':
            header, rows = content
            parts.append('<table><tr>' + ''.join('<th>{}</th>'.format(e(h)) for h in header)
                         + '</tr>' + ''.join('<tr>' + ''.join(
                             '<td>{}</td>'.format(e(str(c))) for c in r) + '</tr>'
                             for r in rows) + '</table>')
    parts.append('</body></html>')
    return '\n'.join(parts)


def write_report(net_files, out=REPORT, evaluations=()):
    """Write the report for ``net_files`` to ``out`` (.md or .html), with the
    per-keypoint comparison of ``evaluations`` (tables of ``kfkd evaluate``)."""
    if not net_files and not evaluations:
        raise UsageError('no trained nets or evaluations given')
    blocks = build(net_files, out, evaluations or ())
    text = render_html(blocks) if out.endswith('.html') else render_markdown(blocks)
    with atomic_write(out, 'w') as f:
        f.write(text)
    return out
