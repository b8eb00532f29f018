"""The scan report as one self-contained HTML file: no network, no build step.

Summary counts on top; a table with a thumbnail per image, the four verdicts
(each with its evidence under a disclosure), sortable by any column and
filterable by verdict and by text; every row's full JSON is embedded and opens
from a link. Everything from a file (names, evidence, manifest text) is escaped.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from provenance.scan.evidence import COLOURS, explain

if TYPE_CHECKING:
    from provenance.scan.run import ScanSummary

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta{color:#5a6270;margin-bottom:1rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin-bottom:1rem}
.card{border:1px solid #d8dce3;border-radius:8px;padding:.5rem .8rem;min-width:10rem}
.card h2{font-size:.8rem;text-transform:uppercase;color:#5a6270;margin:0 0 .3rem}
.controls{display:flex;gap:.8rem;align-items:center;margin:.6rem 0;flex-wrap:wrap}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e5e8ee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f4f6f9;position:sticky;top:0;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
img.thumb{max-width:96px;max-height:96px;border-radius:4px}
.chip{display:inline-block;padding:.05rem .45rem;border-radius:99px;font-size:.8rem;font-weight:600;color:#fff}
details summary{cursor:pointer}
details ul{margin:.3rem 0 0 1rem;padding:0}
.file{word-break:break-all;max-width:22rem}
.summary{max-width:28rem}
"""

_SCRIPT = """
(function(){
  const table=document.getElementById('results');
  const rows=Array.from(table.tBodies[0].rows);
  const filters={ai:document.getElementById('filter-ai'),credentials:document.getElementById('filter-credentials'),
                 ownership:document.getElementById('filter-ownership')};
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


def _chip(word: str) -> str:
    return f'<span class="chip" style="background:{COLOURS.get(word, "#6b7280")}">{_e(word)}</span>'


def _evidence(items: list[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<details><summary>why</summary><ul>{lis}</ul></details>"


def _row(index: int, row: dict[str, Any]) -> str:
    from provenance.scan.reports import verdicts

    report = row["report"]
    words = verdicts(report)
    why = explain(report)
    thumb = row.get("thumbnail")
    image = f'<img class="thumb" alt="" src="{_e(thumb)}">' if thumb else ""
    payload = json.dumps(report, indent=2).replace("</", "<\\/")
    data = " ".join(f'data-{k}="{_e(v)}"' for k, v in words.items())
    return (
        f'<tr {data} data-file="{_e(report.get("file"))}" data-exit="{_e(report.get("exit_code"))}">'
        f"<td>{image}</td>"
        f'<td class="file">{_e(report.get("file"))}</td>'
        f"<td>{_chip(words['credentials'])}{_evidence(why['credentials'])}</td>"
        f"<td>{_chip(words['watermark'])}{_evidence(why['watermark'])}</td>"
        f"<td>{_chip(words['ownership'])}{_evidence(why['ownership'])}</td>"
        f"<td>{_chip(words['ai'])}{_evidence(why['ai'])}</td>"
        f"<td>{_e(report.get('exit_code'))}</td>"
        f'<td class="summary">{_e(report.get("summary"))}</td>'
        f'<td><a class="json" href="#" data-for="r{index}">JSON</a>'
        f'<script type="application/json" id="r{index}">{payload}</script></td>'
        "</tr>"
    )


def _options(values: dict[str, int]) -> str:
    return '<option value="">all</option>' + "".join(
        f'<option value="{_e(v)}">{_e(v)} ({n})</option>' for v, n in values.items()
    )


def render(rows: list[dict[str, Any]], summary: ScanSummary) -> str:
    counts = summary.counts
    cards = "".join(
        f"<div class=card><h2>{_e(name)}</h2>{'<br>'.join(f'{_chip(v)} {n}' for v, n in counts[name].items())}</div>"
        for name in ("credentials", "ai", "ownership", "watermark")
    )
    selects = "".join(
        f'<label>{_e(name)} <select id="filter-{name}">{_options(counts[name])}</select></label>'
        for name in ("ai", "credentials", "ownership")
    )
    body = "".join(_row(i, r) for i, r in enumerate(rows))
    head = "".join(
        f'<th data-key="{key}">{label}</th>' if key else f"<th>{label}</th>"
        for key, label in (
            ("", ""),
            ("file", "file"),
            ("credentials", "credentials"),
            ("watermark", "watermark"),
            ("ownership", "ownership"),
            ("ai", "AI"),
            ("exit", "exit"),
            ("", "summary"),
            ("", ""),
        )
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>provenance scan: {summary.files} images</title><style>{_STYLE}</style></head><body>"
        f"<h1>provenance scan: {summary.files} images</h1>"
        f'<div class="meta">{summary.scanned} scanned now, {summary.resumed} from a checkpoint, '
        f"{summary.seconds} s; exit code {summary.exit_code}. Verdicts are separate: no provenance found is "
        "not the same as fake.</div>"
        f'<div class="cards">{cards}</div>'
        f'<div class="controls">{selects}<label>search <input id="filter-text" type="search"></label>'
        f'<span><span id="shown">{len(rows)}</span> shown</span></div>'
        f'<table id="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
