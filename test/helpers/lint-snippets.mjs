// Lints code snippets and files with one rule exactly as the project's ESLint config sets it for a given path, in
// a plain Node process (ESLint loads its config through dynamic import, which jest's module sandbox does not
// support). Only that rule runs, without type information: the project's typed run over a default project for the
// never-existing snippet files took over a minute, and `npm run lint` runs every rule on the real files anyway.
// Reads {cwd, rule, at, snippets: [{code, filePath}], files} as JSON on stdin; writes
// {setting, results: [{filePath, messages: [{ruleId, message, line}]}]} on stdout.
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { cwd, rule, at, snippets, files } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const project = await new ESLint({ cwd }).calculateConfigForFile(at);
const setting = project.rules?.[rule];
if (!setting) throw new Error(`the project's config does not set ${rule} for ${at}`);
const [pluginName] = rule.split('/');
const eslint = new ESLint({
  cwd,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: project.languageOptions.parser },
      plugins: { [pluginName]: project.plugins[pluginName] },
      rules: { [rule]: setting },
    },
  ],
});
const results = [];
for (const { code, filePath } of snippets) results.push(...(await eslint.lintText(code, { filePath })));
if (files.length > 0) results.push(...(await eslint.lintFiles(files)));
const summary = results.map((result) => ({
  filePath: result.filePath,
  messages: result.messages.map(({ ruleId, message, line }) => ({ ruleId, message, line })),
}));
process.stdout.write(JSON.stringify({ setting, results: summary }));
