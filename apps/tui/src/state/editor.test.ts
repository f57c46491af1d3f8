import { describe, expect, it } from "vitest";
import { rule } from "../test-support/fixtures.js";
import { addRow, editorFor, newRuleEditor, removeRow, rowOfField, ruleFromEditor, setRowText } from "./editor.js";

describe("the rule editor's rows", () => {
  it("a rule becomes rows and the rows the same rule again", () => {
    const entry = rule("r1", { priority: 5, note: "mine", duration: { kind: "minutes", minutes: 15 } as { kind: string } });
    const e = editorFor(entry);
    expect(e.rows.map((r) => r.path)).toEqual(["action", "priority", "duration.kind", "duration.minutes", "match.exe", "match.operation", "match.protocol", "match.remoteHost", "match.remotePort", "note"]);
    expect(ruleFromEditor(e)).toEqual(entry.rule);
  });

  it("strings stay strings ('8080' in a string field), other rows are JSON, empty rows are left out", () => {
    let e = addRow(newRuleEditor({ kind: "user", uid: 1 }), "match.exe");
    e = setRowText(e, "8080");
    const r = ruleFromEditor(e) as Record<string, unknown>;
    expect(r.match).toEqual({ exe: "8080", operation: ["connect"] });
    e = setRowText(addRow(e, "match.remotePort"), "[443, 8443]");
    expect((ruleFromEditor(e) as { match: unknown }).match).toMatchObject({ remotePort: [443, 8443] });
    e = setRowText(e, "not json");
    expect((ruleFromEditor(e) as { match: { remotePort: unknown } }).match.remotePort, "the daemon names the field").toBe("not json");
    expect(removeRow(e).rows.some((x) => x.path === "match.remotePort")).toBe(false);
  });

  it("an error's field finds its row: match.remotePort[0] is the row match.remotePort", () => {
    const e = editorFor(rule("r1"));
    expect(e.rows[rowOfField(e, "match.remotePort[0]")]!.path).toBe("match.remotePort");
    expect(e.rows[rowOfField(e, "duration.kind")]!.path).toBe("duration.kind");
    expect(rowOfField(e, "match.list")).toBe(-1);
  });
});
