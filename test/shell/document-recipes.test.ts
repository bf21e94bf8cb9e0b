/**
 * The standard-library recipes of docs/documents.md, run as the page shows them: inside the real bubblewrap
 * sandbox of the `bash` tool (no network, the host's /usr read-only), and their files opened afterwards with a
 * zip reader and an XML parser. A recipe that stops working fails here, not in an agent's session.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { readDocx } from '../helpers/docx';

const PAGE = path.resolve(__dirname, '..', '..', 'docs', 'documents.md');

/** The page's ```python blocks under the heading that starts with `heading` (a list item's indent removed). */
function pythonBlocks(heading: string): string[] {
  const section = fs
    .readFileSync(PAGE, 'utf8')
    .split(/^## /m)
    .find((part) => part.startsWith(heading));
  if (!section) throw new Error(`docs/documents.md has no section "${heading}"`);
  return [...section.matchAll(/^( *)```python\n([\s\S]*?)^\1```$/gm)].map(([, indent, code]) =>
    code.replace(new RegExp(`^${indent}`, 'gm'), ''),
  );
}

// Reads the first sheet of an .xlsx as rows of cell texts: numbers as written, inline strings, `=formula`.
const READ_XLSX = `
import json, sys, zipfile
import xml.etree.ElementTree as ET
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
with zipfile.ZipFile(sys.argv[1]) as xlsx:
    assert xlsx.testzip() is None
    trees = {name: ET.fromstring(xlsx.read(name)) for name in xlsx.namelist()}
def text(c):
    if c.find(M + "f") is not None: return "=" + c.find(M + "f").text
    if c.get("t") == "inlineStr": return c.find(M + "is").find(M + "t").text
    return c.find(M + "v").text
sheet = trees["xl/worksheets/sheet1.xml"]
print(json.dumps({
    "parts": sorted(trees),
    "sheets": [s.get("name") for s in trees["xl/workbook.xml"].iter(M + "sheet")],
    "rows": [[text(c) for c in row.findall(M + "c")] for row in sheet.iter(M + "row")],
}))
`;

describe('docs/documents.md: the standard-library recipes, in the sandbox', () => {
  let pool: ShellPool;
  let workspace: string;
  beforeAll(async () => {
    pool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-documents-'));
  });
  afterAll(async () => {
    await pool?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  /** Writes the script into the workspace and runs it with the sandbox's python3; its output on failure. */
  async function runInSandbox(script: string, code: string): Promise<void> {
    fs.writeFileSync(path.join(workspace, script), code);
    const result = await pool.run({
      sessionId: 'documents',
      workspace,
      command: `python3 ${script}`,
      timeoutMs: 60_000,
    });
    expect({ exitCode: result.exitCode, output: result.output }).toEqual({ exitCode: 0, output: '' });
  }

  it('writes a .docx with a heading, a paragraph and a table', async () => {
    expect(pool.availability).toEqual({ ok: true });
    const [docx] = pythonBlocks('Word (.docx)');
    await runInSandbox('docx_recipe.py', docx);
    const document = readDocx(path.join(workspace, 'summary.docx'));
    expect(document.parts.sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
    expect(document.mainDocument).toBe('word/document.xml');
    expect(document.paragraphs).toEqual(['Quarterly summary', 'Revenue grew in every region.']);
    expect(document.tableRows).toEqual([
      ['Region', 'Revenue'],
      ['North', '3,314.25'],
      ['South', '4,242.50'],
    ]);
  });

  it('writes an .xlsx with text, numbers and a formula', async () => {
    const [xlsx] = pythonBlocks('Excel (.xlsx)');
    await runInSandbox('xlsx_recipe.py', xlsx);
    const workbook = JSON.parse(
      execFileSync('python3', ['-c', READ_XLSX, path.join(workspace, 'revenue.xlsx')], { encoding: 'utf8' }),
    );
    expect(workbook).toEqual({
      parts: [
        '[Content_Types].xml',
        '_rels/.rels',
        'xl/_rels/workbook.xml.rels',
        'xl/workbook.xml',
        'xl/worksheets/sheet1.xml',
      ],
      sheets: ['Revenue'],
      rows: [
        ['Region', 'Revenue'],
        ['North', '3314.25'],
        ['South', '4242.5'],
        ['Total', '=SUM(B2:B3)'],
      ],
    });
  });

  it('fills the placeholders of a template, escaping the values for XML', async () => {
    const [docx] = pythonBlocks('Word (.docx)');
    const [fill] = pythonBlocks('PowerPoint (.pptx)');
    const makeAndFill =
      'write_docx("template.docx", [paragraph("Prepared by {{team}} for {{month}}")])\n' +
      'fill_template("template.docx", "filled.docx", {"team": "R&D <data>", "month": "2024-05"})\n';
    await runInSandbox('fill_recipe.py', `${docx}\n${fill}\n${makeAndFill}`);
    expect(readDocx(path.join(workspace, 'filled.docx')).paragraphs).toEqual(['Prepared by R&D <data> for 2024-05']);
  });
});
