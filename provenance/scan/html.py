"""The scan report as one self-contained HTML file: no network, no build step.

Summary counts on top; a table with a thumbnail per image, the four verdicts
(each with its evidence under a disclosure), sortable by any column and
filterable by verdict and by text; every row's full JSON is embedded and opens
from a link. Everything from a file (names, evidence, manifest text) is escaped.
"""

from __future__ import annotations

import html
import json
import os
from typing import TYPE_CHECKING

from provenance import verdicts
from provenance.scan.evidence import explain

if TYPE_CHECKING:
    from provenance.scan.item import ScanRow
    from provenance.scan.run import ScanSummary

_STYLE = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
main{padding:1.25rem 1.5rem}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta{color:#5a6270;margin:0 0 1rem;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.8rem;margin-bottom:.6rem}
.card{background:#fff;border:1px solid #d8dce3;border-radius:8px;padding:.6rem .8rem}
.card h2{font-size:.75rem;letter-spacing:.04em;text-transform:uppercase;color:#5a6270;margin:0 0 .4rem}
.card ul{list-style:none;margin:0;padding:0}
.card li{display:flex;justify-content:space-between;align-items:baseline;gap:.6rem;margin:.25rem 0}
.legend{margin:0 0 .6rem}.legend dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem .8rem;margin:.5rem 0}
.legend dd{margin:0;color:#374151}.legend h3{grid-column:1/-1;font-size:.8rem;margin:.5rem 0 0;color:#5a6270}
.controls{display:flex;gap:.6rem 1rem;align-items:center;margin:.6rem 0;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
col.c-thumb{width:6.6rem}col.c-file{width:22%}col.c-exit{width:7rem}col.c-json{width:3.8rem}
th,td{border-bottom:1px solid #e5e8ee;padding:.5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{cursor:pointer;background:#f4f6f9;position:sticky;top:0;user-select:none;font-size:.8rem;color:#374151}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
img.thumb{display:block;max-width:96px;max-height:96px;border-radius:4px}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:6px;font-size:.8rem;font-weight:600;color:#fff;
       line-height:1.35;overflow-wrap:normal}
.name{font-weight:600;white-space:pre-wrap}.dir{color:#5a6270;font-size:.8rem;white-space:pre-wrap}
.summary{color:#374151;font-size:.85rem;margin:.35rem 0 0}
td details{margin-top:.3rem;font-size:.82rem}details summary{cursor:pointer;color:#5a6270}
td details ul{margin:.25rem 0 0;padding-left:1rem}td details li{margin:.15rem 0}
.exit b{display:block;font-size:1.05rem}.exit span{font-size:.8rem;color:#5a6270}
@media (max-width:760px){
  main{padding:1rem .8rem}
  table,tbody{display:block;background:none}thead,colgroup{display:none}
  tr{display:grid;grid-template-columns:76px minmax(0,1fr);gap:.5rem .8rem;padding:.7rem;margin:0 0 .7rem;
     background:#fff;border:1px solid #d8dce3;border-radius:8px}
  tr[hidden]{display:none}
  td{display:block;border:0;padding:0;min-width:0}
  img.thumb{max-width:76px;max-height:76px}
  td[data-label],td.json{grid-column:1/-1}
  td[data-label]::before{content:attr(data-label);display:block;font-size:.7rem;letter-spacing:.04em;
                         text-transform:uppercase;color:#5a6270;margin-bottom:.1rem}
  .exit b,.exit span{display:inline;margin-right:.4rem}
  .legend dl{grid-template-columns:minmax(0,1fr);gap:.15rem}.legend dd{margin:0 0 .45rem}
}
"""

# Column and card headings, in the table's order (verdicts.AXES).
_AXIS_NAMES = {"credentials": "Credentials", "watermark": "Watermark", "ownership": "Ownership", "ai": "AI"}

_SCRIPT = """
(function(){
  const table=document.getElementById('results');
  const rows=Array.from(table.tBodies[0].rows);
  const filters={};
  for(const key of ['ai','credentials','ownership','watermark'])filters[key]=document.getElementById('filter-'+key);
  const text=document.getElementById('filter-text');
  const shown=document.getElementById('shown');
  function apply(){
    const needle=text.value.toLowerCase();let n=0;
    for(const row of rows){
      let ok=true;
      for(const [key,select] of Object.entries(filters)){if(select.value&&row.dataset[key]!==select.value)ok=false;}
      if(needle&&!row.textContent.toLowerCase().includes(needle))ok=false;
      row.hidden=!ok;if(ok)n++;
    }
    shown.textContent=n;
  }
  for(const select of Object.values(filters))select.addEventListener('change',apply);
  text.addEventListener('input',apply);
  table.tHead.querySelectorAll('th[data-key]').forEach(function(th,index){
    th.addEventListener('click',function(){
      const asc=th.getAttribute('aria-sort')!=='ascending';
      table.tHead.querySelectorAll('th').forEach(h=>h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      const key=th.dataset.key;
      rows.sort(function(a,b){
        const x=a.dataset[key]||'',y=b.dataset[key]||'';
        const nx=Number(x),ny=Number(y);
        const c=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(r=>table.tBodies[0].appendChild(r));
    });
  });
  document.querySelectorAll('a.json').forEach(function(link){
    link.addEventListener('click',function(event){
      event.preventDefault();
      const text=document.getElementById(link.dataset.for).textContent;
      const url=URL.createObjectURL(new Blob([text],{type:'application/json'}));
      window.open(url,'_blank');
    });
  });
  apply();
})();
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _badge(word: verdicts.Word) -> str:
    return f'<span class="badge" style="background:{word.colour}" title="{_e(word.meaning)}">{_e(word.label)}</span>'


def _evidence(items: list[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<details><summary>why</summary><ul>{lis}</ul></details>"


def _folder(file: str, root: str | None) -> str:
    """The file's folder below the scan's common folder (the header names that one)."""
    folder = os.path.dirname(file)
    if root is None:
        return folder
    inside = os.path.relpath(folder, root)
    return "" if inside == "." else inside


def _severity(code: object) -> int:
    """A row's rank by its exit code, most serious first (:func:`verdicts.severity_rank`): sorted by
    the number, a walkthrough's 2 broken files (exit 1) sank below 32 with no provenance (exit 3)."""
    try:
        return verdicts.severity_rank(int(str(code)))
    except ValueError:
        return -1


def _row(index: int, row: ScanRow, root: str | None) -> str:
    report = row["report"]
    states = verdicts.states(report)
    why = explain(report)
    thumb = row.get("thumbnail")
    image = f'<img class="thumb" alt="" src="{_e(thumb)}">' if thumb else ""
    payload = json.dumps(report, indent=2).replace("</", "<\\/")
    data = " ".join(f'data-{k}="{_e(v)}"' for k, v in verdicts.count_keys(report).items())  # the filters' keys
    file = str(report.get("file") or "")
    code = report.get("exit_code")
    placed = verdicts.placement_state(report)  # an altered copy's passing verdicts are qualified
    cells = "".join(
        f'<td data-label="{_AXIS_NAMES[axis]}">{_badge(verdicts.shown_word(axis, states[axis], placed))}'
        f"{_evidence(why[axis])}</td>"
        for axis in verdicts.AXES
    )
    return (
        f'<tr {data} data-file="{_e(file)}" data-exit="{_e(code)}" data-severity="{_severity(code)}">'
        f'<td class="thumb">{image}</td>'
        f'<td class="file"><div class="name" title="{_e(file)}">{_e(os.path.basename(file) or file)}</div>'
        f'<div class="dir">{_e(_folder(file, root))}</div><p class="summary">{_e(report.get("summary"))}</p></td>'
        f"{cells}"
        f'<td class="exit" data-label="Exit code"><b>{_e(code)}</b>'
        f"<span>{_e(verdicts.exit_word(int(code)).label if code is not None else '')}</span></td>"
        f'<td class="json"><a class="json" href="#" data-for="r{index}">JSON</a>'
        f'<script type="application/json" id="r{index}">{payload}</script></td>'
        "</tr>"
    )


def _options(axis: str, values: dict[str, int]) -> str:
    return '<option value="">all</option>' + "".join(
        f'<option value="{_e(v)}">{_e(verdicts.counted_word(axis, v).label)} ({n})</option>' for v, n in values.items()
    )


def _cards(counts: dict[str, dict[str, int]]) -> str:
    cards = [
        f"<div class=card><h2>{_AXIS_NAMES[axis]}</h2><ul>"
        + "".join(f"<li>{_badge(verdicts.counted_word(axis, key))}<b>{n}</b></li>" for key, n in counts[axis].items())
        + "</ul></div>"
        for axis in ("credentials", "ai", "ownership", "watermark")
    ]
    exits = "".join(
        f"<li><span>{_e(code)}: {_e(verdicts.exit_word(int(code)).label)}</span><b>{n}</b></li>"
        for code, n in counts["exit"].items()
        if code.lstrip("-").isdigit()
    )
    return "".join(cards) + f"<div class=card><h2>Exit codes</h2><ul>{exits}</ul></div>"


def _legend(counts: dict[str, dict[str, int]]) -> str:
    """What each word in this report means (the states it holds)."""
    parts = []
    for axis in verdicts.AXES:
        parts.append(f"<h3>{_AXIS_NAMES[axis]}</h3>")
        for key in counts[axis]:
            word = verdicts.counted_word(axis, key)
            parts.append(f"<dt>{_badge(word)}</dt><dd>{_e(word.meaning)}</dd>")
    return f'<details class="legend"><summary>What the words mean</summary><dl>{"".join(parts)}</dl></details>'


def _root(rows: list[ScanRow]) -> str | None:
    folders = [os.path.dirname(str(r["report"].get("file") or "")) for r in rows]
    if not folders or not all(os.path.isabs(f) for f in folders):
        return None
    return os.path.commonpath(folders)


def render(rows: list[ScanRow], summary: ScanSummary) -> str:
    counts = summary.counts
    root = _root(rows)
    selects = "".join(
        f'<label>{_AXIS_NAMES[axis]} <select id="filter-{axis}">{_options(axis, counts[axis])}</select></label>'
        for axis in ("ai", "credentials", "ownership", "watermark")
    )
    body = "".join(_row(i, r, root) for i, r in enumerate(rows))
    head = "".join(
        f'<th data-key="{key}">{label}</th>' if key else f"<th>{label}</th>"
        for key, label in (
            ("", ""),
            ("file", "file"),
            *((a, _AXIS_NAMES[a]) for a in verdicts.AXES),
            ("severity", "exit"),  # sorted most serious first (5, 1, 4, 3, 2, 0), as several files' code is
            ("", ""),
        )
    )
    cols = (
        '<col class="c-thumb"><col class="c-file">'
        + '<col class="c-v">' * 4
        + '<col class="c-exit"><col class="c-json">'
    )
    where = f"under {_e(root)}; " if root else ""
    exit_label = summary.exit_reason or verdicts.exit_word(summary.exit_code).label
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>provenance scan: {verdicts.counted(summary.files, 'file')}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>provenance scan: {verdicts.counted(summary.files, 'file')}</h1>"
        f'<p class="meta">{where}{summary.scanned} scanned now, {summary.resumed} from a checkpoint, '
        f"{summary.seconds} s; exit code {summary.exit_code} ({_e(exit_label)}). Each verdict stands on its own:"
        " no provenance found is not the same as fake.</p>"
        f'<div class="cards">{_cards(counts)}</div>{_legend(counts)}'
        f'<div class="controls">{selects}<label>search <input id="filter-text" type="search"></label>'
        f'<span><span id="shown">{len(rows)}</span> shown</span></div>'
        f'<table id="results"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<script>{_SCRIPT}</script></main></body></html>\n"
    )
