// Lints code snippets as if each sat at a given path, with the project's own ESLint config, in a plain Node
// process (ESLint loads its config through dynamic import, which jest's module sandbox does not support).
// Reads [{code, filePath}] as JSON on stdin; writes [{filePath, messages: [{ruleId, message, line}]}] on stdout.
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { cwd, snippets, files } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const eslint = new ESLint({
  cwd,
  // Planted files are not on disk, so they are type-checked in the default project.
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['src/workflows/*.ts'] } } },
  },
});
const results = [];
for (const { code, filePath } of snippets) results.push(...(await eslint.lintText(code, { filePath })));
if (files.length > 0) results.push(...(await eslint.lintFiles(files)));
const summary = results.map((result) => ({
  filePath: result.filePath,
  messages: result.messages.map(({ ruleId, message, line }) => ({ ruleId, message, line })),
}));
process.stdout.write(JSON.stringify(summary));
