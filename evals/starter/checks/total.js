// Checker script: total.txt holds one amount with two decimals and no thousands separator.
const fs = require('node:fs');
const path = require('node:path');
const [workspace] = process.argv.slice(2);
let text = '';
try {
  text = fs.readFileSync(path.join(workspace, 'total.txt'), 'utf8').trim();
} catch {
  // a missing file fails both checks below
}
const checks = [
  { name: 'two decimals in total.txt', pass: /^\d+\.\d{2}$/.test(text.replace(/,/g, '')) },
  { name: 'no thousands separator in total.txt', pass: text !== '' && !text.includes(',') },
];
process.stdout.write(JSON.stringify({ checks }));
