"""The application model: experiment state, data pipeline, training session and worker.

Uses only PySide6's core module (signals, threads, timers), never its widget or GUI modules, so
it runs headless (tests/test_layering.py checks it).
"""
