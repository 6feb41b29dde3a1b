import signal

# Held while compiler.entry loads (reading its bytecode under load took long enough for a Ctrl-C to land there,
# as Python's traceback); entry takes the stops on its first lines, and one held meanwhile reaches its handler
# as they are let through: exit 130, one line.
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
from compiler.entry import main  # noqa: E402

signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
main()
