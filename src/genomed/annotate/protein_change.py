"""HGVS ``p.`` descriptions from a reference and a variant protein sequence.

Both sequences are one-letter strings translated from the start codon; the reference
ends with its stop (``*``); the variant is cut after its first stop (or runs to the end
of the transcript without one). Descriptions are predictions, so they are given in
parentheses, with three-letter amino acids (HGVS recommendations, protein section):

==========================  ===================================================
change                      description
==========================  ===================================================
none                        ``p.(=)``
start codon lost            ``p.(Met1?)``
substitution                ``p.(Arg97His)``
nonsense                    ``p.(Arg97Ter)`` (also when a frameshift or an
                            in-frame change makes the first changed residue Ter)
frameshift                  ``p.(Arg97ProfsTer23)``: Pro97 counts as 1, the new
                            stop as 23; ``fsTer?`` when no stop is reached
stop lost (extension)       ``p.(Ter110GlnextTer17)``: the 17th residue after
                            Gln110 is the new stop; ``extTer?`` when none
deletion                    ``p.(Lys23del)``, ``p.(Lys23_Val25del)``
duplication                 ``p.(Gly4_Gln6dup)``
insertion                   ``p.(Lys2_Gly3insGlnSerLys)``
deletion-insertion          ``p.(Cys28delinsTrpVal)``, ``p.(Cys28_Lys29delinsTrp)``
==========================  ===================================================

The 3' rule holds at protein level because the changed stretch is found by taking the
longest common prefix first, then the longest common suffix of what remains.
"""

from __future__ import annotations

from genomed.reference.genetic_code import THREE_LETTER, three_letter


def _aa(residue: str) -> str:
    return THREE_LETTER.get(residue, "Xaa")


def common_prefix(a: str, b: str, start: int = 0) -> int:
    """Length of the common prefix, given that the first ``start`` characters agree
    (compared in blocks: the strings are whole proteins)."""
    n = min(len(a), len(b))
    i = min(start, n)
    step = 64
    while i < n:
        j = min(i + step, n)
        if a[i:j] == b[i:j]:
            i = j
            continue
        while a[i] == b[i]:
            i += 1
        return i
    return n


def _common_suffix(a: str, b: str, limit_a: int, limit_b: int) -> int:
    j = 0
    while j < len(a) - limit_a and j < len(b) - limit_b and a[-1 - j] == b[-1 - j]:
        j += 1
    return j


def _span(ref: str, first: int, last: int) -> str:
    """``Lys23`` or ``Lys23_Val25`` for 0-based residues first..last of ``ref``."""
    if first == last:
        return f"{_aa(ref[first])}{first + 1}"
    return f"{_aa(ref[first])}{first + 1}_{_aa(ref[last])}{last + 1}"


def describe(
    ref: str,
    alt: str,
    *,
    frameshift: bool = False,
    start_lost: bool = False,
    length_change: int = 0,
    same_before: int = 0,
) -> str:
    """The HGVS p. description of ``alt`` against ``ref`` (see module docstring).

    ``length_change`` is the change in coding length (ALT minus REF bases) of an
    in-frame variant; it tells a premature stop (the variant protein ends before the
    reference stop would be reached) from a stop that merely moved with the change.
    ``same_before`` (optional) is a number of leading residues known to be identical.
    """
    if start_lost:
        return f"p.({_aa(ref[0])}1?)"
    i = common_prefix(ref, alt, same_before)
    if i == len(ref) and i == len(alt):
        return "p.(=)"
    if i >= len(ref):
        return "p.(=)"
    if i == len(ref) - 1 and ref.endswith("*"):  # the stop codon changed: extension
        if i >= len(alt):
            return "p.(=)"
        new_stop = alt.find("*", i + 1)
        tail = str(new_stop - i) if new_stop >= 0 else "?"
        return f"p.(Ter{i + 1}{_aa(alt[i])}extTer{tail})"
    if i >= len(alt):  # variant ended early without a stop (truncated transcript)
        return f"p.({_aa(ref[i])}{i + 1}?)"
    if alt[i] == "*":
        return f"p.({_aa(ref[i])}{i + 1}Ter)"
    if frameshift:
        stop = alt.find("*", i)
        tail = str(stop - i + 1) if stop >= 0 else "?"
        return f"p.({_aa(ref[i])}{i + 1}{_aa(alt[i])}fsTer{tail})"
    expected = len(ref) + length_change // 3
    if not alt.endswith("*") or len(alt) != expected:
        # the stop moved inside the change: a premature stop, or the stop removed
        last = len(alt) - 1 if alt.endswith("*") else len(alt)
        deleted_end = min(max(last, i + 1), len(ref))
        inserted = alt[i:]
        return f"p.({_span(ref, i, deleted_end - 1)}delins{three_letter(inserted)})"
    j = _common_suffix(ref, alt, i, i)
    deleted = ref[i : len(ref) - j]
    inserted = alt[i : len(alt) - j]
    if deleted and not inserted:
        return f"p.({_span(ref, i, i + len(deleted) - 1)}del)"
    if inserted and not deleted:
        k = len(inserted)
        if i >= k and ref[i - k : i] == inserted:
            return f"p.({_span(ref, i - k, i - 1)}dup)"
        if i == 0:
            return f"p.({_aa(ref[0])}1?)"
        return f"p.({_aa(ref[i - 1])}{i}_{_aa(ref[i])}{i + 1}ins{three_letter(inserted)})"
    if len(deleted) == 1 and len(inserted) == 1:
        return f"p.({_aa(deleted)}{i + 1}{_aa(inserted)})"
    return f"p.({_span(ref, i, i + len(deleted) - 1)}delins{three_letter(inserted)})"


def short_form(description: str) -> str | None:
    """One-letter form without parentheses for matching (``p.(Val600Glu)`` -> ``p.V600E``);
    ``None`` for descriptions without a simple one-letter form."""
    from genomed.reference.genetic_code import THREE_LETTER as T

    one = {v: k for k, v in T.items()}
    body = description.removeprefix("p.").strip("()")
    if not body or body in ("=", "?"):
        return None
    out = []
    k = 0
    while k < len(body):
        chunk = body[k : k + 3]
        if chunk in one and chunk[0].isupper():
            out.append(one[chunk])
            k += 3
        else:
            out.append(body[k])
            k += 1
    return "p." + "".join(out)
