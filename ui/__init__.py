"""The PySide6 front end. It calls into ``reviewer`` (the core); never the other way."""
