"""The Slimbench desktop application (PySide6), built over slimbench.engine."""
