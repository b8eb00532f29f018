// The page: upload one image to /v1/verify and show its report. Everything from
// the report is set as text (never as HTML), so a hostile file name or manifest
// cannot inject markup. The words for each verdict (label, meaning, colour) come
// from the service's vocabulary (GET /v1/vocabulary, provenance/verdicts.py); a
// state the vocabulary does not know is shown by its own name, in a neutral colour.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let vocabulary = null;
  let jsonUrl = null;

  async function loadVocabulary() {
    if (vocabulary) return vocabulary;
    const answer = await fetch("/v1/vocabulary");
    if (!answer.ok) throw new Error("the service answered " + answer.status + " for its vocabulary");
    vocabulary = await answer.json();
    for (const [tone, colour] of Object.entries(vocabulary.tones || {})) {
      document.documentElement.style.setProperty("--" + tone, colour);
    }
    return vocabulary;
  }
  // placement: what the image is relative to its registered picture (the answer's
  // "placement"); for an altered copy a verdict that would read as a pass has its own,
  // qualified word (the vocabulary's "altered" table, verdicts.shown_word).
  function word(axis, state, placement) {
    const altered = placement === "altered" && vocabulary && vocabulary.altered && vocabulary.altered[axis];
    if (altered && altered[state]) return altered[state];
    const known = vocabulary && vocabulary.axes[axis] && vocabulary.axes[axis][state];
    if (known) return known;
    return { state: state, label: String(state), meaning: "", tone: "none", colour: "var(--none)" };
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function verdict(axis, state, detail, placement) {
    const box = $("v-" + axis);
    const w = word(axis, state, placement);
    box.dataset.state = state;
    box.dataset.tone = w.tone;
    box.style.setProperty("--tone", w.colour);
    box.querySelector(".word").textContent = w.label;
    box.querySelector(".detail").textContent = detail || "";
    box.querySelector(".meaning").textContent = w.meaning;
  }
  function fact(list, name, value) {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", name), el("dd", value));
  }
  function chip(state) {
    if (!state) return el("span", "no manifest", "chip");
    const w = word("credentials", state);
    const node = el("span", w.label, "chip");
    node.title = w.meaning;
    node.style.background = w.colour;
    return node;
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
  // The manifest whose facts are shown: the file's own, or, for a stripped file,
  // the signed manifest the registry kept for the picture it is.
  function signedManifest(cred) {
    return cred.recovered_manifest && !cred.signer ? cred.recovered_manifest : cred;
  }
  function watermarkDetail(mark) {
    if (!mark.found) return mark.note || "";
    const confidence = Number(mark.confidence).toFixed(2);
    return `${mark.scheme}, record ${mark.record_id}, confidence ${confidence}` + (mark.note ? ". " + mark.note : "");
  }

  // The camera the signer declared (stamp keeps it from the photo's EXIF): what it says, not proof.
  function declaredCamera(declared) {
    if (!declared) return "";
    const make = declared["tiff:Make"] || "", model = declared["tiff:Model"] || "";
    const name = make && model.toLowerCase().startsWith(make.split(" ")[0].toLowerCase()) ? model : `${make} ${model}`.trim();
    const taken = declared["exif:DateTimeOriginal"];
    return [name, taken && `taken ${taken}`].filter(Boolean).join(", ");
  }

  function showFacts(cred, manifest, state, placement) {
    const facts = $("facts");
    facts.replaceChildren();
    if (cred.recovered_manifest) {
      fact(facts, "credentials", `recovered from the registry via ${cred.recovered_via}; the file itself carries none`);
    }
    // its standing beside its name: "who and when" listed a signer this home does not trust as any other
    const standing = vocabulary && vocabulary.signer_trust ? [vocabulary.signer_trust[manifest.trust || "unknown"]] : [];
    if (manifest.test_signer && vocabulary) standing.push(vocabulary.test_signer);
    fact(facts, "signer", manifest.signer && `${manifest.signer} (${standing.join("; ")})`.replace(" ()", ""));
    fact(facts, "issuer", manifest.issuer);
    // a time-stamp that does not match the signature dates nothing; one without a readable time is not shown as one
    const stamp = manifest.timestamp;
    if (stamp && stamp.problem) fact(facts, "time-stamp", "dates nothing: " + stamp.problem);
    fact(facts, "signed at", stamp && stamp.time && !stamp.problem ? stamp.time + " (time-stamp authority)" : manifest.signed_at);
    fact(facts, "model", manifest.model);
    fact(facts, "author", manifest.author);
    const caveat = manifest.caption && vocabulary && vocabulary.captions && vocabulary.captions[placement];
    fact(facts, "caption", manifest.caption && (caveat ? `${manifest.caption} (${caveat})` : manifest.caption));
    fact(facts, "credit", manifest.credit);
    fact(facts, "camera (as declared)", declaredCamera(manifest.declared_camera));
    fact(facts, "claim generator", manifest.claim_generator);
    fact(facts, "source type", manifest.digital_source_type && manifest.digital_source_type.split("/").pop());
    if (manifest.generation && manifest.generation.seed !== undefined) {
      const g = manifest.generation;
      fact(facts, "generation", `seed ${g.seed}, strength ${g.strength}, ${g.steps} steps, ${g.scheduler}`);
    }
    facts.hidden = !facts.children.length;
    $("no-facts").hidden = !facts.hidden;
    $("no-facts").textContent = word("credentials", state).meaning || "No signed facts.";
  }

  // How a match was reached, in the vocabulary's words (verdicts.MATCHED_BY), else its code.
  function matchedBy(code) {
    return (vocabulary && vocabulary.matched_by && vocabulary.matched_by[code]) || code;
  }

  function showSignals(ai) {
    const signals = $("signals");
    signals.replaceChildren();
    for (const s of ai.signals || []) {
      const li = el("li");
      li.append(el("div", s.evidence), el("div", s.source, "source"));
      if (s.prompt) {
        const prompt = el("details", null, "prompt");
        prompt.append(el("summary", "prompt"), el("p", s.prompt));
        prompt.open = s.prompt.length <= 300;
        li.append(prompt);
      }
      signals.append(li);
    }
    for (const c of ai.conflicts || []) signals.append(el("li", "Conflict: " + c));
    if (!signals.children.length) signals.append(el("li", word("ai", "no-evidence").meaning, "source"));
    // a check the picture is too small for is named, in the quiet style: it is not a signal
    for (const s of ai.skipped || []) signals.append(el("li", "Not checked: " + s, "source"));
  }

  function show(report, file) {
    const cred = report.credentials || {};
    const mark = report.watermark || {};
    const own = report.ownership || {};
    const ai = report.ai || {};
    const states = report.states || {};
    const manifest = signedManifest(cred);
    $("result").hidden = false;
    $("file-name").textContent = file.name;
    $("summary").textContent = report.summary;
    $("preview").src = URL.createObjectURL(file);
    if (jsonUrl) URL.revokeObjectURL(jsonUrl);
    jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: "application/json" }));
    $("json-link").href = jsonUrl;
    $("json-link").download = file.name + ".provenance.json";
    const recovered = cred.recovered_manifest ? "recovered via " + cred.recovered_via : "";
    const placement = report.placement;
    verdict("credentials", states.credentials, [manifest.signer && "signed by " + manifest.signer, recovered]
      .filter(Boolean).join("; "), placement);
    const firstAi = (ai.signals || [])[0];
    verdict("ai", states.ai, firstAi ? firstAi.evidence : "");
    // Without a match the summary only restates the verdict's own word: say it once.
    verdict("ownership", states.ownership, (own.matches || []).length ? own.summary : "", placement);
    verdict("watermark", states.watermark, watermarkDetail(mark));
    showFacts(cred, manifest, states.credentials, placement);
    const thumbs = report.thumbnails || {};
    const ing = $("ingredients");
    ing.replaceChildren();
    if ((manifest.ingredients || []).length) {
      const holder = el("div", null, "tree");
      holder.append(tree(manifest.ingredients, manifest.manifest_label, thumbs));
      ing.append(holder);
    } else {
      ing.append(el("p", "No ingredients recorded.", "source"));
    }
    const matches = $("matches");
    matches.replaceChildren();
    for (const m of own.matches || []) {
      const li = el("li");
      li.append(el("strong", m.relation + " "), document.createTextNode(
        `${m.title || m.record_id} (owner ${m.owner}, ${m.strength}, by ${matchedBy(m.matched_by)})`));
      matches.append(li);
    }
    if (!matches.children.length) matches.append(el("li", "None.", "source"));
    showSignals(ai);
  }

  let lastFile = null;  // checked again once a token is given

  function authorisation() {
    const token = ($("token").value || sessionStorage.getItem("provenance-token") || "").trim();
    return token ? { Authorization: "Bearer " + token } : {};
  }

  async function check(file) {
    lastFile = file;
    const status = $("status");
    status.className = "";
    status.textContent = "Checking " + file.name + "…";
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      await loadVocabulary();
      const answer = await fetch("/v1/verify?thumbnails=true&states=true", {
        method: "POST", body, headers: authorisation() });
      const data = await answer.json();
      if (answer.status === 401) {  // started with --require-token: the page asks for one
        $("token-row").hidden = false;
        $("token").focus();
      }
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
  const token = $("token");
  token.value = sessionStorage.getItem("provenance-token") || "";  // this tab only, never the disk
  token.addEventListener("change", () => {
    sessionStorage.setItem("provenance-token", token.value.trim());
    if (lastFile) check(lastFile);
  });
  loadVocabulary().catch(() => {});  // early, so the first answer shows at once; check() retries
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
