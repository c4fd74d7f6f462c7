"""A local stand-in for the CTM REST API (v1): CTM's paths, shapes and errors, deterministic data."""
