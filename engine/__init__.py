"""NN Playground's neural-network engine: numpy + numba only, no UI.

See docs/ENGINE_API.md for the contract the application builds on.
"""
