"""X12 837P claims in and out (extra ``x12``, built on pyx12).

The professional claim transaction, version 005010X222A1 (DOMAIN.md section 7):
:func:`read_837p` turns an interchange into :class:`~massagecodes.Claim` objects and
:func:`write_837p` writes claims as an interchange that pyx12 validates without
errors. docs/x12.md maps every model field to its segment and element.

Every file read is first validated by pyx12 against the 005010X222A1 map; a
malformed envelope, segment or element raises :class:`~massagecodes.errors.InputError`
listing every problem with its segment position (``segment 25 SV102``). Messages
name segments and elements, never their values: an 837P is health information.

pyx12 is imported on first use. Without the extra, both functions raise
:class:`~massagecodes.errors.ExtraMissingError` naming the ``pip install`` to run.

The modules: ``_reading`` reads claims, ``_writing`` writes them, ``_parties`` holds
the parties an 837P names and the model does not, ``_notes`` the K3 notes that carry
what the 837P has no element for, ``_validation`` adapts pyx12, and ``_segments`` and
``_filing`` hold what reading and writing share.
"""

from massagecodes.x12._parties import Address, BillingProvider, Person, Receiver, Submitter
from massagecodes.x12._reading import MAX_TEXT as MAX_TEXT
from massagecodes.x12._reading import read_837p, read_837p_each
from massagecodes.x12._segments import VERSION as VERSION
from massagecodes.x12._writing import write_837p

__all__ = ["Address", "BillingProvider", "Person", "Receiver", "Submitter", "read_837p", "read_837p_each", "write_837p"]
