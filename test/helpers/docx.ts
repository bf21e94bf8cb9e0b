/**
 * Opens a .docx the way a word processor starts to: as a zip (Python's zipfile, so no zip library is needed in
 * Node) whose XML parts must all parse, and reads the document's paragraphs and table rows as plain text.
 */
import { execFileSync } from 'node:child_process';

export interface DocxContents {
  /** Every part of the package, e.g. `word/document.xml`. */
  parts: string[];
  /** The part `_rels/.rels` names as the main document (null when it names none). */
  mainDocument: string | null;
  /** The `[Content_Types].xml` overrides: part name → content type. */
  contentTypes: Record<string, string>;
  /** The document's top-level paragraphs, each its runs' text joined. */
  paragraphs: string[];
  /** The rows of the document's tables, each a list of cell texts. */
  tableRows: string[][];
}

// Fails (non-zero exit, message on stderr) on a bad zip, a part that is not XML, or a missing required part.
const READ_DOCX = `
import json, sys, zipfile
import xml.etree.ElementTree as ET
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
with zipfile.ZipFile(sys.argv[1]) as docx:
    bad = docx.testzip()
    if bad: sys.exit("corrupt zip member: " + bad)
    parts = docx.namelist()
    trees = {name: ET.fromstring(docx.read(name)) for name in parts if name.endswith((".xml", ".rels"))}
main = [r.get("Target") for r in trees["_rels/.rels"].iter(REL + "Relationship") if r.get("Type") == OFFICE_DOCUMENT]
types = {o.get("PartName"): o.get("ContentType") for o in trees["[Content_Types].xml"].iter(CT + "Override")}
body = trees["word/document.xml"].find(W + "body")
text = lambda element: "".join(t.text or "" for t in element.iter(W + "t"))
print(json.dumps({
    "parts": parts,
    "mainDocument": main[0] if main else None,
    "contentTypes": types,
    "paragraphs": [text(p) for p in body.findall(W + "p")],
    "tableRows": [[text(cell) for cell in row.findall(W + "tc")] for row in body.iter(W + "tr")],
}))
`;

export function readDocx(file: string): DocxContents {
  return JSON.parse(execFileSync('python3', ['-c', READ_DOCX, file], { encoding: 'utf8' })) as DocxContents;
}
