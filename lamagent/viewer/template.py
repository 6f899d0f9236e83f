"""The run page's Jinja2 template, style sheet and script, all inline (the page loads nothing)."""

# ruff: noqa: E501  (markup and CSS read better unwrapped)

from __future__ import annotations

STYLE = """
:root { --render: #94a3b8; --generate: #2563eb; --execute: #f59e0b; --tool: #059669;
  --error: #dc2626; --ink: #1e293b; --muted: #64748b; --line: #e2e8f0; --paper: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: var(--paper); }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 15px; margin: 26px 0 10px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; background: #e2e8f0; color: var(--ink); vertical-align: middle; }
.badge.ok { background: #dcfce7; color: #166534; }
.badge.bad { background: #fee2e2; color: #991b1b; }
.badge.warn { background: #fef3c7; color: #92400e; }
.cards { display: grid; grid-template-columns: 2fr 1fr; gap: 14px; margin-top: 14px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card h3 { margin: 0 0 6px; font-size: 13px; color: var(--muted); font-weight: 600; }
.text { white-space: pre-wrap; word-break: break-word; }
table.usage { border-collapse: collapse; width: 100%; }
table.usage td { padding: 2px 0; } table.usage td.n { text-align: right; font-variant-numeric: tabular-nums; }
.timeline { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tl-row { display: grid; grid-template-columns: 170px 1fr 80px; align-items: center; gap: 10px;
  height: 24px; }
.tl-row a { color: var(--ink); text-decoration: none; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.tl-row.tl-call a { color: var(--muted); padding-left: 14px; font-size: 12px; }
.tl-track { position: relative; height: 14px; background: #f1f5f9; border-radius: 3px; }
.tl-bar { position: absolute; top: 0; height: 100%; display: flex; min-width: 3px; }
.tl-row.tl-call .tl-track { height: 8px; background: transparent; }
.seg { height: 100%; min-width: 2px; }
.seg.render { background: var(--render); } .seg.generate { background: var(--generate); }
.seg.execute { background: var(--execute); } .seg.tool { background: var(--tool); }
.seg.failed, .seg.partial { background: var(--error); }
.tl-time { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; font-size: 12px; }
.legend { display: flex; gap: 16px; margin-top: 8px; color: var(--muted); font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
.step { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 12px 0;
  padding: 12px 14px; }
.step > header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; }
.step > header strong { font-size: 15px; }
.step .small { color: var(--muted); font-size: 12px; }
.call { border-left: 4px solid var(--tool); background: #f8fafc; border-radius: 4px; margin: 10px 0;
  padding: 8px 12px; }
.call.failed { border-left-color: var(--error); background: #fef2f2; }
.call .name { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
.label { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  margin: 6px 0 2px; }
pre { margin: 0; padding: 6px 8px; background: #fff; border: 1px solid var(--line);
  border-radius: 4px; white-space: pre-wrap; word-break: break-word; max-height: 320px;
  overflow: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
.error { color: #991b1b; }
.error pre { border-color: #fecaca; }
ul.repairs { margin: 2px 0; padding-left: 18px; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--muted); }
.toolbar { float: right; } button { font: inherit; font-size: 12px; cursor: pointer; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; }
"""

SCRIPT = """
document.documentElement.setAttribute("data-ready", "1");
function setRawOutputs(open) {
  document.querySelectorAll("details.raw").forEach(function (d) { d.open = open; });
}
document.getElementById("expand-raw").addEventListener("click", function () { setRawOutputs(true); });
document.getElementById("collapse-raw").addEventListener("click", function () { setRawOutputs(false); });
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lamagent run {{ run.id }}</title>
<style>{{ style }}</style>
</head>
<body>
<main>
<h1>Run {{ run.id }} <span class="badge {{ run.outcome_class }}">{{ run.outcome }}</span></h1>
<div class="meta">
  {% if run.model_id %}<span>model <b>{{ run.model_id }}</b></span>{% endif %}
  {% if run.format %}<span>format <b>{{ run.format }}</b></span>{% endif %}
  <span>started {{ run.created }}</span>
  {% if run.duration %}<span>took {{ run.duration }}</span>{% endif %}
  <span>{{ run.steps | length }} step{{ "" if run.steps | length == 1 else "s" }}</span>
  <span>{{ run.call_count }} call{{ "" if run.call_count == 1 else "s" }}</span>
</div>

<div class="cards">
  <div class="card">
    <h3>Query</h3><div class="text">{{ run.query }}</div>
    {% if run.answer is not none %}<h3 style="margin-top:10px">Answer</h3>
    <div class="text" id="answer">{{ run.answer }}</div>{% endif %}
    {% if run.error %}<h3 style="margin-top:10px">Error</h3>
    <div class="text error">{{ run.error }}</div>{% endif %}
  </div>
  <div class="card">
    <h3>Usage</h3>
    <table class="usage">
      {% for label, value in run.totals %}
      <tr><td>{{ label }}</td><td class="n">{{ value }}</td></tr>
      {% endfor %}
    </table>
  </div>
</div>

<h2>Timeline</h2>
<div class="timeline" id="timeline">
  {% for row in run.timeline %}
  <div class="tl-row {{ row.kind }}">
    <a href="#step-{{ row.step_id }}" title="{{ row.label }}">{{ row.label }}</a>
    <div class="tl-track">
      <div class="tl-bar" style="left: {{ row.left }}%; width: {{ row.width }}%">
        {% for seg in row.segments %}<div class="seg {{ seg.kind }}" style="width: {{ seg.share }}%"
          title="{{ seg.kind }} {{ seg.time }}"></div>{% endfor %}
      </div>
    </div>
    <span class="tl-time">{{ row.time }}</span>
  </div>
  {% endfor %}
  <div class="legend">
    <span><i style="background:var(--render)"></i>render</span>
    <span><i style="background:var(--generate)"></i>generate</span>
    <span><i style="background:var(--execute)"></i>execute</span>
    <span><i style="background:var(--tool)"></i>tool call</span>
    <span><i style="background:var(--error)"></i>failed</span>
  </div>
</div>

<h2>Steps <span class="toolbar"><button id="expand-raw" type="button">show raw outputs</button>
<button id="collapse-raw" type="button">hide raw outputs</button></span></h2>
{% for step in run.steps %}
<article class="step" id="step-{{ step.id }}">
  <header>
    <strong>Step {{ step.id }}</strong>
    {% for text, cls in step.badges %}<span class="badge {{ cls }}">{{ text }}</span>{% endfor %}
    <span class="small">{{ step.timing_text }}</span>
    <span class="small">{{ step.usage_text }}</span>
  </header>
  {% if step.thought %}<div class="label">thought</div><div class="text">{{ step.thought }}</div>{% endif %}
  {% if step.parse_error %}<div class="label">parse error</div>
  <div class="text error">{{ step.parse_error }}</div>{% endif %}
  {% for call in step.calls %}
  <div class="call{{ ' failed' if call.error_kind else '' }}">
    <div><span class="name">{{ call.name }}</span>
      <span class="small">#{{ call.index }} · {{ call.call_id }}{% if call.time %} · ran {{ call.time }}{% endif %}</span>
      {% if call.error_kind %}<span class="badge bad">{{ call.error_kind }}</span>{% endif %}
      {% if call.duplicate_of is not none %}<span class="badge warn">repeats call #{{ call.duplicate_of }}</span>{% endif %}
    </div>
    <div class="label">arguments</div><pre>{{ call.arguments }}</pre>
    {% if call.written %}<div class="label">as the model wrote it</div><pre>{{ call.written }}</pre>{% endif %}
    {% if call.repairs %}<div class="label">repairs</div><ul class="repairs">
      {% for r in call.repairs %}<li><code>{{ r.argument }}</code> ({{ r.kind }}): {{ r.original }} → {{ r.repaired }}</li>{% endfor %}
    </ul>{% endif %}
    {% if call.error_message %}<div class="label">error</div>
    <div class="error"><pre>{{ call.error_message }}</pre></div>{% endif %}
    <div class="label">result</div><pre class="result">{{ call.result }}</pre>
  </div>
  {% endfor %}
  {% if step.answer is not none %}<div class="label">answer</div><div class="text">{{ step.answer }}</div>{% endif %}
  {% if step.observation %}<div class="label">observation</div><pre>{{ step.observation }}</pre>{% endif %}
  {% if step.user_input is not none %}<div class="label">user replied</div>
  <div class="text">{{ step.user_input }}</div>{% endif %}
  <details class="raw"><summary>raw model output</summary><pre>{{ step.raw_output }}</pre></details>
</article>
{% endfor %}

{% if run.tools %}<h2>Tools</h2>
<details><summary>{{ run.tools | length }} tool{{ "" if run.tools | length == 1 else "s" }} offered to the model</summary>
<pre>{{ run.tools_json }}</pre></details>{% endif %}
{% if run.system_prompt %}<details><summary>system prompt</summary><pre>{{ run.system_prompt }}</pre></details>{% endif %}
<footer>lamagent {{ version }} · trajectory schema {{ run.schema_version }}</footer>
</main>
<script>{{ script }}</script>
</body>
</html>
"""
