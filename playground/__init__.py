"""The application model: experiment state, data pipeline, training session and worker.

Uses only ``PySide6.QtCore`` (signals, threads, timers); never QtWidgets or QtGui.
"""
