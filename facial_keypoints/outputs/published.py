"""Published results to compare runs with: one table, with its sources.

Losses are nolearn's mean squared error on targets scaled to [-1, 1]; the
RMSE in pixels is ``sqrt(loss) * 48``. All were obtained on the real Kaggle
data, on GPUs.
"""

TUTORIAL = ('Daniel Nouri, "Using convolutional neural nets to detect facial '
            'keypoints tutorial", 17 Dec 2014')
W207 = ('UC Berkeley MIDS W207 team (2016), slides extending the tutorial, '
        'EC2 g2.2xlarge (GRID K520)')

#: name: final train loss, final valid loss, epochs, seconds per epoch,
#: source. None where the source gives no figure.
PUBLISHED = {
    'net1': dict(train_loss=0.002244, valid_loss=0.003255, epochs=400, source=TUTORIAL),
    'net2': dict(train_loss=0.001079, valid_loss=0.001566, epochs=1000, source=TUTORIAL),
    'net3': dict(train_loss=0.000678, valid_loss=0.001288, epochs=3000, source=TUTORIAL),
    'net4': dict(train_loss=0.000496, valid_loss=0.001387, epochs=1000, source=TUTORIAL),
    'net5': dict(train_loss=0.000373, valid_loss=0.001184, epochs=2000, source=TUTORIAL),
    'net6': dict(train_loss=0.001306, valid_loss=0.001121, epochs=3000, source=TUTORIAL),
    'net7': dict(train_loss=0.000760, valid_loss=0.000787, epochs=10000, source=TUTORIAL),
    'Net6': dict(train_loss=0.001902, valid_loss=0.001607, source=W207),
    'Net6LP': dict(train_loss=0.00444, valid_loss=0.00428, seconds_per_epoch=2.44,
                   source=W207),
    'Net6NP': dict(train_loss=0.00108, valid_loss=0.00136, seconds_per_epoch=5.14,
                   source=W207),
    'Net6NPLF': dict(train_loss=0.00108, valid_loss=0.00109, seconds_per_epoch=8.50,
                     source=W207),
    'Net6RP': dict(train_loss=0.00233, valid_loss=0.00190, epochs=2000,
                   seconds_per_epoch=2.97, source=W207),
    'Net6RPXL': dict(train_loss=0.00226, valid_loss=0.00180, seconds_per_epoch=14.3,
                     source=W207),
    'Net6RHL': dict(train_loss=0.00037, valid_loss=0.00105, epochs=2000, source=W207),
    'CNet_NPLFXL': dict(train_loss=0.00100, valid_loss=0.00107, epochs=1000,
                        seconds_per_epoch=18.9, source=W207),
}

#: Kaggle leaderboard RMSE (pixels) of the tutorial's specialists.
LEADERBOARD = {
    'specialists': dict(rmse=2.17, source=TUTORIAL + ': specialists, no pretraining'),
    'specialists (pretrained)': dict(rmse=2.13, source=TUTORIAL +
                                     ': specialists pretrained from net'),
}


def published(name):
    """The published figures for a net name, or None."""
    return PUBLISHED.get(name)
