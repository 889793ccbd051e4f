"""Render the data-contract README of the bundled tables from the contracts themselves.

`python -m atomscope.warehouse.contract_docs > src/atomscope/data/README.md` regenerates it; a test keeps
the committed file in step with the code, so the documentation cannot drift from the validator.
"""

from __future__ import annotations

from atomscope.warehouse.load import BUNDLED

HEADER = """# Bundled data: contracts

Generated from the contracts in `src/atomscope/sources/` by `python -m atomscope.warehouse.contract_docs`;
do not edit by hand. Provenance, upstream commits, licenses and required attributions are in
[`SOURCES.md`](SOURCES.md); the organization registry's curation choices in
[`ORGANIZATIONS_NOTES.md`](ORGANIZATIONS_NOTES.md).

Every file is validated on load (`atomscope init`): a missing column, an unparsable number or date, a value
outside its allowed set, an empty required value or a duplicate key fails with `file:line: what is wrong`,
and the warehouse is left as it was. Cross-file rules: every Hugging Face namespace in
`atom_organization_regions.csv` has exactly one `hf` alias, whose organization has ATOM's region; every
alias names a known organization; every tracked model's namespace has an ATOM region.

The tracking policy `atom_tracking_policy.yml` is ATOM's file verbatim; `domain/policy.py` documents how
its rules apply.
"""


def render() -> str:
    parts = [HEADER]
    for spec in BUNDLED:
        contract = spec.contract
        target = f"warehouse table `{spec.table}`" if spec.table else "validation only"
        key = ", ".join(contract.key) if contract.key else "none"
        parts.append(f"\n## `{contract.file_name}`\n\n{contract.description}\n\n{target}; unique key: {key}.")
        if contract.drop_duplicates_ignoring is not None:
            ignored = ", ".join(contract.drop_duplicates_ignoring)
            parts.append(f" A row repeating an earlier key and equal to it except in ({ignored}) is dropped.")
        parts.append("\n\n| column | type | required | rule | meaning |\n|---|---|---|---|---|\n")
        for col in contract.columns:
            rule = ""
            if col.allowed is not None:
                rule = "one of " + ", ".join(f"`{v}`" for v in sorted(col.allowed))
            elif col.pattern is not None:
                rule = f"matches `{col.pattern}`"
            if col.rename:
                rule = (rule + "; " if rule else "") + f"stored as `{col.rename}`"
            required = "yes" if col.required else ""
            parts.append(f"| `{col.name}` | {col.type} | {required} | {rule} | {col.description} |\n")
    return "".join(parts)


if __name__ == "__main__":
    print(render(), end="")
