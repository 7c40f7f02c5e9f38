"""The tutorial's training callbacks: schedules and early stopping."""
import numpy as np
import theano


def float32(k):
    """``k`` as a NumPy float32, the type of Theano's shared variables here.

    The tutorial's ``np.cast['float32'](k)``, which NumPy 2 removed: the
    same 0-d array."""
    return np.asarray(k).astype(np.float32)


class AdjustVariable(object):
    """Move a net's shared variable (e.g. ``update_learning_rate``) linearly
    from ``start`` at the first epoch to ``stop`` at ``nn.max_epochs``.
    """

    def __init__(self, name, start=0.03, stop=0.001):
        self.name = name
        self.start, self.stop = start, stop
        self.ls = None

    def __call__(self, nn, train_history):
        # The tutorial computes the schedule once; we recompute it when
        # max_epochs changed since (a shortened run, or a clone).
        if self.ls is None or len(self.ls) != nn.max_epochs:
            self.ls = np.linspace(self.start, self.stop, nn.max_epochs)

        epoch = train_history[-1]['epoch']
        new_value = float32(self.ls[min(epoch, nn.max_epochs) - 1])
        getattr(nn, self.name).set_value(new_value)


class EarlyStopping(object):
    """Stop when the valid loss has not improved for ``patience`` epochs,
    and go back to the weights of the best epoch.

    As in the tutorial, a run that reaches ``max_epochs`` without stopping
    keeps its last weights.
    """

    def __init__(self, patience=100):
        self.patience = patience
        self.best_valid = np.inf
        self.best_valid_epoch = 0
        self.best_weights = None

    def __call__(self, nn, train_history):
        current_valid = train_history[-1]['valid_loss']
        current_epoch = train_history[-1]['epoch']
        if current_valid < self.best_valid:
            self.best_valid = current_valid
            self.best_valid_epoch = current_epoch
            self.best_weights = nn.get_all_params_values()
        elif self.best_valid_epoch + self.patience < current_epoch:
            print("Early stopping.")
            print("Best valid loss was {:.6f} at epoch {}.".format(
                self.best_valid, self.best_valid_epoch))
            nn.load_params_from(self.best_weights)
            raise StopIteration()


def learning_schedule():
    """The "S" schedule of net4 onwards: learning rate 0.03 -> 0.0001 and
    momentum 0.9 -> 0.999 over the run, through shared variables."""
    return dict(
        update_learning_rate=theano.shared(float32(0.03)),
        update_momentum=theano.shared(float32(0.9)),
        on_epoch_finished=[
            AdjustVariable('update_learning_rate', start=0.03, stop=0.0001),
            AdjustVariable('update_momentum', start=0.9, stop=0.999),
            ],
        )
