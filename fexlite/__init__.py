"""fexlite: run Linux i386 programs under Unicorn with FEX-style syscall routing."""
__version__ = "0.1.0"
