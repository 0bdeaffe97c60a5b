"""How sure a configured value's source is, the scale every `config/*.yaml` entry uses.

V: seen in a copy of the named source; S: seen only in a secondary source (a review, a
vendor page, another paper's table); U: not verified, from general knowledge or a design
choice, to be checked before it is relied on (the scale of the project's clinical
reference notes).
"""

EVIDENCE_LEVELS = ("V", "S", "U")
