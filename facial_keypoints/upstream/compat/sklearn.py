"""The modules scikit-learn 0.20 removed, ``cross_validation`` and
``grid_search``, with their old call signatures, for nolearn and for
scripts of the tutorial's era."""
import numpy as np

from .patch import StandInModule

def kfold(n, n_folds):
    """scikit-learn < 0.20's ``cross_validation.KFold(n, n_folds)``.

    An iterable of (train, test) index arrays, unshuffled: the first fold's
    test rows are the first ``n // n_folds`` (+1 when ``n % n_folds``) rows.
    """
    from sklearn.model_selection import KFold
    return list(KFold(n_splits=n_folds).split(np.zeros((n, 1))))


def stratified_kfold(y, n_folds):
    """scikit-learn < 0.20's ``cross_validation.StratifiedKFold(y, n_folds)``.

    Forwards to ``model_selection.StratifiedKFold``; fold membership can
    differ from the removed implementation in the order of rows within a
    class. nolearn only uses it for classifiers, never in the tutorial.
    """
    from sklearn.model_selection import StratifiedKFold
    y = np.asarray(y)
    return list(StratifiedKFold(n_splits=n_folds).split(
        np.zeros((len(y), 1)), y))


def shuffle_split(n, n_iter=10, test_size=0.1, train_size=None, random_state=None):
    """scikit-learn < 0.20's ``cross_validation.ShuffleSplit(n, n_iter, ...)``:
    a list of (train, test) index arrays, from ``model_selection``'s."""
    from sklearn.model_selection import ShuffleSplit
    return list(ShuffleSplit(n_splits=n_iter, test_size=test_size, train_size=train_size,
                             random_state=random_state).split(np.zeros((n, 1))))


class SklearnCrossValidation(StandInModule):
    """nolearn 0.6.1 imports ``KFold`` and ``StratifiedKFold`` from
    ``sklearn.cross_validation``, removed in scikit-learn 0.20 in favour of
    ``sklearn.model_selection`` (whose classes take ``n_splits`` and have a
    ``split`` method). We register a ``cross_validation`` module with the
    old call signatures, so ``TrainSplit(eval_size=0.2)`` keeps its exact
    behaviour: the first 20% of rows validate, unshuffled. It also has the
    names 2015-era scripts imported from it: ``train_test_split``,
    ``cross_val_score`` and ``cross_val_predict`` (same signatures today) and
    ``ShuffleSplit(n, n_iter)``; any other name raises an ImportError that
    names its ``sklearn.model_selection`` replacement.
    """

    name = 'sklearn-cross-validation'
    module = 'sklearn.cross_validation'
    replacement = 'sklearn.model_selection'

    def names(self):
        from sklearn import model_selection
        return dict(KFold=kfold, StratifiedKFold=stratified_kfold,
                    ShuffleSplit=shuffle_split,
                    **{name: getattr(model_selection, name) for name in
                       ('train_test_split', 'cross_val_score', 'cross_val_predict')})


class OldGridSearchCV(object):
    """Mixin giving ``GridSearchCV`` the ``grid_scores_`` of scikit-learn
    < 0.20: (parameters, mean_validation_score, cv_validation_scores) per
    candidate."""

    @property
    def grid_scores_(self):
        results = self.cv_results_
        n_splits = len([k for k in results if k.startswith('split') and
                        k.endswith('_test_score')])
        return [(params, results['mean_test_score'][i],
                 np.array([results['split{}_test_score'.format(k)][i]
                           for k in range(n_splits)]))
                for i, params in enumerate(results['params'])]


class SklearnGridSearch(StandInModule):
    """``nolearn.grid_search`` imports ``GridSearchCV`` from
    ``sklearn.grid_search``, removed in scikit-learn 0.20 (its successor is
    ``sklearn.model_selection.GridSearchCV``, with ``cv_results_`` in place of
    ``grid_scores_``). We register a ``grid_search`` module whose
    ``GridSearchCV`` is today's with ``grid_scores_`` added; any other name
    raises an ImportError that names its replacement.
    """

    name = 'sklearn-grid-search'
    module = 'sklearn.grid_search'
    replacement = 'sklearn.model_selection'

    def names(self):
        from sklearn.model_selection import GridSearchCV
        return {'GridSearchCV': type('GridSearchCV', (OldGridSearchCV, GridSearchCV), {
            '__module__': self.module, '__doc__': GridSearchCV.__doc__})}
