"""The frozen app's main script (PyInstaller runs this file as ``__main__``).

Everything lives in ``slimbench.frozen`` so that it can be tested from source.
"""

import sys

from slimbench.frozen import main

if __name__ == "__main__":
    sys.exit(main())
