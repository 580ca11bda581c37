# -*- coding: latin-1 -*-
# café naïve ÿþ
import torch
