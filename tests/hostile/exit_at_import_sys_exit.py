# on top of the reference: the module raises SystemExit (sys.exit) while it is being imported.
import sys

sys.exit("bye")
