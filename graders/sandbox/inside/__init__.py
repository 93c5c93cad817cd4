"""The code that runs *inside* the sandbox: confinement, the driver, and the wire format.

These modules import only the standard library and numpy, never ``graders`` or ``course``: the
sandbox runs a copy of this folder (as the package ``_inside``) next to the learner's code.
The trusted side imports :mod:`.wire` from here to decode what comes back.
"""
