"""The command of the machine: doctor."""
from .registry import command

@command('doctor', 'say what is installed and whether Theano works on the configured '
         'device (exit 0 when it does)', data=False)
def cmd_doctor(args):
    from ..commands.doctor import run_doctor
    return run_doctor()
