"""Django's SQLite backend with a write gate across processes (`ENGINE = "studio.web.sqlite"`;
see base.py)."""
