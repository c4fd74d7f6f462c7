"""The anchor for bench/ingest: a bare Django site, the physical limit of our stack for "store a body".

Only Django's SecurityMiddleware and CommonMiddleware, one app with one model, one view that stores
the raw body with one ORM INSERT and answers JSON. Same PostgreSQL, same gunicorn flags as the project.
Served as `bench.bare.site:application`; its table is created by `manage()` (migrate).
"""
