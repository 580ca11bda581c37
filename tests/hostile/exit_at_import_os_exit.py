# on top of the reference: the module ends its own process with os._exit while it is being imported.
import os

os._exit(3)
