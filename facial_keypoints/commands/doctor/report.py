"""What a report of the doctor is made of: its lines and checks, and
errors in one line."""


class Report:
    """Lines for the user, and whether a check has failed."""

    def __init__(self, out):
        self.out = out
        self.failed = []

    def section(self, title):
        print(title, file=self.out)

    def line(self, label, text):
        print('  {}: {}'.format(label, text), file=self.out)

    def check(self, label, problem=None, advice=None):
        """Report a check: ``ok``, or ``FAILED: problem; advice``."""
        if problem is None:
            self.line(label, 'ok')
        else:
            self.failed.append(label)
            self.line(label, 'FAILED: {}; {}'.format(problem, advice))


def first_line(error, with_type=True):
    """An exception as one line: its type, and the first line of its text."""
    message = error.args[0] if len(error.args) == 1 else error
    if isinstance(message, bytes):
        # pygpu passes libgpuarray's C strings through undecoded
        message = message.decode('utf-8', 'replace')
    lines = str(message).strip().splitlines()
    text = lines[0] if lines else ''
    if with_type or not text:
        return '{}: {}'.format(type(error).__name__, text).rstrip(': ')
    return text
