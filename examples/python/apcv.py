"""apcv — Python bindings of libapcv (apcv.h) with ctypes, the standard library only.

    import apcv
    with apcv.Session('{"emulate":{"profile":"famille-6-drome"},"masked":true}') as s:
        identity = s.read(timeout_ms=30000)   # a dict: the JSON of apcv read --json
        s.post_receipt({"beneficiary": 0, "psId": "10101010101", "psName": "Pharmacie", "amountCents": 1250})

A refusal raises apcv.Error, whose code is the result code, name the stable
code ("app-locked") and message_fr / message_en the desk messages.

The library is loaded from $APCV_LIB, else libapcv.so / apcv.dll /
libapcv.dylib next to this file, else from the system's search path.
"""

import ctypes
import ctypes.util
import json
import os
import sys

ABI_VERSION = 6  # APCV_ABI_VERSION of the apcv.h these bindings follow


def _load():
    path = os.environ.get("APCV_LIB")
    if not path:
        name = {"win32": "apcv.dll", "darwin": "libapcv.dylib"}.get(sys.platform, "libapcv.so")
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
        path = here if os.path.exists(here) else (ctypes.util.find_library("apcv") or name)
    lib = ctypes.CDLL(path)
    handle = ctypes.c_int64
    out = ctypes.POINTER(ctypes.c_void_p)  # char **: kept as a raw pointer, to free it with apcv_free
    lib.apcv_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(handle)]
    lib.apcv_read.argtypes = [handle, ctypes.c_int, out]
    lib.apcv_next_event.argtypes = [handle, ctypes.c_int, out]
    lib.apcv_post_receipt.argtypes = [handle, ctypes.c_char_p]
    lib.apcv_cancel.argtypes = [handle]
    lib.apcv_close.argtypes = [handle]
    lib.apcv_free.argtypes = [ctypes.c_void_p]
    lib.apcv_free.restype = None
    lib.apcv_message.argtypes = [ctypes.c_int, ctypes.c_char_p]
    lib.apcv_message.restype = ctypes.c_char_p  # static: not freed
    lib.apcv_version.argtypes = []
    lib.apcv_version.restype = ctypes.c_char_p
    for f in ("apcv_open", "apcv_read", "apcv_next_event", "apcv_post_receipt", "apcv_cancel", "apcv_close"):
        getattr(lib, f).restype = ctypes.c_int
    return lib


_lib = _load()

OK = 0


def version():
    """The library's version: "<ABI version> apcvkit <SDK version>"."""
    return _lib.apcv_version().decode("utf-8")


def message(code, lang="fr"):
    """The desk message of a result code, in French ("fr") or English."""
    m = _lib.apcv_message(code, lang.encode("utf-8"))
    return m.decode("utf-8") if m is not None else None


class Error(Exception):
    """A result code other than OK, with the error JSON of the call when it had one."""

    def __init__(self, code, body=None):
        body = body or {}
        self.code = code
        self.name = body.get("code")
        self.message_fr = body.get("message_fr") or message(code, "fr")
        self.message_en = body.get("message_en") or message(code, "en")
        super().__init__("%s (%d): %s" % (self.name, code, self.message_en))


def _take(p):
    """Decodes and frees a string the library returned."""
    if not p.value:
        return None
    try:
        return json.loads(ctypes.string_at(p.value).decode("utf-8"))
    finally:
        _lib.apcv_free(p.value)


class Session:
    """One session (apcv_open … apcv_close). Thread-safe, like the library:
    cancel() from another thread ends a read() or next_event() waiting."""

    def __init__(self, config):
        if not isinstance(config, str):
            config = json.dumps(config)
        h = ctypes.c_int64()
        rc = _lib.apcv_open(config.encode("utf-8"), ctypes.byref(h))
        if rc != OK:
            raise Error(rc)
        self._h = h.value

    def _call(self, f, timeout_ms):
        p = ctypes.c_void_p()
        rc = f(self._h, timeout_ms, ctypes.byref(p))
        body = _take(p)
        if rc != OK:
            raise Error(rc, body)
        return body

    def read(self, timeout_ms=0):
        """The next verified identity (a dict); timeout_ms <= 0: no limit."""
        return self._call(_lib.apcv_read, timeout_ms)

    def next_event(self, timeout_ms=-1):
        """The next event (a dict); timeout_ms 0: do not wait, < 0: no limit."""
        return self._call(_lib.apcv_next_event, timeout_ms)

    def post_receipt(self, receipt):
        """Sends a receipt (a dict or JSON text) for the last identity read."""
        if not isinstance(receipt, str):
            receipt = json.dumps(receipt)
        rc = _lib.apcv_post_receipt(self._h, receipt.encode("utf-8"))
        if rc != OK:
            raise Error(rc)

    def cancel(self):
        _lib.apcv_cancel(self._h)

    def close(self):
        if self._h:
            rc, self._h = _lib.apcv_close(self._h), 0
            if rc != OK:
                raise Error(rc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
