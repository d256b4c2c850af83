"""Build a notebook from a percent-format draft (`# %%` code cells, `# %% [markdown]` prose cells).

Authoring aid only: the notebooks in `nbs/` are the source of truth and are committed; drafts are not.
Usage: python tools/py2nb.py DRAFT.py nbs/NN_name.ipynb   (and --to-py NB DRAFT.py for the reverse)
"""
import json, re, sys
import nbformat

_CELL = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[[^\]]*\]))?[^\n]*$", re.M)

def percent_to_notebook(text: str) -> nbformat.NotebookNode:
    "Split `text` at `# %%` markers into code and markdown cells."
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "python3", "language": "python", "name": "python3"}
    marks = list(_CELL.finditer(text))
    for i, m in enumerate(marks):
        body = text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip("\n")
        if m.group("md"):
            lines = [re.sub(r"^# ?", "", l) for l in body.splitlines()]
            nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines).strip("\n")))
        elif body.strip():
            cell = nbformat.v4.new_code_cell(body)
            if m.group("tags"): cell.metadata["tags"] = json.loads(m.group("tags"))  # e.g. papermill's "parameters"
            nb.cells.append(cell)
    # stable cell ids (nbformat draws random ones), so regenerating a notebook does not churn lgmot/
    import hashlib
    for i, c in enumerate(nb.cells): c["id"] = hashlib.sha1(f"{i}:{c.source}".encode()).hexdigest()[:8]
    return nb

def notebook_to_percent(nb) -> str:
    "The inverse: a percent-format draft of `nb`, for editing a notebook as text."
    out = []
    for c in nb.cells:
        if c.cell_type == "markdown":
            out.append("# %% [markdown]\n" + "\n".join(("# " + l).rstrip() for l in c.source.splitlines()))
        else:
            tags = c.get("metadata", {}).get("tags")
            out.append(("# %% tags=" + json.dumps(tags) if tags else "# %%") + "\n" + c.source)
    return "\n\n".join(out) + "\n"

if __name__ == "__main__":
    if sys.argv[1] == "--to-py":  # python tools/py2nb.py --to-py nbs/X.ipynb DRAFT.py
        open(sys.argv[3], "w", encoding="utf-8").write(notebook_to_percent(nbformat.read(sys.argv[2], as_version=4)))
    else:
        nb = percent_to_notebook(open(sys.argv[1], encoding="utf-8").read())
        nbformat.write(nb, sys.argv[2])
        # leave it exactly as `nbdev-clean` would, so `make test`'s clean check passes
        import pathlib, subprocess; subprocess.run([str(pathlib.Path(sys.executable).parent / "nbdev-clean"), "--fname", sys.argv[2]], check=True)
        print(f"wrote {sys.argv[2]}: {len(nb.cells)} cells")
