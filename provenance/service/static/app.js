// The page: upload one image to /v1/verify and show its report. Everything from
// the report is set as text (never as HTML), so a hostile file name or manifest
// cannot inject markup.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const CREDENTIALS = {
    trusted: ["ok", "Signed by a trusted signer"], valid: ["warn", "Signed, signer not trusted here"],
    invalid: ["bad", "Broken: the manifest does not validate"], absent: ["", "No Content Credentials"],
  };
  const AI = {
    "ai-generated": ["ai", "AI-generated"], "ai-edited": ["ai", "AI-edited"],
    captured: ["info", "Captured (signed)"], "no-evidence": ["", "No AI signal found"],
  };
  const OWNERSHIP = {
    registered: ["ok", "Registered"], derived: ["info", "Derived from a registered original"],
    inconclusive: ["warn", "Inconclusive"], "no-match": ["", "No registered match"],
    "no-registry": ["", "No registry"],
  };
  let jsonUrl = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function verdict(id, table, key, detail) {
    const box = $(id);
    const [cls, word] = table[key] || ["", key];
    box.className = "verdict" + (cls ? " " + cls : "");
    box.querySelector(".word").textContent = word;
    box.querySelector(".detail").textContent = detail || "";
  }
  function fact(list, name, value) {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", name), el("dd", value));
  }
  function chip(state) {
    const cls = { trusted: "ok", valid: "warn", invalid: "bad" }[state] || "";
    return el("span", state || "no manifest", "chip " + cls);
  }
  function tree(items, parentLabel, thumbs) {
    const list = el("ul");
    for (const item of items) {
      const li = el("li");
      const row = el("div", null, "ing");
      const src = thumbs[parentLabel + "|" + item.title];
      const img = el("img");
      img.alt = "thumbnail of " + (item.title || "ingredient");
      if (src) img.src = src;
      const text = el("div");
      text.append(el("strong", item.title || "(untitled)"), document.createTextNode(" "), chip(item.state));
      const bits = [item.relationship, item.format, item.software_agent && "made with " + item.software_agent];
      text.append(el("div", bits.filter(Boolean).join(" · "), "source"));
      row.append(img, text);
      li.append(row);
      if (item.ingredients && item.ingredients.length) li.append(tree(item.ingredients, item.manifest_label, thumbs));
      list.append(li);
    }
    return list;
  }

  function show(report, file) {
    const cred = report.credentials || {};
    const mark = report.watermark || {};
    const own = report.ownership || {};
    const ai = report.ai || {};
    $("result").hidden = false;
    $("file-name").textContent = file.name;
    $("summary").textContent = report.summary;
    $("preview").src = URL.createObjectURL(file);
    if (jsonUrl) URL.revokeObjectURL(jsonUrl);
    jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: "application/json" }));
    $("json-link").href = jsonUrl;
    $("json-link").download = file.name + ".provenance.json";
    const trust = cred.state === "absent" ? "" : "trust: " + cred.trust + (cred.recovered ? " (recovered)" : "");
    verdict("v-credentials", CREDENTIALS, cred.state, [cred.signer, trust].filter(Boolean).join(" · "));
    const firstAi = (ai.signals || [])[0];
    verdict("v-ai", AI, ai.verdict, firstAi ? firstAi.evidence : "");
    verdict("v-ownership", OWNERSHIP, own.verdict, own.summary || "");
    const wm = mark.found
      ? ["ok", mark.scheme] : ["", "None found"];
    $("v-watermark").className = "verdict " + wm[0];
    $("v-watermark").querySelector(".word").textContent = wm[1];
    $("v-watermark").querySelector(".detail").textContent = mark.found
      ? "record " + mark.record_id + ", confidence " + Number(mark.confidence).toFixed(2) : (mark.note || "");
    const facts = $("facts");
    facts.replaceChildren();
    fact(facts, "signer", cred.signer);
    fact(facts, "issuer", cred.issuer);
    fact(facts, "signed at", cred.timestamp ? cred.timestamp.time + " (time-stamp authority)" : cred.signed_at);
    fact(facts, "model", cred.model);
    fact(facts, "user", cred.author);
    fact(facts, "claim generator", cred.claim_generator);
    fact(facts, "source type", cred.digital_source_type && cred.digital_source_type.split("/").pop());
    if (cred.generation && cred.generation.seed !== undefined) {
      const g = cred.generation;
      fact(facts, "generation", `seed ${g.seed}, strength ${g.strength}, ${g.steps} steps, ${g.scheduler}`);
    }
    const thumbs = report.thumbnails || {};
    const ing = $("ingredients");
    ing.replaceChildren();
    if ((cred.ingredients || []).length) {
      const holder = el("div", null, "tree");
      holder.append(tree(cred.ingredients, cred.manifest_label, thumbs));
      ing.append(holder);
    } else {
      ing.append(el("p", "No ingredients recorded.", "source"));
    }
    const matches = $("matches");
    matches.replaceChildren();
    for (const m of own.matches || []) {
      const li = el("li");
      li.append(el("strong", m.relation + " "), document.createTextNode(
        `${m.title || m.record_id} (owner ${m.owner}, ${m.strength}, by ${m.matched_by})`));
      matches.append(li);
    }
    if (!matches.children.length) matches.append(el("li", "None.", "source"));
    const signals = $("signals");
    signals.replaceChildren();
    for (const s of ai.signals || []) {
      const li = el("li");
      li.append(el("div", s.evidence), el("div", s.source, "source"));
      signals.append(li);
    }
    for (const c of ai.conflicts || []) signals.append(el("li", "Conflict: " + c));
    if (!signals.children.length) signals.append(el("li", "No AI signal found. That alone says nothing about whether the image is genuine.", "source"));
  }

  async function check(file) {
    const status = $("status");
    status.className = "";
    status.textContent = "Checking " + file.name + "…";
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const answer = await fetch("/v1/verify?thumbnails=true", { method: "POST", body });
      const data = await answer.json();
      if (!answer.ok) {
        status.className = "error";
        status.textContent = (data.error && data.error.message) || ("the service answered " + answer.status);
        $("result").hidden = true;
        return;
      }
      status.textContent = "";
      show(data, file);
    } catch (err) {
      status.className = "error";
      status.textContent = "Could not reach the service: " + err;
    }
  }

  const drop = $("drop");
  const input = $("file");
  input.addEventListener("change", () => { if (input.files.length) check(input.files[0]); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) check(e.dataTransfer.files[0]);
  });
})();
