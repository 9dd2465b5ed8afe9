"""Errors shown to the user as one line, `fexlite: message`, with a non-zero exit."""


class FexliteError(Exception):
    exit_code = 1
