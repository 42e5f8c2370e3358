// Apply a panel's transformations, field config, overrides and value mappings with Grafana's own
// @grafana/data (the version the deployment runs) to frames built from real Prometheus answers,
// and say what each cell would read. Input (stdin): {"panels": [{"key", "panel", "frames", "variables"}]}.
// Output (stdout): {key: [{"name", "display", "texts", "colors", "links"}]} for every field left.
"use strict";
// @grafana/data reads a few browser globals when it loads; it needs nothing else of a browser.
globalThis.window = globalThis;
globalThis.navigator = { language: "fr-FR", languages: ["fr-FR"], userAgent: "node" };
const g = require("@grafana/data");

const unique = new Map(Object.values(g.standardTransformers).map((t) => [t.id, t]));
g.standardTransformersRegistry.setInit(() =>
  [...unique.values()].map((t) => ({ id: t.id, name: t.name, transformation: t, editor: () => null })),
);
// The field options our dashboards set, with Grafana's own processors (the app registers the same ones).
const option = (id, process, extra = {}) => ({
  id, path: id, name: id, process, override: () => null, editor: () => null, shouldApply: () => true, ...extra,
});
const registry = new g.FieldConfigOptionsRegistry(() => [
  option("mappings", g.valueMappingsOverrideProcessor, { defaultValue: [] }),
  option("links", g.dataLinksOverrideProcessor, { defaultValue: [] }),
  option("thresholds", g.thresholdsOverrideProcessor),
  option("unit", g.unitOverrideProcessor),
  option("noValue", g.identityOverrideProcessor),
  option("decimals", g.identityOverrideProcessor),
  option("min", g.identityOverrideProcessor),
  option("max", g.identityOverrideProcessor),
  option("color", g.identityOverrideProcessor),
  option("custom.cellOptions", g.identityOverrideProcessor, { isCustom: true, path: "cellOptions" }),
]);
const theme = g.createTheme();

function interpolate(text, frame, field, row, variables) {
  const fields = g.getFieldDisplayValuesProxy({ frame, rowIndex: row });
  return text.replace(/\$\{([^}]+)\}/g, (all, name) => {
    if (name === "__url_time_range") return "from=now-1h&to=now";
    if (name === "__value.text") return field.display(field.values[row]).text;
    let m = name.match(/^__data\.fields\.(\w+)$/);
    if (m) return fields[m[1]] === undefined ? all : String(fields[m[1]]);
    m = name.match(/^__field\.labels\.(\w+)$/);
    if (m) return (field.labels || {})[m[1]] ?? all;
    return variables[name] ?? all;
  });
}

function render(item) {
  const frames = item.frames.map((f) => g.createDataFrame(f));
  let result;
  g.transformDataFrame(item.panel.transformations || [], frames).subscribe((out) => (result = out));
  const shown = g.applyFieldOverrides({
    data: result, fieldConfig: item.panel.fieldConfig, fieldConfigRegistry: registry,
    replaceVariables: (s) => s, theme, timeZone: "browser",
  });
  const fields = [];
  for (const frame of shown) {
    for (const field of frame.fields) {
      if (field.type === "time") continue;
      const rows = field.values.map((_, i) => i);
      fields.push({
        name: field.name,
        display: g.getFieldDisplayName(field, frame, shown),
        texts: rows.map((i) => g.formattedValueToString(field.display(field.values[i]))),
        colors: rows.map((i) => field.display(field.values[i]).color || null),
        links: rows.map((i) => (field.config.links || []).map((l) => ({
          title: interpolate(l.title, frame, field, i, item.variables),
          url: interpolate(l.url, frame, field, i, item.variables),
        }))),
      });
    }
  }
  return fields;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = {};
  for (const item of JSON.parse(input).panels) out[item.key] = render(item);
  process.stdout.write(JSON.stringify(out));
});
