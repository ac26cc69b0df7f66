"""Qt-free core of Slimbench: load, inspect, measure, compress.

Nothing in this package may import Qt: it runs on GPU servers without a display.
"""
